import ConnectGateway
import Logging
import OperationsHTTP
import Prometheus
import RPCCore
import Synchronization

/// An HTTP listener (`OperationsServer`) on a free loopback port, for tests.
enum TestListener {
    /// Starts the listener `make` builds around the callback that learns its port, and
    /// returns the port once it listens, with the task running it (cancel it to stop).
    static func start(
        _ make: (@escaping @Sendable (Int) async -> Void) -> OperationsServer
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let bound = Bound()
        let listener = make { port in bound.port.withLock { $0 = port } }
        let task = Task { try await listener.run() }
        for _ in 0..<1000 {
            if let port = bound.port.withLock({ $0 }) { return (port, task) }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        throw TestFailure("the HTTP listener did not start")
    }

    /// A listener with the Connect gateway over `router` and the page, as `serve --http-port` runs it.
    static func start(
        router: RPCRouter,
        limits: ConnectGateway.Limits = .init(),
        proxies: TrustedProxies = .init(),
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        try await start { onListening in
            OperationsServer(
                host: "127.0.0.1",
                port: 0,
                registry: registry,
                readiness: { .ready },
                onListening: onListening,
                gateway: ConnectGateway(router: router, limits: limits, proxies: proxies, logger: logger),
                logger: logger
            )
        }
    }

    private final class Bound: Sendable {
        let port = Mutex<Int?>(nil)
    }
}
