import Logging
import Prometheus
import RPCCore
import RPCNIO
import RPCTesting

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
    var name: String {
        if handlersOnTasks { return "PNRPC, handler on a task" }
        return onPool ? "PNRPC, callers on the pool" : metrics == nil ? "PNRPC (this runtime)" : "PNRPC, Prometheus metrics on"
    }

    static func start(
        metrics: PrometheusMetricsFactory? = nil,
        handlersOnTasks: Bool = false
    ) async throws -> (PNRPCContender, Task<Void, any Error>) {
        var logger = Logger(label: "bench.pnrpc")
        logger.logLevel = .error
        let server = RPCServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, limits: ServerLimits(maxConcurrentCallsPerConnection: 1000)),
            services: [InteropTestService(inline: !handlersOnTasks)],
            metricsFactory: metrics,
            logger: logger
        )
        let task = Task { try await server.run() }
        let port = try await server.listeningAddress().port!
        return (PNRPCContender(port: port, metrics: metrics, handlersOnTasks: handlersOnTasks), task)
    }

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        let clients = (0..<scenario.connections).map { _ in
            TestServiceClient(RPCClient(configuration: ClientConfiguration(host: "127.0.0.1", port: port), metricsFactory: metrics))
        }
        let payload = Payload(size: scenario.payload)
        for client in clients { _ = try await client.echo(payload) }
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
}
