import PhoneNumbersService
import SimulatedProvider
import Synchronization

/// The simulated provider with failures queued by a test: the next reservations or PIN
/// look-ups fail as told, and direct status changes can be switched off (as with a real
/// provider).
final class FaultyProvider: NumberProvider {
    private struct Faults {
        var reservations: [ProviderError] = []
        var pins: [ProviderError] = []
        var offers: [String] = []
        var provisions: [ProviderError] = []
        var directStatusChanges = true
        /// Stages whose calls wait at a gate (ordering by events, not by delays).
        var held: Set<Stage> = []
        var waiting: [Int: (stage: Stage, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    let base: any NumberProvider
    private let faults = Mutex(Faults())

    init(_ base: any NumberProvider) {
        self.base = base
    }

    /// The next `errors.count` reservations fail with these errors, in order.
    func failReservations(_ errors: [ProviderError]) { faults.withLock { $0.reservations += errors } }

    /// The next `errors.count` provisioning steps fail with these errors, in order.
    func failProvisioning(_ errors: [ProviderError]) { faults.withLock { $0.provisions += errors } }

    /// The next `errors.count` PIN look-ups fail with these errors, in order.
    func failPINLookups(_ errors: [ProviderError]) { faults.withLock { $0.pins += errors } }

    /// What a gate can hold.
    enum Stage: Sendable, Hashable {
        case provisioning
        case vetting
    }

    /// Calls of `stage` wait until `release(stage)`: a number stays PROVISIONING, or a
    /// brand PENDING, for as long as a test needs, however busy the machine.
    func hold(_ stage: Stage) { faults.withLock { _ = $0.held.insert(stage) } }

    func release(_ stage: Stage) {
        let waiting = faults.withLock { faults in
            faults.held.remove(stage)
            let released = faults.waiting.filter { $0.value.stage == stage }
            for id in released.keys { faults.waiting[id] = nil }
            return released.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once a call of `stage` is waiting at the gate (bounded: 10 s).
    func waitUntilWaiting(_ stage: Stage) async throws {
        for _ in 0..<1000 {
            if faults.withLock({ $0.waiting.values.contains { $0.stage == stage } }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no \(stage) call reached the gate")
    }

    private func pass(_ stage: Stage) async {
        let id = faults.withLock { faults in
            faults.nextWaiter += 1
            return faults.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let passes = faults.withLock { faults in
                    guard faults.held.contains(stage), !Task.isCancelled else { return true }
                    faults.waiting[id] = (stage, continuation)
                    return false
                }
                if passes { continuation.resume() }
            }
        } onCancel: {
            faults.withLock { $0.waiting.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    func refuseDirectStatusChanges() { faults.withLock { $0.directStatusChanges = false } }

    func allowDirectStatusChanges() { faults.withLock { $0.directStatusChanges = true } }

    private func next(_ queue: WritableKeyPath<Faults, [ProviderError]>) -> ProviderError? {
        faults.withLock { $0[keyPath: queue].isEmpty ? nil : $0[keyPath: queue].removeFirst() }
    }

    func reserveNumber(areaCode: String, reservationKey: String) async throws(ProviderError) -> String {
        if let error = next(\.reservations) { throw error }
        let reserved = try await base.reserveNumber(areaCode: areaCode, reservationKey: reservationKey)
        return faults.withLock { faults in
            guard !faults.offers.isEmpty else { return nil }
            return faults.offers.removeFirst()
        } ?? reserved
    }

    /// The next `e164s.count` reservations hand over these numbers instead of their own, as
    /// a provider whose inventory others share without knowing would.
    func offer(_ e164s: [String]) { faults.withLock { $0.offers += e164s } }

    func areaCodesWithInventory(_ areaCodes: [String]) async throws(ProviderError) -> Set<String> {
        try await base.areaCodesWithInventory(areaCodes)
    }

    func cancelReservation(reservationKey: String) async throws(ProviderError) {
        try await base.cancelReservation(reservationKey: reservationKey)
    }

    func provision(e164: String, reservationKey: String, useCaseID: String) async throws(ProviderError) -> ProvisioningProgress {
        await pass(.provisioning)
        if let error = next(\.provisions) { throw error }
        return try await base.provision(e164: e164, reservationKey: reservationKey, useCaseID: useCaseID)
    }

    func setPortOutPIN(e164: String, pin: String) async throws(ProviderError) {
        try await base.setPortOutPIN(e164: e164, pin: pin)
    }

    func portOutPIN(e164: String) async throws(ProviderError) -> String {
        if let error = next(\.pins) { throw error }
        return try await base.portOutPIN(e164: e164)
    }

    func release(e164: String, reservationKey: String) async throws(ProviderError) {
        try await base.release(e164: e164, reservationKey: reservationKey)
    }

    func vetBrand(_ brand: BrandRecord) async throws(ProviderError) -> (BrandRecord.Status, String) {
        await pass(.vetting)
        return try await base.vetBrand(brand)
    }

    func vetUseCase(_ useCase: UseCaseRecord, brand: BrandRecord) async throws(ProviderError) -> (UseCaseRecord.Status, String) {
        await pass(.vetting)
        return try await base.vetUseCase(useCase, brand: brand)
    }

    var allowsDirectStatusChanges: Bool { faults.withLock { $0.directStatusChanges } }

    func pendingPortOuts() async throws(ProviderError) -> [ProviderPortOut] { try await base.pendingPortOuts() }

    func answerPortOut(_ request: ProviderPortOut, authorize: Bool, reason: String) async throws(ProviderError) {
        try await base.answerPortOut(request, authorize: authorize, reason: reason)
    }

    func heldNumbers() async throws(ProviderError) -> [ProviderHeldNumber] { try await base.heldNumbers() }

    func tenDLCCampaignID(forUseCase useCaseID: String) -> String? { base.tenDLCCampaignID(forUseCase: useCaseID) }
}
