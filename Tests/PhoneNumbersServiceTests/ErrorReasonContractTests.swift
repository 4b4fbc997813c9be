import Foundation
import PhoneNumbersClient
import SimulatedProvider
import Testing

/// docs/API.md's table of error reasons is the contract: each row's reasons are
/// triggered over TCP and checked for the row's status code, the domain and every
/// metadata key the row documents. A reason the doc lists but no trigger covers fails
/// the test, unless it is named below with why it cannot be triggered here.
@Suite("every documented error reason", .serialized, .timeLimit(.minutes(3)))
struct ErrorReasonContractTests {
    struct Documented {
        let code: String
        let metadataKeys: [String]
    }

    /// Reasons documented but not reachable here, and why.
    static let untriggerable: [String: String] = [
        "STORE_CONTENDED":
            "64 serialization failures in a row cannot be caused through the API on demand; PostgresStoreTests.contendedWrite causes it on a store allowed one run",
        "WRITE_CONFLICT":
            "every rule checks uniqueness in its own transaction first; only two writers racing past that check meet the store's unique index, which the API cannot order on demand",
    ]

    /// The rows of the table under "## Error reasons" in docs/API.md.
    static func documented() throws -> [String: Documented] {
        let text = try Repository.text("docs/API.md")
        guard let section = text.range(of: "## Error reasons") else { throw TestFailure("docs/API.md has no error reason table") }
        var rows: [String: Documented] = [:]
        for line in text[section.upperBound...].split(separator: "\n")
        where line.hasPrefix("| ") && !line.hasPrefix("| code") && !line.hasPrefix("| ---") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let keys =
                cells[2].range(of: #"\(metadata [^)]*\)"#, options: .regularExpression).map { backticked(String(cells[2][$0])) } ?? []
            for reason in backticked(cells[1]) { rows[reason] = Documented(code: cells[0], metadataKeys: keys) }
        }
        return rows
    }

    private static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test("each reason in docs/API.md: its code, the phonenumbers.v1 domain and its documented metadata")
    func everyReason() async throws {
        let documented = try Self.documented()
        var configuration = SimulatedProviderConfiguration.fast
        configuration.failProvisioningAreaCodes = ["209"]
        try await ServiceHarness.with(configuration) { harness in
            let a = try await Tenant.make(harness, name: "A")
            let b = try await Tenant.make(harness, name: "B")
            let c = try await Tenant.make(harness, name: "C")
            let d = try await Tenant.make(harness, name: "D")
            let e = try await Tenant.make(harness, name: "E")
            let canadian = try await Tenant.make(harness, country: "CA", name: "Canada")
            let relay = try await harness.portOutRelay()
            let n1 = try await a.waitFinal(try await a.addNumber("415").id)
            let n2 = try await a.waitFinal(try await a.addNumber("510").id)
            let n3 = try await a.waitFinal(try await a.addNumber("209").id)
            try #require(n3.status == .failed)
            let active = try await createDedicated(a.admin, n1.id, name: "Active")
            _ = try await a.admin.campaigns.launchCampaign(campaignRequest(active.id))
            let draft = try await createDedicated(a.admin, n1.id, name: "Draft")
            let failedUseCase = try await Tenant.submitUseCase(a.owner, optIn: "")
            try await Tenant.waitForUseCase(a.owner, failedUseCase.id, .failed)
            let bare = try await harness.newOwner()
            let political = try await harness.newOwner()
            try await Tenant.registerBrand(political, .political527)
            // From here on, vetting waits at the gate: this brand stays PENDING.
            harness.provider.hold(.vetting)
            let pendingBrand = try await harness.newOwner()
            _ = try await pendingBrand.registration.submitBrand(Tenant.brandRequest())

            typealias Trigger = () async throws -> Void
            func add(
                _ tenant: Tenant,
                _ areaCode: String,
                name: String = "",
                useCase: String? = nil,
                requestID: String = "",
                via api: PhoneNumbersConnection? = nil
            ) async throws {
                var request = AddNumberRequest()
                request.areaCode = areaCode
                request.useCaseId = useCase ?? tenant.approvedUseCase
                request.name = name
                request.requestId = requestID
                _ = try await (api ?? tenant.admin).numbers.addNumber(request)
            }
            func number(_ id: String) -> GetNumberRequest {
                var request = GetNumberRequest()
                request.numberId = id
                return request
            }
            func resolve(_ campaignID: String, _ contact: String) async throws {
                var request = ResolveSenderRequest()
                request.campaignId = campaignID
                request.contact = contact
                _ = try await a.texter.campaigns.resolveSender(request)
            }
            func brand(_ mutate: (inout SubmitBrandRequest) -> Void) async throws {
                var request = Tenant.brandRequest()
                mutate(&request)
                _ = try await a.owner.registration.submitBrand(request)
            }
            func useCase(_ api: PhoneNumbersConnection, _ mutate: (inout SubmitUseCaseRequest) -> Void) async throws {
                var request = SubmitUseCaseRequest()
                request.type = .charity
                request.description = "Reminders."
                request.sampleMessages = ["One. Reply STOP to opt out.", "Two. Reply HELP for help."]
                request.optInText = "Web form."
                mutate(&request)
                _ = try await api.registration.submitUseCase(request)
            }
            func issue(_ mutate: (inout IssueTokenRequest) -> Void) async throws {
                var request = IssueTokenRequest()
                mutate(&request)
                _ = try await harness.operatorAPI.accounts.issueToken(request)
            }
            /// A new token for a member of D: (token, id).
            func memberToken(_ role: Role, _ mutate: (inout IssueTokenRequest) -> Void = { _ in }) async throws -> (String, String) {
                var request = IssueTokenRequest()
                request.memberId = d.memberIDs[role]!
                mutate(&request)
                let issued = try await harness.operatorAPI.accounts.issueToken(request)
                return (issued.token, issued.tokenId)
            }
            func revoke(_ id: String) async throws {
                var request = RevokeTokenRequest()
                request.tokenId = id
                _ = try await d.owner.accounts.revokeToken(request)
            }
            func watch(since: Int64) async throws {
                var request = WatchEventsRequest()
                request.since = since
                for try await _ in a.admin.events.watchEvents(request, options: CallOptions(timeout: .seconds(5))) {}
            }
            func audit(_ mutate: (inout ListAuditEventsRequest) -> Void) async throws {
                var request = ListAuditEventsRequest()
                mutate(&request)
                _ = try await a.owner.events.listAuditEvents(request)
            }
            func portOut(_ pin: String) async throws { _ = try await relay.numbers.requestPortOut(portOutRequest(n2.e164, pin)) }

            let triggers: [(String, Trigger)] = [
                ("INVALID_CREDENTIALS", { _ = try await harness.connection("pn_unknown").areaCodes.listAreaCodes(ListAreaCodesRequest()) }),
                (
                    "TOKEN_EXPIRED",
                    {
                        let (token, _) = try await memberToken(.texter) { $0.expiresInMs = 3_600_000 }
                        harness.clock.advance(by: .seconds(7200))
                        _ = try await harness.connection(token).accounts.whoAmI(WhoAmIRequest())
                    }
                ),
                (
                    "TOKEN_REVOKED",
                    {
                        let (token, id) = try await memberToken(.texter)
                        try await revoke(id)
                        _ = try await harness.connection(token).accounts.whoAmI(WhoAmIRequest())
                    }
                ),
                (
                    "INVALID_EXPIRY",
                    {
                        try await issue {
                            $0.memberId = d.memberIDs[.texter]!
                            $0.expiresInMs = -1
                        }
                    }
                ),
                (
                    "INVALID_GRACE_PERIOD",
                    {
                        var request = RotateTokenRequest()
                        request.tokenId = "tok_missing"
                        request.gracePeriodMs = 31 * 24 * 3_600_000
                        _ = try await harness.operatorAPI.accounts.rotateToken(request)
                    }
                ),
                (
                    "LAST_OWNER",
                    {
                        var request = RemoveMemberRequest()
                        request.memberId = d.memberIDs[.owner]!
                        _ = try await d.owner.accounts.removeMember(request)
                    }
                ),
                (
                    "TOKEN_NOT_VALID",
                    {
                        let (_, id) = try await memberToken(.texter)
                        try await revoke(id)
                        var request = RotateTokenRequest()
                        request.tokenId = id
                        _ = try await d.owner.accounts.rotateToken(request)
                    }
                ),
                ("TOKEN_NOT_FOUND", { try await revoke("tok_missing") }),
                ("ROLE_NOT_ALLOWED", { try await add(a, "415", via: a.texter) }),
                (
                    "ACCOUNT_MISMATCH",
                    {
                        var request = ListNumbersRequest()
                        request.accountId = b.accountID
                        _ = try await a.admin.numbers.listNumbers(request)
                    }
                ),
                ("OPERATOR_ONLY", { _ = try await a.owner.accounts.createAccount(CreateAccountRequest()) }),
                ("PORT_OUT_PIN_MISMATCH", { try await portOut("00000000") }),
                (
                    "PORT_OUT_LOCKED",
                    {
                        for _ in 0..<2 { try? await portOut("00000000") }
                        try await portOut("00000000")
                    }
                ),
                ("ACCOUNT_REQUIRED", { _ = try await harness.operatorAPI.numbers.listNumbers(ListNumbersRequest()) }),
                ("INVALID_AREA_CODE", { try await add(a, "555") }),
                ("INVALID_NAME", { try await add(a, "415", name: String(repeating: "n", count: 65)) }),
                ("USE_CASE_REQUIRED", { try await add(a, "415", useCase: "") }),
                ("INVALID_REQUEST_ID", { try await add(a, "415", requestID: String(repeating: "r", count: 129)) }),
                ("INVALID_PHONE_NUMBER", { _ = try await relay.numbers.requestPortOut(portOutRequest("12", "0")) }),
                (
                    "INVALID_STATE",
                    {
                        var request = ListAreaCodesRequest()
                        request.state = "ZZ"
                        _ = try await a.texter.areaCodes.listAreaCodes(request)
                    }
                ),
                ("INVALID_CONTACT", { try await resolve(active.id, "911") }),
                ("INVALID_EIN", { try await brand { $0.ein = "12" } }),
                ("INVALID_LEGAL_NAME", { try await brand { $0.legalName = "" } }),
                ("INVALID_ENTITY_TYPE", { try await brand { $0.entityType = .unspecified } }),
                ("INVALID_USE_CASE_TYPE", { try await useCase(a.owner) { $0.type = .unspecified } }),
                ("INVALID_DESCRIPTION", { try await useCase(a.owner) { $0.description = "" } }),
                ("INVALID_SAMPLE_MESSAGES", { try await useCase(a.owner) { $0.sampleMessages = ["only one"] } }),
                (
                    "INVALID_COUNTRY",
                    {
                        var request = CreateAccountRequest()
                        request.name = "X"
                        request.country = "USA"
                        _ = try await harness.operatorAPI.accounts.createAccount(request)
                    }
                ),
                (
                    "INVALID_ROLE",
                    {
                        var request = AddMemberRequest()
                        request.accountId = a.accountID
                        request.name = "X"
                        _ = try await harness.operatorAPI.accounts.addMember(request)
                    }
                ),
                (
                    "OWNER_EXISTS",
                    {
                        var request = AddMemberRequest()
                        request.accountId = a.accountID
                        request.name = "Second owner"
                        request.role = .owner
                        _ = try await harness.operatorAPI.accounts.addMember(request)
                    }
                ),
                (
                    "INVALID_GRANT",
                    {
                        try await issue {
                            $0.serviceName = "s"
                            $0.grants = [.unspecified]
                        }
                    }
                ),
                ("GRANTS_REQUIRED", { try await issue { $0.serviceName = "s" } }),
                ("SUBJECT_REQUIRED", { try await issue { _ in } }),
                (
                    "INVALID_STATUS",
                    {
                        var request = SetUseCaseStatusRequest()
                        request.accountId = a.accountID
                        request.useCaseId = a.approvedUseCase
                        _ = try await harness.operatorAPI.registration.setUseCaseStatus(request)
                    }
                ),
                (
                    "ACCOUNT_NOT_FOUND",
                    {
                        var request = ListNumbersRequest()
                        request.accountId = "acc_missing"
                        _ = try await harness.operatorAPI.numbers.listNumbers(request)
                    }
                ),
                ("MEMBER_NOT_FOUND", { try await issue { $0.memberId = "mem_missing" } }),
                ("USE_CASE_NOT_FOUND", { try await add(a, "415", useCase: "uc_missing") }),
                ("NUMBER_NOT_FOUND", { _ = try await a.admin.numbers.getNumber(number("num_missing")) }),
                ("BRAND_NOT_FOUND", { _ = try await bare.registration.getBrand(GetBrandRequest()) }),
                ("BRAND_NOT_REGISTERED", { try await useCase(bare) { _ in } }),
                ("BRAND_PENDING", { _ = try await pendingBrand.registration.submitBrand(Tenant.brandRequest()) }),
                ("CAMPAIGN_VERIFY_TOKEN_REQUIRED", { try await useCase(political) { $0.type = .political } }),
                ("CHARITY_REQUIRES_NON_PROFIT", { try await useCase(political) { $0.type = .charity } }),
                ("AREA_CODE_NOT_OFFERED", { try await add(a, "603") }),
                ("NOT_US_ACCOUNT", { try await add(canadian, "415", useCase: "uc_any") }),
                ("USE_CASE_NOT_APPROVED", { try await add(a, "415", useCase: failedUseCase.id) }),
                ("NO_NUMBERS_AVAILABLE", { try await add(a, "212") }),
                (
                    "PROVIDER_REFUSED",
                    {
                        harness.provider.failReservations([.permanent("the area code is closed to new numbers")])
                        try await add(a, "415")
                    }
                ),
                (
                    "PROVIDER_UNAVAILABLE",
                    {
                        // Three transient failures exhaust the service's retries; the same
                        // request id then succeeds, and buys one number, not two.
                        harness.provider.failReservations(Array(repeating: .transient("timed out"), count: 3))
                        do {
                            try await add(c, "415", requestID: "retry-me")
                        } catch let error as RPCError where error.reason == "PROVIDER_UNAVAILABLE" {
                            try await add(c, "415", requestID: "retry-me")
                            try await add(c, "415", requestID: "retry-me")
                            let held = try await c.admin.numbers.listNumbers(ListNumbersRequest()).numbers
                            #expect(held.count == 1, "a retried AddNumber bought \(held.count) numbers")
                            throw error
                        }
                    }
                ),
                (
                    "NOT_SIMULATED",
                    {
                        harness.provider.refuseDirectStatusChanges()
                        defer { harness.provider.allowDirectStatusChanges() }
                        var request = SetUseCaseStatusRequest()
                        request.accountId = a.accountID
                        request.useCaseId = a.approvedUseCase
                        request.status = .approved
                        _ = try await harness.operatorAPI.registration.setUseCaseStatus(request)
                    }
                ),
                (
                    "REQUEST_ID_REUSED",
                    {
                        try await add(a, "650", requestID: "order-1")
                        try await add(a, "408", requestID: "order-1")
                    }
                ),
                (
                    "NUMBER_RELEASED",
                    {
                        let numbers = try await a.admin.numbers.listNumbers(ListNumbersRequest()).numbers
                        let extra = try #require(numbers.first { $0.areaCode == "650" })
                        var delete = DeleteNumberRequest()
                        delete.numberId = extra.id
                        _ = try await a.admin.numbers.deleteNumber(delete)
                        var rename = RenameNumberRequest()
                        rename.numberId = extra.id
                        rename.name = "again"
                        _ = try await a.admin.numbers.renameNumber(rename)
                    }
                ),
                (
                    "NUMBER_LIMIT_REACHED",
                    {
                        for code in ["415", "510", "650", "408", "925"] { try await add(b, code) }
                        try await add(b, "707")
                    }
                ),
                (
                    "USE_CASE_NUMBER_LIMIT",
                    {
                        var single = SingleUseSender()
                        single.useCaseId = c.approvedUseCase
                        single.preferredAreaCodes = ["415", "510", "650", "408", "925", "707", "916", "619", "858", "714"]
                        for index in 0..<50 {
                            var create = CreateCampaignRequest()
                            create.name = "Single \(index)"
                            create.singleUse = single
                            let created = try await c.admin.campaigns.createCampaign(create)
                            _ = try await c.admin.campaigns.launchCampaign(campaignRequest(created.id))
                        }
                    }
                ),
                (
                    "NUMBER_IN_USE",
                    {
                        var delete = DeleteNumberRequest()
                        delete.numberId = n1.id
                        _ = try await a.admin.numbers.deleteNumber(delete)
                    }
                ),
                (
                    "NUMBER_NOT_READY",
                    {
                        var pin = GetPortOutPinRequest()
                        pin.numberId = n3.id
                        _ = try await a.owner.numbers.getPortOutPin(pin)
                    }
                ),
                (
                    "NUMBER_NOT_FAILED",
                    {
                        var retry = RetryProvisioningRequest()
                        retry.numberId = n1.id
                        _ = try await a.admin.numbers.retryProvisioning(retry)
                    }
                ),
                ("INVALID_STATE_TRANSITION", { _ = try await a.admin.campaigns.launchCampaign(campaignRequest(active.id)) }),
                ("CAMPAIGN_NOT_ACTIVE", { try await resolve(draft.id, "+12125550199") }),
                (
                    "NUMBER_NOT_HELD",
                    {
                        // Delete and port-out refuse while a campaign uses the number, so the API
                        // cannot get here: the state is arranged in the database, as a store
                        // restored from an older backup could hold it.
                        let paused = try await createDedicated(
                            d.admin,
                            try await d.waitFinal(try await d.addNumber("312").id).id,
                            name: "Paused"
                        )
                        _ = try await d.admin.campaigns.launchCampaign(campaignRequest(paused.id))
                        _ = try await d.admin.campaigns.pauseCampaign(campaignRequest(paused.id))
                        try await harness.database.write {
                            try $0.execute("UPDATE numbers SET status = 'RELEASED' WHERE id = ?", [paused.numberId])
                        }
                        _ = try await d.admin.campaigns.resumeCampaign(campaignRequest(paused.id))
                    }
                ),
                ("CAMPAIGN_NOT_FOUND", { _ = try await a.admin.campaigns.getCampaign(campaignRequest("cmp_missing")) }),
                (
                    "SENDER_REQUIRED",
                    {
                        var create = CreateCampaignRequest()
                        create.name = "Which number?"
                        _ = try await a.admin.campaigns.createCampaign(create)
                    }
                ),
                (
                    "SENDER_CONFLICT",
                    {
                        var create = CreateCampaignRequest()
                        create.name = "Both"
                        create.dedicated = DedicatedSender()
                        create.singleUse = SingleUseSender()
                        _ = try await a.admin.campaigns.createCampaign(create)
                    }
                ),
                (
                    "AREA_CODES_REQUIRED",
                    {
                        var create = CreateCampaignRequest()
                        create.name = "Nowhere"
                        var single = SingleUseSender()
                        single.useCaseId = a.approvedUseCase
                        create.singleUse = single
                        _ = try await a.admin.campaigns.createCampaign(create)
                    }
                ),
                ("INVALID_SINCE", { try await watch(since: -1) }),
                ("SINCE_BEYOND_HEAD", { try await watch(since: 1 << 40) }),
                ("INVALID_PAGE_SIZE", { try await audit { $0.pageSize = 501 } }),
                ("INVALID_PAGE_TOKEN", { try await audit { $0.pageToken = "not-a-token" } }),
                ("INVALID_ACTION", { try await audit { $0.action = "NOPE" } }),
                (
                    "NUMBER_NOT_RETRYABLE",
                    {
                        // The provider no longer holds it while provisioning: a retry cannot help.
                        harness.provider.failProvisioning([.noInventory(areaCode: "718")])
                        let gone = try await e.waitFinal(try await e.addNumber("718").id)
                        var retry = RetryProvisioningRequest()
                        retry.numberId = gone.id
                        _ = try await e.admin.numbers.retryProvisioning(retry)
                    }
                ),
                // Last: it locks this address out.
                (
                    "TOO_MANY_FAILED_AUTHENTICATIONS",
                    {
                        let guesser = harness.connection("pn_guess")
                        defer { Task { await guesser.close() } }
                        for _ in 0..<21 { _ = try? await guesser.areaCodes.listAreaCodes(ListAreaCodesRequest()) }
                        _ = try await guesser.areaCodes.listAreaCodes(ListAreaCodesRequest())
                    }
                ),
            ]

            let covered = Set(triggers.map(\.0)).union(Self.untriggerable.keys)
            #expect(
                Set(documented.keys).subtracting(covered).isEmpty,
                "documented but not triggered: \(Set(documented.keys).subtracting(covered).sorted())"
            )
            #expect(
                covered.subtracting(documented.keys).isEmpty,
                "triggered but not documented: \(covered.subtracting(documented.keys).sorted())"
            )
            for (reason, trigger) in triggers {
                guard let row = documented[reason] else { continue }
                do {
                    try await trigger()
                    Issue.record("\(reason): the call succeeded")
                } catch let error as RPCError {
                    #expect(error.reason == reason, "\(reason): got \(error)")
                    #expect(error.code.name == row.code, "\(reason): code \(error.code.name), documented \(row.code)")
                    #expect(error.details?.domain == "phonenumbers.v1", "\(reason): domain \(error.details?.domain ?? "none")")
                    for key in row.metadataKeys {
                        #expect(error.details?.metadata[key] != nil, "\(reason): no metadata '\(key)' in \(error.details?.metadata ?? [:])")
                    }
                }
            }
        }
    }
}
