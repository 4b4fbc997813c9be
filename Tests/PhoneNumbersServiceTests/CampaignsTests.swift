import PhoneNumbersClient
import SimulatedProvider
import Storage
import Testing

@Suite("campaigns, senders, events and audit over TCP and SQLite", .timeLimit(.minutes(2)))
struct CampaignsTests {
    private func createSingleUse(_ api: PhoneNumbersConnection, _ useCase: String, _ areaCodes: [String]) async throws(RPCError) -> Campaign
    {
        var request = CreateCampaignRequest()
        request.name = "Single \(areaCodes.joined(separator: "/"))"
        var sender = SingleUseSender()
        sender.useCaseId = useCase
        sender.preferredAreaCodes = areaCodes
        request.singleUse = sender
        return try await api.campaigns.createCampaign(request)
    }

    private func id(_ campaign: Campaign) -> CampaignRequest {
        var request = CampaignRequest()
        request.campaignId = campaign.id
        return request
    }

    private func readyNumber(_ tenant: Tenant, _ areaCode: String = "415") async throws -> DedicatedNumber {
        let number = try await tenant.addNumber(areaCode)
        let final = try await tenant.waitFinal(number.id)
        #expect(final.status == .ready)
        return final
    }

    /// Waits for the campaign to leave LAUNCHING, through WatchEvents.
    private func settled(_ api: PhoneNumbersConnection, _ campaign: Campaign) async throws -> Campaign {
        var watch = WatchEventsRequest()
        watch.fromStart = true
        for try await event in api.events.watchEvents(watch, options: CallOptions(timeout: .seconds(20)))
        where event.subjectId == campaign.id && ["ACTIVE", "DRAFT"].contains(event.newState) && event.oldState == "LAUNCHING" {
            break
        }
        return try await api.campaigns.getCampaign(id(campaign))
    }

    @Test("a dedicated launch is ACTIVE in the call; not-ready and deleted numbers are refused")
    func dedicatedLaunch() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            harness.provider.hold(.provisioning)
            let provisioning = try await tenant.addNumber("415")
            let early = try await createDedicated(tenant.supervisor, provisioning.id, name: "Early")
            await expectError(.failedPrecondition, "NUMBER_NOT_READY") { try await tenant.supervisor.campaigns.launchCampaign(id(early)) }
            harness.provider.release(.provisioning)
            _ = try await tenant.waitFinal(provisioning.id)
            let launched = try await tenant.supervisor.campaigns.launchCampaign(id(early))
            #expect(launched.state == .active && launched.e164 == provisioning.e164 && launched.activatedAtMs > 0)

            let other = try await readyNumber(tenant, "510")
            let orphan = try await createDedicated(tenant.admin, other.id, name: "Orphan")
            var delete = DeleteNumberRequest()
            delete.numberId = other.id
            _ = try await tenant.admin.numbers.deleteNumber(delete)
            // Its draft was archived with it: it could never launch.
            #expect(try await tenant.admin.campaigns.getCampaign(id(orphan)).state == .archived)
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.launchCampaign(id(orphan))
            }
        }
    }

    @Test("many campaigns share one dedicated number, launched at the same time")
    func sharedNumber() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            var campaigns: [Campaign] = []
            for index in 0..<10 { campaigns.append(try await createDedicated(tenant.admin, number.id, name: "Campaign \(index)")) }
            let states = try await withThrowingTaskGroup(of: CampaignState.self) { group in
                for campaign in campaigns {
                    group.addTask { try await tenant.admin.campaigns.launchCampaign(self.id(campaign)).state }
                }
                var states: [CampaignState] = []
                for try await state in group { states.append(state) }
                return states
            }
            #expect(states.count == 10 && states.allSatisfy { $0 == .active })
            var list = ListCampaignsRequest()
            list.numberId = number.id
            list.state = .active
            #expect(try await tenant.texter.campaigns.listCampaigns(list).campaigns.count == 10)
        }
    }

    @Test("single-use: LAUNCHING, then ACTIVE in the first area code with inventory; archiving releases the number")
    func singleUseLaunch() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let campaign = try await createSingleUse(tenant.admin, tenant.approvedUseCase, ["212", "510"])
            let launching = try await tenant.admin.campaigns.launchCampaign(id(campaign))
            #expect(launching.state == .launching)
            let active = try await settled(tenant.admin, campaign)
            #expect(active.state == .active)
            #expect(active.e164.hasPrefix("+1510"))
            var useCase = GetUseCaseRequest()
            useCase.useCaseId = tenant.approvedUseCase
            #expect(try await tenant.admin.registration.getUseCase(useCase).numberCount == 1)
            // Single-use numbers are not the account's dedicated numbers.
            #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers.isEmpty)

            let archived = try await tenant.admin.campaigns.archiveCampaign(id(campaign))
            #expect(archived.state == .archived)
            #expect(try await tenant.admin.registration.getUseCase(useCase).numberCount == 0)
            let e164 = active.e164
            var released = false
            for _ in 0..<100 where !released {
                released = try await harness.heldAtProvider()[e164] == nil
                if !released { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(released)
        }
    }

    @Test("single-use: no inventory, or failed provisioning, returns the campaign to DRAFT with the reason")
    func singleUseFailures() async throws {
        var configuration = SimulatedProviderConfiguration.fast
        configuration.failProvisioningAreaCodes = ["510"]
        try await ServiceHarness.with(configuration) { harness in
            let tenant = try await Tenant.make(harness)
            let noInventory = try await createSingleUse(tenant.admin, tenant.approvedUseCase, ["212", "206"])
            _ = try await tenant.admin.campaigns.launchCampaign(id(noInventory))
            let draft = try await settled(tenant.admin, noInventory)
            #expect(draft.state == .draft)
            #expect(draft.failureReason.contains("no numbers available in area codes 212, 206"))

            let failing = try await createSingleUse(tenant.admin, tenant.approvedUseCase, ["510"])
            _ = try await tenant.admin.campaigns.launchCampaign(id(failing))
            let back = try await settled(tenant.admin, failing)
            #expect(back.state == .draft)
            #expect(back.failureReason.hasPrefix("provisioning failed"))
            var useCase = GetUseCaseRequest()
            useCase.useCaseId = tenant.approvedUseCase
            #expect(try await tenant.admin.registration.getUseCase(useCase).numberCount == 0)
        }
    }

    @Test("a number on a launching, active or paused campaign cannot be deleted; after archiving it can")
    func deleteAfterArchive() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            let campaign = try await createDedicated(tenant.admin, number.id)
            var delete = DeleteNumberRequest()
            delete.numberId = number.id
            _ = try await tenant.admin.campaigns.launchCampaign(id(campaign))
            await expectError(.failedPrecondition, "NUMBER_IN_USE") { try await tenant.admin.numbers.deleteNumber(delete) }
            _ = try await tenant.admin.campaigns.pauseCampaign(id(campaign))
            await expectError(.failedPrecondition, "NUMBER_IN_USE") { try await tenant.admin.numbers.deleteNumber(delete) }
            let archived = try await tenant.admin.campaigns.archiveCampaign(id(campaign))
            #expect(archived.state == .archived)
            // A dedicated number stays with the account when its campaign is archived.
            var get = GetNumberRequest()
            get.numberId = number.id
            #expect(try await tenant.admin.numbers.getNumber(get).status == .ready)
            #expect(try await tenant.admin.numbers.deleteNumber(delete).status == .released)
        }
    }

    @Test("invalid transitions are refused and change nothing")
    func invalidTransitions() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            let campaign = try await createDedicated(tenant.admin, number.id)
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.pauseCampaign(id(campaign))
            }
            _ = try await tenant.admin.campaigns.launchCampaign(id(campaign))
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.resumeCampaign(id(campaign))
            }
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.launchCampaign(id(campaign))
            }
            _ = try await tenant.admin.campaigns.archiveCampaign(id(campaign))
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.launchCampaign(id(campaign))
            }
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.archiveCampaign(id(campaign))
            }
            #expect(try await tenant.admin.campaigns.getCampaign(id(campaign)).state == .archived)
        }
    }

    @Test("one conversation per (number, contact) across campaigns; another number is another conversation")
    func conversations() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let first = try await readyNumber(tenant, "415")
            let second = try await readyNumber(tenant, "510")
            var onFirst: [Campaign] = []
            for index in 0..<3 {
                let campaign = try await createDedicated(tenant.admin, first.id, name: "First \(index)")
                onFirst.append(try await tenant.admin.campaigns.launchCampaign(id(campaign)))
            }
            let onSecond = try await tenant.admin.campaigns.launchCampaign(
                id(try await createDedicated(tenant.admin, second.id, name: "Second"))
            )
            func resolve(_ campaign: Campaign, _ contact: String) async throws -> ResolveSenderResponse {
                var request = ResolveSenderRequest()
                request.campaignId = campaign.id
                request.contact = contact
                return try await tenant.texter.campaigns.resolveSender(request)
            }
            let spellings = ["+1 (212) 555-0101", "2125550101", "1-212-555-0101"]
            var conversations = Set<String>()
            for (campaign, spelling) in zip(onFirst, spellings) {
                let resolved = try await resolve(campaign, spelling)
                #expect(resolved.e164 == first.e164)
                #expect(resolved.contact == "+12125550101")
                conversations.insert(resolved.conversationId)
            }
            #expect(conversations.count == 1)
            let elsewhere = try await resolve(onSecond, "+12125550101")
            #expect(elsewhere.e164 == second.e164 && !conversations.contains(elsewhere.conversationId))
            let otherContact = try await resolve(onFirst[0], "+12125550102")
            #expect(!conversations.contains(otherContact.conversationId))
            await expectError(.invalidArgument, "INVALID_CONTACT") { try await resolve(onFirst[0], "call me maybe") }
            _ = try await tenant.admin.campaigns.pauseCampaign(id(onFirst[0]))
            await expectError(.failedPrecondition, "CAMPAIGN_NOT_ACTIVE") { try await resolve(onFirst[0], "+12125550101") }

            // The campaign and its number are read in one statement: each way it can fail.
            let stranger = try await Tenant.make(harness)
            var foreign = ResolveSenderRequest()
            foreign.campaignId = onSecond.id
            foreign.contact = "+12125550101"
            await expectError(.notFound, "CAMPAIGN_NOT_FOUND") { try await stranger.texter.campaigns.resolveSender(foreign) }
            var missing = foreign
            missing.campaignId = "cmp_missing"
            await expectError(.notFound, "CAMPAIGN_NOT_FOUND") { try await tenant.texter.campaigns.resolveSender(missing) }
            // Delete and port-out refuse while a campaign uses the number: arranged in the
            // database, as a store restored from an older backup could hold it.
            try await harness.database.write { try $0.execute("UPDATE numbers SET status = 'RELEASED' WHERE id = ?", [second.id]) }
            let error = await expectError(.failedPrecondition, "NUMBER_NOT_HELD") { try await resolve(onSecond, "+12125550101") }
            #expect(error?.details?.metadata["status"] == "RELEASED")
        }
    }

    @Test("WatchEvents resumes after a dropped connection with no gap and no duplicate")
    func watchResumes() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            var seen: [Event] = []
            var request = WatchEventsRequest()
            request.fromStart = true
            let watcher = harness.connection(try await adminToken(tenant, harness))
            var iterator = watcher.events.watchEvents(request).makeAsyncIterator()
            let started = try await iterator.next()
            #expect(started?.kind == "WATCH_STARTED" && started?.sequence == 0)
            while seen.count < 2, let event = try await iterator.next() { seen.append(event) }
            #expect(seen.map(\.newState) == ["PROVISIONING", "READY"])
            await watcher.close()  // the connection drops

            for index in 0..<5 {
                let campaign = try await createDedicated(tenant.admin, number.id, name: "While away \(index)")
                _ = try await tenant.admin.campaigns.launchCampaign(id(campaign))
            }
            request.fromStart = false
            request.since = seen.last!.sequence
            let again = harness.connection(try await adminToken(tenant, harness))
            var resumed = again.events.watchEvents(request).makeAsyncIterator()
            let marker = try await resumed.next()
            #expect(marker?.kind == "WATCH_STARTED" && marker?.sequence == seen.last!.sequence)
            var missed: [Event] = []
            while missed.count < 10, let event = try await resumed.next() { missed.append(event) }

            var all = WatchEventsRequest()
            all.fromStart = true
            var full = again.events.watchEvents(all).makeAsyncIterator()
            _ = try await full.next()
            var log: [Event] = []
            while log.count < 12, let event = try await full.next() { log.append(event) }
            #expect((seen + missed).map(\.sequence) == log.map(\.sequence))
            #expect(Set(log.map(\.sequence)).count == log.count)
            #expect(log.map(\.sequence) == log.map(\.sequence).sorted())
            #expect(missed.filter { $0.newState == "ACTIVE" }.count == 5)
            await again.close()
        }
    }

    @Test("thirty watchers of one account, sharing reads, each get every change once and in order while changes keep coming")
    func manyWatchers() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            let campaign = try await createDedicated(tenant.supervisor, number.id)
            _ = try await tenant.supervisor.campaigns.launchCampaign(id(campaign))
            let changes = 40
            let received = try await withThrowingTaskGroup(of: [Int64].self) { group in
                let ready = AsyncStream<Void>.makeStream()
                for index in 0..<30 {
                    let api = index % 2 == 0 ? tenant.texter : tenant.admin
                    group.addTask {
                        var iterator = api.events.watchEvents(WatchEventsRequest(), options: CallOptions(timeout: .seconds(30)))
                            .makeAsyncIterator()
                        let marker = try await iterator.next()
                        #expect(marker?.kind == "WATCH_STARTED")
                        ready.continuation.yield()
                        var sequences: [Int64] = []
                        while sequences.count < changes, let event = try await iterator.next() {
                            if event.subjectId == campaign.id { sequences.append(event.sequence) }
                        }
                        return sequences
                    }
                }
                var started = 0
                for await _ in ready.stream {
                    started += 1
                    if started == 30 { break }
                }
                for change in 0..<changes {
                    if change % 2 == 0 {
                        _ = try await tenant.supervisor.campaigns.pauseCampaign(id(campaign))
                    } else {
                        _ = try await tenant.supervisor.campaigns.resumeCampaign(id(campaign))
                    }
                }
                var all: [[Int64]] = []
                for try await sequences in group { all.append(sequences) }
                return all
            }
            #expect(received.count == 30)
            let expected = received[0]
            #expect(expected.count == changes)
            #expect(expected == expected.sorted() && Set(expected).count == changes)
            #expect(received.allSatisfy { $0 == expected })
        }
    }

    @Test("every change is audited in its transaction; refused calls leave no entry; secrets never appear")
    func auditTrail() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415", name: "Original", requestID: "add-1")
            _ = try await tenant.waitFinal(number.id)
            var rename = RenameNumberRequest()
            rename.numberId = number.id
            rename.name = "Renamed"
            _ = try await tenant.admin.numbers.renameNumber(rename)
            let campaign = try await createDedicated(tenant.admin, number.id, requestID: "cmp-1")
            _ = try await tenant.admin.campaigns.launchCampaign(id(campaign))
            var pin = ResetPortOutPinRequest()
            pin.numberId = number.id
            let newPIN = try await tenant.owner.numbers.resetPortOutPin(pin).pin

            func entries() async throws -> [AuditEvent] {
                var request = ListAuditEventsRequest()
                request.pageSize = 500
                return try await tenant.owner.events.listAuditEvents(request).events
            }
            let before = try await entries()
            let actions = Set(before.map(\.action))
            for action in [
                "ACCOUNT_CREATED", "MEMBER_ADDED", "TOKEN_ISSUED", "BRAND_SUBMITTED", "BRAND_VETTED", "USE_CASE_SUBMITTED",
                "USE_CASE_VETTED",
                "NUMBER_ADDED", "PROVISIONING_SUCCEEDED", "NUMBER_RENAMED", "CAMPAIGN_CREATED", "CAMPAIGN_LAUNCHED", "PORT_OUT_PIN_RESET",
            ] {
                #expect(actions.contains(action), "\(action)")
            }
            let renamed = try #require(before.first { $0.action == "NUMBER_RENAMED" })
            #expect(renamed.oldValue == "Original" && renamed.newValue == "Renamed" && renamed.actor.hasPrefix("member:"))
            #expect(before.first { $0.action == "NUMBER_ADDED" }?.requestId == "add-1")
            #expect(before.first { $0.action == "CAMPAIGN_CREATED" }?.requestId == "cmp-1")
            #expect(before.first { $0.action == "PROVISIONING_SUCCEEDED" }?.actor == "system")
            let rendered = before.map { $0.jsonValue.rendered() }.joined()
            #expect(!rendered.contains(newPIN))

            // Refused calls change nothing and record nothing.
            await expectError(.failedPrecondition, "AREA_CODE_NOT_OFFERED") { try await tenant.addNumber("603") }
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.texter.numbers.renameNumber(rename) }
            await expectError(.failedPrecondition, "INVALID_STATE_TRANSITION") {
                try await tenant.admin.campaigns.resumeCampaign(id(campaign))
            }
            #expect(try await entries().count == before.count)

            // Paging: newest first, no overlap.
            var page = ListAuditEventsRequest()
            page.pageSize = 3
            let first = try await tenant.admin.events.listAuditEvents(page)
            page.pageToken = first.nextPageToken
            let second = try await tenant.admin.events.listAuditEvents(page)
            #expect(first.events.count == 3 && second.events.count == 3)
            #expect(first.events.last!.id > second.events.first!.id)
            // Only owners, admins and the operator read it.
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") {
                try await tenant.supervisor.events.listAuditEvents(ListAuditEventsRequest())
            }
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") {
                try await tenant.texter.events.listAuditEvents(ListAuditEventsRequest())
            }
        }
    }

    @Test("roles and isolation: supervisors manage campaigns, texters don't; the launcher service launches for any account it names")
    func campaignAccess() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let other = try await Tenant.make(harness, name: "Other")
            let number = try await readyNumber(tenant)
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await createDedicated(tenant.texter, number.id) }
            let campaign = try await createDedicated(tenant.supervisor, number.id)
            await expectError(.notFound, "NUMBER_NOT_FOUND") { try await createDedicated(other.admin, number.id) }
            await expectError(.notFound, "CAMPAIGN_NOT_FOUND") { try await other.admin.campaigns.launchCampaign(id(campaign)) }
            await expectError(.notFound, "CAMPAIGN_NOT_FOUND") { try await other.texter.campaigns.getCampaign(id(campaign)) }
            var foreign = id(campaign)
            foreign.accountId = tenant.accountID
            await expectError(.permissionDenied, "ACCOUNT_MISMATCH") { try await other.admin.campaigns.getCampaign(foreign) }

            var issue = IssueTokenRequest()
            issue.serviceName = "campaign-launcher"
            issue.grants = [.launchCampaigns]
            let launcher = harness.connection(try await harness.operatorAPI.accounts.issueToken(issue).token)
            await expectError(.invalidArgument, "ACCOUNT_REQUIRED") { try await launcher.campaigns.launchCampaign(id(campaign)) }
            var named = id(campaign)
            named.accountId = tenant.accountID
            #expect(try await launcher.campaigns.launchCampaign(named).state == .active)
            #expect(try await launcher.campaigns.pauseCampaign(named).state == .paused)
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await launcher.campaigns.resumeCampaign(named) }
            #expect(try await launcher.campaigns.archiveCampaign(named).state == .archived)
            var create = CreateCampaignRequest()
            create.accountId = tenant.accountID
            create.name = "Nope"
            var sender = DedicatedSender()
            sender.numberId = number.id
            create.dedicated = sender
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await launcher.campaigns.createCampaign(create) }
            var watch = WatchEventsRequest()
            watch.accountId = tenant.accountID
            var events = launcher.events.watchEvents(watch).makeAsyncIterator()
            #expect(try await events.next()?.kind == "WATCH_STARTED")
        }
    }

    @Test("CreateCampaign with a request_id is idempotent")
    func idempotentCreate() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await readyNumber(tenant)
            let first = try await createDedicated(tenant.admin, number.id, name: "Once", requestID: "c-1")
            let again = try await createDedicated(tenant.admin, number.id, name: "Once", requestID: "c-1")
            #expect(first.id == again.id)
            await expectError(.failedPrecondition, "REQUEST_ID_REUSED") {
                try await createDedicated(tenant.admin, number.id, name: "Twice", requestID: "c-1")
            }
            #expect(try await tenant.admin.campaigns.listCampaigns(ListCampaignsRequest()).campaigns.count == 1)
        }
    }

    private func adminToken(_ tenant: Tenant, _ harness: ServiceHarness) async throws -> String {
        var issue = IssueTokenRequest()
        issue.memberId = tenant.memberIDs[.admin]!
        return try await harness.operatorAPI.accounts.issueToken(issue).token
    }
}
