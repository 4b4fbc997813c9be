import Logging

/// Dedicated numbers: adding (reserve, then provision in the background), reading,
/// renaming, deleting, retrying provisioning, and port-out protection.
public struct NumbersDomain: Sendable {
    let store: any PhoneNumbersStore
    let provider: any NumberProvider
    let signals: AccountSignals
    let jobs: JobRunner
    let lifecycle: NumberLifecycle
    let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        provider: any NumberProvider,
        signals: AccountSignals,
        lifecycle: NumberLifecycle,
        logger: Logger
    ) {
        self.store = store
        self.provider = provider
        self.signals = signals
        self.jobs = lifecycle.jobs
        self.lifecycle = lifecycle
        self.logger = logger
    }

    // MARK: Adding

    /// Reserves a number in `areaCode` for the use case and starts provisioning it.
    /// Returns at once with status PROVISIONING. With a `requestID`, a retry returns
    /// the same number and buys nothing.
    public func add(
        _ principal: Principal,
        accountID requested: String,
        areaCode: String,
        name: String,
        useCaseID: String,
        requestID: String
    ) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageNumbers)
        _ = try AreaCodeDirectory.validate(areaCode)
        let name = try NumberRules.normalizedName(name)
        guard !useCaseID.isEmpty else { throw DomainError.invalid("USE_CASE_REQUIRED", "choose an approved use case") }
        guard requestID.count <= 128 else { throw DomainError.invalid("INVALID_REQUEST_ID", "request_id is at most 128 characters") }
        let fingerprint = [areaCode, name, useCaseID].joined(separator: "\u{1F}")
        let now = currentTimestamp()
        let candidate = NumberRecord(
            id: Identifiers.make("num"),
            accountID: accountID,
            e164: "",
            areaCode: areaCode,
            name: name,
            useCaseID: useCaseID,
            status: .reserving,
            createdAt: now,
            updatedAt: now
        )
        let number = try await store.write(account: accountID) { tx -> NumberRecord in
            try tx.lockAccount(accountID)
            if !requestID.isEmpty, let record = try tx.idempotencyRecord(accountID: accountID, requestID: requestID) {
                guard record.fingerprint == fingerprint else {
                    throw DomainError.precondition(
                        "REQUEST_ID_REUSED",
                        "request_id \(requestID) was used with different arguments",
                        metadata: ["number_id": record.numberID]
                    )
                }
                if let existing = try tx.number(record.numberID) { return existing }
            }
            guard let account = try tx.account(accountID) else { throw DomainError.notFound("account", accountID) }
            guard account.isUS else {
                throw DomainError.precondition(
                    "NOT_US_ACCOUNT",
                    "dedicated numbers are available to US accounts only",
                    metadata: ["country": account.country]
                )
            }
            guard let useCase = try tx.useCase(useCaseID), useCase.accountID == accountID else {
                throw DomainError.notFound("use case", useCaseID)
            }
            guard useCase.status == .approved else { throw RegistrationDomain.notApproved(useCase) }
            guard try tx.heldNumberCount(ofAccount: accountID) < NumberRules.accountLimit else {
                throw DomainError.precondition(
                    "NUMBER_LIMIT_REACHED",
                    "an account can have at most \(NumberRules.accountLimit) dedicated numbers",
                    metadata: ["limit": "\(NumberRules.accountLimit)"]
                )
            }
            guard try tx.heldNumberCount(ofUseCase: useCaseID) < NumberRules.useCaseLimit else {
                throw DomainError.precondition(
                    "USE_CASE_NUMBER_LIMIT",
                    "a use case can be associated with at most \(NumberRules.useCaseLimit) numbers",
                    metadata: ["limit": "\(NumberRules.useCaseLimit)"]
                )
            }
            // If this call dies before the reservation completes, the job finishes it.
            try NumberLifecycle.request(tx, candidate, reserveAt: now + 30_000)
            if !requestID.isEmpty {
                try tx.insert(
                    IdempotencyRecord(accountID: accountID, requestID: requestID, fingerprint: fingerprint, numberID: candidate.id)
                )
            }
            return candidate
        }
        guard number.status == .reserving else { return number }
        return try await completeReservation(number, actor: Actor(principal), requestID: requestID)
    }

    /// Reserves the RESERVING record now, while its caller waits: PROVISIONING on
    /// success; otherwise the record is gone and the error says why.
    private func completeReservation(_ requested: NumberRecord, actor: Actor, requestID: String) async throws -> NumberRecord {
        let numberID = requested.id
        switch try await lifecycle.reserve(numberID, known: requested, actor: actor, requestID: requestID, transientRetries: 2) {
        case .reserved(let number):
            return number
        case .unavailable(let why):
            if let number = try await store.read({ try $0.number(numberID) }) { try await lifecycle.abandon(number, .refused(why)) }
            throw DomainError(
                .unavailable,
                "PROVIDER_UNAVAILABLE",
                "The provider could not reserve a number right now (\(why)). Try again."
            )
        case .failed(.refused(let why)):
            throw DomainError(.failedPrecondition, "PROVIDER_REFUSED", "The provider refused the reservation: \(why)")
        case .failed(.noInventory(let areaCodes)):
            let areaCode = areaCodes.first ?? ""
            let suggestions = await suggestions(instead: areaCode)
            let tryThese = suggestions.isEmpty ? "" : " (with numbers now: \(suggestions.joined(separator: ", ")))"
            throw DomainError(
                .resourceExhausted,
                "NO_NUMBERS_AVAILABLE",
                "No phone numbers are available in area code \(areaCode). Choose a different area code\(tryThese), or contact support for a hard-to-get area code.",
                metadata: ["area_code": areaCode, "suggested_area_codes": suggestions.joined(separator: ",")]
            )
        }
    }

    /// Codes of the same state with numbers now, to offer instead of `areaCode`.
    private func suggestions(instead areaCode: String) async -> [String] {
        guard let state = try? AreaCodeDirectory.validate(areaCode) else { return [] }
        let codes = AreaCodeDirectory.list(state: state).filter(\.available).map(\.areaCode)
        let stocked = (try? await provider.areaCodesWithInventory(codes)) ?? []
        return AreaCodeDirectory.offer(state: state, stocked: stocked).first { $0.areaCode == areaCode }?.suggestions ?? []
    }

    // MARK: Reading and changing

    /// A number of the caller's account: a dedicated one, or the single-use number a
    /// campaign of the account holds.
    public func get(_ principal: Principal, accountID requested: String, numberID: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        return try await store.read { tx in try Self.readable(tx, numberID, accountID) }
    }

    /// The numbers of the caller's account, newest last.
    public func list(_ principal: Principal, accountID requested: String, includeReleased: Bool) async throws -> [NumberRecord] {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        return try await store.read { tx in
            guard let numbers = try tx.numbers(ofExistingAccount: accountID, includeReleased: includeReleased) else {
                throw DomainError.notFound("account", accountID)
            }
            return numbers
        }
    }

    /// Renames a number (internal only; "" clears the name).
    public func rename(_ principal: Principal, accountID requested: String, numberID: String, name: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageNumbers)
        let name = try NumberRules.normalizedName(name)
        let updated = try await store.write(account: accountID) { tx -> NumberRecord in
            var number = try Self.owned(tx, numberID, accountID)
            guard number.status != .released else { throw DomainError.precondition("NUMBER_RELEASED", "number \(numberID) was released") }
            let old = number
            number.name = name
            number.updatedAt = currentTimestamp()
            try tx.update(number)
            try ChangeLog.number(
                tx,
                from: old,
                to: number,
                actor: Actor(principal),
                action: "NUMBER_RENAMED",
                oldValue: old.name,
                newValue: name
            )
            return number
        }
        signals.notify(updated.accountID)
        return updated
    }

    /// Deletes a number: refused while a campaign that is launching, active or paused
    /// uses it; otherwise released at the provider (in the background) and no longer
    /// counted toward the limits.
    public func delete(_ principal: Principal, accountID requested: String, numberID: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageNumbers)
        let updated = try await store.write(account: accountID) { tx -> NumberRecord in
            try tx.lockAccount(accountID)
            let number = try Self.owned(tx, numberID, accountID)
            switch number.status {
            case .released:
                throw DomainError.precondition("NUMBER_RELEASED", "number \(numberID) was already released")
            case .reserving:
                throw DomainError.precondition("NUMBER_NOT_READY", "number \(numberID) is still being reserved; try again in a moment")
            case .provisioning, .ready, .failed:
                break
            }
            let campaigns = try tx.activeCampaigns(usingNumber: numberID)
            guard campaigns.isEmpty else {
                throw DomainError.precondition(
                    "NUMBER_IN_USE",
                    "number \(number.e164) is used by active campaigns: "
                        + campaigns.map { "\($0.name) (\($0.state))" }.joined(separator: ", "),
                    metadata: [
                        "campaign_ids": campaigns.map(\.id).joined(separator: ","),
                        "campaign_names": campaigns.map(\.name).joined(separator: ","),
                    ]
                )
            }
            // Drafts on it could never launch (NUMBER_RELEASED): they are archived with it.
            for var draft in try tx.campaigns(ofAccount: accountID, state: .draft, numberID: numberID) {
                let old = draft
                draft.state = .archived
                draft.updatedAt = currentTimestamp()
                draft.archivedAt = draft.updatedAt
                try tx.update(draft)
                try ChangeLog.campaign(tx, from: old, to: draft, actor: Actor(principal), action: "CAMPAIGN_ARCHIVED_WITH_NUMBER")
            }
            return try NumberLifecycle.release(tx, numberID, actor: Actor(principal), action: "NUMBER_DELETED") ?? number
        }
        signals.notify(updated.accountID)
        jobs.wake()
        logger.info("number deleted", metadata: ["number.id": "\(numberID)", "account.id": "\(accountID)"])
        return updated
    }

    /// Starts provisioning a FAILED number again.
    public func retryProvisioning(_ principal: Principal, accountID requested: String, numberID: String) async throws -> NumberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageNumbers)
        let updated = try await store.write(account: accountID) { tx -> NumberRecord in
            let number = try Self.owned(tx, numberID, accountID)
            guard number.status == .failed else {
                throw DomainError.precondition(
                    "NUMBER_NOT_FAILED",
                    "only a number whose provisioning FAILED can be retried; it is \(number.status.rawValue)",
                    metadata: ["status": number.status.rawValue]
                )
            }
            guard number.failureRetryable else {
                throw DomainError.precondition(
                    "NUMBER_NOT_RETRYABLE",
                    "provisioning this number again cannot help (\(number.failureReason)); delete it and add another",
                    metadata: ["status": number.status.rawValue]
                )
            }
            return try NumberLifecycle.retryProvisioning(tx, number, actor: Actor(principal))
        }
        signals.notify(updated.accountID)
        jobs.wake()
        return updated
    }

    /// The number (dedicated, or a campaign's single-use one) now, then each change, ending after a final state (READY, FAILED, RELEASED).
    public func watch(_ principal: Principal, accountID requested: String, numberID: String) async throws -> AsyncStream<NumberRecord> {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        let changes = signals.signals(for: accountID)
        let current = try await store.read { tx in try Self.readable(tx, numberID, accountID) }
        let store = self.store
        return AsyncStream { continuation in
            let task = Task {
                continuation.yield(current)
                var last = current
                if !current.status.isFinal {
                    for await _ in changes {
                        guard let number = try? await store.read({ try $0.number(numberID) }) else { break }
                        guard number != last else { continue }
                        last = number
                        continuation.yield(number)
                        if number.status.isFinal { break }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A number the account may read: dedicated, or single-use held by its campaign.
    static func readable(_ tx: any StoreReader, _ numberID: String, _ accountID: String) throws -> NumberRecord {
        guard let number = try tx.number(numberID), number.accountID == accountID else { throw DomainError.notFound("number", numberID) }
        return number
    }

    /// A dedicated number of the account (single-use numbers belong to their campaign).
    static func owned(_ tx: any StoreReader, _ numberID: String, _ accountID: String) throws -> NumberRecord {
        guard let number = try tx.number(numberID), number.accountID == accountID, number.kind == .dedicated else {
            throw DomainError.notFound("number", numberID)
        }
        return number
    }
}

extension NumberRecord.Status {
    /// READY, FAILED and RELEASED end a watch.
    public var isFinal: Bool { self == .ready || self == .failed || self == .released }
}
