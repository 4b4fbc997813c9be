import Synchronization

/// Principals of recently seen tokens, by token hash, for at most `timeToLive` (one
/// second by default): a caller making many calls is looked up in the database about
/// once a second, not once per call.
///
/// What a token stands for can change (revocation, expiry, a member removed or given
/// another role). On the replica that makes the change, `removeAll()` forgets every
/// principal at once, and a lookup that began before it cannot store its stale answer
/// afterwards (`generation`). Other replicas see the change within `timeToLive`, the
/// stated bound. An entry never outlives its credential's own end (`validUntil`).
public final class PrincipalCache: Sendable {
    private struct Entry {
        let principal: Principal
        let expires: ContinuousClock.Instant
        /// When the credential stops working (0: never), in the service's clock.
        let validUntil: Timestamp
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    /// How long a lookup is reused.
    public let timeToLive: Duration
    /// Entries kept at most; beyond it, expired ones are dropped, then all.
    public let capacity: Int

    /// One second, 10,000 tokens by default.
    public init(timeToLive: Duration = .seconds(1), capacity: Int = 10_000) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    /// Changes each time the cache is cleared: take it before a lookup, give it to `store`.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// The cached principal of `tokenHash`, if fresh and its credential still valid at `timestamp`.
    public func principal(
        forTokenHash tokenHash: String,
        at timestamp: Timestamp = currentTimestamp(),
        now: ContinuousClock.Instant = .now
    ) -> Principal? {
        state.withLock { state in
            guard let entry = state.entries[tokenHash] else { return nil }
            if entry.expires <= now || (entry.validUntil != 0 && entry.validUntil <= timestamp) {
                state.entries[tokenHash] = nil
                return nil
            }
            return entry.principal
        }
    }

    /// Remembers `principal` for `tokenHash` until `timeToLive` has passed or the
    /// credential ends (`validUntil`); not at all if the cache was cleared since
    /// `generation` was read.
    public func store(
        _ principal: Principal,
        forTokenHash tokenHash: String,
        validUntil: Timestamp = 0,
        generation: UInt64? = nil,
        now: ContinuousClock.Instant = .now
    ) {
        guard timeToLive > .zero else { return }
        state.withLock { state in
            if let generation, generation != state.generation { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity { state.entries.removeAll() }
            }
            state.entries[tokenHash] = Entry(principal: principal, expires: now + timeToLive, validUntil: validUntil)
        }
    }

    /// Forgets every principal (after an operation that changes what tokens stand for).
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation &+= 1
        }
    }
}
