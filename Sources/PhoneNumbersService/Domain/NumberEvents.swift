import Synchronization

/// Tells watchers of a number about each change, in process, after it committed.
public final class NumberEvents: Sendable {
    private let watchers = Mutex<[Int: (numberID: String, continuation: AsyncStream<NumberRecord>.Continuation)]>([:])
    private let nextID = Atomic<Int>(0)

    public init() {}

    /// Changes of `numberID` from now on; cancel the consuming task to stop.
    public func changes(of numberID: String) -> AsyncStream<NumberRecord> {
        let (stream, continuation) = AsyncStream<NumberRecord>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        watchers.withLock { $0[id] = (numberID, continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.watchers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Announces the committed state of a number.
    public func publish(_ number: NumberRecord) {
        let interested = watchers.withLock { watchers in
            watchers.values.filter { $0.numberID == number.id }.map(\.continuation)
        }
        for continuation in interested { continuation.yield(number) }
    }
}
