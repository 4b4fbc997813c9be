import Metrics
import RPCCore
import Synchronization

/// A client's metrics (`pnrpc_client_…`): calls finished by method and status code, their
/// latency, and retries of calls the server did not process. Methods come from the
/// generated code the client calls with, so the labels stay bounded.
final class ClientMetrics: Sendable {
    private final class Method: Sendable {
        let duration: Timer
        /// Calls that ended OK, the common case, made up front (no lock per call).
        let finishedOK: Counter
        let finished: Mutex<[StatusCode: Counter]>
        let labels: [(String, String)]

        init(_ descriptor: MethodDescriptor, factory: any MetricsFactory) {
            labels = [("service", descriptor.service), ("method", descriptor.method)]
            duration = Timer(label: "pnrpc_client_call_duration_seconds", dimensions: labels, factory: factory)
            finishedOK = Counter(
                label: "pnrpc_client_calls_finished_total",
                dimensions: labels + [("code", StatusCode.ok.name)],
                factory: factory
            )
            finished = Mutex([:])
        }
    }

    private let factory: any MetricsFactory
    private let methods = Mutex<[MethodDescriptor: Method]>([:])
    private let retries: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        retries = Counter(label: "pnrpc_client_retries_total", factory: factory)
    }

    /// A call ended with `code` after `duration`.
    func finished(_ descriptor: MethodDescriptor, _ code: StatusCode, after duration: Duration) {
        let method = methods.withLock { methods in
            if let known = methods[descriptor] { return known }
            let made = Method(descriptor, factory: factory)
            methods[descriptor] = made
            return made
        }
        method.duration.record(duration: duration)
        if code == .ok {
            method.finishedOK.increment()
            return
        }
        let counter = method.finished.withLock { counters in
            if let counter = counters[code] { return counter }
            let counter = Counter(
                label: "pnrpc_client_calls_finished_total",
                dimensions: method.labels + [("code", code.name)],
                factory: factory
            )
            counters[code] = counter
            return counter
        }
        counter.increment()
    }

    /// A call the server did not process was sent again.
    func retried() {
        retries.increment()
    }
}
