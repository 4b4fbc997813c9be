import Synchronization

/// Principals of recently seen tokens, by token hash, for a few seconds: a caller making
/// many calls is looked up in the database once per `timeToLive`, not once per call.
///
/// Safe because nothing changes what a token stands for today (tokens are not revoked,
/// members neither removed nor given another role). When such an operation is added, it
/// must call `removeAll()`; with several replicas, `timeToLive` bounds how long another
/// replica may still honour the old state. Only successful lookups are kept.
public final class PrincipalCache: Sendable {
    private struct Entry {
        let principal: Principal
        let expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// How long a lookup is reused.
    public let timeToLive: Duration
    /// Entries kept at most; beyond it, expired ones are dropped, then all.
    public let capacity: Int

    /// Ten seconds, 10,000 tokens by default.
    public init(timeToLive: Duration = .seconds(10), capacity: Int = 10_000) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    /// The cached principal of `tokenHash`, if fresh.
    public func principal(forTokenHash tokenHash: String, now: ContinuousClock.Instant = .now) -> Principal? {
        entries.withLock { entries in
            guard let entry = entries[tokenHash] else { return nil }
            if entry.expires <= now {
                entries[tokenHash] = nil
                return nil
            }
            return entry.principal
        }
    }

    /// Remembers `principal` for `tokenHash` until `timeToLive` has passed.
    public func store(_ principal: Principal, forTokenHash tokenHash: String, now: ContinuousClock.Instant = .now) {
        guard timeToLive > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[tokenHash] = Entry(principal: principal, expires: now + timeToLive)
        }
    }

    /// Forgets every principal (after an operation that changes what tokens stand for).
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
