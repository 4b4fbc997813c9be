import Logging
import Metrics
import NIOCore
import NIOPosix
import RPCCore
import Synchronization

/// What a connection-owning client offers beyond calls, whether it talks to one
/// endpoint (`RPCClient`) or several (`MultiEndpointClient`).
public protocol RPCConnectionClient: RPCCaller {
    /// Sends a PING and waits for its PONG; returns the round trip.
    func ping() async throws(RPCError) -> Duration
    /// Closes the connections; later calls fail with UNAVAILABLE (CLIENT_CLOSED).
    func close() async
    /// The executor to prefer for tasks that make many calls.
    var preferredTaskExecutor: any TaskExecutor { get }
}

extension RPCClient: RPCConnectionClient {}

/// A client of several replicas of one service: one `RPCClient` (one connection) per
/// endpoint, calls spread over the endpoints that are up (`EndpointSelection`).
///
/// A call that provably was not processed (refused while draining, announced by
/// GOAWAY, never sent, or its endpoint unreachable) goes to another endpoint, which is
/// then avoided for a while; at most `maxRetries` times more and never past the call's
/// deadline. A call whose connection was lost after it was sent fails with UNAVAILABLE
/// (`CONNECTION_LOST`) and is not sent again: it may have run.
public final class MultiEndpointClient: RPCConnectionClient, Sendable {
    /// The endpoints, in the order given.
    public let endpoints: [ClientConfiguration]
    private let clients: [RPCClient]
    private let selection: Mutex<EndpointSelection>
    private let maxRetries: Int

    /// A client of every endpoint in `endpoints` (each a complete configuration; their
    /// `maxRetries` is ignored: this client retries, across endpoints, `maxRetries` times).
    public init(
        endpoints: [ClientConfiguration],
        maxRetries: Int? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger = Logger(label: "pnrpc.client")
    ) {
        precondition(!endpoints.isEmpty, "at least one endpoint")
        self.endpoints = endpoints
        self.maxRetries = maxRetries ?? (endpoints[0].maxRetries + endpoints.count)
        clients = endpoints.map { endpoint in
            var single = endpoint
            single.maxRetries = 0
            // Reconnect sooner than the selection tries the endpoint again, so that a call
            // sent to an endpoint that is up again never waits for a reconnection backoff.
            single.initialBackoff = min(endpoint.initialBackoff, .milliseconds(100))
            single.maxBackoff = min(endpoint.maxBackoff, .seconds(2))
            return RPCClient(configuration: single, group: group, metricsFactory: metricsFactory, logger: logger)
        }
        selection = Mutex(EndpointSelection(count: endpoints.count))
    }

    public var preferredTaskExecutor: any TaskExecutor { clients[0].preferredTaskExecutor }

    public func unaryCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        var tried: Set<Int> = []
        var attempt = 0
        while true {
            let index = try await choose(excluding: tried, deadline: deadline)
            do {
                var attemptOptions = options
                if let deadline { attemptOptions.timeout = max(deadline - ContinuousClock.now, .milliseconds(1)) }
                let response = try await clients[index].unaryCall(method, request: request, options: attemptOptions)
                selection.withLock { $0.succeeded(index) }
                return response
            } catch  where error.isSafeToRetry && attempt < maxRetries && !Self.passed(deadline) {
                selection.withLock { $0.failed(index, at: .now) }
                tried.insert(index)
                attempt += 1
            } catch {
                if error.isSafeToRetry { selection.withLock { $0.failed(index, at: .now) } }
                throw error
            }
        }
    }

    public func serverStreamingCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) -> AsyncThrowingStream<[UInt8], any Error> {
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        let tried = Mutex<(all: Set<Int>, last: Int)>(([], 0))
        return retryingStream(
            maxRetries: maxRetries,
            deadline: deadline,
            refused: { _ in
                let index = tried.withLock { tried in
                    tried.all.insert(tried.last)
                    return tried.last
                }
                self.selection.withLock { $0.failed(index, at: .now) }
            }
        ) {
            let index = try await self.choose(excluding: tried.withLock { $0.all }, deadline: deadline)
            tried.withLock { $0.last = index }
            var attemptOptions = options
            if let deadline { attemptOptions.timeout = max(deadline - ContinuousClock.now, .milliseconds(1)) }
            return StreamAttempt(
                messages: self.clients[index].serverStreamingCall(method, request: request, options: attemptOptions),
                answered: { self.selection.withLock { $0.succeeded(index) } }
            )
        }
    }

    /// Pings the next endpoint that is up.
    public func ping() async throws(RPCError) -> Duration {
        let index = try await choose(excluding: [], deadline: nil)
        return try await clients[index].ping()
    }

    public func close() async {
        for client in clients { await client.close() }
    }

    /// The next endpoint; when all are avoided, waits (never past `deadline`) until one is up.
    private func choose(excluding tried: Set<Int>, deadline: ContinuousClock.Instant?) async throws(RPCError) -> Int {
        let now = ContinuousClock.now
        let (index, upAgain) = selection.withLock { selection in
            (selection.next(at: now, excluding: tried), selection.nextUp(at: now))
        }
        if let upAgain, !tried.isEmpty {
            let until = deadline.map { min($0, upAgain) } ?? upAgain
            do {
                try await Task.sleep(until: until, clock: .continuous)
            } catch {
                throw RPCError.cancelledByCaller
            }
        }
        return index
    }

    private static func passed(_ deadline: ContinuousClock.Instant?) -> Bool {
        deadline.map { ContinuousClock.now >= $0 } ?? false
    }
}
