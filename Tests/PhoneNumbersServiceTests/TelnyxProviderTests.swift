import Foundation
import Logging
import PhoneNumbersService
import TelnyxEmulator
import TelnyxProvider
import Testing

/// The Telnyx adapter against the emulator on loopback: each failure the provider can
/// answer with, a crash between ordering and recording, and the status mappings.
@Suite("the Telnyx provider adapter", .timeLimit(.minutes(2)))
struct TelnyxProviderTests {
    static func with(
        _ behaviour: TelnyxEmulator.Behaviour = .init(orderDelay: .zero, assignmentDelay: .zero),
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), budget: .seconds(3)),
        requestTimeout: Duration = .seconds(30),  // generous: a loaded machine must not turn into retries the tests count
        _ body: (TelnyxProvider, TelnyxEmulator) async throws -> Void
    ) async throws {
        let emulator = TelnyxEmulator(behaviour: behaviour)
        let running = try await emulator.start()
        let url = running.url
        var logger = Logger(label: "test.telnyx")
        logger.logLevel = .critical
        let provider = TelnyxProvider(
            configuration: TelnyxConfiguration(
                baseURL: url,
                apiKey: emulator.apiKey,
                messagingProfileID: "MP-TEST",
                campaigns: ["uc_1": "CAMP-1"],
                brands: ["acc_1": "B-1"],
                requestTimeout: requestTimeout,
                retry: retry,
                pollInterval: .milliseconds(10)
            ),
            logger: logger
        )
        do {
            try await body(provider, emulator)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    /// Provisions to the end, as the job would: asking again while pending.
    static func provisioned(_ provider: TelnyxProvider, _ e164: String, key: String) async throws -> [ProvisioningProgress] {
        var seen: [ProvisioningProgress] = []
        for _ in 0..<20 {
            let progress = try await provider.provision(e164: e164, reservationKey: key, useCaseID: "uc_1")
            seen.append(progress)
            if progress == .provisioned { return seen }
        }
        throw TestFailure("still pending: \(seen)")
    }

    @Test("reserve, order, assign, PIN, release: READY in steps, bought once, released only for its own key")
    func lifeOfANumber() async throws {
        try await Self.with { provider, emulator in
            let e164 = try await provider.reserveNumber(areaCode: "415", reservationKey: "num_a")
            #expect(e164.hasPrefix("+1415"))
            let answer1 = try await provider.reserveNumber(areaCode: "415", reservationKey: "num_a")
            #expect(answer1 == e164, "a retried reservation is the same number")
            let steps = try await Self.provisioned(provider, e164, key: "num_a")
            #expect(steps.count >= 3, "order, then assignment, then assigned: \(steps)")
            #expect(emulator.ordersPlaced(customerReference: "num_a") == 1)
            #expect(emulator.assignmentStatus(e164) == "ASSIGNED")
            try await provider.setPortOutPIN(e164: e164, pin: "12345678")
            let answer2 = try await provider.portOutPIN(e164: e164)
            #expect(answer2 == "12345678")
            #expect(emulator.externalPIN(e164) == "12345678")
            try await provider.release(e164: e164, reservationKey: "num_other")
            #expect(emulator.heldNumbers()[e164] == "num_a", "never released from under its holder")
            try await provider.release(e164: e164, reservationKey: "num_a")
            #expect(emulator.heldNumbers()[e164] == nil)
            #expect(emulator.assignmentStatus(e164) == nil)
            try await provider.release(e164: e164, reservationKey: "num_a")  // again: nothing to do
        }
    }

    @Test("a crash after the order was placed but before it was recorded: the next attempt adopts the order, never buys twice")
    func crashBetweenOrderAndRecord() async throws {
        try await Self.with(.init(orderDelay: .seconds(3600), assignmentDelay: .zero)) { provider, emulator in
            let e164 = try await provider.reserveNumber(areaCode: "510", reservationKey: "num_b")
            // The first attempt places the order; the service "crashes" before it hears more.
            let answer3 = try await provider.provision(e164: e164, reservationKey: "num_b", useCaseID: "uc_1")
            #expect(answer3 != .provisioned)
            // A new process (no memory of the first) tries again, twice, while the order is pending.
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            for _ in 0..<2 {
                let progress = try await provider.provision(e164: e164, reservationKey: "num_b", useCaseID: "uc_1")
                #expect(progress == .pending(stage: "number order pending", after: .milliseconds(10)))
            }
            emulator.advance(by: .seconds(3601))
            _ = try await Self.provisioned(provider, e164, key: "num_b")
            #expect(emulator.ordersPlaced(customerReference: "num_b") == 1)
        }
    }

    @Test("429 with Retry-After and 500 are retried within the budget; a POST is retried only after a 429")
    func retries() async throws {
        try await Self.with { provider, emulator in
            emulator.inject([.rateLimited(retryAfterSeconds: 0), .serverError, .serverError], into: "ListAvailablePhoneNumbers")
            let e164 = try await provider.reserveNumber(areaCode: "312", reservationKey: "num_c")
            #expect(e164.hasPrefix("+1312"))
            emulator.inject([.serverError], into: "CreateNumberOrder")
            do {
                _ = try await provider.provision(e164: e164, reservationKey: "num_c", useCaseID: "uc_1")
                Issue.record("expected the 500 to be reported")
            } catch {
                guard case ProviderError.transient = error else { throw TestFailure("expected transient, got \(error)") }
            }
            #expect(emulator.ordersPlaced(customerReference: "num_c") == 0, "the 500 was not retried blindly")
            emulator.inject([.rateLimited(retryAfterSeconds: 0)], into: "CreateNumberOrder")
            _ = try await Self.provisioned(provider, e164, key: "num_c")
            #expect(emulator.ordersPlaced(customerReference: "num_c") == 1)
            // Past the budget, the failure is reported as transient (the job retries later).
            emulator.inject(Array(repeating: .serverError, count: 10), into: "ListPortoutRequest")
            await #expect(throws: ProviderError.self) { _ = try await provider.pendingPortOuts() }
        }
    }

    @Test("a call slower than its time limit is a transient failure")
    func timeouts() async throws {
        try await Self.with(retry: RetryPolicy(maxAttempts: 1), requestTimeout: .milliseconds(300)) { provider, emulator in
            emulator.inject([.slow(.seconds(6))], into: "ListAvailablePhoneNumbers")
            let started = ContinuousClock.now
            do {
                _ = try await provider.reserveNumber(areaCode: "415", reservationKey: "num_d")
                Issue.record("expected a time-out")
            } catch {
                guard case ProviderError.transient = error else { throw TestFailure("expected transient, got \(error)") }
            }
            // Well before the slow answer's 6 s (not a timing measurement: a loaded machine may take seconds).
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("no inventory is NO_NUMBERS_AVAILABLE's error; a failed assignment is permanent with Telnyx's reason, and a retry assigns afresh")
    func refusals() async throws {
        try await Self.with(.init(emptyAreaCodes: ["907"], orderDelay: .zero, assignmentDelay: .zero, failAssignmentAreaCodes: ["646"])) {
            provider,
            emulator in
            await #expect(throws: ProviderError.noInventory(areaCode: "907")) {
                _ = try await provider.reserveNumber(areaCode: "907", reservationKey: "num_e")
            }
            let e164 = try await provider.reserveNumber(areaCode: "646", reservationKey: "num_f")
            do {
                _ = try await Self.provisioned(provider, e164, key: "num_f")
                Issue.record("expected FAILED_ASSIGNMENT")
            } catch let error as ProviderError {
                guard case .permanent(let why) = error else { throw error }
                #expect(why.contains("carrier rejected"), "\(why)")
            }
            await #expect(throws: ProviderError.self) {
                _ = try await provider.provision(e164: e164, reservationKey: "num_f", useCaseID: "uc_unmapped")
            }
            // RetryProvisioning once the carrier accepts: a new assignment, READY.
            emulator.configure { $0.failAssignmentAreaCodes = [] }
            _ = try await Self.provisioned(provider, e164, key: "num_f")
            #expect(emulator.assignmentStatus(e164) == "ASSIGNED")
            #expect(emulator.ordersPlaced(customerReference: "num_f") == 1)
        }
    }

    @Test("vetting reads Telnyx's brand and campaign statuses, keeping its words as the reason")
    func vetting() async throws {
        try await Self.with { provider, emulator in
            let brand = BrandRecord(
                accountID: "acc_1",
                legalName: "Acme",
                ein: "123456789",
                entityType: .privateProfit,
                contactName: "A",
                contactEmail: "a@example.com",
                contactPhone: "+14155550100",
                status: .pending,
                submittedAt: 0,
                updatedAt: 0
            )
            emulator.setBrand("B-1", status: "REGISTRATION_PENDING")
            let answer4 = try await provider.vetBrand(brand).0
            #expect(answer4 == .pending)
            emulator.setBrand("B-1", status: "OK", identity: "VERIFIED")
            let answer5 = try await provider.vetBrand(brand).0
            #expect(answer5 == .registered)
            emulator.setBrand("B-1", status: "OK", identity: "UNVERIFIED")
            let answer6 = try await provider.vetBrand(brand).0
            #expect(answer6 == .unverified)
            #expect(TelnyxStatuses.campaign("MNO_PROVISIONED").0 == .approved)
            #expect(TelnyxStatuses.campaign("TCR_ACCEPTED").0 == .registered)
            #expect(TelnyxStatuses.campaign("MNO_REJECTED").0 == .failed)
            #expect(TelnyxStatuses.campaign("TCR_PENDING").0 == nil)
        }
    }

    @Test("the area-code list: one search per code, at most 8 at once, then answered from the cache")
    func inventory() async throws {
        try await Self.with(.init(emptyAreaCodes: ["907", "212"], orderDelay: .zero, assignmentDelay: .zero)) { provider, emulator in
            let codes = ["415", "510", "907", "212", "312", "646", "718", "202", "206", "305", "404", "503"]
            let stocked = try await provider.areaCodesWithInventory(codes)
            #expect(stocked == Set(codes).subtracting(["907", "212"]))
            let searches = { emulator.exchanges.filter { $0.path.hasSuffix("/available_phone_numbers") }.count }
            #expect(searches() == codes.count)
            let again = try await provider.areaCodesWithInventory(codes)
            #expect(again == stocked)
            #expect(searches() == codes.count, "the second list is answered from the cache")
        }
    }

    @Test("the API key is never printed with the configuration")
    func keyRedacted() {
        let configuration = TelnyxConfiguration(apiKey: "KEY-secret-123", messagingProfileID: "MP", campaigns: [:])
        #expect(!"\(configuration)".contains("KEY-secret-123"))
        #expect(!String(reflecting: configuration).contains("KEY-secret-123"))
    }

    @Test("the retry policy: Retry-After honoured, POSTs retried only on 429, the budget caps the waits")
    func retryPolicy() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), maxDelay: .seconds(5), budget: .seconds(6))
        #expect(policy.delay(after: .status(429, retryAfterSeconds: 2), attempt: 1, waited: .zero, idempotent: false) == .seconds(2))
        #expect(policy.delay(after: .status(500, retryAfterSeconds: nil), attempt: 1, waited: .zero, idempotent: false) == nil)
        #expect(
            policy.delay(after: .status(503, retryAfterSeconds: nil), attempt: 2, waited: .zero, idempotent: true, random: { 0.5 })
                == .milliseconds(100)
        )
        #expect(policy.delay(after: .noAnswer, attempt: 1, waited: .zero, idempotent: false) == nil)
        #expect(policy.delay(after: .status(422, retryAfterSeconds: nil), attempt: 1, waited: .zero, idempotent: true) == nil)
        #expect(
            policy.delay(after: .status(429, retryAfterSeconds: 5), attempt: 1, waited: .seconds(2), idempotent: true) == nil,
            "past the budget"
        )
        #expect(
            policy.delay(after: .status(429, retryAfterSeconds: 0), attempt: 4, waited: .zero, idempotent: true) == nil,
            "out of attempts"
        )
    }
}
