import Logging
import Metrics
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import RPCCore
import ServiceLifecycle
import Synchronization

/// A PNRPC server over TCP: serves `services` (plus `grpc.health.v1.Health`) until
/// its task is cancelled or a graceful shutdown is triggered, then drains.
///
/// Run it in a `ServiceGroup` for SIGTERM/SIGINT handling, or call `run()` directly.
/// Draining: the listener closes, every connection gets a GOAWAY, calls already in
/// flight finish within `ServerConfiguration.drainGracePeriod`, and new calls are
/// refused with UNAVAILABLE (reason DRAINING).
public final class RPCServer: Service, Sendable {
    /// The health service; marked NOT_SERVING when draining begins.
    public let health: HealthProvider
    /// How it was configured (address, limits).
    public let configuration: ServerConfiguration
    /// The methods served (the health service's among them); other transports serving the
    /// same methods use this router, so the drain ends their streams too (`StreamDrain`).
    public let router: RPCRouter
    private let metrics: ServerMetrics
    private let group: any EventLoopGroup
    private let executors: [ObjectIdentifier: EventLoopTaskExecutor]
    private let logger: Logger
    private let connections = Mutex(0)
    private let address: Mutex<(SocketAddress?, [CheckedContinuation<SocketAddress, any Error>])> = Mutex((nil, []))

    /// A server for `services`, using `group` (by default the shared NIO event loops).
    public init(
        configuration: ServerConfiguration,
        services: [any RPCService],
        health: HealthProvider = HealthProvider(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger = Logger(label: "pnrpc.server")
    ) {
        self.configuration = configuration
        self.health = health
        self.router = RPCRouter(services: [health] + services)
        self.metrics = ServerMetrics(router: router, factory: metricsFactory ?? MetricsSystem.factory)
        self.group = group
        var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for loop in group.makeIterator() {
            executors[ObjectIdentifier(loop)] = EventLoopTaskExecutor(eventLoop: loop)
        }
        self.executors = executors
        self.logger = logger
    }

    /// The address the server listens on, once it does (waits for `run()` to bind).
    /// - Throws: the bind error when binding failed.
    public func listeningAddress() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            address.withLock { state in
                if let bound = state.0 {
                    continuation.resume(returning: bound)
                } else {
                    state.1.append(continuation)
                }
            }
        }
    }

    /// The number of open connections.
    public var connectionCount: Int { connections.withLock { $0 } }

    /// Binds, serves, and drains on graceful shutdown or cancellation.
    /// - Throws: when binding fails.
    public func run() async throws {
        let quiescing = ServerQuiescingHelper(group: group)
        let channel: any Channel
        do {
            let tls = try configuration.tls?.makeContext()
            do {
                channel = try await bootstrap(quiescing: quiescing, tls: tls).bind(host: configuration.host, port: configuration.port).get()
            } catch {
                throw ListenFailure(listener: "PNRPC", host: configuration.host, port: configuration.port, error: error)
            }
        } catch {
            resolveAddress(.failure(error))
            throw error
        }
        let bound = channel.localAddress!
        resolveAddress(.success(bound))
        logger.info("listening", metadata: ["address": "\(bound)"])

        let drained = group.next().makePromise(of: Void.self)
        let drain: @Sendable () -> Void = { [health, logger, router] in
            logger.info("draining")
            health.markAllNotServing()
            router.streamDrain.begin()
            quiescing.initiateShutdown(promise: drained)
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await channel.closeFuture.get()
            } onCancel: {
                drain()
            }
        } onGracefulShutdown: {
            drain()
        }
        try? await drained.futureResult.get()
        logger.info("stopped")
    }

    private func bootstrap(quiescing: ServerQuiescingHelper, tls: NIOSSLContext?) -> ServerBootstrap {
        let limits = configuration.limits
        var bootstrap = ServerBootstrap(group: group)
        if let size = configuration.socketSendBufferSize {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(size))
        }
        return
            bootstrap
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 << 10, high: 256 << 10))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try self.initializeConnection(channel, limits: limits)
                }
            }
    }

    private func initializeConnection(_ channel: any Channel, limits: ServerLimits) throws {
        let admitted = connections.withLock { count in
            guard count < limits.maxConnections else { return false }
            count += 1
            return true
        }
        guard admitted else {
            logger.warning("connection refused: connection limit", metadata: ["limit": "\(limits.maxConnections)"])
            try channel.pipeline.syncOperations.addHandler(
                ConnectionRefusalHandler(error: .tooManyConnections(limit: limits.maxConnections))
            )
            return
        }
        channel.closeFuture.whenComplete { [self] _ in self.connections.withLock { $0 -= 1 } }
        let executor = executors[ObjectIdentifier(channel.eventLoop)] ?? EventLoopTaskExecutor(eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(
                router: router,
                metrics: metrics,
                limits: limits,
                drainGracePeriod: configuration.drainGracePeriod,
                executor: executor,
                logger: logger
            )
        )
    }

    private func resolveAddress(_ result: Result<SocketAddress, any Error>) {
        let waiters = address.withLock { state in
            if case .success(let bound) = result { state.0 = bound }
            defer { state.1 = [] }
            return state.1
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

/// Answers a connection the server will not serve: its preface, a GOAWAY saying why, close.
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let error: ConnectionError

    init(error: ConnectionError) {
        self.error = error
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        Preface.write(into: &buffer)
        FrameCodec.write(.goAway(lastCallID: 0, status: error.status), into: &buffer)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
