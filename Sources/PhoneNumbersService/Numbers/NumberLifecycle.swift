import Logging

/// Hears that a number's reservation or provisioning has ended, inside the transaction
/// that ends it: READY, FAILED, or RELEASED before it was ever READY (no inventory, the
/// provider refused). Campaigns listen for their single-use numbers.
public protocol NumberLifecycleListener: Sendable {
    /// Called once per ending, in the transaction that records it.
    func numberSettled(_ number: NumberRecord, in tx: any StoreWriter) throws
}

/// Why a reservation ended without a number.
public enum ReservationFailure: Error, Sendable, Equatable {
    /// None of the area codes has inventory.
    case noInventory(areaCodes: [String])
    /// The provider refused for good.
    case refused(String)
}

/// The one life of every number, dedicated or single-use:
/// RESERVING → PROVISIONING → READY or FAILED, and RELEASED from any of them.
///
/// Whoever asks for a number inserts a RESERVING record with `request`; the reservation,
/// provisioning and release are durable jobs run here; a `NumberLifecycleListener` hears
/// when a number settles.
public struct NumberLifecycle: Sendable {
    let store: any PhoneNumbersStore
    let provider: any NumberProvider
    let signals: AccountSignals
    let jobs: JobRunner
    let logger: Logger
    let listener: (any NumberLifecycleListener)?
    let metrics: DomainMetrics

    public init(
        store: any PhoneNumbersStore,
        provider: any NumberProvider,
        signals: AccountSignals,
        jobs: JobRunner,
        logger: Logger,
        listener: (any NumberLifecycleListener)?,
        metrics: DomainMetrics = DomainMetrics()
    ) {
        self.metrics = metrics
        self.store = store
        self.provider = provider
        self.signals = signals
        self.jobs = jobs
        self.logger = logger
        self.listener = listener
    }

    /// Registers the reservation, provisioning and release jobs.
    public func registerJobs() {
        jobs.register(.completeReservation) { job in await self.reserveInBackground(job) }
        jobs.register(.provisionNumber) { job in await self.provision(job) }
        jobs.register(.releaseNumber) { job in await self.releaseAtProvider(job) }
    }

    // MARK: Requesting and reserving

    /// Inserts `number` (RESERVING, with the area codes to try in `areaCodes`) in the
    /// caller's transaction, with the job that reserves it at `reserveAt`.
    static func request(_ tx: any StoreWriter, _ number: NumberRecord, reserveAt: Timestamp) throws {
        precondition(number.status == .reserving && !number.areaCodes.isEmpty, "a requested number is RESERVING in some area code")
        try tx.insert(number)
        try tx.upsert(JobRecord(kind: .completeReservation, subjectID: number.id, runAt: reserveAt))
    }

    /// What one attempt to reserve a RESERVING number came to.
    enum Reservation {
        /// Reserved and now PROVISIONING (or no longer RESERVING when this ran).
        case reserved(NumberRecord)
        /// Abandoned: a dedicated record is removed, a single-use one RELEASED with the reason.
        case failed(ReservationFailure)
        /// The provider could not answer now; the number is still RESERVING.
        case unavailable(String)
    }

    /// Reserves the number in the first of its area codes with inventory (idempotent by
    /// the record's id at the provider) and moves it to PROVISIONING; `transientRetries`
    /// quick retries before a transient error is reported.
    /// `known` is the record as its caller's transaction just left it, if it has it.
    func reserve(
        _ numberID: String,
        known: NumberRecord? = nil,
        actor: Actor,
        requestID: String,
        transientRetries: Int
    ) async throws -> Reservation {
        let found = if let known { known } else { try await store.read { try $0.number(numberID) } }
        guard let number = found else { throw DomainError.notFound("number", numberID) }
        guard number.status == .reserving else { return .reserved(number) }
        var reserved: (e164: String, areaCode: String)?
        for areaCode in number.areaCodes where reserved == nil {
            do {
                reserved = (try await reserveWithRetries(areaCode: areaCode, key: number.id, retries: transientRetries), areaCode)
            } catch .noInventory {
                continue
            } catch .transient(let why) {
                return .unavailable(why)
            } catch .permanent(let why), .numberUnusable(let why) {
                try await abandon(number, .refused(why))
                return .failed(.refused(why))
            }
        }
        guard let reserved else {
            try await abandon(number, .noInventory(areaCodes: number.areaCodes))
            return .failed(.noInventory(areaCodes: number.areaCodes))
        }
        let recorded: NumberRecord?
        do {
            recorded = try await record(reserved, for: numberID, account: number.accountID, actor: actor, requestID: requestID)
        } catch is StoreConflict {
            // The provider handed over a number another record here holds (replicas whose
            // providers do not share one inventory, or a provider's own mistake): never this
            // record's, so this reservation ends, as a refusal the caller hears in its terms.
            let why = "it offered \(reserved.e164), which another number of this service already holds"
            try await abandon(number, .refused(why))
            return .failed(.refused(why))
        }
        guard let updated = recorded else {
            // Reserved meanwhile by another attempt (nothing to do), or released before the
            // reservation was recorded: give the number back.
            let current = try await store.read { try $0.number(numberID) }
            if current.map({ $0.status == .released && $0.e164.isEmpty }) ?? true {
                try? await provider.cancelReservation(reservationKey: numberID)
            }
            return .reserved(current ?? number)
        }
        signals.notify(updated.accountID)
        jobs.wake()
        logger.info(
            "number reserved",
            metadata: ["number.id": "\(numberID)", "number.e164": "\(reserved.e164)", "account.id": "\(updated.accountID)"]
        )
        return .reserved(updated)
    }

    /// Records the number the provider reserved and moves the record to PROVISIONING; nil
    /// when the record is no longer RESERVING. Throws `StoreConflict` when another record
    /// holds that E.164 (checked here, and by the store's unique index against a race).
    private func record(
        _ reserved: (e164: String, areaCode: String),
        for numberID: String,
        account accountID: String,
        actor: Actor,
        requestID: String
    ) async throws -> NumberRecord? {
        try await store.write(account: accountID) { tx -> NumberRecord? in
            if let holder = try tx.heldNumber(e164: reserved.e164), holder.id != numberID {
                throw StoreConflict(detail: "numbers_held_e164")
            }
            try tx.deleteJob(kind: .completeReservation, subjectID: numberID)
            guard var current = try tx.number(numberID), current.status == .reserving else { return nil }
            let old = current
            let now = currentTimestamp()
            current.e164 = reserved.e164
            current.areaCode = reserved.areaCode
            current.status = .provisioning
            current.provisioningStartedAt = now
            current.updatedAt = now
            try tx.update(current)
            let action = current.kind == .dedicated ? "NUMBER_ADDED" : "SINGLE_USE_NUMBER_RESERVED"
            try ChangeLog.number(
                tx,
                from: current.kind == .dedicated ? nil : old,
                to: current,
                actor: actor,
                action: action,
                requestID: requestID,
                newValue: "\(reserved.e164) PROVISIONING"
            )
            try tx.upsert(JobRecord(kind: .provisionNumber, subjectID: numberID, runAt: now))
            return current
        }
    }

    /// The reservation job: a request whose caller died, or a single-use number.
    private func reserveInBackground(_ job: JobRecord) async -> JobOutcome {
        do {
            switch try await reserve(job.subjectID, actor: .system, requestID: "", transientRetries: 0) {
            case .reserved, .failed: return .done
            case .unavailable(let why): return .retry(after: retryBackoff(attempt: job.attempts), error: why)
            }
        } catch let error as DomainError where error.code == .notFound {
            try? await store.write { try $0.deleteJob(kind: .completeReservation, subjectID: job.subjectID) }
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }

    private func reserveWithRetries(areaCode: String, key: String, retries: Int) async throws(ProviderError) -> String {
        var attempt = 0
        while true {
            do {
                return try await provider.reserveNumber(areaCode: areaCode, reservationKey: key)
            } catch .transient(let why) {
                attempt += 1
                guard attempt <= retries else { throw .transient(why) }
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    /// Ends a reservation without a number. A dedicated record is removed (its caller
    /// hears why, and nothing was created); a single-use one is RELEASED with the
    /// reason, and the listener hears it.
    func abandon(_ number: NumberRecord, _ failure: ReservationFailure) async throws {
        try? await provider.cancelReservation(reservationKey: number.id)
        try await store.write(account: number.accountID) { tx in
            try tx.deleteJob(kind: .completeReservation, subjectID: number.id)
            guard let current = try tx.number(number.id), current.status == .reserving else { return }
            switch current.kind {
            case .dedicated:
                try tx.deleteIdempotencyRecords(numberID: number.id)
                try tx.delete(numberID: number.id)
            case .singleUse:
                let released = try Self.release(
                    tx,
                    current.id,
                    actor: .system,
                    action: "SINGLE_USE_NUMBER_RELEASED",
                    reason: failure.reason,
                    atProvider: false
                )
                try listener?.numberSettled(released ?? current, in: tx)
            }
        }
        signals.notify(number.accountID)
    }

    // MARK: Provisioning

    /// Provisions the number for its use case, one provider step per run, and sets its
    /// port-out PIN once provisioned: READY on success; FAILED with the provider's reason
    /// on a permanent error, after repeated transient ones, or when the provider is still
    /// pending after `NumberRules.maxProvisioningWait`. While the provider works (an
    /// order, a campaign assignment) the job waits without counting attempts.
    func provision(_ job: JobRecord) async -> JobOutcome {
        do {
            guard let number = try await store.read({ try $0.number(job.subjectID) }), number.status == .provisioning else {
                try await store.write { try $0.deleteJob(kind: .provisionNumber, subjectID: job.subjectID) }
                return .done
            }
            let failure: ProviderError
            do {
                let progress = try await provider.provision(e164: number.e164, reservationKey: number.id, useCaseID: number.useCaseID)
                if case .provisioned = progress {
                    try await provider.setPortOutPIN(e164: number.e164, pin: NumberRules.makePortOutPIN())
                }
                if case .pending(let stage, let after) = progress {
                    guard currentTimestamp() - number.provisioningStartedAt < NumberRules.maxProvisioningWait.milliseconds else {
                        try await finishProvisioning(
                            number,
                            failure: "the provider did not finish provisioning (\(stage)); retry provisioning later or contact support"
                        )
                        return .done
                    }
                    return .waiting(after: after, note: stage)
                }
                try await finishProvisioning(number, failure: nil, countingAttempt: true)
                return .done
            } catch let error as ProviderError {
                failure = error
            }
            switch failure {
            case .permanent(let why):
                try await finishProvisioning(number, failure: why, countingAttempt: true)
                return .done
            case .numberUnusable(let why):
                try await finishProvisioning(number, failure: why, retryable: false, countingAttempt: true)
                return .done
            case .noInventory:
                try await finishProvisioning(
                    number,
                    failure: "the provider no longer holds this number; delete it and add another",
                    retryable: false,
                    countingAttempt: true
                )
                return .done
            case .transient(let why):
                if job.attempts + 1 >= NumberRules.maxProvisioningAttempts {
                    try await finishProvisioning(
                        number,
                        failure: "the provider kept failing (\(why)); retry provisioning later or contact support",
                        countingAttempt: true
                    )
                    return .done
                }
                try await attemptCounted(number)
                return .retry(after: retryBackoff(attempt: job.attempts), error: why)
            }
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }

    private func attemptCounted(_ number: NumberRecord) async throws {
        try await store.write(account: number.accountID) { tx in
            guard var current = try tx.number(number.id), current.status == .provisioning else { return }
            current.provisioningAttempts += 1
            try tx.update(current)
        }
    }

    /// Ends provisioning READY (no `failure`) or FAILED; `countingAttempt` counts the
    /// provider attempt that led here in the same transaction.
    private func finishProvisioning(
        _ provisioning: NumberRecord,
        failure: String?,
        retryable: Bool = true,
        countingAttempt: Bool = false
    ) async throws {
        let numberID = provisioning.id
        let updated = try await store.write(account: provisioning.accountID) { tx -> NumberRecord? in
            try tx.deleteJob(kind: .provisionNumber, subjectID: numberID)
            guard var number = try tx.number(numberID), number.status == .provisioning else { return nil }
            let old = number
            let now = currentTimestamp()
            if countingAttempt { number.provisioningAttempts += 1 }
            if let failure {
                number.status = .failed
                number.failureReason = failure
                number.failureRetryable = retryable
                number.failedAt = now
            } else {
                number.status = .ready
                number.readyAt = now
                number.failureReason = ""
            }
            number.updatedAt = now
            try tx.update(number)
            try ChangeLog.number(
                tx,
                from: old,
                to: number,
                actor: .system,
                action: failure == nil ? "PROVISIONING_SUCCEEDED" : "PROVISIONING_FAILED"
            )
            try listener?.numberSettled(number, in: tx)
            return number
        }
        if let updated {
            metrics.provisioningFinished(
                ready: updated.status == .ready,
                after: .milliseconds(updated.updatedAt - updated.provisioningStartedAt)
            )
            signals.notify(updated.accountID)
            jobs.wake()
            logger.info(
                "provisioning finished",
                metadata: ["number.id": "\(numberID)", "number.status": "\(updated.status.rawValue)", "reason": "\(updated.failureReason)"]
            )
        }
    }

    /// Starts provisioning a FAILED number again, in the caller's transaction.
    static func retryProvisioning(_ tx: any StoreWriter, _ number: NumberRecord, actor: Actor) throws -> NumberRecord {
        var number = number
        let old = number
        let now = currentTimestamp()
        number.status = .provisioning
        number.failureReason = ""
        number.provisioningAttempts = 0
        number.provisioningStartedAt = now
        number.failedAt = 0
        number.updatedAt = now
        try tx.update(number)
        try ChangeLog.number(tx, from: old, to: number, actor: actor, action: "PROVISIONING_RETRIED")
        try tx.upsert(JobRecord(kind: .provisionNumber, subjectID: number.id, runAt: now))
        return number
    }

    // MARK: Releasing

    /// RELEASES a held number in the caller's transaction: it stops counting toward the
    /// limits, its pending reservation and provisioning stop, and (with `atProvider`) a
    /// job gives it back to the provider. Returns nil when it was already released.
    @discardableResult
    static func release(
        _ tx: any StoreWriter,
        _ numberID: String,
        actor: Actor,
        action: String,
        reason: String = "",
        atProvider: Bool = true,
        newValue: String? = nil
    ) throws -> NumberRecord? {
        guard var number = try tx.number(numberID), number.status != .released else { return nil }
        let old = number
        let now = currentTimestamp()
        number.status = .released
        number.releasedAt = now
        number.updatedAt = now
        if !reason.isEmpty { number.failureReason = reason }
        try tx.update(number)
        try ChangeLog.number(tx, from: old, to: number, actor: actor, action: action, newValue: newValue)
        try tx.deleteJob(kind: .completeReservation, subjectID: numberID)
        try tx.deleteJob(kind: .provisionNumber, subjectID: numberID)
        if atProvider { try tx.upsert(JobRecord(kind: .releaseNumber, subjectID: numberID, runAt: now)) }
        return number
    }

    /// Gives a released number back to the provider (a reservation if it never got one).
    private func releaseAtProvider(_ job: JobRecord) async -> JobOutcome {
        do {
            guard let number = try await store.read({ try $0.number(job.subjectID) }) else {
                try await store.write { try $0.deleteJob(kind: .releaseNumber, subjectID: job.subjectID) }
                return .done
            }
            do {
                if number.e164.isEmpty {
                    try await provider.cancelReservation(reservationKey: number.id)
                } else {
                    try await provider.release(e164: number.e164, reservationKey: number.id)
                }
            } catch .transient(let why) {
                return .retry(after: retryBackoff(attempt: job.attempts), error: why)
            } catch {
                logger.warning("provider refused a release", metadata: ["number.id": "\(number.id)", "error": "\(error)"])
            }
            try await store.write { try $0.deleteJob(kind: .releaseNumber, subjectID: job.subjectID) }
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }
}

extension ReservationFailure {
    /// The reason recorded on a number whose reservation ended this way.
    public var reason: String {
        switch self {
        case .noInventory(let areaCodes): "no numbers available in area codes \(areaCodes.joined(separator: ", "))"
        case .refused(let why): "the provider refused the reservation: \(why)"
        }
    }
}
