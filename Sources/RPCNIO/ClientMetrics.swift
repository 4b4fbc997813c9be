import Metrics
import NIOCore
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
        let descriptor: MethodDescriptor

        init(_ descriptor: MethodDescriptor, factory: any MetricsFactory) {
            self.descriptor = descriptor
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
    /// The methods called, and the last one: a client mostly calls one method again and
    /// again, and comparing descriptors costs less than hashing one.
    private let methods = Mutex<(all: [MethodDescriptor: Method], last: Method?)>(([:], nil))
    private let retries: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        retries = Counter(label: "pnrpc_client_retries_total", factory: factory)
    }

    /// A call started at `started` ended at `ended` (by default now) with `code`. (The
    /// monotonic clock's nanoseconds, not `ContinuousClock`: its `Duration` costs 128-bit
    /// arithmetic per call.)
    func finished(_ descriptor: MethodDescriptor, _ code: StatusCode, startedAt started: NIODeadline, endedAt ended: NIODeadline = .now()) {
        let nanoseconds = (ended - started).nanoseconds
        let method = methods.withLock { methods in
            if let last = methods.last, last.descriptor == descriptor { return last }
            let method: Method
            if let known = methods.all[descriptor] {
                method = known
            } else {
                method = Method(descriptor, factory: factory)
                methods.all[descriptor] = method
            }
            methods.last = method
            return method
        }
        method.duration.recordNanoseconds(nanoseconds)
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
