/// Port-out protection: the provider's PIN system guards every provisioned number.
extension NumbersDomain {
    /// A carrier's port-out request, relayed by the provider: approved only with the
    /// number's PIN. Wrong PINs are recorded; after `portOutAttemptsBeforeLock` of
    /// them further attempts are locked out for `portOutLockDuration`. An approved
    /// port-out releases the number from the account.
    ///
    /// - Throws: PERMISSION_DENIED `PORT_OUT_PIN_MISMATCH`; FAILED_PRECONDITION
    ///   `PORT_OUT_LOCKED` (metadata `retry_after_ms`); NOT_FOUND for an unknown number.
    public func requestPortOut(_ principal: Principal, e164 input: String, pin: String, gainingCarrier: String) async throws -> NumberRecord {
        guard AccessPolicy.allows(principal, .relayPortOut) else {
            throw DomainError.denied("ROLE_NOT_ALLOWED", "only the provider relay may submit port-out requests")
        }
        let e164 = try NumberRules.e164(input)
        let carrier = String(gainingCarrier.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100))
        guard let number = try await store.read({ try $0.heldNumber(e164: e164) }), number.status == .ready else {
            throw DomainError.notFound("number", e164)
        }
        let now = currentTimestamp()
        let lockedUntil = try await store.read { try $0.portOutGuard(numberID: number.id)?.lockedUntil ?? 0 }
        let actor = Actor(principal)
        if lockedUntil > now {
            try await store.write { tx in
                try tx.recordPortOutAttempt(numberID: number.id, gainingCarrier: carrier, approved: false, at: now)
                try ChangeLog.audit(tx, account: number.accountID, actor: actor, action: "PORT_OUT_REFUSED_LOCKED", subject: ("NUMBER", number.id), new: carrier)
            }
            throw DomainError.precondition(
                "PORT_OUT_LOCKED", "port-out requests for this number are locked after repeated wrong PINs",
                metadata: ["retry_after_ms": "\(lockedUntil - now)"])
        }
        let actual: String
        do {
            actual = try await provider.portOutPIN(e164: e164)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the PIN system could not be reached; try again")
        }
        guard Credentials.constantTimeEqual(actual, pin) else {
            try await store.write { tx in
                var state = try tx.portOutGuard(numberID: number.id) ?? PortOutGuard(numberID: number.id)
                state.failedAttempts += 1
                if state.failedAttempts >= NumberRules.portOutAttemptsBeforeLock {
                    state.failedAttempts = 0
                    state.lockedUntil = now + NumberRules.portOutLockDuration.milliseconds
                }
                try tx.upsert(state)
                try tx.recordPortOutAttempt(numberID: number.id, gainingCarrier: carrier, approved: false, at: now)
                try ChangeLog.audit(tx, account: number.accountID, actor: actor, action: "PORT_OUT_REFUSED_PIN_MISMATCH", subject: ("NUMBER", number.id), new: carrier)
            }
            logger.notice("port-out refused: wrong PIN", metadata: ["number.id": "\(number.id)", "carrier": "\(carrier)"])
            throw DomainError.denied("PORT_OUT_PIN_MISMATCH", "the port-out PIN does not match; the request is refused")
        }
        let updated = try await store.write { tx -> NumberRecord in
            guard var current = try tx.number(number.id), current.status == .ready else { throw DomainError.notFound("number", e164) }
            let old = current
            current.status = .released
            current.releasedAt = now
            current.updatedAt = now
            current.failureReason = "ported out to \(carrier.isEmpty ? "another carrier" : carrier)"
            try tx.update(current)
            try tx.upsert(PortOutGuard(numberID: number.id))
            try tx.recordPortOutAttempt(numberID: number.id, gainingCarrier: carrier, approved: true, at: now)
            try ChangeLog.number(tx, from: old, to: current, actor: actor, action: "PORT_OUT_APPROVED", newValue: "RELEASED to \(carrier)")
            return current
        }
        signals.notify(updated.accountID)
        logger.notice("port-out approved", metadata: ["number.id": "\(number.id)", "carrier": "\(carrier)"])
        return updated
    }

    /// The owner's view of a READY number's port-out PIN.
    public func portOutPIN(_ principal: Principal, accountID requested: String, numberID: String) async throws -> String {
        let number = try await readyNumber(principal, requested, numberID)
        do {
            return try await provider.portOutPIN(e164: number.e164)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the PIN system could not be reached; try again")
        }
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

    private func readyNumber(_ principal: Principal, _ requested: String, _ numberID: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .managePortOutPIN)
        let number = try await store.read { tx in try Self.owned(tx, numberID, accountID) }
        guard number.status == .ready else {
            throw DomainError.precondition("NUMBER_NOT_READY", "only a READY number has a port-out PIN", metadata: ["status": number.status.rawValue])
        }
        return number
    }
}
