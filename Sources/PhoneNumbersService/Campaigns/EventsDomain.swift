/// The account's event log, watched live, and its audit trail.
public struct EventsDomain: Sendable {
    let store: any PhoneNumbersStore
    let signals: AccountSignals
    let reads: SharedEventReads
    let metrics: DomainMetrics

    public init(store: any PhoneNumbersStore, signals: AccountSignals, metrics: DomainMetrics = DomainMetrics()) {
        self.metrics = metrics
        self.store = store
        self.signals = signals
        self.reads = SharedEventReads(store: store)
    }

    /// Events after `since` (or from now when 0, or all with `fromStart`), then each
    /// new one, in order, without gaps or duplicates, until the consumer stops.
    ///
    /// - Throws: OUT_OF_RANGE `SINCE_BEYOND_HEAD` (metadata `head`) when `since` is past
    ///   the newest event: such a watch would skip every event up to `since`.
    public func watch(
        _ principal: Principal,
        accountID requested: String,
        since: Int64,
        fromStart: Bool
    ) async throws -> AsyncThrowingStream<EventRecord, any Error> {
        let accountID = try AccessPolicy.readableAccount(for: principal, requested: requested)
        guard since >= 0 else { throw DomainError.invalid("INVALID_SINCE", "since is a sequence number, 0 or more") }
        let changes = signals.signals(for: accountID)
        let store = self.store
        let reads = self.reads
        let start = try await store.read { tx -> Int64 in
            guard try tx.account(accountID) != nil else { throw DomainError.notFound("account", accountID) }
            let head = try tx.lastEventSequence(ofAccount: accountID)
            guard since <= head else {
                throw DomainError(
                    .outOfRange,
                    "SINCE_BEYOND_HEAD",
                    "since \(since) is past the newest event (\(head)); resume from a sequence you received",
                    metadata: ["head": "\(head)"]
                )
            }
            return fromStart ? 0 : (since > 0 ? since : head)
        }
        let metrics = self.metrics
        return AsyncThrowingStream { continuation in
            let task = Task {
                metrics.watchers.increment()
                defer { metrics.watchers.decrement() }
                var last = start
                continuation.yield(
                    EventRecord(
                        sequence: start,
                        accountID: accountID,
                        kind: EventRecord.watchStarted,
                        subjectID: "",
                        oldState: "",
                        newState: "",
                        reason: "",
                        at: currentTimestamp()
                    )
                )
                func drain() async throws {
                    while true {
                        let page = try await reads.events(ofAccount: accountID, after: last)
                        for event in page.events {
                            continuation.yield(event)
                            last = event.sequence
                        }
                        metrics.eventsDelivered.increment(by: page.events.count)
                        if page.complete { return }
                    }
                }
                do {
                    try await drain()
                    for await _ in changes { try await drain() }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A page of the audit trail, newest first, and the token of the next page ("" at the end).
    public func audit(
        _ principal: Principal,
        accountID requested: String,
        action: String,
        subjectID: String,
        pageSize: Int,
        pageToken: String
    ) async throws
        -> ([AuditEntry], String)
    {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readAudit)
        let size = pageSize == 0 ? 50 : pageSize
        guard (1...500).contains(size) else { throw DomainError.invalid("INVALID_PAGE_SIZE", "page_size is 1 to 500") }
        guard action.isEmpty || AuditActions.all.contains(action) else {
            throw DomainError.invalid(
                "INVALID_ACTION",
                "\(HumanText.quoted(action)) is not an audited action; one of \(AuditActions.all.sorted().joined(separator: ", "))"
            )
        }
        var before: Int64 = 0
        if !pageToken.isEmpty {
            guard let value = Int64(pageToken), value > 0 else {
                throw DomainError.invalid("INVALID_PAGE_TOKEN", "page_token is not one this server issued")
            }
            before = value
        }
        let query = AuditQuery(accountID: accountID, action: action, subjectID: subjectID, before: before, limit: size + 1)
        let entries = try await store.read { try $0.auditEntries(query) }
        let page = Array(entries.prefix(size))
        return (page, entries.count > size ? String(page.last!.id) : "")
    }
}
