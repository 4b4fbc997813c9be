import Logging
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import RPCCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A client of a PNRPC server: one lazily opened TCP connection that multiplexes
/// concurrent calls, reopened with backoff after it drops or the server drains.
///
/// Calls that provably were not processed (refused while draining, announced by
/// GOAWAY, never sent, or the connection could not be opened) are sent again, at most
/// `ClientConfiguration.maxRetries` times and never past the call's deadline. A call
/// whose connection was lost after it was sent fails with UNAVAILABLE
/// (`CONNECTION_LOST`) and is not retried: it may have run.
public final class RPCClient: RPCCaller, Sendable {
    private enum Connection {
        case idle
        case connecting(EventLoopFuture<ClientConnection>)
        case ready(ClientConnection)
        case closed
    }

    private struct State {
        var connection = Connection.idle
        var failures = 0
        var retryAt: ContinuousClock.Instant?
    }

    let configuration: ClientConfiguration
    /// The loop every connection of this client lives on.
    private let loop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private let state = Mutex(State())
    private let logger: Logger
    let metrics: ClientMetrics

    /// A client for the server in `configuration`. Nothing connects until the first call.
    public init(
        configuration: ClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger = Logger(label: "pnrpc.client")
    ) {
        self.metrics = ClientMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.configuration = configuration
        self.loop = group.next()
        self.executor = EventLoopTaskExecutor(eventLoop: loop)
        self.logger = logger
    }

    /// The executor of the event loop this client's connection lives on. Tasks that make
    /// many calls run fastest with it as their preference
    /// (`withTaskExecutorPreference(client.preferredTaskExecutor) { … }`): starting a call
    /// and resuming after its answer then need no hop between threads.
    public var preferredTaskExecutor: any TaskExecutor { executor }

    /// A client for `host:port` with default settings.
    public convenience init(host: String, port: Int, defaultMetadata: Metadata = [:]) {
        self.init(configuration: ClientConfiguration(host: host, port: port, defaultMetadata: defaultMetadata))
    }

    public func unaryCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let started = NIODeadline.now()
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        do {
            let response = try await unaryAttempts(method, request: request, options: options, deadline: deadline)
            metrics.finished(method, .ok, startedAt: started)
            return response
        } catch {
            metrics.finished(method, error.code, startedAt: started)
            throw error
        }
    }

    /// Sends the call, and again (at most `maxRetries` times) while the server says it did not process it.
    private func unaryAttempts(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions,
        deadline: ContinuousClock.Instant?
    ) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        var attempt = 0
        while true {
            do {
                let connection = try await connection(deadline: deadline)
                return try await connection.unary(outbound(method, .bytes(request), options, deadline))
            } catch {
                guard retries(error, method, afterAttempt: attempt, deadline: deadline) else { throw error }
                attempt += 1
            }
        }
    }

    /// Whether a failed attempt of a unary call is sent again: only a call provably not
    /// processed, within `maxRetries` and the deadline. A retry is counted and logged.
    func retries(_ error: RPCError, _ method: MethodDescriptor, afterAttempt attempt: Int, deadline: ContinuousClock.Instant?) -> Bool {
        guard error.isSafeToRetry, attempt < configuration.maxRetries, !Self.passed(deadline) else { return false }
        metrics.retried()
        logger.debug("retrying call that was not processed", metadata: ["rpc.method": "\(method)", "rpc.reason": "\(error.reason ?? "")"])
        return true
    }

    public func serverStreamingCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) -> AsyncThrowingStream<[UInt8], any Error> {
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        return retryingStream(maxRetries: configuration.maxRetries, deadline: deadline) {
            let connection = try await self.connection(deadline: deadline)
            return StreamAttempt(messages: connection.serverStreaming(self.outbound(method, .bytes(request), options, deadline)))
        }
    }

    /// Sends a PING and waits for its PONG; returns the round trip.
    /// - Throws: `RPCError` UNAVAILABLE when no connection can be made.
    public func ping() async throws(RPCError) -> Duration {
        let connection = try await connection(deadline: nil)
        let start = ContinuousClock.now
        do {
            try await connection.ping()
        } catch {
            throw RPCError.from(error)
        }
        return ContinuousClock.now - start
    }

    /// Closes the connection; calls made afterwards fail with UNAVAILABLE (CLIENT_CLOSED).
    public func close() async {
        let current = state.withLock { state -> Connection in
            defer { state.connection = .closed }
            return state.connection
        }
        switch current {
        case .ready(let connection):
            try? await connection.channel.close()
        case .connecting(let future):
            if let connection = try? await future.get() { try? await connection.channel.close() }
        case .idle, .closed:
            break
        }
    }

    func outbound(
        _ method: MethodDescriptor,
        _ request: OutboundPayload,
        _ options: CallOptions,
        _ deadline: ContinuousClock.Instant?
    ) -> OutboundCall {
        var metadata = configuration.defaultMetadata
        for entry in options.metadata { metadata.add(entry.key, entry.value) }
        return OutboundCall(method: method, payload: request, metadata: metadata, deadline: deadline)
    }

    static func passed(_ deadline: ContinuousClock.Instant?) -> Bool {
        deadline.map { ContinuousClock.now >= $0 } ?? false
    }

    // MARK: Connection management

    /// How a call gets its connection: the open one, one being opened, or an error.
    enum NextConnection {
        case use(ClientConnection)
        case wait(EventLoopFuture<ClientConnection>)
        case fail(RPCError)
    }

    /// The connection for a call with `deadline`, opening one when none is open or opening.
    func nextConnection(deadline: ContinuousClock.Instant?) -> NextConnection {
        guard !configuration.requireTLS || configuration.tls != nil else {
            return .fail(
                RPCError(
                    code: .failedPrecondition,
                    message: "this client requires TLS but none is configured; nothing was sent",
                    reason: .tlsRequired
                )
            )
        }
        return state.withLock { state in
            switch state.connection {
            case .ready(let connection) where connection.isUsable:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .closed:
                return .fail(RPCError(code: .unavailable, message: "the client is closed", reason: .clientClosed))
            case .idle, .ready:
                if let retryAt = state.retryAt, let deadline, retryAt > deadline {
                    return .fail(
                        RPCError(
                            code: .unavailable,
                            message: "the server is unreachable; next attempt after the deadline",
                            reason: .connectFailed
                        )
                    )
                }
                let future = openConnection(after: state.retryAt)
                state.connection = .connecting(future)
                return .wait(future)
            }
        }
    }

    func connection(deadline: ContinuousClock.Instant?) async throws(RPCError) -> ClientConnection {
        switch nextConnection(deadline: deadline) {
        case .use(let connection):
            return connection
        case .fail(let error):
            throw error
        case .wait(let future):
            do {
                return try await future.get()
            } catch {
                throw RPCError.from(error)
            }
        }
    }

    private func openConnection(after retryAt: ContinuousClock.Instant?) -> EventLoopFuture<ClientConnection> {
        let wait = retryAt.map { max($0 - ContinuousClock.now, .zero) } ?? .zero
        let delay: EventLoopFuture<Void> =
            wait > .zero ? loop.scheduleTask(in: .nanoseconds(wait.nanoseconds)) {}.futureResult : loop.makeSucceededVoidFuture()
        let configuration = self.configuration
        let holder = ConnectionHolder()
        let tls: NIOSSLContext?
        do {
            tls = try configuration.tls?.makeContext()
        } catch {
            return loop.makeFailedFuture(
                RPCError(code: .failedPrecondition, message: "the TLS configuration is invalid: \(error)", reason: .tlsConfiguration)
            )
        }
        let local: SocketAddress?
        do {
            local = try configuration.localAddress.map { try SocketAddress(ipAddress: $0, port: 0) }
        } catch {
            return loop.makeFailedFuture(
                RPCError(code: .invalidArgument, message: "invalid local address: \(error)", reason: .invalidLocalAddress)
            )
        }
        let future = delay.flatMap { [self] in
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            let hostname = configuration.tls?.serverHostname ?? configuration.host
                            let isAddress = hostname.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : hostname)
                            )
                        }
                        let handler = ClientConnectionHandler(maxFrameSize: configuration.maxFrameSize) { [self] in
                            self.connectionBecameUnusable(holder)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                        holder.set(ClientConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)))
                    }
                }
                .bindLocally(to: local)
                .connect(host: configuration.host, port: configuration.port)
                .flatMapThrowing { _ -> ClientConnection in
                    guard let connection = holder.connection else {
                        throw RPCError(code: .internal, message: "connection setup failed", reason: .internal)
                    }
                    return connection
                }
        }
        future.whenComplete { [self] result in
            self.connectionAttemptFinished(result)
        }
        return future.flatMapErrorThrowing { error in
            throw error as? RPCError
                ?? RPCError(
                    code: .unavailable,
                    message: "could not connect to \(configuration.host):\(configuration.port): \(Self.describeConnectFailure(error))",
                    reason: .connectFailed
                )
        }
    }

    private func connectionAttemptFinished(_ result: Result<ClientConnection, any Error>) {
        state.withLock { state in
            guard case .connecting = state.connection else { return }
            switch result {
            case .success(let connection):
                state.connection = .ready(connection)
                state.failures = 0
                state.retryAt = nil
            case .failure:
                state.connection = .idle
                state.failures += 1
                state.retryAt = ContinuousClock.now + configuration.backoff(afterFailures: state.failures)
            }
        }
        if case .failure(let error) = result {
            logger.debug("connect failed", metadata: ["error": "\(error)"])
        }
    }

    private func connectionBecameUnusable(_ holder: ConnectionHolder) {
        guard let connection = holder.connection else { return }
        connection.markUnusable()
        state.withLock { state in
            if case .ready(let current) = state.connection, current === connection {
                state.connection = .idle
            }
        }
    }
}

/// Lets a connection's handler refer to the `ClientConnection` that wraps it.
final class ConnectionHolder: Sendable {
    private let stored = Mutex<ClientConnection?>(nil)

    var connection: ClientConnection? { stored.withLock { $0 } }

    func set(_ connection: ClientConnection) {
        stored.withLock { $0 = connection }
    }
}

extension ClientBootstrap {
    fileprivate func bindLocally(to address: SocketAddress?) -> ClientBootstrap {
        guard let address else { return self }
        return bind(to: address)
    }
}

extension RPCClient {
    /// One phrase for a person: "connection refused", "host not found", … instead of
    /// NIO's nested error values.
    static func describeConnectFailure(_ error: any Error) -> String {
        var errors: [any Error] = [error]
        if let failure = error as? NIOConnectionError {
            errors =
                failure.connectionErrors.map(\.error) + (failure.dnsAAAAError.map { [$0] } ?? []) + (failure.dnsAError.map { [$0] } ?? [])
            if errors.isEmpty { return "the host name did not resolve to an address" }
        }
        for error in errors {
            if let phrase = SystemErrorPhrase.of(error) { return phrase }
        }
        if error is ChannelError { return "the connection attempt timed out or was refused" }
        return "\(errors.first ?? error)"
    }
}
