import Foundation
import PhoneNumbersClient
import Testing

@Suite("credentials, roles and account isolation", .timeLimit(.minutes(2)))
struct AccessTests {
    @Test("no token or an unknown token: UNAUTHENTICATED")
    func unauthenticated() async throws {
        try await ServiceHarness.with { harness in
            await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection(nil).numbers.listNumbers(ListNumbersRequest())
            }
            await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection("pn_not-a-real-token").numbers.listNumbers(ListNumbersRequest())
            }
            await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection(String(repeating: "x", count: 5000)).areaCodes.listAreaCodes(ListAreaCodesRequest())
            }
        }
    }

    @Test("supervisors and texters read numbers and use cases but change nothing")
    func readOnlyRoles() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415")
            for api in [tenant.supervisor, tenant.texter] {
                #expect(try await api.numbers.listNumbers(ListNumbersRequest()).numbers.count == 1)
                #expect(try await api.registration.listUseCases(ListUseCasesRequest()).useCases.count == 1)
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.addNumber("415", via: api) }
                var rename = RenameNumberRequest()
                rename.numberId = number.id
                rename.name = "x"
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await api.numbers.renameNumber(rename) }
                var delete = DeleteNumberRequest()
                delete.numberId = number.id
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await api.numbers.deleteNumber(delete) }
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await Tenant.submitUseCase(api) }
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await api.registration.getBrand(GetBrandRequest()) }
            }
        }
    }

    @Test("only the owner submits the brand and sees port-out PINs")
    func ownerOnly() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await Tenant.registerBrand(tenant.admin) }
            let admin = try await tenant.admin.registration.getBrand(GetBrandRequest())
            #expect(admin.status == .registered)
            let number = try await tenant.addNumber("415")
            _ = try await tenant.waitFinal(number.id)
            var pin = GetPortOutPinRequest()
            pin.numberId = number.id
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.admin.numbers.getPortOutPin(pin) }
            #expect(try await tenant.owner.numbers.getPortOutPin(pin).pin.count == 8)
        }
    }

    @Test("a member never reaches another account's data, whatever ids it sends")
    func crossAccount() async throws {
        try await ServiceHarness.with { harness in
            let alpha = try await Tenant.make(harness, name: "Alpha")
            let beta = try await Tenant.make(harness, name: "Beta")
            let number = try await alpha.addNumber("415")

            var get = GetNumberRequest()
            get.numberId = number.id
            await expectError(.notFound, "NUMBER_NOT_FOUND") { try await beta.owner.numbers.getNumber(get) }
            get.accountId = alpha.accountID
            await expectError(.permissionDenied, "ACCOUNT_MISMATCH") { try await beta.owner.numbers.getNumber(get) }
            var list = ListNumbersRequest()
            list.accountId = alpha.accountID
            await expectError(.permissionDenied, "ACCOUNT_MISMATCH") { try await beta.owner.numbers.listNumbers(list) }
            list.accountId = "acc_does_not_exist"
            await expectError(.permissionDenied, "ACCOUNT_MISMATCH") { try await beta.owner.numbers.listNumbers(list) }
            #expect(try await beta.owner.numbers.listNumbers(ListNumbersRequest()).numbers.isEmpty)

            var rename = RenameNumberRequest()
            rename.numberId = number.id
            rename.name = "hijacked"
            await expectError(.notFound, "NUMBER_NOT_FOUND") { try await beta.admin.numbers.renameNumber(rename) }
            var delete = DeleteNumberRequest()
            delete.numberId = number.id
            await expectError(.notFound, "NUMBER_NOT_FOUND") { try await beta.admin.numbers.deleteNumber(delete) }
            var watch = WatchNumberRequest()
            watch.numberId = number.id
            await expectError(.notFound, "NUMBER_NOT_FOUND") {
                for try await _ in beta.admin.numbers.watchNumber(watch) {}
            }
            var addWithAlphaUseCase = AddNumberRequest()
            addWithAlphaUseCase.areaCode = "415"
            addWithAlphaUseCase.useCaseId = alpha.approvedUseCase
            await expectError(.notFound, "USE_CASE_NOT_FOUND") { try await beta.admin.numbers.addNumber(addWithAlphaUseCase) }
            var useCase = GetUseCaseRequest()
            useCase.useCaseId = alpha.approvedUseCase
            await expectError(.notFound, "USE_CASE_NOT_FOUND") { try await beta.admin.registration.getUseCase(useCase) }

            var get2 = GetNumberRequest()
            get2.numberId = number.id
            #expect(try await alpha.texter.numbers.getNumber(get2).name == "")
        }
    }

    @Test("internal services act on the account they name, within their grants")
    func serviceGrants() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            _ = try await tenant.addNumber("415")
            var issue = IssueTokenRequest()
            issue.serviceName = "reporting"
            issue.grants = [.read]
            let reader = harness.connection(try await harness.operatorAPI.accounts.issueToken(issue).token)
            var list = ListNumbersRequest()
            await expectError(.invalidArgument, "ACCOUNT_REQUIRED") { try await reader.numbers.listNumbers(list) }
            list.accountId = tenant.accountID
            #expect(try await reader.numbers.listNumbers(list).numbers.count == 1)
            var add = AddNumberRequest()
            add.accountId = tenant.accountID
            add.areaCode = "415"
            add.useCaseId = tenant.approvedUseCase
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await reader.numbers.addNumber(add) }

            issue.serviceName = "numbers-admin"
            issue.grants = [.manageNumbers]
            let manager = harness.connection(try await harness.operatorAPI.accounts.issueToken(issue).token)
            #expect(try await manager.numbers.addNumber(add).status == .provisioning)
            let whoami = try await manager.accounts.whoAmI(WhoAmIRequest())
            #expect(whoami.kind == "service" && whoami.grants == [.manageNumbers])
            issue.grants = []
            await expectError(.invalidArgument, "GRANTS_REQUIRED") { try await harness.operatorAPI.accounts.issueToken(issue) }
        }
    }

    @Test("operator-only calls are refused to everyone else")
    func operatorOnly() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var create = CreateAccountRequest()
            create.name = "Sneaky"
            create.country = "US"
            await expectError(.permissionDenied, "OPERATOR_ONLY") { try await tenant.owner.accounts.createAccount(create) }
            var member = AddMemberRequest()
            member.accountId = tenant.accountID
            member.name = "Mallory"
            member.role = .owner
            await expectError(.permissionDenied, "OPERATOR_ONLY") { try await tenant.owner.accounts.addMember(member) }
            var issue = IssueTokenRequest()
            issue.memberId = tenant.memberIDs[.owner]!
            await expectError(.permissionDenied, "OPERATOR_ONLY") { try await tenant.owner.accounts.issueToken(issue) }
            var status = SetUseCaseStatusRequest()
            status.useCaseId = tenant.approvedUseCase
            status.status = .failed
            await expectError(.permissionDenied, "OPERATOR_ONLY") { try await tenant.owner.registration.setUseCaseStatus(status) }
            await expectError(.failedPrecondition, "OWNER_EXISTS") { try await harness.operatorAPI.accounts.addMember(member) }
        }
    }

    @Test("tokens are stored only as hashes")
    func hashedTokens() async throws {
        try await ServiceHarness.with { harness in
            var create = CreateAccountRequest()
            create.name = "Hash Org"
            create.country = "US"
            let account = try await harness.operatorAPI.accounts.createAccount(create)
            var add = AddMemberRequest()
            add.accountId = account.id
            add.name = "Hana"
            add.role = .admin
            let member = try await harness.operatorAPI.accounts.addMember(add)
            var issue = IssueTokenRequest()
            issue.memberId = member.id
            let token = try await harness.operatorAPI.accounts.issueToken(issue).token
            #expect(token.hasPrefix("pn_") && token.count == 46)
            let stored = try await harness.database.read { database in
                try database.query("SELECT token_hash FROM credentials").map { try $0.get("token_hash", as: String.self) }
            }
            #expect(stored.count == 2)
            #expect(!stored.contains(token) && !stored.contains(harness.operatorToken))
            // What is stored is the SHA-256 of the token, computed here by another program.
            #expect(stored.contains(try Self.sha256(token)))
            #expect(stored.contains(try Self.sha256(harness.operatorToken)))
            guard ServiceHarness.storeKind == "sqlite" else { return }  // the SQLite file's bytes, too
            try await harness.pool.withWriter { _ = try $0.query("PRAGMA wal_checkpoint(FULL)") }
            for file in ["phone-numbers.sqlite", "phone-numbers.sqlite-wal"] {
                let bytes = try Data(contentsOf: harness.directory.appendingPathComponent(file))
                #expect(bytes.range(of: Data(token.utf8)) == nil, "the token is in \(file)")
                #expect(bytes.range(of: Data(harness.operatorToken.utf8)) == nil, "the operator token is in \(file)")
            }
        }
    }
}

extension AccessTests {
    /// Hex SHA-256 of `text`, from coreutils' sha256sum.
    static func sha256(_ text: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try Executable.launch(process)
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let digest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(digest.prefix(64))
    }
}

@Suite("token guessing", .timeLimit(.minutes(2)))
struct BruteForceTests {
    @Test("repeated failures lock an address's failures out with one answer for every guess; a valid token from it is still admitted")
    func lockout() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var reasons: [String] = []
            for guess in 0..<25 {
                // The guesser connects from 127.0.0.2; everyone else from 127.0.0.1.
                let guesser = PhoneNumbersConnection(
                    host: "127.0.0.1",
                    port: harness.port,
                    token: "pn_guess\(guess)",
                    localAddress: "127.0.0.2"
                )
                reasons.append(await Self.outcome(guesser))
                await guesser.close()
            }
            #expect(reasons.prefix(20).allSatisfy { $0 == "INVALID_CREDENTIALS" })
            #expect(reasons.suffix(5).allSatisfy { $0 == "TOO_MANY_FAILED_AUTHENTICATIONS" })
            // While the address is locked out, a valid token from it is admitted: nobody locks others out.
            var adminToken = IssueTokenRequest()
            adminToken.memberId = tenant.memberIDs[.admin]!
            let issued = try await harness.operatorAPI.accounts.issueToken(adminToken)
            let sameAddress = PhoneNumbersConnection(host: "127.0.0.1", port: harness.port, token: issued.token, localAddress: "127.0.0.2")
            #expect(try await sameAddress.numbers.listNumbers(ListNumbersRequest()).limit == 5)
            await sameAddress.close()
            // A revoked token from there gets the lockout, not TOKEN_REVOKED: the guesses learn nothing.
            var revoke = RevokeTokenRequest()
            revoke.tokenId = issued.tokenId
            _ = try await tenant.owner.accounts.revokeToken(revoke)
            let revoked = PhoneNumbersConnection(host: "127.0.0.1", port: harness.port, token: issued.token, localAddress: "127.0.0.2")
            await expectError(.resourceExhausted, "TOO_MANY_FAILED_AUTHENTICATIONS") {
                try await revoked.numbers.listNumbers(ListNumbersRequest())
            }
            await revoked.close()
            // Everyone else is served all along.
            #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).limit == 5)
        }
    }

    @Test("a guesser and a valid user on one address at once: every valid call succeeds, the guesses get at most 20 answers of their own")
    func guesserBesideValidUser() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let outcomes = await withTaskGroup(of: (Bool, String).self) { group in
                for index in 0..<80 {
                    group.addTask {
                        // Every caller here shares 127.0.0.1, as clients behind one proxy do.
                        let valid = index % 4 == 0
                        let api = valid ? tenant.admin : harness.connection("pn_guess\(index)")
                        let outcome = await Self.outcome(api)
                        if !valid { await api.close() }
                        return (valid, outcome)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let valid = outcomes.filter(\.0).map(\.1)
            let guesses = outcomes.filter { !$0.0 }.map(\.1)
            #expect(valid.count == 20 && valid.allSatisfy { $0 == "OK" }, "\(valid)")
            #expect(guesses.filter { $0 == "INVALID_CREDENTIALS" }.count <= 20, "\(guesses)")
            #expect(guesses.allSatisfy { ["INVALID_CREDENTIALS", "TOO_MANY_FAILED_AUTHENTICATIONS"].contains($0) }, "\(guesses)")
            #expect(guesses.filter { $0 == "TOO_MANY_FAILED_AUTHENTICATIONS" }.count >= 40, "\(guesses)")
            // After the burst, the valid user is still served, and a guess still gets the lockout.
            #expect(await Self.outcome(tenant.admin) == "OK")
            #expect(await Self.outcome(harness.connection("pn_late")) == "TOO_MANY_FAILED_AUTHENTICATIONS")
        }
    }

    private static func outcome(_ api: PhoneNumbersConnection) async -> String {
        do {
            _ = try await api.numbers.listNumbers(ListNumbersRequest())
            return "OK"
        } catch {
            return error.reason ?? error.code.name
        }
    }
}
