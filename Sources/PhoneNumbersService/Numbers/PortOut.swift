import Foundation
import RPCCore

/// What the service answered to one relayed port-out request.
public enum PortOutOutcome: String, Sendable, Hashable, CaseIterable {
    case approved = "APPROVED"
    case pinMismatch = "PIN_MISMATCH"
    case locked = "LOCKED"
    /// The PIN was right, but a campaign that is launching, active or paused sends from the number.
    case numberInUse = "NUMBER_IN_USE"
}

/// One relayed port-out request for a number.
public struct PortOutAttemptRecord: Sendable, Hashable {
    public var numberID: String
    public var gainingCarrier: String
    public var outcome: PortOutOutcome
    public var at: Timestamp
    /// The provider's id of the request when the provider reported it (empty when it was
    /// relayed through RequestPortOut).
    public var providerRequestID: String

    public init(numberID: String, gainingCarrier: String, outcome: PortOutOutcome, at: Timestamp, providerRequestID: String = "") {
        self.numberID = numberID
        self.gainingCarrier = gainingCarrier
        self.outcome = outcome
        self.at = at
        self.providerRequestID = providerRequestID
    }
}

/// Port-out protection: the provider's PIN system guards every provisioned number.
extension NumbersDomain {
    /// A carrier's port-out request, relayed by the provider: approved only with the
    /// number's PIN, and only while no launching, active or paused campaign sends from
    /// the number (as for deleting it). Wrong PINs are counted; after
    /// `portOutAttemptsBeforeLock` of them further requests are locked out for
    /// `portOutLockDuration`. The lock is checked, the PIN compared and the failure
    /// counted in one write transaction, so a burst of any size gets at most that many
    /// PIN comparisons per lock window. An approved port-out releases the number.
    ///
    /// - Throws: PERMISSION_DENIED `PORT_OUT_PIN_MISMATCH`; FAILED_PRECONDITION
    ///   `PORT_OUT_LOCKED` (metadata `retry_after_ms`, `retry_after`),
    ///   `NUMBER_IN_USE` (metadata `campaign_count`); NOT_FOUND for an unknown number.
    public func requestPortOut(_ principal: Principal, e164 input: String, pin: String, gainingCarrier: String) async throws -> NumberRecord
    {
        guard AccessPolicy.allows(principal, .relayPortOut) else {
            throw AccessPolicy.notAllowed(principal, .relayPortOut)
        }
        let e164 = try NumberRules.e164(input)
        let carrier = PortOutCarrier.clean(gainingCarrier)
        guard let number = try await store.read({ try $0.heldNumber(e164: e164) }), number.status == .ready else {
            throw DomainError.notFound("number", e164)
        }
        // The provider is asked before the transaction; everything decided from its
        // answer happens inside one.
        let actual: String
        do {
            actual = try await provider.portOutPIN(e164: e164)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the PIN system could not be reached; try again")
        }
        let decision = try await decidePortOut(
            number,
            pinMatches: Credentials.constantTimeEqual(actual, pin),
            carrier: carrier,
            actor: Actor(principal)
        )
        let now = currentTimestamp()
        switch decision {
        case .gone:
            throw DomainError.notFound("number", e164)
        case .locked(let until):
            let retryAt = Date(timeIntervalSince1970: Double(until) / 1000).ISO8601Format()
            throw DomainError.precondition(
                "PORT_OUT_LOCKED",
                "port-out requests for this number are locked after repeated wrong PINs; try again after \(retryAt)",
                metadata: ["retry_after_ms": "\(until - now)", "retry_after": retryAt]
            )
        case .pinMismatch:
            logger.notice("port-out refused: wrong PIN", metadata: ["number.id": "\(number.id)", "carrier": "\(carrier)"])
            throw DomainError.denied("PORT_OUT_PIN_MISMATCH", "the port-out PIN does not match; the request is refused")
        case .inUse(let count):
            logger.notice("port-out refused: number on active campaigns", metadata: ["number.id": "\(number.id)", "carrier": "\(carrier)"])
            throw DomainError.precondition(
                "NUMBER_IN_USE",
                "the number sends for \(count) launching, active or paused campaign\(count == 1 ? "" : "s"); its owner must archive them before it can port out",
                metadata: ["campaign_count": "\(count)"]
            )
        case .approved(let updated):
            logger.notice("port-out approved", metadata: ["number.id": "\(number.id)", "carrier": "\(carrier)"])
            return updated
        }
    }

    /// The one port-out rule, for requests relayed through RequestPortOut and for those
    /// the provider reports: locked → refused; wrong PIN → refused and counted (the lock
    /// after `portOutAttemptsBeforeLock`); a launching, active or paused campaign sends
    /// from the number → refused; otherwise approved and the number RELEASED. Checked,
    /// counted and recorded in one write transaction.
    func decidePortOut(
        _ number: NumberRecord,
        pinMatches: Bool,
        carrier: String,
        actor: Actor,
        providerRequestID: String = ""
    ) async throws -> PortOutDecision {
        let now = currentTimestamp()
        let decision = try await store.write { tx -> PortOutDecision in
            guard let current = try tx.number(number.id), current.status == .ready else { return .gone }
            func record(_ outcome: PortOutOutcome) throws {
                try tx.insert(
                    PortOutAttemptRecord(
                        numberID: number.id,
                        gainingCarrier: carrier,
                        outcome: outcome,
                        at: now,
                        providerRequestID: providerRequestID
                    )
                )
                if outcome != .approved {
                    try ChangeLog.audit(
                        tx,
                        account: number.accountID,
                        actor: actor,
                        action: "PORT_OUT_REFUSED_\(outcome.rawValue)",
                        subject: ("NUMBER", number.id),
                        new: carrier
                    )
                }
            }
            var state = try tx.portOutGuard(numberID: number.id) ?? PortOutGuard(numberID: number.id)
            if state.lockedUntil > now {
                try record(.locked)
                return .locked(until: state.lockedUntil)
            }
            guard pinMatches else {
                state.failedAttempts += 1
                if state.failedAttempts >= NumberRules.portOutAttemptsBeforeLock {
                    state.failedAttempts = 0
                    state.lockedUntil = now + NumberRules.portOutLockDuration.milliseconds
                }
                try tx.upsert(state)
                try record(.pinMismatch)
                return .pinMismatch
            }
            let campaigns = try tx.activeCampaigns(usingNumber: number.id)
            guard campaigns.isEmpty else {
                try record(.numberInUse)
                return .inUse(campaigns.count)
            }
            // The number leaves with the gaining carrier: nothing to give back to the provider.
            let released = try NumberLifecycle.release(
                tx,
                number.id,
                actor: actor,
                action: "PORT_OUT_APPROVED",
                reason: "ported out to \(carrier.isEmpty ? "another carrier" : carrier)",
                atProvider: false,
                newValue: "RELEASED to \(carrier)"
            )
            try tx.upsert(PortOutGuard(numberID: number.id))
            try record(.approved)
            return .approved(released ?? current)
        }
        if let outcome = decision.outcome { lifecycle.metrics.portOut(outcome) }
        if case .approved(let updated) = decision { signals.notify(updated.accountID) }
        return decision
    }

    /// The owner's view of a READY number's port-out PIN; each view is audited.
    public func portOutPIN(_ principal: Principal, accountID requested: String, numberID: String) async throws -> String {
        let number = try await readyNumber(principal, requested, numberID)
        let pin: String
        do {
            pin = try await provider.portOutPIN(e164: number.e164)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the PIN system could not be reached; try again")
        }
        let actor = Actor(principal)
        try await store.write { tx in
            try ChangeLog.audit(tx, account: number.accountID, actor: actor, action: "PORT_OUT_PIN_VIEWED", subject: ("NUMBER", number.id))
        }
        return pin
    }

    /// Sets a new random port-out PIN (for a legitimate port-out) and returns it.
    public func resetPortOutPIN(_ principal: Principal, accountID requested: String, numberID: String) async throws -> String {
        let number = try await readyNumber(principal, requested, numberID)
        let pin = NumberRules.makePortOutPIN()
        do {
            try await provider.setPortOutPIN(e164: number.e164, pin: pin)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the PIN system could not be reached; try again")
        }
        let actor = Actor(principal)
        try await store.write { tx in
            try tx.upsert(PortOutGuard(numberID: number.id))
            try ChangeLog.audit(tx, account: number.accountID, actor: actor, action: "PORT_OUT_PIN_RESET", subject: ("NUMBER", number.id))
        }
        logger.notice("port-out PIN reset", metadata: ["number.id": "\(number.id)"])
        return pin
    }

    /// The owner's list of port-out requests relayed for a number (newest first, at
    /// most 200) and the state of its lock.
    public func portOutAttempts(
        _ principal: Principal,
        accountID requested: String,
        numberID: String
    ) async throws
        -> (attempts: [PortOutAttemptRecord], guard: PortOutGuard)
    {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .managePortOutPIN)
        return try await store.read { tx in
            let number = try Self.owned(tx, numberID, accountID)
            var state = try tx.portOutGuard(numberID: number.id) ?? PortOutGuard(numberID: number.id)
            if state.lockedUntil <= currentTimestamp() { state.lockedUntil = 0 }
            return (try tx.portOutAttempts(numberID: number.id, limit: 200), state)
        }
    }

    private func readyNumber(_ principal: Principal, _ requested: String, _ numberID: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .managePortOutPIN)
        let number = try await store.read { tx in try Self.owned(tx, numberID, accountID) }
        guard number.status == .ready else {
            throw DomainError.precondition(
                "NUMBER_NOT_READY",
                "only a READY number has a port-out PIN; this one is \(number.status.visible.rawValue)",
                metadata: ["status": number.status.visible.rawValue]
            )
        }
        return number
    }
}

/// What the port-out transaction decided.
enum PortOutDecision: Sendable {
    case gone
    case locked(until: Timestamp)
    case pinMismatch
    case inUse(Int)
    case approved(NumberRecord)

    /// What was recorded, or nil when the number was no longer READY.
    var outcome: PortOutOutcome? {
        switch self {
        case .gone: nil
        case .locked: .locked
        case .pinMismatch: .pinMismatch
        case .inUse: .numberInUse
        case .approved: .approved
        }
    }
}
