import NIOCore
import NIOPosix
import RPCNIO

/// The SwiftNIO echo called the way an async caller calls: a Swift task per caller, each
/// call awaiting its answer through a continuation inside a cancellation handler, the tasks
/// preferring their connection's event loop as their executor (`EventLoopTaskExecutor`,
/// the one PNRPC's clients offer). No RPC is in it: it is what async calling itself costs,
/// the floor for PNRPC's async callers (`Bench pairs --only "PNRPC (this" --baseline
/// "SwiftNIO echo, async"`).
struct NIOAsyncEchoContender: EchoContender {
    let name = "SwiftNIO echo, async callers"
    /// The SwiftNIO echo server's port.
    let port: Int
    /// The clients' event loops (nil: the shared group).
    var clientGroup: (any EventLoopGroup)? = nil

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        var connections: [AsyncEchoConnection] = []
        for _ in 0..<scenario.connections {
            let loop = (clientGroup ?? MultiThreadedEventLoopGroup.singleton).next()
            connections.append(try await AsyncEchoConnection.connect(port: port, on: loop))
        }
        var request = ByteBuffer()
        request.writeInteger(UInt32(scenario.payload))
        request.writeRepeatingByte(0, count: scenario.payload)
        let frame = request
        let measurement = try await closedLoops(connections, inFlight: scenario.inFlight, duration: duration, executor: { $0.executor }) {
            _ = try await $0.echo(frame)
        }
        for connection in connections { try? await connection.channel.close() }
        return measurement
    }
}

/// One connection to the SwiftNIO echo, called by awaiting: answers come back in order,
/// so each one resumes the oldest waiting call.
final class AsyncEchoConnection: Sendable {
    let channel: any Channel
    /// Runs the callers' tasks on this connection's loop.
    let executor: EventLoopTaskExecutor
    private let handler: AsyncEchoClientHandler

    private init(channel: any Channel, handler: AsyncEchoClientHandler) {
        self.channel = channel
        executor = EventLoopTaskExecutor(eventLoop: channel.eventLoop)
        self.handler = handler
    }

    static func connect(port: Int, on loop: any EventLoop) async throws -> AsyncEchoConnection {
        let handler = AsyncEchoClientHandler()
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixDecoder()))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return AsyncEchoConnection(channel: channel, handler: handler)
    }

    /// Sends one length-prefixed frame and returns the echoed body; cancelling the task
    /// closes the connection, failing every call on it.
    func echo(_ frame: ByteBuffer) async throws -> ByteBuffer {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if channel.eventLoop.inEventLoop {
                    handler.send(frame, continuation)
                } else {
                    channel.eventLoop.execute { self.handler.send(frame, continuation) }
                }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// The client side of `AsyncEchoConnection`, on its event loop: writes calls, resumes them
/// in order as answers arrive, and flushes once per read and once per loop turn of sends
/// (the callers' tasks send from the executor's drain, after the read that resumed them).
/// Touched only on its channel's event loop (`AsyncEchoConnection.echo` hops there).
final class AsyncEchoClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var waiting = CircularBuffer<UnsafeContinuation<ByteBuffer, any Error>>(initialCapacity: 64)
    private var flushScheduled = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func send(_ frame: ByteBuffer, _ continuation: UnsafeContinuation<ByteBuffer, any Error>) {
        guard let context, context.channel.isActive else {
            continuation.resume(throwing: ChannelError.ioOnClosedChannel)
            return
        }
        waiting.append(continuation)
        context.write(wrapOutboundOut(frame), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.execute {
            self.flushScheduled = false
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiting.popFirst()?.resume(returning: unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let continuation = waiting.popFirst() { continuation.resume(throwing: ChannelError.ioOnClosedChannel) }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
