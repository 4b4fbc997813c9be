import Logging
import NIOCore
import NIOPosix
import Prometheus
import RPCCore
import RPCNIO
import RPCTesting
import Synchronization

/// This project's runtime: RPCClient → RPCServer, TestService.Echo (an inline handler unless
/// `handlersOnTasks`). The calling tasks
/// prefer the client's event loop as their executor (`RPCClient.preferredTaskExecutor`)
/// unless `onPool`, where they run on Swift's cooperative pool like any other task.
struct PNRPCContender: EchoContender {
    let port: Int
    var onPool = false
    /// Server and clients count into this Prometheus registry (nil: the default, no-op metrics).
    var metrics: PrometheusMetricsFactory? = nil
    /// The server runs Echo as any handler, in a task per call, instead of inline.
    var handlersOnTasks = false
    /// The callers use `startUnary` (a callback per call, no task) instead of async calls.
    var callbacks = false
    /// The clients' event loops (nil: the shared group).
    var clientGroup: (any EventLoopGroup)? = nil
    var name: String {
        if handlersOnTasks { return "PNRPC, handler on a task" }
        if callbacks { return "PNRPC, callers by callback" }
        return onPool ? "PNRPC, callers on the pool" : metrics == nil ? "PNRPC (this runtime)" : "PNRPC, Prometheus metrics on"
    }

    /// Starts a server (on `group`, else the shared one) for this contender.
    static func start(
        metrics: PrometheusMetricsFactory? = nil,
        handlersOnTasks: Bool = false,
        group: (any EventLoopGroup)? = nil
    ) async throws -> (PNRPCContender, Task<Void, any Error>) {
        var logger = Logger(label: "bench.pnrpc")
        logger.logLevel = .error
        let server = RPCServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, limits: ServerLimits(maxConcurrentCallsPerConnection: 1000)),
            services: [InteropTestService(inline: !handlersOnTasks)],
            group: group ?? MultiThreadedEventLoopGroup.singleton,
            metricsFactory: metrics,
            logger: logger
        )
        let task = Task { try await server.run() }
        let port = try await server.listeningAddress().port!
        return (PNRPCContender(port: port, metrics: metrics, handlersOnTasks: handlersOnTasks), task)
    }

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        let clients = (0..<scenario.connections).map { _ in
            TestServiceClient(
                RPCClient(
                    configuration: ClientConfiguration(host: "127.0.0.1", port: port),
                    group: clientGroup ?? MultiThreadedEventLoopGroup.singleton,
                    metricsFactory: metrics
                )
            )
        }
        let payload = Payload(size: scenario.payload)
        for client in clients { _ = try await client.echo(payload) }
        if callbacks {
            let measurement = await callbackLoops(clients.map { $0.caller as! RPCClient }, scenario.inFlight, duration, payload)
            for client in clients { await (client.caller as! RPCClient).close() }
            return measurement
        }
        let onPool = self.onPool
        let measurement = try await closedLoops(
            clients,
            inFlight: scenario.inFlight,
            duration: duration,
            executor: { onPool ? nil : ($0.caller as! RPCClient).preferredTaskExecutor }
        ) { client in
            _ = try await client.echo(payload)
        }
        for client in clients { await (client.caller as! RPCClient).close() }
        return measurement
    }

    /// `inFlight` closed loops per client, each call started from the previous one's callback.
    private func callbackLoops(_ clients: [RPCClient], _ inFlight: Int, _ duration: Duration, _ payload: Payload) async -> Measurement {
        let start = ContinuousClock.now
        let deadline = start + duration
        let loops = clients.count * inFlight
        let latencies = await withCheckedContinuation { (continuation: CheckedContinuation<[UInt64], Never>) in
            let collected = CallbackLoops(loops: loops) { continuation.resume(returning: $0) }
            for client in clients {
                for _ in 0..<inFlight {
                    callbackLoop(client, payload, deadline, collected)
                }
            }
        }
        return Measurement(calls: latencies.count, seconds: (ContinuousClock.now - start).secondCount, latencies: latencies)
    }

    private func callbackLoop(_ client: RPCClient, _ payload: Payload, _ deadline: ContinuousClock.Instant, _ collected: CallbackLoops) {
        let latencies = LoopLatencies()
        latencies.values.reserveCapacity(1 << 16)
        next(client, payload, deadline, collected, latencies)
    }

    private func next(
        _ client: RPCClient,
        _ payload: Payload,
        _ deadline: ContinuousClock.Instant,
        _ collected: CallbackLoops,
        _ latencies: LoopLatencies
    ) {
        let before = ContinuousClock.now
        guard before < deadline else {
            collected.finished(latencies.values)
            return
        }
        client.startUnary(TestServiceMethods.echo, request: payload) { _ in
            latencies.values.append((ContinuousClock.now - before).nanosecondCount)
            next(client, payload, deadline, collected, latencies)
        }
    }
}

/// One callback loop's latencies; touched only on its client's event loop, one call at a time.
final class LoopLatencies: @unchecked Sendable {
    var values: [UInt64] = []
}

/// The latencies of the callback loops, handed over when the last loop ends.
final class CallbackLoops: Sendable {
    private let state: Mutex<(remaining: Int, latencies: [UInt64])>
    private let done: @Sendable ([UInt64]) -> Void

    init(loops: Int, done: @escaping @Sendable ([UInt64]) -> Void) {
        state = Mutex((loops, []))
        self.done = done
    }

    func finished(_ latencies: [UInt64]) {
        let all: [UInt64]? = state.withLock { state in
            state.latencies += latencies
            state.remaining -= 1
            return state.remaining == 0 ? state.latencies : nil
        }
        if let all { done(all) }
    }
}
