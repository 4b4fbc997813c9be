import InMemoryLogging
import Logging
import PhoneNumbersClient
import PhoneNumbersService
import Testing

@Suite("secrets stay secret", .timeLimit(.minutes(2)))
struct SecretsTests {
    @Test("no token, token hash or PIN appears in the logs of a full run at trace level, nor in errors, token lists or the audit trail")
    func noSecretsInLogs() async throws {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        let capture = handler
        let logger = Logger(label: "test.secrets") { _ in capture }
        try await ServiceHarness.with(logger: logger) { harness in
            let tenant = try await Tenant.make(harness)
            var secrets = [harness.operatorToken]
            let number = try await tenant.addNumber("415")
            _ = try await tenant.waitFinal(number.id)
            var pinRequest = GetPortOutPinRequest()
            pinRequest.numberId = number.id
            secrets.append(try await tenant.owner.numbers.getPortOutPin(pinRequest).pin)
            var reset = ResetPortOutPinRequest()
            reset.numberId = number.id
            secrets.append(try await tenant.owner.numbers.resetPortOutPin(reset).pin)

            var issue = IssueTokenRequest()
            issue.serviceName = "relay"
            issue.grants = [.portOutRelay]
            let relayToken = try await harness.operatorAPI.accounts.issueToken(issue).token
            secrets.append(relayToken)
            var portOut = RequestPortOutRequest()
            portOut.e164 = number.e164
            portOut.pin = "99999999"
            portOut.gainingCarrier = "Rival"
            let refusal = await expectError(.permissionDenied, "PORT_OUT_PIN_MISMATCH") {
                try await harness.connection(relayToken).numbers.requestPortOut(portOut)
            }
            let wrongToken = "pn_wrong-token-guess-1234567890"
            secrets.append(wrongToken)
            let unauthenticated = await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection(wrongToken).numbers.listNumbers(ListNumbersRequest())
            }
            // Tokens with a life: issued with an expiry, rotated, revoked, refused.
            var memberIssue = IssueTokenRequest()
            memberIssue.memberId = tenant.memberIDs[.texter]!
            memberIssue.expiresInMs = 3_600_000
            let expiring = try await harness.operatorAPI.accounts.issueToken(memberIssue)
            secrets.append(expiring.token)
            var rotate = RotateTokenRequest()
            rotate.tokenId = expiring.tokenId
            let rotated = try await tenant.owner.accounts.rotateToken(rotate)
            secrets.append(rotated.token)
            var revoke = RevokeTokenRequest()
            revoke.tokenId = try #require(rotated.newToken).id
            _ = try await tenant.owner.accounts.revokeToken(revoke)
            let revoked = await expectError(.unauthenticated, "TOKEN_REVOKED") {
                try await harness.connection(rotated.token).numbers.listNumbers(ListNumbersRequest())
            }
            let listed = try await tenant.owner.accounts.listTokens(ListTokensRequest()).jsonValue.rendered()
            #expect(listed.contains(expiring.tokenId), "the list names tokens by id")
            var audit = ListAuditEventsRequest()
            audit.pageSize = 500
            let trail = try await tenant.owner.events.listAuditEvents(audit).events.map { $0.jsonValue.rendered() }.joined()

            let logged = capture.entries.map { entry in
                "\(entry.message) " + entry.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }.joined(separator: "\n")
            #expect(capture.entries.count > 20, "the run logged \(capture.entries.count) entries")
            let errors = [refusal, unauthenticated, revoked].map { $0?.description ?? "" }.joined()
            let tokenHashes = secrets.filter { $0.hasPrefix("pn_") }.map(Credentials.hash)
            for secret in secrets + [portOut.pin] + tokenHashes {
                #expect(!logged.contains(secret), "a secret was logged")
                #expect(!trail.contains(secret), "a secret is in the audit trail")
                #expect(!listed.contains(secret), "a secret is in the token list")
                #expect(!errors.contains(secret), "a secret is in an error")
            }
        }
    }
}
