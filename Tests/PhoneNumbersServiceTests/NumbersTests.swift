import PhoneNumbersClient
import SimulatedProvider
import Storage
import Testing

@Suite("dedicated numbers over TCP and SQLite", .timeLimit(.minutes(2)))
struct NumbersTests {
    @Test("a number is reserved, returned PROVISIONING at once, then becomes READY")
    func addAndProvision() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415", name: "  Ballot chase  ")
            #expect(number.status == .provisioning)
            #expect(number.e164.hasPrefix("+1415"))
            #expect(number.state == "CA")
            #expect(number.name == "Ballot chase")
            #expect(number.createdAtMs > 0 && number.provisioningStartedAtMs > 0)
            let final = try await tenant.waitFinal(number.id)
            #expect(final.status == .ready)
            #expect(final.readyAtMs >= final.provisioningStartedAtMs)
            #expect(final.useCaseId == tenant.approvedUseCase)
        }
    }

    @Test("New Hampshire (603) is never offered; malformed and non-geographic codes are invalid")
    func areaCodeRules() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            await expectError(.failedPrecondition, "AREA_CODE_NOT_OFFERED") { try await tenant.addNumber("603") }
            for code in ["", "41", "4155", "abc", "011", "111", "911", "555", "800", "900", "297", "999"] {
                await expectError(.invalidArgument, "INVALID_AREA_CODE") { try await tenant.addNumber(code) }
            }
            let list = try await tenant.admin.numbers.listNumbers(ListNumbersRequest())
            #expect(list.numbers.isEmpty)
        }
    }

    @Test("no inventory in the area code: NO_NUMBERS_AVAILABLE and nothing is created")
    func noInventory() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            for code in ["212", "206", "907"] {
                let error = await expectError(.resourceExhausted, "NO_NUMBERS_AVAILABLE") { try await tenant.addNumber(code) }
                #expect(error?.message.contains("different area code") == true)
            }
            let list = try await tenant.admin.numbers.listNumbers(ListNumbersRequest(includeReleased: true))
            #expect(list.numbers.isEmpty)
        }
    }

    @Test("only APPROVED use cases, only US accounts")
    func preconditions() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            // A use case still under vetting (inserted without a vetting job, so it stays PENDING).
            let accountID = tenant.accountID
            try await harness.database.write { database in
                try database.execute(
                    """
                    INSERT INTO use_cases (id, account_id, type, description, sample_messages, opt_in_text, help_text, campaign_verify_token,
                        status, failure_reason, created_at, updated_at) VALUES ('uc_pending', ?, 'CHARITY', 'd', '["a","b"]', 'o', 'h', '', 'PENDING', '', 1, 1)
                    """,
                    [accountID]
                )
            }
            var request = AddNumberRequest()
            request.areaCode = "415"
            request.useCaseId = "uc_pending"
            await expectError(.failedPrecondition, "USE_CASE_NOT_APPROVED") { try await tenant.admin.numbers.addNumber(request) }
            request.useCaseId = "uc_missing"
            await expectError(.notFound, "USE_CASE_NOT_FOUND") { try await tenant.admin.numbers.addNumber(request) }

            let canadian = try await Tenant.make(harness, country: "CA", name: "Canadian Org")
            request.useCaseId = tenant.approvedUseCase
            await expectError(.failedPrecondition, "NOT_US_ACCOUNT") { try await canadian.admin.numbers.addNumber(request) }
        }
    }

    @Test("at most five numbers per account, counting those still provisioning; deleting frees a slot")
    func accountLimit() async throws {
        try await ServiceHarness.with(SimulatedProviderConfiguration(provisioningDelay: .seconds(30), vettingDelay: .milliseconds(20))) {
            harness in
            let tenant = try await Tenant.make(harness)
            var numbers: [DedicatedNumber] = []
            for _ in 0..<5 { numbers.append(try await tenant.addNumber("415")) }
            #expect(numbers.allSatisfy { $0.status == .provisioning })
            let error = await expectError(.failedPrecondition, "NUMBER_LIMIT_REACHED") { try await tenant.addNumber("510") }
            #expect(error?.details?.metadata["limit"] == "5")
            var delete = DeleteNumberRequest()
            delete.numberId = numbers[0].id
            let deleted = try await tenant.admin.numbers.deleteNumber(delete)
            #expect(deleted.status == .released)
            let replacement = try await tenant.addNumber("510")
            #expect(replacement.status == .provisioning)
        }
    }

    @Test("twenty simultaneous AddNumber calls create five numbers, never six")
    func limitUnderConcurrency() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await tenant.addNumber(
                                index % 2 == 0 ? "415" : "510",
                                via: index % 3 == 0 ? tenant.owner : tenant.admin
                            )
                            return "OK"
                        } catch {
                            return (error as? RPCError)?.reason ?? "\(error)"
                        }
                    }
                }
                var outcomes: [String] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.filter { $0 == "OK" }.count == 5)
            #expect(outcomes.filter { $0 == "NUMBER_LIMIT_REACHED" }.count == 15)
            let stored = try await harness.database.read { database in
                try database.queryOne("SELECT COUNT(*) AS n FROM numbers WHERE status <> 'RELEASED'")!.get("n", as: Int.self)
            }
            #expect(stored == 5)
            #expect(try await harness.boughtAtProvider() == 5)
        }
    }

    @Test("a request_id makes AddNumber idempotent; reusing it with other arguments is refused")
    func idempotency() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let first = try await tenant.addNumber("415", name: "A", requestID: "req-1")
            let retry = try await tenant.addNumber("415", name: "A", requestID: "req-1")
            #expect(retry.id == first.id)
            #expect(retry.e164 == first.e164)
            let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await tenant.addNumber("510", requestID: "req-2").id } }
                var ids = Set<String>()
                for try await id in group { ids.insert(id) }
                return ids
            }
            #expect(concurrent.count == 1)
            await expectError(.failedPrecondition, "REQUEST_ID_REUSED") { try await tenant.addNumber("510", name: "B", requestID: "req-1") }
            let list = try await tenant.admin.numbers.listNumbers(ListNumbersRequest())
            #expect(list.numbers.count == 2)
            #expect(try await harness.boughtAtProvider() == 2)
        }
    }

    @Test("a use case holds at most 49 numbers")
    func useCaseLimit() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let other = try await Tenant.make(harness, name: "Other")
            let useCase = tenant.approvedUseCase
            try await harness.database.write { database in
                for index in 0..<49 {
                    try database.execute(
                        """
                        INSERT INTO numbers (id, account_id, e164, area_code, name, use_case_id, status, failure_reason, provisioning_attempts,
                            created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at)
                        VALUES (?, ?, ?, '415', '', ?, 'READY', '', 1, 1, 1, 1, 0, 0, 1)
                        """,
                        ["num_seed_\(index)", other.accountID, "+1415555\(String(format: "%04d", 2000 + index))", useCase]
                    )
                }
            }
            let error = await expectError(.failedPrecondition, "USE_CASE_NUMBER_LIMIT") { try await tenant.addNumber("415") }
            #expect(error?.details?.metadata["limit"] == "49")
        }
    }

    @Test("rename trims, allows clearing, refuses more than 64 characters")
    func rename() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415")
            var request = RenameNumberRequest()
            request.numberId = number.id
            request.name = "  County fair  "
            #expect(try await tenant.admin.numbers.renameNumber(request).name == "County fair")
            request.name = String(repeating: "x", count: 65)
            await expectError(.invalidArgument, "INVALID_NAME") { try await tenant.admin.numbers.renameNumber(request) }
            request.name = ""
            #expect(try await tenant.admin.numbers.renameNumber(request).name == "")
        }
    }

    @Test("delete is refused while a launching, active or paused campaign uses the number, allowed after archiving")
    func deleteInUse() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415")
            let accountID = tenant.accountID
            try await harness.database.write { database in
                let campaigns = [
                    ("cmp_0", "Launch night", "LAUNCHING"), ("cmp_1", "GOTV Saturday", "ACTIVE"), ("cmp_2", "Fundraiser", "PAUSED"),
                    ("cmp_3", "Old draft", "DRAFT"),
                ]
                for (id, name, state) in campaigns {
                    try database.execute(
                        "INSERT INTO campaigns (id, account_id, name, state, number_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)",
                        [id, accountID, name, state, number.id]
                    )
                }
            }
            var request = DeleteNumberRequest()
            request.numberId = number.id
            let error = await expectError(.failedPrecondition, "NUMBER_IN_USE") { try await tenant.admin.numbers.deleteNumber(request) }
            #expect(error?.message.contains("GOTV Saturday") == true)
            #expect(error?.message.contains("Fundraiser") == true)
            #expect(error?.message.contains("Old draft") == false)
            let ids = Set((error?.details?.metadata["campaign_ids"] ?? "").split(separator: ",").map(String.init))
            let names = Set((error?.details?.metadata["campaign_names"] ?? "").split(separator: ",").map(String.init))
            #expect(ids == ["cmp_0", "cmp_1", "cmp_2"], "a LAUNCHING campaign blocks the delete too")
            #expect(names == ["Launch night", "GOTV Saturday", "Fundraiser"])
            try await harness.database.write { try $0.execute("UPDATE campaigns SET state = 'ARCHIVED'") }
            let deleted = try await tenant.admin.numbers.deleteNumber(request)
            #expect(deleted.status == .released)
            #expect(deleted.releasedAtMs > 0)
            await expectError(.failedPrecondition, "NUMBER_RELEASED") { try await tenant.admin.numbers.deleteNumber(request) }
        }
    }

    @Test(
        "a provisioning failure is FAILED with a reason; RetryProvisioning starts again where it can help (Telnyx's failed assignment), and is refused where the carrier rejected the number"
    )
    func provisioningFailure() async throws {
        var configuration = SimulatedProviderConfiguration.fast
        configuration.failProvisioningAreaCodes = ["510"]
        try await ServiceHarness.with(configuration) { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("510")
            let failed = try await tenant.waitFinal(number.id)
            #expect(failed.status == .failed)
            #expect(failed.failureReason.contains("rejected") || failed.failureReason.contains("assignment"), "\(failed.failureReason)")
            #expect(failed.failedAtMs > 0)
            var retry = RetryProvisioningRequest()
            retry.numberId = number.id
            guard ServiceHarness.providerKind == "telnyx" else {
                // The simulated carrier rejects the number itself: no retry is offered, none is taken.
                #expect(!failed.retryable)
                await expectError(.failedPrecondition, "NUMBER_NOT_RETRYABLE") { try await tenant.admin.numbers.retryProvisioning(retry) }
                return
            }
            #expect(failed.retryable)
            let restarted = try await tenant.admin.numbers.retryProvisioning(retry)
            #expect(restarted.status == .provisioning)
            #expect(try await tenant.waitFinal(number.id).status == .failed)

            let ready = try await tenant.addNumber("415")
            _ = try await tenant.waitFinal(ready.id)
            retry.numberId = ready.id
            await expectError(.failedPrecondition, "NUMBER_NOT_FAILED") { try await tenant.admin.numbers.retryProvisioning(retry) }

            // Once the carrier accepts the number, a retry provisions it: the same number, READY.
            try await harness.restart(.fast)
            let admin = harness.connection(try await token(of: tenant, harness))
            retry.numberId = number.id
            _ = try await admin.numbers.retryProvisioning(retry)
            let recovered = try await tenant.waitFinal(number.id, via: admin)
            #expect(recovered.status == .ready && recovered.e164 == failed.e164, "\(recovered.status) \(recovered.failureReason)")
        }
    }

    @Test("transient provider errors are retried with backoff until READY")
    func transientFailures() async throws {
        // The simulated provider counts failures per number; the Telnyx adapter's are
        // per call and retried inside it (TelnyxProviderTests.retries).
        guard ServiceHarness.providerKind == "simulated" else { return }
        var configuration = SimulatedProviderConfiguration.fast
        configuration.transientFailuresPerNumber = 2
        try await ServiceHarness.with(configuration) { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415")
            let final = try await tenant.waitFinal(number.id)
            #expect(final.status == .ready)
            #expect(final.provisioningAttempts == 3)
        }
    }

    @Test("a restart in the middle of provisioning resumes the job, which finishes")
    func restartMidProvisioning() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            harness.provider.hold(.provisioning)
            let number = try await tenant.addNumber("415")
            #expect(number.status == .provisioning)
            // Restart while the provisioning call is in the provider's hands.
            try await harness.provider.waitUntilWaiting(.provisioning)
            try await harness.restart(.fast)
            let admin = harness.connection(try await token(of: tenant, harness))
            var get = GetNumberRequest()
            get.numberId = number.id
            let afterRestart = try await admin.numbers.getNumber(get)
            #expect(afterRestart.status == .provisioning || afterRestart.status == .ready)
            let final = try await tenant.waitFinal(number.id, via: admin)
            #expect(final.status == .ready)
            #expect(final.e164 == number.e164)
            let held = try await harness.heldAtProvider()
            #expect(held == [number.e164: number.id], "the provider holds one number, not one per attempt: \(held)")
        }
    }

    /// A fresh admin token (connections of the old server are gone after a restart).
    private func token(of tenant: Tenant, _ harness: ServiceHarness) async throws -> String {
        var issue = IssueTokenRequest()
        issue.memberId = tenant.memberIDs[.admin]!
        return try await harness.operatorAPI.accounts.issueToken(issue).token
    }
}

extension ListNumbersRequest {
    init(includeReleased: Bool) {
        self.init()
        self.includeReleased = includeReleased
    }
}
