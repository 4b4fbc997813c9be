import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// One run of one contender in one scenario.
struct Measurement: Sendable {
    var calls: Int
    var seconds: Double
    var latencies: [UInt64]
    /// CPU time the whole process (client and server) spent in the run, user and system;
    /// NaN when not measured.
    var cpuSeconds = Double.nan

    var callsPerSecond: Double { Double(calls) / seconds }
    /// CPU time per call in microseconds: what a call costs, beside the throughput (both
    /// drift with what else the shared machine runs).
    var cpuMicrosPerCall: Double { cpuSeconds * 1_000_000 / Double(calls) }

    /// The latency at `percentile` (0-100), in microseconds, through HdrHistogram.
    func percentile(_ percentile: Double) -> Double {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for latency in latencies { _ = histogram.record(max(1, latency)) }
        return Double(histogram.valueAtPercentile(percentile)) / 1000
    }
}

/// A scenario: payload size, connections, calls in flight per connection.
struct Scenario: Sendable, CustomStringConvertible {
    var payload: Int
    var connections: Int
    var inFlight: Int

    var description: String {
        let size = payload >= 1024 ? "\(payload / 1024) KiB" : "\(payload) B"
        if connections == 1, inFlight == 1 { return "\(size) serial" }
        return connections == 1 ? "\(size), \(inFlight) in flight" : "\(size), \(connections) conns × \(inFlight)"
    }
}

/// Something that answers echo calls.
protocol EchoContender: Sendable {
    var name: String { get }
    /// Runs the scenario for `duration` and reports what it measured.
    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement
}

/// Runs `inFlight` closed loops on each of `clients` for `duration` (or until `stop`),
/// timing every call; a loop's task prefers the executor `executor` gives for its client.
func closedLoops<Client: Sendable>(
    _ clients: [Client],
    inFlight: Int,
    duration: Duration,
    executor: (Client) -> (any TaskExecutor)? = { _ in nil },
    stop: @escaping @Sendable () -> Bool = { false },
    _ call: @escaping @Sendable (Client) async throws -> Void
) async throws -> Measurement {
    let start = ContinuousClock.now
    let deadline = start + duration
    let results = try await withThrowingTaskGroup(of: [UInt64].self) { group in
        for client in clients {
            for _ in 0..<inFlight {
                group.addTask(executorPreference: executor(client)) {
                    var latencies: [UInt64] = []
                    latencies.reserveCapacity(1 << 16)
                    while ContinuousClock.now < deadline, !stop() {
                        let before = ContinuousClock.now
                        try await call(client)
                        let elapsed = ContinuousClock.now - before
                        latencies.append(elapsed.nanosecondCount)
                    }
                    return latencies
                }
            }
        }
        var all: [UInt64] = []
        for try await part in group { all += part }
        return all
    }
    let seconds = (ContinuousClock.now - start).secondCount
    return Measurement(calls: results.count, seconds: seconds, latencies: results)
}

extension Duration {
    /// Whole nanoseconds (0 for negative durations).
    var nanosecondCount: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Seconds, with fractions.
    var secondCount: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// The CPU time this process has used so far (all threads, user and system), in seconds.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
}
