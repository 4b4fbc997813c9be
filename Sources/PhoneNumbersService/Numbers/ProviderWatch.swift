import Foundation
import Logging
import RPCCore

/// What reconciliation found: numbers the provider holds that the service does not,
/// and numbers the service holds that the provider does not. It never deletes anything:
/// an operator decides (docs/PROVIDERS.md).
public struct ProviderDrift: Sendable, Equatable {
    /// Held by the provider, unknown to the service (or RELEASED there): paid for, unused.
    public var onlyAtProvider: [ProviderHeldNumber]
    /// Held by the service (PROVISIONING, READY or FAILED) but not by the provider.
    public var onlyInService: [NumberRecord]
    /// When it was found.
    public var at: Timestamp

    /// The comparison itself, without I/O: by E.164, and for numbers the provider keyed,
    /// by key too (a number the provider holds under another key is another holder's).
    public static func compare(provider: [ProviderHeldNumber], service: [NumberRecord], at: Timestamp) -> ProviderDrift {
        let serviceByE164 = Dictionary(service.map { ($0.e164, $0) }, uniquingKeysWith: { first, _ in first })
        let providerByE164 = Dictionary(provider.map { ($0.e164, $0) }, uniquingKeysWith: { first, _ in first })
        let onlyAtProvider = provider.filter { held in
            guard let number = serviceByE164[held.e164] else { return true }
            return !held.reservationKey.isEmpty && held.reservationKey != number.id
        }
        let onlyInService = service.filter { number in
            guard let held = providerByE164[number.e164] else { return true }
            return !held.reservationKey.isEmpty && held.reservationKey != number.id
        }
        return ProviderDrift(onlyAtProvider: onlyAtProvider, onlyInService: onlyInService, at: at)
    }
}

/// The service's watch over the provider, as periodic durable jobs: it answers the
/// port-out requests the provider reports (by the same rule as RequestPortOut) and
/// reconciles the numbers held on both sides.
public struct ProviderWatch: Sendable {
    let numbers: NumbersDomain
    let portOutInterval: Duration
    let reconcileInterval: Duration

    /// The subject of both periodic jobs.
    static let subject = "provider"

    init(numbers: NumbersDomain, portOutInterval: Duration, reconcileInterval: Duration) {
        self.numbers = numbers
        self.portOutInterval = portOutInterval
        self.reconcileInterval = reconcileInterval
    }

    /// Registers both jobs and schedules them now (each reschedules itself).
    func registerJobs() {
        numbers.jobs.register(.watchPortOuts) { job in await self.watchPortOuts(job) }
        numbers.jobs.register(.reconcileNumbers) { job in await self.reconcile(job) }
    }

    /// Makes sure both periodic jobs exist (at start; idempotent).
    public func schedule() async throws {
        let now = currentTimestamp()
        try await numbers.store.write { tx in
            for kind in [JobKind.watchPortOuts, .reconcileNumbers] {
                try tx.upsert(JobRecord(kind: kind, subjectID: Self.subject, runAt: now))
            }
        }
        numbers.jobs.wake()
    }

    // MARK: Port-outs

    private func watchPortOuts(_ job: JobRecord) async -> JobOutcome {
        let requests: [ProviderPortOut]
        do {
            requests = try await numbers.provider.pendingPortOuts()
        } catch {
            return .retry(after: min(retryBackoff(attempt: job.attempts), portOutInterval), error: "\(error)")
        }
        for request in requests {
            do {
                try await answer(request)
            } catch {
                numbers.logger.warning(
                    "port-out request not answered yet",
                    metadata: ["port_out.id": "\(request.id)", "error": "\(error)"]
                )
            }
        }
        return .waiting(after: portOutInterval, note: "")
    }

    /// Decides a reported request once (recorded with the provider's id) and sends the
    /// answer; after a crash the recorded decision is sent again, never decided twice.
    func answer(_ request: ProviderPortOut) async throws {
        let carrier = PortOutCarrier.clean(request.gainingCarrier)
        if let recorded = try await numbers.store.read({ try $0.portOutAttempt(providerRequestID: request.id) }) {
            if !request.answeredByProvider { try await send(request, recorded.outcome) }
            return
        }
        let held = try await numbers.store.read { tx in try request.numbers.compactMap { try tx.heldNumber(e164: $0) } }
        guard !held.isEmpty else {
            numbers.logger.notice(
                "port-out request for numbers this service does not hold; left to the provider",
                metadata: ["port_out.id": "\(request.id)"]
            )
            return
        }
        if request.answeredByProvider {
            // Refused by the provider for a wrong PIN: recorded, and counted toward the lock
            // as any wrong PIN is; there is nothing to answer.
            for number in held where number.status == .ready {
                _ = try await numbers.decidePortOut(
                    number,
                    pinMatches: false,
                    carrier: carrier,
                    actor: .system,
                    providerRequestID: request.id
                )
            }
            return
        }
        guard held.count == 1, request.numbers.count == 1, let number = held.first else {
            try await numbers.provider.answerPortOut(
                request,
                authorize: false,
                reason: "Port out one number per request: this account protects each number with its own PIN."
            )
            return
        }
        guard number.status == .ready else {
            try await numbers.provider.answerPortOut(request, authorize: false, reason: "The number is not in service yet.")
            return
        }
        let decision = try await numbers.decidePortOut(
            number,
            pinMatches: request.pinMatched,
            carrier: carrier,
            actor: .system,
            providerRequestID: request.id
        )
        guard let outcome = decision.outcome else { return }
        numbers.logger.notice(
            "port-out request decided",
            metadata: ["port_out.id": "\(request.id)", "number.id": "\(number.id)", "outcome": "\(outcome.rawValue)"]
        )
        try await send(request, outcome)
    }

    private func send(_ request: ProviderPortOut, _ outcome: PortOutOutcome) async throws {
        try await numbers.provider.answerPortOut(request, authorize: outcome == .approved, reason: outcome.providerReason)
    }

    // MARK: Reconciliation

    private func reconcile(_ job: JobRecord) async -> JobOutcome {
        do {
            _ = try await reconcileNow()
            return .waiting(after: reconcileInterval, note: "")
        } catch {
            return .retry(after: min(retryBackoff(attempt: job.attempts), reconcileInterval), error: "\(error)")
        }
    }

    /// The operator's reconciliation on demand (ReconcileProviderNumbers), with the
    /// account of each number the provider holds under a key the service knows.
    ///
    /// - Throws: PERMISSION_DENIED `OPERATOR_ONLY`; UNAVAILABLE `PROVIDER_UNAVAILABLE`.
    public func reconcile(_ principal: Principal) async throws -> (drift: ProviderDrift, accounts: [String: String]) {
        try AccessPolicy.requireOperator(principal)
        let drift = try await reconcileNow()
        let accounts = try await numbers.store.read { tx in
            var accounts: [String: String] = [:]
            for held in drift.onlyAtProvider where !held.reservationKey.isEmpty {
                if let number = try tx.number(held.reservationKey) { accounts[held.reservationKey] = number.accountID }
            }
            return accounts
        }
        return (drift, accounts)
    }

    /// Compares both sides now. A READY number the provider no longer holds is lost: it
    /// turns FAILED, not retryable, with the reason (it stops being offered: no new
    /// campaign launches on it and ResolveSender refuses it for the campaigns still on
    /// it, which the reason names); each is also reported once as a drift event of its
    /// account. Both sides go to the log and the gauges.
    public func reconcileNow() async throws -> ProviderDrift {
        let atProvider: [ProviderHeldNumber]
        do {
            atProvider = try await numbers.provider.heldNumbers()
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the provider could not be reached: \(error)")
        }
        let inService = try await numbers.store.read { try $0.heldNumbersWithE164() }
        // Numbers still being bought may not be listed yet: only settled ones count, and
        // those found lost before (they stay drift until someone deletes them).
        let settled = inService.filter { $0.status == .ready || $0.isLostAtProvider }
        let drift = ProviderDrift.compare(provider: atProvider, service: settled, at: currentTimestamp())
        // Each drifted number is reported once: unless the newest event about it already
        // says so (decided in the write transaction, so concurrent or repeated
        // reconciliations and restarts report it once).
        let reported = try await numbers.store.write { tx -> [NumberRecord] in
            var reported: [NumberRecord] = []
            for number in drift.onlyInService {
                try Self.markLost(tx, number)
                guard try tx.latestEvent(accountID: number.accountID, subjectID: number.id)?.kind != EventRecord.numberDriftDetected
                else { continue }
                try tx.append(
                    EventRecord(
                        accountID: number.accountID,
                        kind: EventRecord.numberDriftDetected,
                        subjectID: number.id,
                        oldState: number.status.visible.rawValue,
                        newState: number.status.visible.rawValue,
                        reason:
                            "the provider no longer holds \(number.e164): it is FAILED and cannot send; delete it and add another (docs/PROVIDERS.md)",
                        at: drift.at
                    )
                )
                reported.append(number)
            }
            return reported
        }
        for number in reported { numbers.signals.notify(number.accountID) }
        numbers.lifecycle.metrics.providerDrift(onlyAtProvider: drift.onlyAtProvider.count, onlyInService: drift.onlyInService.count)
        if !drift.onlyAtProvider.isEmpty || !drift.onlyInService.isEmpty {
            numbers.logger.warning(
                "numbers drifted between the provider and the service",
                metadata: [
                    "only_at_provider": "\(drift.onlyAtProvider.map(\.e164).joined(separator: ","))",
                    "only_in_service": "\(drift.onlyInService.map(\.e164).joined(separator: ","))",
                ]
            )
        }
        return drift
    }

    /// Ends a READY number the provider no longer holds: FAILED, not retryable, with what
    /// to do; nothing when it changed meanwhile (released, or no longer this E.164).
    static func markLost(_ tx: any StoreWriter, _ seen: NumberRecord) throws {
        guard var number = try tx.number(seen.id), number.status == .ready, number.e164 == seen.e164 else { return }
        let old = number
        let campaigns = try tx.activeCampaigns(usingNumber: number.id).map(\.name)
        let now = currentTimestamp()
        number.status = .failed
        number.failureRetryable = false
        number.failedAt = now
        number.updatedAt = now
        number.failureReason =
            "The provider no longer holds this number (deleted or ported away outside this service), so it cannot send"
            + (campaigns.isEmpty ? "" : "; campaigns still on it: \(campaigns.joined(separator: ", "))")
            + ". Archive its campaigns, delete it and add another number."
        try tx.update(number)
        try ChangeLog.number(tx, from: old, to: number, actor: .system, action: "NUMBER_LOST_AT_PROVIDER")
    }
}

/// The gaining carrier's name as recorded: printable, trimmed, at most 100 characters.
enum PortOutCarrier {
    static func clean(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.filter {
                    HumanText.isPrintable($0, allowLineBreaks: false)
                }
            ).prefix(100)
        )
    }
}

extension PortOutOutcome {
    /// The reason sent to the provider with the answer.
    var providerReason: String {
        switch self {
        case .approved: ""
        case .pinMismatch: "The port-out PIN does not match."
        case .locked: "Port-out requests for this number are locked after repeated wrong PINs."
        case .numberInUse: "The number sends for active campaigns; its owner must archive them first."
        }
    }
}
