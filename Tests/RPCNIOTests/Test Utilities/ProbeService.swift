import RPCCore
import RPCTesting
import Synchronization

/// A service whose handlers report when they start and when they are cancelled.
final class ProbeService: RPCService {
    static let hang = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Hang")
    static let ticks = ServerStreamingMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Ticks")
    /// Streams 64 KiB messages as fast as the connection takes them.
    static let flood = ServerStreamingMethod<Empty, Payload>(service: "pnrpc.testing.v1.Probe", method: "Flood")
    static let park = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Park")
    /// Fails with an error that is neither an `RPCError` nor convertible to one.
    static let fail = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Fail")

    struct Unexpected: Error {
        let secret = "a detail for the server's log only"
    }
    /// Reports "started", then answers once the test calls `openGate()`.
    static let gated = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Gated")
    private let gate = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    /// Lets the `gated` call answer.
    func openGate() {
        gate.continuation.yield()
    }

    /// Messages `flood` has handed to the connection.
    let written = Atomic<Int>(0)
    /// `park` handlers running now, and the most ever at once.
    let parked = Atomic<Int>(0)
    let mostParked = Atomic<Int>(0)

    private let events: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (events, continuation) = AsyncStream<String>.makeStream()
    }

    /// The next event: "started" or "cancelled"; nil when none comes within 30 s.
    func next() async -> String? {
        let events = self.events
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                var iterator = events.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    var methodHandlers: [RPCMethodHandler] {
        let continuation = self.continuation
        return [
            RPCMethodHandler(Self.flood) { [self] _, _, responses in
                let chunk = Payload(size: 64 << 10)
                while true {
                    try await responses.write(chunk)
                    written.add(1, ordering: .relaxed)
                }
            },
            RPCMethodHandler(Self.gated) { [gate] _, _ in
                continuation.yield("started")
                var iterator = gate.stream.makeAsyncIterator()
                _ = await iterator.next()
                return Empty()
            },
            RPCMethodHandler(Self.park) { [self] _, _ in
                let now = parked.add(1, ordering: .relaxed).newValue
                mostParked.max(now, ordering: .relaxed)
                defer { parked.subtract(1, ordering: .relaxed) }
                try await Task.sleep(for: .seconds(60))
                return Empty()
            },
            RPCMethodHandler(Self.fail) { _, _ in
                throw Unexpected()
            },
            RPCMethodHandler(Self.hang) { _, _ in
                continuation.yield("started")
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    continuation.yield("cancelled")
                    throw error
                }
                return Empty()
            },
            RPCMethodHandler(Self.ticks) { _, _, responses in
                continuation.yield("started")
                do {
                    while true {
                        try await responses.write(Empty())
                        try await Task.sleep(for: .milliseconds(20))
                    }
                } catch {
                    continuation.yield("cancelled")
                    throw error
                }
            },
        ]
    }
}
