/// Where the service keeps its state. The domain rules only see these two
/// protocols; SQL and transactions live behind them (`PhoneNumbersSQLite`), so another
/// store (e.g. PostgreSQL for several stateless replicas) can be added without
/// touching the rules.
///
/// A `write` runs its body in one transaction, serializable with every other write, that
/// commits durably before the call returns; a throwing body changes nothing.
public protocol PhoneNumbersStore: Sendable {
    /// Runs `body` in a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T
    /// Runs `body` in a write transaction. `account`, when given, is the account whose
    /// rows the body changes: a store with concurrent writers lets that account's writers
    /// take turns from the start instead of colliding and running again (SQLite's writers
    /// are serial anyway). A body may change other accounts' rows too; they are then
    /// ordered as without it.
    func write<T: Sendable>(account: String?, _ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T
    /// Runs `body`, which changes only the job queue with single statements that lock
    /// the rows they change (claim, renew, release, reschedule), in a write transaction
    /// with the weakest isolation that keeps them correct: a store with concurrent
    /// writers need not serialize them against everything else.
    func writeQueue<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T
    /// Until cancelled, calls `changed` with the account of each event committed by any
    /// process sharing the store (this one included), so that watchers on every replica
    /// wake; `nil` when changes may have been missed (e.g. after reconnecting): wake all.
    /// A store that only one process uses has nothing to follow and returns at once.
    func followChanges(_ changed: @escaping @Sendable (_ accountID: String?) -> Void) async throws
}

extension PhoneNumbersStore {
    /// Runs `body` in a write transaction (no account named).
    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        try await write(account: nil, body)
    }

    public func writeQueue<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        try await write(body)
    }

    public func followChanges(_ changed: @escaping @Sendable (_ accountID: String?) -> Void) async throws {}
}

/// Queries the rules need.
public protocol StoreReader {
    func account(_ id: String) throws -> AccountRecord?
    func member(_ id: String) throws -> MemberRecord?
    /// The account's members, removed ones left out.
    func members(ofAccount accountID: String) throws -> [MemberRecord]
    func credential(tokenHash: String) throws -> CredentialRecord?
    func credential(id: String) throws -> CredentialRecord?
    /// The tokens of the account's members (removed members' too), oldest first.
    func credentials(ofAccount accountID: String) throws -> [CredentialRecord]
    /// The tokens of one member, oldest first.
    func credentials(ofMember memberID: String) throws -> [CredentialRecord]
    /// Service and operator tokens (they belong to no account), oldest first.
    func platformCredentials() throws -> [CredentialRecord]
    /// Whether an operator token that was never revoked exists.
    func hasOperatorCredential() throws -> Bool

    func brand(ofAccount accountID: String) throws -> BrandRecord?
    func useCase(_ id: String) throws -> UseCaseRecord?
    func useCases(ofAccount accountID: String) throws -> [UseCaseRecord]

    func number(_ id: String) throws -> NumberRecord?
    /// The number that holds `e164` and is not released.
    func heldNumber(e164: String) throws -> NumberRecord?
    /// Every number of every account that is held (not RELEASED) and has its E.164, for
    /// reconciliation with the provider.
    func heldNumbersWithE164() throws -> [NumberRecord]
    /// The account's dedicated numbers (without released ones unless `includeReleased`),
    /// oldest first, or `nil` when the account does not exist; read in one statement.
    func numbers(ofExistingAccount accountID: String, includeReleased: Bool) throws -> [NumberRecord]?
    /// How many numbers (dedicated and single-use) are in each status, for the metrics.
    func numberCountsByStatus() throws -> [NumberRecord.Status: Int]
    /// How many jobs are due at `now`, and when the oldest of them was due.
    func jobBacklog(at now: Timestamp) throws -> (count: Int, oldestRunAt: Timestamp?)
    /// Dedicated numbers of the account that still count toward its limit (not released).
    func heldNumberCount(ofAccount accountID: String) throws -> Int
    /// Numbers (dedicated and single-use) held for the use case.
    func heldNumberCount(ofUseCase useCaseID: String) throws -> Int
    /// Campaigns in LAUNCHING, ACTIVE or PAUSED that send from the number.
    func activeCampaigns(usingNumber numberID: String) throws -> [CampaignReference]
    func idempotencyRecord(accountID: String, requestID: String) throws -> IdempotencyRecord?
    func portOutGuard(numberID: String) throws -> PortOutGuard?
    /// The number's relayed port-out requests, newest first.
    func portOutAttempts(numberID: String, limit: Int) throws -> [PortOutAttemptRecord]
    /// The decision recorded for the provider's port-out request `providerRequestID`, if any.
    func portOutAttempt(providerRequestID: String) throws -> PortOutAttemptRecord?

    func campaign(_ id: String) throws -> CampaignRecord?
    /// Campaign `id` with the number it sends from (`nil` when it has none or the record
    /// is gone), read in one statement: the launcher's sender lookup.
    func campaignWithNumber(_ id: String) throws -> (campaign: CampaignRecord, number: NumberRecord?)?
    func campaign(accountID: String, requestID: String) throws -> CampaignRecord?
    /// The campaign that sends from single-use number `numberID`, if any.
    func campaign(usingSingleUseNumber numberID: String) throws -> CampaignRecord?
    /// Campaigns of the account, optionally only in `state` and only using `numberID`.
    func campaigns(ofAccount accountID: String, state: CampaignRecord.State?, numberID: String) throws -> [CampaignRecord]

    /// The sequence number of the account's latest event (0 when none).
    func lastEventSequence(ofAccount accountID: String) throws -> Int64
    /// Events of the account after `sequence`, in order.
    func events(ofAccount accountID: String, after sequence: Int64, limit: Int) throws -> [EventRecord]
    /// The newest event of the account about `subjectID`, if any.
    func latestEvent(accountID: String, subjectID: String) throws -> EventRecord?
    func auditEntries(_ query: AuditQuery) throws -> [AuditEntry]

    /// When the next job is due and not leased (a leased job counts from its lease's end), if any.
    func nextJobTime() throws -> Timestamp?
    /// Whether the job (kind, subject) exists and `owner` holds its lease.
    func holdsLease(kind: JobKind, subjectID: String, owner: String) throws -> Bool
}

/// Changes the rules make. Every method runs inside the enclosing `write` transaction.
public protocol StoreWriter: StoreReader {
    /// Serializes account-scoped rules (limits) against concurrent writers of the same
    /// account. A store whose write transactions are already serial may do nothing.
    func lockAccount(_ id: String) throws

    func insert(_ account: AccountRecord) throws
    func insert(_ member: MemberRecord) throws
    /// Changes a member's role or removal time.
    func update(_ member: MemberRecord) throws
    func insert(_ credential: CredentialRecord) throws
    /// Changes a credential's expiry, revocation or last use (never its hash or subject).
    func update(_ credential: CredentialRecord) throws
    func upsert(_ brand: BrandRecord) throws
    func insert(_ useCase: UseCaseRecord) throws
    func update(_ useCase: UseCaseRecord) throws
    func insert(_ number: NumberRecord) throws
    func update(_ number: NumberRecord) throws
    func delete(numberID: String) throws
    func insert(_ record: IdempotencyRecord) throws
    func deleteIdempotencyRecords(numberID: String) throws
    func upsert(_ guard: PortOutGuard) throws
    func insert(_ attempt: PortOutAttemptRecord) throws

    func insert(_ campaign: CampaignRecord) throws
    func update(_ campaign: CampaignRecord) throws
    /// Appends to the account's event log; returns the event's sequence number.
    @discardableResult func append(_ event: EventRecord) throws -> Int64
    func append(_ entry: AuditEntry) throws

    /// Adds or replaces the job for (kind, subject), without a lease.
    func upsert(_ job: JobRecord) throws
    func deleteJob(kind: JobKind, subjectID: String) throws
    /// Leases to `owner` until `leaseUntil` up to `limit` jobs of `kinds` due at `now` that
    /// nobody holds (never leased, released, or whose lease ended), oldest first, and
    /// returns them. Concurrent claimers on several replicas never get the same job.
    func claimDueJobs(kinds: [JobKind], at now: Timestamp, owner: String, leaseUntil: Timestamp, limit: Int) throws -> [JobRecord]
    /// Extends every lease `owner` holds to `until` (its jobs are still running).
    func renewLeases(owner: String, until: Timestamp) throws
    /// Frees every lease `owner` holds (it stops without finishing them).
    func releaseLeases(owner: String) throws
    /// Reschedules `job` (its attempts, time and error) and frees its lease, if `owner` still
    /// holds it; false when it does not (the handler replaced or deleted the job, or the
    /// lease ended and passed to another replica), which changes nothing.
    @discardableResult func reschedule(_ job: JobRecord, leasedBy owner: String) throws -> Bool
}
