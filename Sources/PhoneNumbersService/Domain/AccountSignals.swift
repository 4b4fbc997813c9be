import Synchronization

/// Wakes watchers of an account after a change to it committed. Watchers then read
/// what changed from the store (the event log is the source of truth), so a missed or
/// coalesced signal loses nothing, and another replica's store could drive it too.
public final class AccountSignals: Sendable {
    private let watchers = Mutex<[Int: (accountID: String, continuation: AsyncStream<Void>.Continuation)]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    /// Signals for `accountID` from now on (coalesced); cancel the consuming task to stop.
    public func signals(for accountID: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        watchers.withLock { $0[id] = (accountID, continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.watchers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Tells the account's watchers that something changed.
    public func notify(_ accountID: String) {
        let interested = watchers.withLock { watchers in
            watchers.values.filter { $0.accountID == accountID }.map(\.continuation)
        }
        for continuation in interested { continuation.yield() }
    }

    /// Tells every watcher that something may have changed.
    public func notifyAll() {
        for continuation in watchers.withLock({ $0.values.map(\.continuation) }) { continuation.yield() }
    }

    /// How many watchers are connected.
    public var watcherCount: Int { watchers.withLock { $0.count } }
}
