import NIOCore
import NIOPosix

/// The no-RPC ceiling: a length-prefixed echo with event-loop handlers on both sides.
struct NIOEchoContender: EchoContender {
    /// The name every run gives it; what other contenders are measured against by default.
    static let ceilingName = "SwiftNIO echo (ceiling)"
    let name = ceilingName
    let port: Int
    /// The clients' event loops (nil: the shared group).
    var clientGroup: (any EventLoopGroup)? = nil

    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NIOEchoContender {
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixDecoder()))
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return NIOEchoContender(port: channel.localAddress!.port!)
    }

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        let start = NIODeadline.now()
        let deadline = start + .nanoseconds(Int64(duration.nanosecondCount))
        var results: [EventLoopFuture<[UInt64]>] = []
        for _ in 0..<scenario.connections {
            let group = clientGroup ?? MultiThreadedEventLoopGroup.singleton
            let done = group.next().makePromise(of: [UInt64].self)
            let payload = scenario.payload
            let inFlight = scenario.inFlight
            _ = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixDecoder()))
                        try channel.pipeline.syncOperations.addHandler(
                            LoadHandler(payload: payload, inFlight: inFlight, deadline: deadline, done: done)
                        )
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            results.append(done.futureResult)
        }
        var latencies: [UInt64] = []
        for result in results { latencies += try await result.get() }
        let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        return Measurement(calls: latencies.count, seconds: seconds, latencies: latencies)
    }
}

/// 4-byte big-endian length, then the body.
struct LengthPrefixDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self), buffer.readableBytes >= 4 + Int(length) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}

final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let body = unwrapInboundIn(data)
        var out = context.channel.allocator.buffer(capacity: body.readableBytes + 4)
        out.writeInteger(UInt32(body.readableBytes))
        out.writeImmutableBuffer(body)
        context.write(wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

/// Keeps `inFlight` echoes outstanding until the deadline, timing each.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let inFlight: Int
    private let deadline: NIODeadline
    private let done: EventLoopPromise<[UInt64]>
    private var sent: [NIODeadline] = []
    private var next = 0
    private var latencies: [UInt64] = []
    private var stopping = false

    init(payload: Int, inFlight: Int, deadline: NIODeadline, done: EventLoopPromise<[UInt64]>) {
        var request = ByteBuffer()
        request.writeInteger(UInt32(payload))
        request.writeRepeatingByte(0, count: payload)
        self.request = request
        self.inFlight = inFlight
        self.deadline = deadline
        self.done = done
        latencies.reserveCapacity(1 << 20)
    }

    func channelActive(context: ChannelHandlerContext) {
        for _ in 0..<inFlight { send(context) }
        context.flush()
    }

    private func send(_ context: ChannelHandlerContext) {
        sent.append(.now())
        context.write(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        latencies.append(UInt64((now - sent[next]).nanoseconds))
        next += 1
        if now < deadline {
            send(context)
        } else if next == sent.count, !stopping {
            stopping = true
            done.succeed(latencies)
            context.close(promise: nil)
        }
        if next > 4096 {
            sent.removeFirst(next)
            next = 0
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}
