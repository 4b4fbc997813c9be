/// The service-calls table: each call at 1, 16 and 64 in flight, best of `rounds`, one
/// block of rows per store; rows after the first store's say how they compare to it.
struct ServiceCallsTable {
    let rounds: Int
    private(set) var table = Report.Table(columns: [
        "store", "call", "in flight", "calls/s", "vs SQLite", "p50 µs", "p99 µs", "p99.9 µs", "CPU µs/call", "notes",
    ])
    /// Calls/s of the first store measured, by call and load.
    private var baseline: [String: Double] = [:]

    init(rounds: Int) {
        self.rounds = rounds
    }

    /// Measures every call (those starting with `only`, at the load `scenarioFilter` names) on `bench`'s store.
    mutating func measure(_ bench: ServiceBenchmark, only: String, scenarioFilter: String) async throws {
        let label = bench.fixture.store.label
        let first = baseline.isEmpty
        for call in ServiceBenchmark.calls where only.isEmpty || call.hasPrefix(only) {
            for inFlight in [1, 16, 64] where scenarioFilter.isEmpty || "\(inFlight)" == scenarioFilter {
                var (m, note) = try await bench.measure(call, inFlight: inFlight)
                var leastCPU = m.cpuMicrosPerCall
                for _ in 1..<max(1, rounds) {
                    let again = try await bench.measure(call, inFlight: inFlight)
                    if again.0.callsPerSecond > m.callsPerSecond { (m, note) = again }
                    leastCPU = min(leastCPU, again.0.cpuMicrosPerCall)
                }
                let key = "\(call)@\(inFlight)"
                var ratio = ""
                if first {
                    baseline[key] = m.callsPerSecond
                } else if let base = baseline[key], base > 0 {
                    ratio = Report.ratio(m.callsPerSecond / base)
                }
                table.add(
                    label,
                    call,
                    "\(inFlight)",
                    Report.rate(m.callsPerSecond),
                    ratio,
                    Report.micros(m.percentile(50)),
                    Report.micros(m.percentile(99)),
                    Report.micros(m.percentile(99.9)),
                    Report.micros(leastCPU),
                    note
                )
            }
        }
    }
}
