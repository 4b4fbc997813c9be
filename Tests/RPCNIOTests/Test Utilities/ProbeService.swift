import RPCCore
import RPCTesting

/// A service whose handlers report when they start and when they are cancelled.
final class ProbeService: RPCService {
    static let hang = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Hang")
    static let ticks = ServerStreamingMethod<Empty, Empty>(service: "pnrpc.testing.v1.Probe", method: "Ticks")

    private let events: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (events, continuation) = AsyncStream<String>.makeStream()
    }

    /// The next event: "started" or "cancelled".
    func next() async -> String? {
        var iterator = events.makeAsyncIterator()
        return await iterator.next()
    }

    var methodHandlers: [RPCMethodHandler] {
        let continuation = self.continuation
        return [
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
