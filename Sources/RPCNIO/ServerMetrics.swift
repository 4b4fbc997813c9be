import Metrics
import RPCCore
import Synchronization

/// The server's metrics, made once per server from a metrics factory (the process-wide
/// one unless the server is given another). Labels take bounded values only: service
/// and method names the router knows (`unknown` otherwise), status code names, and the
/// runtime's reasons; never a peer, an id or a payload.
///
/// Names follow Prometheus conventions: `pnrpc_server_…`, counters ending `_total`,
/// durations in seconds.
final class ServerMetrics: Sendable {
    /// The metrics of one method.
    final class Method: Sendable {
        let started: Counter
        let duration: Timer
        /// Calls that ended OK, the common case, made up front (no lock per call).
        private let finishedOK: Counter
        private let finished: Mutex<[StatusCode: Counter]>
        private let labels: [(String, String)]
        private let factory: any MetricsFactory

        init(service: String, method: String, factory: any MetricsFactory) {
            labels = [("service", service), ("method", method)]
            self.factory = factory
            started = Counter(label: "pnrpc_server_calls_started_total", dimensions: labels, factory: factory)
            duration = Timer(label: "pnrpc_server_call_duration_seconds", dimensions: labels, factory: factory)
            finishedOK = Counter(
                label: "pnrpc_server_calls_finished_total",
                dimensions: labels + [("code", StatusCode.ok.name)],
                factory: factory
            )
            finished = Mutex([:])
        }

        /// The counter of calls of this method that ended with `code`.
        func finished(_ code: StatusCode) -> Counter {
            if code == .ok { return finishedOK }
            return finished.withLock { counters in
                if let counter = counters[code] { return counter }
                let counter = Counter(
                    label: "pnrpc_server_calls_finished_total",
                    dimensions: labels + [("code", code.name)],
                    factory: factory
                )
                counters[code] = counter
                return counter
            }
        }
    }

    let callsInFlight: Meter
    let connectionsOpen: Meter
    let connectionsAccepted: Counter
    let bytesReceived: Counter
    let bytesSent: Counter
    private let factory: any MetricsFactory
    private let router: RPCRouter
    private let methods: Mutex<[String: Method]>
    private let reasons: Mutex<[String: (refused: Counter, goAway: Counter)]>
    let unknownMethod: Method

    init(router: RPCRouter, factory: any MetricsFactory) {
        self.router = router
        self.factory = factory
        callsInFlight = Meter(label: "pnrpc_server_calls_in_flight", factory: factory)
        connectionsOpen = Meter(label: "pnrpc_server_connections_open", factory: factory)
        connectionsAccepted = Counter(label: "pnrpc_server_connections_accepted_total", factory: factory)
        bytesReceived = Counter(label: "pnrpc_server_received_bytes_total", factory: factory)
        bytesSent = Counter(label: "pnrpc_server_sent_bytes_total", factory: factory)
        methods = Mutex([:])
        reasons = Mutex([:])
        unknownMethod = Method(service: "unknown", method: "unknown", factory: factory)
    }

    /// The metrics of the method at `path` (`/package.Service/Method`), or of `unknown`
    /// when the router has no such method (so a hostile path adds no label value).
    func method(_ path: String) -> Method {
        if let known = methods.withLock({ $0[path] }) { return known }
        guard case .success(let handler) = router.route(path) else { return unknownMethod }
        let made = Method(service: handler.descriptor.service, method: handler.descriptor.method, factory: factory)
        return methods.withLock { methods in
            if let known = methods[path] { return known }
            methods[path] = made
            return made
        }
    }

    /// A call refused before its handler ran (limits, hostile input, draining), by reason.
    func refused(_ reason: String) {
        counters(reason).refused.increment()
    }

    /// A GOAWAY sent, by reason (DRAINING, or the connection error's reason).
    func goAwaySent(_ reason: String) {
        counters(reason).goAway.increment()
    }

    /// Reasons come from the runtime's own fixed set, never from the peer.
    private func counters(_ reason: String) -> (refused: Counter, goAway: Counter) {
        reasons.withLock { reasons in
            if let made = reasons[reason] { return made }
            let made = (
                refused: Counter(label: "pnrpc_server_calls_refused_total", dimensions: [("reason", reason)], factory: factory),
                goAway: Counter(label: "pnrpc_server_goaways_sent_total", dimensions: [("reason", reason)], factory: factory)
            )
            reasons[reason] = made
            return made
        }
    }
}
