import Foundation
import PhoneNumbersClient
import PhoneNumbersService
import TelnyxEmulator
import Testing

/// The watch over a provider that reports port-out requests and holds numbers of its
/// own: the whole service against the Telnyx adapter and its emulator.
@Suite("the provider watch: port-out requests and reconciliation", .timeLimit(.minutes(2)))
struct ProviderWatchTests {
    /// Waits (bounded) until the emulated port-out request is answered.
    static func answered(_ emulator: TelnyxEmulator, _ id: String) async throws -> (status: String, reason: String?) {
        for _ in 0..<500 {
            if let found = emulator.portOut(id), found.status != "pending" { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("port-out \(id) was never answered")
    }

    /// Waits (bounded) until the number's port-out attempts satisfy `done`.
    static func attempts(
        _ tenant: Tenant,
        _ numberID: String,
        until done: (ListPortOutAttemptsResponse) -> Bool
    ) async throws -> ListPortOutAttemptsResponse {
        var request = ListPortOutAttemptsRequest()
        request.numberId = numberID
        for _ in 0..<500 {
            let listed = try await tenant.owner.numbers.listPortOutAttempts(request)
            if done(listed) { return listed }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("the port-out attempts of \(numberID) never got there")
    }

    @Test("wrong PINs the provider rejects itself are recorded for the owner and lock the number like any wrong PIN")
    func providerRejectedPINs() async throws {
        try await ServiceHarness.with(provider: "telnyx") { harness in
            let emulator = try #require(harness.emulator)
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            for guess in ["00000000", "11111111", "22222222"] {
                #expect(emulator.portOut(emulator.requestPortOut(number.e164, pin: guess, carrier: "Guesser"))?.status == "rejected")
            }
            let locked = try await Self.attempts(tenant, number.id) { $0.lockedUntilMs > 0 }
            #expect(locked.attempts.map(\.outcome) == ["PIN_MISMATCH", "PIN_MISMATCH", "PIN_MISMATCH"])
            #expect(locked.attempts.allSatisfy { $0.gainingCarrier == "Guesser" })
            // Now even the right PIN is refused while the lock lasts, with the reason.
            var pin = GetPortOutPinRequest()
            pin.numberId = number.id
            let right = emulator.requestPortOut(number.e164, pin: try await tenant.owner.numbers.getPortOutPin(pin).pin, carrier: "Acme")
            let answer = try await Self.answered(emulator, right)
            #expect(answer.status == "rejected-pending" && answer.reason?.contains("locked") == true, "\(answer)")
        }
    }

    @Test("a pending port-out is authorized with the right PIN and the number is RELEASED; a locked number's is rejected with the reason")
    func portOutRequests() async throws {
        try await ServiceHarness.with(provider: "telnyx") { harness in
            let emulator = try #require(harness.emulator)
            let tenant = try await Tenant.make(harness)
            let relay = try await harness.portOutRelay()
            let first = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let second = try await tenant.waitFinal(try await tenant.addNumber("510").id)
            #expect(first.status == .ready && second.status == .ready)
            var pinRequest = GetPortOutPinRequest()
            pinRequest.numberId = first.id
            let pin = try await tenant.owner.numbers.getPortOutPin(pinRequest).pin
            #expect(emulator.externalPIN(first.e164) == pin, "the PIN is the provider's external_pin")

            // A wrong PIN is rejected by the provider itself; the service records it all the same.
            let wrong = emulator.requestPortOut(first.e164, pin: "00000000", carrier: "Acme")
            #expect(emulator.portOut(wrong)?.status == "rejected")
            let seen = try await Self.attempts(tenant, first.id) { $0.attempts.count == 1 }
            #expect(seen.attempts.first?.outcome == "PIN_MISMATCH" && seen.attempts.first?.gainingCarrier == "Acme")
            // The right PIN: pending until the service authorizes it.
            let right = emulator.requestPortOut(first.e164, pin: pin, carrier: "Acme Wireless")
            let answer = try await Self.answered(emulator, right)
            #expect(answer.status == "authorized")
            let after = try await tenant.waitFinal(first.id)
            #expect(after.status == .released)
            var attempts = ListPortOutAttemptsRequest()
            attempts.numberId = first.id
            let listed = try await tenant.owner.numbers.listPortOutAttempts(attempts)
            #expect(listed.attempts.map(\.outcome).sorted() == ["APPROVED", "PIN_MISMATCH"])
            #expect(listed.attempts.first { $0.outcome == "APPROVED" }?.gainingCarrier == "Acme Wireless")

            // The second number is locked after wrong PINs relayed through RequestPortOut:
            // the provider's request, though its PIN matched, is rejected with the reason.
            for _ in 0..<3 {
                await expectError(.permissionDenied, "PORT_OUT_PIN_MISMATCH") {
                    try await relay.numbers.requestPortOut(portOutRequest(second.e164, "12345678"))
                }
            }
            pinRequest.numberId = second.id
            let secondPIN = try await tenant.owner.numbers.getPortOutPin(pinRequest).pin
            let locked = emulator.requestPortOut(second.e164, pin: secondPIN, carrier: "Acme")
            let refused = try await Self.answered(emulator, locked)
            #expect(refused.status == "rejected-pending")
            #expect(refused.reason?.contains("locked") == true, "\(String(describing: refused.reason))")
            var get = GetNumberRequest()
            get.numberId = second.id
            #expect(try await tenant.admin.numbers.getNumber(get).status == .ready)
        }
    }

    @Test(
        "reconciliation reports numbers held on one side only, as an event, a gauge and the operator's command; a lost number stops being offered; it deletes nothing"
    )
    func reconciliation() async throws {
        try await ServiceHarness.with(provider: "telnyx") { harness in
            let emulator = try #require(harness.emulator)
            let tenant = try await Tenant.make(harness)
            let kept = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            let lost = try await tenant.waitFinal(try await tenant.addNumber("510").id)
            let gotv = try await createDedicated(tenant.admin, lost.id)
            _ = try await tenant.admin.campaigns.launchCampaign(campaignRequest(gotv.id))
            emulator.buyOutside("+13125550188")
            emulator.deleteOutside(lost.e164)

            let drift = try await harness.operatorAPI.numbers.reconcileProviderNumbers(ReconcileProviderNumbersRequest())
            #expect(drift.onlyAtProvider.map(\.e164) == ["+13125550188"])
            #expect(drift.onlyInService.map(\.e164) == [lost.e164])
            #expect(drift.onlyInService.first?.accountId == kept.accountId)
            await expectError(.permissionDenied, "OPERATOR_ONLY") {
                _ = try await tenant.owner.numbers.reconcileProviderNumbers(ReconcileProviderNumbersRequest())
            }
            // Reported once to the account, however often reconciliation runs, across restarts too.
            _ = try await harness.operatorAPI.numbers.reconcileProviderNumbers(ReconcileProviderNumbersRequest())
            try await harness.restart()
            _ = try await harness.operatorAPI.numbers.reconcileProviderNumbers(ReconcileProviderNumbersRequest())
            let events = try await harness.database.read {
                try $0.query("SELECT subject_id FROM events WHERE kind = 'NUMBER_DRIFT_DETECTED'", []).map {
                    try $0.get("subject_id", as: String.self)
                }
            }
            #expect(events == [lost.id])
            var buffer: [UInt8] = []
            harness.metrics.emit(into: &buffer)
            let exposition = String(decoding: buffer, as: UTF8.self)
            #expect(exposition.contains(#"phone_numbers_provider_drift_numbers{side="only_at_provider"} 1"#), "\(exposition)")
            #expect(exposition.contains(#"phone_numbers_provider_drift_numbers{side="only_in_service"} 1"#), "still drift: \(exposition)")
            // Nothing deleted on either side; the lost number is FAILED, not retryable, and says what to do.
            #expect(emulator.heldNumbers()["+13125550188"] != nil)
            var get = GetNumberRequest()
            get.accountId = lost.accountId
            get.numberId = lost.id
            let now = try await harness.operatorAPI.numbers.getNumber(get)
            #expect(now.status == .failed && !now.retryable, "\(now)")
            #expect(now.failureReason.contains("no longer holds this number") && now.failureReason.contains("GOTV"), "\(now.failureReason)")
            get.accountId = ""
            let admin = harness.connection(tenant.tokens[.admin])  // the server restarted: a new connection
            #expect(try await admin.numbers.getNumber(get).status == .failed)
            // It is no longer offered: not as a sender, not for a new campaign, and a retry cannot help.
            var resolve = ResolveSenderRequest()
            resolve.campaignId = gotv.id
            resolve.contact = "+12125550199"
            await expectError(.failedPrecondition, "NUMBER_NOT_HELD") { try await admin.campaigns.resolveSender(resolve) }
            let flyer = try await createDedicated(admin, lost.id, name: "Flyer")
            await expectError(.failedPrecondition, "NUMBER_NOT_READY") {
                try await admin.campaigns.launchCampaign(campaignRequest(flyer.id))
            }
            var retry = RetryProvisioningRequest()
            retry.numberId = lost.id
            await expectError(.failedPrecondition, "NUMBER_NOT_RETRYABLE") { try await admin.numbers.retryProvisioning(retry) }
            var keptGet = GetNumberRequest()
            keptGet.numberId = kept.id
            #expect(try await admin.numbers.getNumber(keptGet).status == .ready)
        }
    }
}
