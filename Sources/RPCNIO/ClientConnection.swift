import NIOCore
import RPCCore
import Synchronization

/// One open connection of a client; calls on it are multiplexed by call id.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let usable = Atomic(true)

    init(channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// False once the server sent GOAWAY or the connection closed.
    var isUsable: Bool { usable.load(ordering: .acquiring) && channel.isActive }

    func markUnusable() {
        usable.store(false, ordering: .releasing)
    }

    func unary(_ outbound: OutboundCall) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let handle = CallHandle()
        let loop = channel.eventLoop
        let handler = self.handler
        do {
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    start(handle, .unary(continuation), outbound)
                }
            } onCancel: {
                loop.execute { handler.value.cancel(handle) }
            }
        } catch {
            throw RPCError.from(error)
        }
    }

    /// Starts an attempt of `call`, whose end is reported to it on the connection's event
    /// loop: no task, no continuation.
    func unary(_ outbound: OutboundCall, _ call: CallbackCall) {
        start(call, .callback(call), outbound)
    }

    /// Hands a call to the handler on the connection's event loop (at once when already on it).
    private func start(_ handle: CallHandle, _ call: PendingCall, _ outbound: OutboundCall) {
        let loop = channel.eventLoop
        let handler = self.handler
        if loop.inEventLoop {
            handler.value.start(handle, call, outbound)
        } else {
            loop.execute { handler.value.start(handle, call, outbound) }
        }
    }

    func serverStreaming(_ outbound: OutboundCall) -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let handle = CallHandle()
        let loop = channel.eventLoop
        let handler = self.handler
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                loop.execute { handler.value.cancel(handle) }
            }
        }
        loop.execute { handler.value.start(handle, .stream(StreamReceiver(continuation)), outbound) }
        return stream
    }

    func ping() async throws {
        let handler = self.handler
        try await channel.eventLoop.flatSubmit { handler.value.ping() }.get()
    }
}
