import RPCCore
import Tracing

/// A provider whose every call is counted by operation and outcome, timed, and traced
/// as a span (`provider.<operation>`): every provider, one place.
struct InstrumentedProvider: NumberProvider {
    let base: any NumberProvider
    let metrics: DomainMetrics

    private func measured<T>(_ operation: String, _ call: () async throws(ProviderError) -> T) async throws(ProviderError) -> T {
        let start = ContinuousClock.now
        guard RPCTracing.isEnabled else {
            do {
                let result = try await call()
                metrics.providerCall(operation, outcome: "ok", duration: ContinuousClock.now - start)
                return result
            } catch {
                metrics.providerCall(operation, outcome: Self.outcome(error), duration: ContinuousClock.now - start)
                throw error
            }
        }
        let span = InstrumentationSystem.tracer.startSpan("provider.\(operation)", context: .current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        do {
            // ServiceContext.withValue rethrows untyped errors: the result carries the typed one.
            let result = await ServiceContext.withValue(span.context) { () async -> Result<T, ProviderError> in
                do throws(ProviderError) { return .success(try await call()) } catch { return .failure(error) }
            }
            let value = try result.get()
            metrics.providerCall(operation, outcome: "ok", duration: ContinuousClock.now - start)
            return value
        } catch {
            span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            metrics.providerCall(operation, outcome: Self.outcome(error), duration: ContinuousClock.now - start)
            throw error
        }
    }

    func tenDLCCampaignID(forUseCase useCaseID: String) -> String? {
        base.tenDLCCampaignID(forUseCase: useCaseID)
    }

    private static func outcome(_ error: ProviderError) -> String {
        switch error {
        case .noInventory: "no_inventory"
        case .transient: "transient"
        case .permanent: "permanent"
        case .numberUnusable: "number_unusable"
        }
    }

    func reserveNumber(areaCode: String, reservationKey: String) async throws(ProviderError) -> String {
        try await measured("reserve_number") { () async throws(ProviderError) in
            try await base.reserveNumber(areaCode: areaCode, reservationKey: reservationKey)
        }
    }

    func areaCodesWithInventory(_ areaCodes: [String]) async throws(ProviderError) -> Set<String> {
        try await measured("area_codes_with_inventory") { () async throws(ProviderError) in try await base.areaCodesWithInventory(areaCodes)
        }
    }

    func cancelReservation(reservationKey: String) async throws(ProviderError) {
        try await measured("cancel_reservation") { () async throws(ProviderError) in
            try await base.cancelReservation(reservationKey: reservationKey)
        }
    }

    func provision(e164: String, reservationKey: String, useCaseID: String) async throws(ProviderError) -> ProvisioningProgress {
        try await measured("provision") { () async throws(ProviderError) in
            try await base.provision(e164: e164, reservationKey: reservationKey, useCaseID: useCaseID)
        }
    }

    func setPortOutPIN(e164: String, pin: String) async throws(ProviderError) {
        try await measured("set_port_out_pin") { () async throws(ProviderError) in try await base.setPortOutPIN(e164: e164, pin: pin) }
    }

    func portOutPIN(e164: String) async throws(ProviderError) -> String {
        try await measured("port_out_pin") { () async throws(ProviderError) in try await base.portOutPIN(e164: e164) }
    }

    func release(e164: String, reservationKey: String) async throws(ProviderError) {
        try await measured("release") { () async throws(ProviderError) in try await base.release(e164: e164, reservationKey: reservationKey)
        }
    }

    func vetBrand(_ brand: BrandRecord) async throws(ProviderError) -> (BrandRecord.Status, String) {
        try await measured("vet_brand") { () async throws(ProviderError) in try await base.vetBrand(brand) }
    }

    func vetUseCase(_ useCase: UseCaseRecord, brand: BrandRecord) async throws(ProviderError) -> (UseCaseRecord.Status, String) {
        try await measured("vet_use_case") { () async throws(ProviderError) in try await base.vetUseCase(useCase, brand: brand) }
    }

    var allowsDirectStatusChanges: Bool { base.allowsDirectStatusChanges }

    func pendingPortOuts() async throws(ProviderError) -> [ProviderPortOut] {
        try await measured("pending_port_outs") { () async throws(ProviderError) in try await base.pendingPortOuts() }
    }

    func answerPortOut(_ request: ProviderPortOut, authorize: Bool, reason: String) async throws(ProviderError) {
        try await measured("answer_port_out") { () async throws(ProviderError) in
            try await base.answerPortOut(request, authorize: authorize, reason: reason)
        }
    }

    func heldNumbers() async throws(ProviderError) -> [ProviderHeldNumber] {
        try await measured("held_numbers") { () async throws(ProviderError) in try await base.heldNumbers() }
    }
}
