import Foundation
import PhoneNumbersClient
import PhoneNumbersService
import SimulatedProvider
import Testing

/// Regressions for what a trial in use found wrong (each failed before its fix).
@Suite("fixes from use", .timeLimit(.minutes(2)))
struct FixesFromUseTests {
    @Test("a burst of 30 wrong PINs gets at most 3 comparisons; the rest are LOCKED with a time to retry, and the owner sees every attempt")
    func portOutBurst() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let relay = try await harness.portOutRelay()
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let reasons = await withTaskGroup(of: String.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        do {
                            _ = try await relay.numbers.requestPortOut(portOutRequest(number.e164, "00000000"))
                            return "OK"
                        } catch let error as RPCError {
                            return error.reason ?? "\(error.code)"
                        } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reasons.filter { $0 == "PORT_OUT_PIN_MISMATCH" }.count == 3, "\(reasons)")
            #expect(reasons.filter { $0 == "PORT_OUT_LOCKED" }.count == 27, "\(reasons)")
            let locked = await expectError(.failedPrecondition, "PORT_OUT_LOCKED") {
                try await relay.numbers.requestPortOut(portOutRequest(number.e164, "1"))
            }
            #expect(locked?.details?.metadata["retry_after"]?.hasSuffix("Z") == true)
            #expect(locked?.message.contains("try again after") == true)

            var attempts = ListPortOutAttemptsRequest()
            attempts.numberId = number.id
            let listed = try await tenant.owner.numbers.listPortOutAttempts(attempts)
            #expect(listed.attempts.count == 31)
            #expect(listed.attempts.filter { $0.outcome == "PIN_MISMATCH" }.count == 3)
            #expect(listed.lockedUntilMs > 0)
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.admin.numbers.listPortOutAttempts(attempts) }

            var view = GetPortOutPinRequest()
            view.numberId = number.id
            _ = try await tenant.owner.numbers.getPortOutPin(view)
            var audit = ListAuditEventsRequest()
            audit.subjectId = number.id
            let actions = try await tenant.owner.events.listAuditEvents(audit).events.map(\.action)
            #expect(actions.contains("PORT_OUT_PIN_VIEWED"))
            #expect(actions.filter { $0 == "PORT_OUT_REFUSED_LOCKED" }.count == 28)
        }
    }

    @Test("a burst of bad tokens from one address gets at most the limit of INVALID_CREDENTIALS answers")
    func authenticationBurst() async throws {
        try await ServiceHarness.with { harness in
            let reasons = await withTaskGroup(of: String.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let api = harness.connection("pn_guess\(index)")
                        defer { Task { await api.close() } }
                        do {
                            _ = try await api.areaCodes.listAreaCodes(ListAreaCodesRequest())
                            return "OK"
                        } catch let error as RPCError { return error.reason ?? "" } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reasons.filter { $0 == "INVALID_CREDENTIALS" }.count <= 20, "\(reasons)")
            #expect(reasons.filter { $0 == "TOO_MANY_FAILED_AUTHENTICATIONS" }.count >= 40)
            let refused = await expectError(.resourceExhausted, "TOO_MANY_FAILED_AUTHENTICATIONS") {
                try await harness.connection("pn_more").areaCodes.listAreaCodes(ListAreaCodesRequest())
            }
            // Within the one-minute window that the 20 failures opened.
            #expect((1...60_000).contains(Int(refused?.details?.metadata["retry_after_ms"] ?? "") ?? 0))
            #expect(refused?.details?.metadata["max_failures"] == "20")
            #expect(refused?.message.contains("a valid token is still admitted") == true)
        }
    }

    @Test("a provider that hands over a number another account holds: PROVIDER_REFUSED, never INTERNAL, and nothing is held twice")
    func reservationOfAHeldNumber() async throws {
        try await ServiceHarness.with { harness in
            let first = try await Tenant.make(harness)
            let held = try await first.waitFinal(try await first.addNumber("415").id)
            let second = try await Tenant.make(harness, name: "Second Org")
            harness.provider.offer([held.e164])
            let refused = await expectError(.failedPrecondition, "PROVIDER_REFUSED") { try await second.addNumber("415") }
            #expect(refused?.message.contains("another number of this service already holds") == true, "\(String(describing: refused))")
            #expect(try await second.admin.numbers.listNumbers(ListNumbersRequest()).numbers.isEmpty)
            var get = GetNumberRequest()
            get.numberId = held.id
            #expect(try await first.admin.numbers.getNumber(get).status == .ready)
            // The next add gets a number of its own.
            #expect(try await second.waitFinal(try await second.addNumber("415").id).e164 != held.e164)
        }
    }

    @Test("a unique violation in the store is StoreConflict, answered ABORTED WRITE_CONFLICT, and changes nothing (on both stores)")
    func uniqueViolationIsTyped() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let held = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let store = harness.store!
            // A second record holding the same E.164, written past every rule: the store's own index refuses it.
            do {
                try await store.write { tx in
                    guard var copy = try tx.number(held.id) else { throw TestFailure("no number") }
                    copy.id = "num_copy"
                    try tx.insert(copy)
                }
                Issue.record("the store took a second record of one number")
            } catch let conflict as StoreConflict {
                let error = RPCError.from(conflict)
                #expect(error.code == .aborted && error.reason == "WRITE_CONFLICT", "\(error)")
            }
            #expect(try await store.read { try $0.number("num_copy") } == nil)
        }
    }

    @Test("a name of only spaces is refused (an empty one clears); deleting a number archives its drafts, which could never launch")
    func blankNamesAndOrphanDrafts() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415", name: "Ballot chase").id)
            var rename = RenameNumberRequest()
            rename.numberId = number.id
            rename.name = "   "
            await expectError(.invalidArgument, "INVALID_NAME") { try await tenant.admin.numbers.renameNumber(rename) }
            await expectError(.invalidArgument, "INVALID_NAME") { try await tenant.addNumber("510", name: " \t ") }
            rename.name = ""
            #expect(try await tenant.admin.numbers.renameNumber(rename).name == "")

            let draft = try await createDedicated(tenant.admin, number.id, name: "Later")
            var delete = DeleteNumberRequest()
            delete.numberId = number.id
            _ = try await tenant.admin.numbers.deleteNumber(delete)
            var show = CampaignRequest()
            show.campaignId = draft.id
            #expect(try await tenant.admin.campaigns.getCampaign(show).state == .archived)
            var audit = ListAuditEventsRequest()
            audit.subjectId = draft.id
            let actions = try await tenant.owner.events.listAuditEvents(audit).events.map(\.action)
            #expect(actions.contains("CAMPAIGN_ARCHIVED_WITH_NUMBER"), "\(actions)")
        }
    }

    @Test("a READY number and its use case show the provider's 10DLC campaign")
    func tenDLCCampaignShown() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            var getUseCase = GetUseCaseRequest()
            getUseCase.useCaseId = tenant.approvedUseCase
            let useCase = try await tenant.admin.registration.getUseCase(getUseCase)
            #expect(!number.tenDlcCampaignId.isEmpty, "\(number)")
            #expect(useCase.tenDlcCampaignId == number.tenDlcCampaignId)
            if ServiceHarness.providerKind == "telnyx" { #expect(number.tenDlcCampaignId == "CAMP1") }
            var delete = DeleteNumberRequest()
            delete.numberId = number.id
            #expect(try await tenant.admin.numbers.deleteNumber(delete).tenDlcCampaignId.isEmpty, "a released number has none")
        }
    }

    @Test("a port-out is refused while the number sends for a campaign; after archiving it goes through")
    func portOutInUse() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let relay = try await harness.portOutRelay()
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let gotv = try await createDedicated(tenant.admin, number.id)
            _ = try await tenant.admin.campaigns.launchCampaign(campaignRequest(gotv.id))
            _ = try await tenant.admin.campaigns.pauseCampaign(campaignRequest(gotv.id))
            var pin = GetPortOutPinRequest()
            pin.numberId = number.id
            let secret = try await tenant.owner.numbers.getPortOutPin(pin).pin
            let inUse = await expectError(.failedPrecondition, "NUMBER_IN_USE") {
                try await relay.numbers.requestPortOut(portOutRequest(number.e164, secret))
            }
            #expect(inUse?.details?.metadata["campaign_count"] == "1")
            #expect(try await tenant.admin.campaigns.getCampaign(campaignRequest(gotv.id)).state == .paused)
            _ = try await tenant.admin.campaigns.archiveCampaign(campaignRequest(gotv.id))
            let approved = try await relay.numbers.requestPortOut(portOutRequest(number.e164, secret))
            #expect(approved.approved)
            await expectError(.failedPrecondition, "NUMBER_RELEASED") { try await createDedicated(tenant.admin, number.id, name: "Later") }
        }
    }

    /// Waits (bounded) until the provider has taken `e164` back from its holder.
    private func waitReleasedAtProvider(_ harness: ServiceHarness, _ e164: String) async throws {
        for _ in 0..<500 {
            let held = try await harness.pool.read {
                try $0.queryOne(
                    "SELECT COUNT(*) AS n FROM simulated_numbers WHERE e164 = ? AND reservation_key NOT LIKE 'aging:%'",
                    [e164]
                )!
                .get("n", as: Int.self)
            }
            if held == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("\(e164) was not released at the provider")
    }

    @Test("conversations follow the sending number: the same E.164 after delete and re-add continues the thread")
    func conversationFollowsNumber() async throws {
        var configuration = SimulatedProviderConfiguration.fast
        configuration.inventoryPerAreaCode = 1
        configuration.numberAging = .zero
        try await ServiceHarness.with(configuration) { harness in
            let tenant = try await Tenant.make(harness)
            func conversation() async throws -> (String, String) {
                let number = try await tenant.waitFinal(try await tenant.addNumber("617").id)
                let created = try await createDedicated(tenant.admin, number.id, name: "C \(number.id)")
                _ = try await tenant.admin.campaigns.launchCampaign(campaignRequest(created.id))
                var resolve = ResolveSenderRequest()
                resolve.campaignId = created.id
                resolve.contact = "(212) 555-0199"
                let resolved = try await tenant.texter.campaigns.resolveSender(resolve)
                _ = try await tenant.admin.campaigns.archiveCampaign(campaignRequest(created.id))
                var delete = DeleteNumberRequest()
                delete.numberId = number.id
                _ = try await tenant.admin.numbers.deleteNumber(delete)
                try await waitReleasedAtProvider(harness, number.e164)
                return (resolved.e164, resolved.conversationId)
            }
            let first = try await conversation()
            let second = try await conversation()
            #expect(first.0 == second.0)
            #expect(first.1 == second.1)
        }
    }

    @Test("released numbers age before they are offered again")
    func releasedNumbersAge() async throws {
        var configuration = SimulatedProviderConfiguration.fast
        configuration.inventoryPerAreaCode = 1
        try await ServiceHarness.with(configuration) { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("617").id)
            var delete = DeleteNumberRequest()
            delete.numberId = number.id
            _ = try await tenant.admin.numbers.deleteNumber(delete)
            try await waitReleasedAtProvider(harness, number.e164)
            let refused = await expectError(.resourceExhausted, "NO_NUMBERS_AVAILABLE") { try await tenant.addNumber("617") }
            #expect(refused?.details?.metadata["suggested_area_codes"]?.hasPrefix("857") == true, "\(String(describing: refused))")
            var list = ListAreaCodesRequest()
            list.state = "MA"
            let codes = try await tenant.texter.areaCodes.listAreaCodes(list).areaCodes
            let boston = try #require(codes.first { $0.areaCode == "617" })
            #expect(!boston.available && boston.suggestedAreaCodes.first == "857")
        }
    }

    @Test("the area-code list says which codes have numbers now and suggests overlays")
    func areaCodesFromInventory() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var list = ListAreaCodesRequest()
            list.state = "NY"
            let codes = try await tenant.texter.areaCodes.listAreaCodes(list).areaCodes
            let manhattan = try #require(codes.first { $0.areaCode == "212" })
            #expect(!manhattan.available)
            #expect(Array(manhattan.suggestedAreaCodes.prefix(3)) == ["646", "332", "917"])
            #expect(codes.first { $0.areaCode == "718" }?.available == true)
            list.state = "NH"
            let hampshire = try await tenant.texter.areaCodes.listAreaCodes(list).areaCodes
            #expect(hampshire.allSatisfy { !$0.available && $0.suggestedAreaCodes.isEmpty })
        }
    }

    @Test("contact numbers follow the NANP rules; wrong ones are INVALID_CONTACT")
    func contactValidation() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let created = try await createDedicated(tenant.admin, number.id)
            _ = try await tenant.admin.campaigns.launchCampaign(campaignRequest(created.id))
            var resolve = ResolveSenderRequest()
            resolve.campaignId = created.id
            for bad in [
                "212555019\u{0669}9", "2125550199\u{00BD}", "+1 911 555 0199", "+1 212 411 0199", "112 555 0199", "+44 20 7946 0958",
                "555-0199",
            ] {
                resolve.contact = bad
                await expectError(.invalidArgument, "INVALID_CONTACT") { try await tenant.texter.campaigns.resolveSender(resolve) }
            }
            for good in ["(212) 555-0199", "+1 212.555.0199", "1-212-555-0199", "2125550199"] {
                resolve.contact = good
                #expect(try await tenant.texter.campaigns.resolveSender(resolve).contact == "+12125550199")
            }
        }
    }

    @Test("names people type are printable: control characters are refused everywhere")
    func printableNames() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            var create = CreateCampaignRequest()
            create.name = "ctl\u{1B}[2Jx"
            var sender = DedicatedSender()
            sender.numberId = number.id
            create.dedicated = sender
            await expectError(.invalidArgument, "INVALID_NAME") { try await tenant.admin.campaigns.createCampaign(create) }
            create.name = "evil\u{202E}txt"
            await expectError(.invalidArgument, "INVALID_NAME") { try await tenant.admin.campaigns.createCampaign(create) }
            create.name = "Rally 🎉 día"
            #expect(try await tenant.admin.campaigns.createCampaign(create).name == "Rally 🎉 día")
            var member = AddMemberRequest()
            member.accountId = tenant.accountID
            member.name = "Pat\u{7}"
            member.role = .texter
            await expectError(.invalidArgument, "INVALID_NAME") { try await harness.operatorAPI.accounts.addMember(member) }
        }
    }

    @Test("a campaign without a sender uses the only READY number, or lists the choices; both senders are refused")
    func defaultSender() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var create = CreateCampaignRequest()
            create.name = "Default"
            let none = await expectError(.invalidArgument, "SENDER_REQUIRED") { try await tenant.admin.campaigns.createCampaign(create) }
            #expect(none?.details?.metadata["number_ids"] == "")
            let first = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let chosen = try await tenant.admin.campaigns.createCampaign(create)
            #expect(chosen.numberId == first.id && chosen.e164 == first.e164)
            let second = try await tenant.waitFinal(try await tenant.addNumber("510").id)
            create.name = "Two"
            let two = await expectError(.invalidArgument, "SENDER_REQUIRED") { try await tenant.admin.campaigns.createCampaign(create) }
            #expect(Set((two?.details?.metadata["number_ids"] ?? "").split(separator: ",").map(String.init)) == [first.id, second.id])
            #expect(two?.message.contains(second.e164) == true)
            var dedicated = DedicatedSender()
            dedicated.numberId = first.id
            create.dedicated = dedicated
            var single = SingleUseSender()
            single.useCaseId = tenant.approvedUseCase
            single.preferredAreaCodes = ["510"]
            create.singleUse = single
            await expectError(.invalidArgument, "SENDER_CONFLICT") { try await tenant.admin.campaigns.createCampaign(create) }
        }
    }

    @Test("WatchEvents since past the head is OUT_OF_RANGE with the head")
    func sinceBeyondHead() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            _ = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            var watch = WatchEventsRequest()
            watch.since = 1_000_000
            let error = await expectError(.outOfRange, "SINCE_BEYOND_HEAD") {
                for try await _ in tenant.admin.events.watchEvents(watch, options: CallOptions(timeout: .seconds(5))) {}
            }
            let head = Int64(error?.details?.metadata["head"] ?? "") ?? 0
            #expect(head > 0)
            watch.since = head
            var events = tenant.admin.events.watchEvents(watch, options: CallOptions(timeout: .seconds(5))).makeAsyncIterator()
            #expect(try await events.next()?.kind == "WATCH_STARTED")
        }
    }

    @Test("errors carry the metadata docs/API.md promises and say what to do")
    func errorsSayWhatToDo() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let failed = try await Tenant.submitUseCase(tenant.owner, optIn: "")
            try await Tenant.waitForUseCase(tenant.owner, failed.id, .failed)
            var single = SingleUseSender()
            single.useCaseId = failed.id
            single.preferredAreaCodes = ["415"]
            var create = CreateCampaignRequest()
            create.name = "Pending"
            create.singleUse = single
            let notApproved = await expectError(.failedPrecondition, "USE_CASE_NOT_APPROVED") {
                try await tenant.admin.campaigns.createCampaign(create)
            }
            #expect(notApproved?.details?.metadata["status"] == "FAILED")
            #expect(notApproved?.details?.metadata["use_case_id"] == failed.id)
            #expect(notApproved?.message.contains("submit a new use case") == true)

            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let created = try await createDedicated(tenant.admin, number.id)
            _ = try await tenant.admin.campaigns.launchCampaign(campaignRequest(created.id))
            let transition = await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.launchCampaign(campaignRequest(created.id))
            }
            #expect(transition?.message.hasPrefix("an ACTIVE campaign") == true)
            #expect(transition?.details?.metadata == ["state": "ACTIVE", "transition": "launch"])

            var get = GetNumberRequest()
            let empty = await expectError(.notFound, "NUMBER_NOT_FOUND") { try await tenant.admin.numbers.getNumber(get) }
            #expect(empty?.message.contains("no number id was given") == true)
            get.numberId = String(repeating: "x", count: 5000)
            let long = await expectError(.notFound, "NUMBER_NOT_FOUND") { try await tenant.admin.numbers.getNumber(get) }
            #expect((long?.message.count ?? 0) < 200 && long?.message.contains("5000 characters") == true)

            let anonymous = await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection(nil).areaCodes.listAreaCodes(ListAreaCodesRequest())
            }
            #expect(anonymous?.message.contains("PHONE_NUMBERS_TOKEN") == true)
            let role = await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") {
                try await tenant.texter.campaigns.launchCampaign(campaignRequest(created.id))
            }
            #expect(role?.details?.metadata["caller"] == "TEXTER")
            #expect(role?.details?.metadata["allowed_roles"] == "OWNER,ADMIN,SUPERVISOR")
            let account = await expectError(.invalidArgument, "ACCOUNT_REQUIRED") {
                try await harness.operatorAPI.numbers.listNumbers(ListNumbersRequest())
            }
            #expect(account?.message.contains("--account") == true)
        }
    }

    @Test("a single-use number is readable with GetNumber while its campaign holds it")
    func singleUseReadable() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var single = SingleUseSender()
            single.useCaseId = tenant.approvedUseCase
            single.preferredAreaCodes = ["510"]
            var create = CreateCampaignRequest()
            create.name = "Flyer"
            create.singleUse = single
            let created = try await tenant.admin.campaigns.createCampaign(create)
            let launching = try await tenant.admin.campaigns.launchCampaign(campaignRequest(created.id))
            let number = try await tenant.waitFinal(launching.numberId)
            #expect(number.singleUse && number.status == .ready)
            #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers.isEmpty)
        }
    }
}
