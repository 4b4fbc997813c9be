import Logging
import NIOCore
import NIOEmbedded
import RPCCore
import Testing

@testable import RPCNIO

/// Regression: the handlers once kept a loop-bound reference to themselves, so every
/// connection leaked its handler (found by fuzzing FuzzFrames with LeakSanitizer).
@Suite("connection handler lifetimes", .timeLimit(.minutes(2)))
struct ConnectionLifetimeTests {
    @Test("a server connection's handler is freed once the connection closes")
    func serverHandlerFreed() throws {
        weak var released: ServerConnectionHandler?
        try {
            let channel = EmbeddedChannel()
            let handler = ServerConnectionHandler(
                router: RPCRouter(services: []),
                limits: ServerLimits(),
                drainGracePeriod: .seconds(1),
                executor: EventLoopTaskExecutor(eventLoop: channel.eventLoop),
                logger: Logger(label: "test")
            )
            released = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeInbound(ByteBuffer(bytes: Array("PNRPC".utf8) + [0, 0, 1]))
            channel.embeddedEventLoop.run()
            _ = try? channel.finish()
            channel.embeddedEventLoop.run()
        }()
        #expect(released == nil)
    }

    @Test("a client connection's handler is freed once the connection closes")
    func clientHandlerFreed() throws {
        weak var released: ClientConnectionHandler?
        try {
            let channel = EmbeddedChannel()
            let handler = ClientConnectionHandler(maxFrameSize: 1 << 20) {}
            released = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            channel.embeddedEventLoop.run()
            _ = try? channel.finish()
            channel.embeddedEventLoop.run()
        }()
        #expect(released == nil)
    }
}
