import Foundation

/// One contender against a baseline (the plain SwiftNIO echo unless told) in many short slices that take turns
/// (A B, then B A, …), for figures that the drift of a shared machine moves less than the
/// `echo` table's: both sides of a pair ran within a second of each other, so a slow
/// spell of the machine slows both. Each pair gives a ratio (the contender's p50 over the
/// baseline's, and their calls/s); the report is the median of those ratios, with the
/// quartiles, and the pooled figures of each side.
enum PairedBenchmark {
    static func run(
        pairs: Int,
        slice: Duration,
        only: String,
        baseline: String,
        scenarioFilter: String
    ) async throws -> (table: Report.Table, baseline: String) {
        let started = try await EchoContenders.start()
        defer { started.stop() }
        // Serial calls have every contender; a scenario without the baseline is skipped.
        let serial = Scenario(payload: 64, connections: 1, inFlight: 1)
        guard let baselineName = started.contenders(for: serial).first(where: { $0.name.hasPrefix(baseline) })?.name else {
            throw BenchError("no contender's name starts with \"\(baseline)\"")
        }
        var table = Report.Table(columns: [
            "scenario", "contender", "baseline", "pairs", "p50 ÷ baseline's, median (quartiles)",
            "calls/s ÷ baseline's, median (quartiles)", "p50 µs, pooled (baseline's)", "CPU µs/call, pooled (baseline's)",
        ])
        for scenario in Scenario.echo(matching: scenarioFilter) {
            let contenders = started.contenders(for: scenario)
            guard let baseline = contenders.first(where: { $0.name == baselineName }) else { continue }
            for contender in contenders where contender.name.hasPrefix(only) && contender.name != baseline.name {
                var mine = Pooled()
                var theirs = Pooled()
                var latencyRatios: [Double] = []
                var rateRatios: [Double] = []
                for pair in 0..<pairs {
                    // The order alternates, so that neither side always runs first.
                    let order: [any EchoContender] = pair % 2 == 0 ? [contender, baseline] : [baseline, contender]
                    var measured: [String: Measurement] = [:]
                    for side in order {
                        let cpuBefore = processCPUSeconds()
                        var m = try await side.run(scenario, for: slice)
                        m.cpuSeconds = processCPUSeconds() - cpuBefore
                        measured[side.name] = m
                    }
                    let a = measured[contender.name]!
                    let b = measured[baseline.name]!
                    mine.add(a)
                    theirs.add(b)
                    latencyRatios.append(a.percentile(50) / b.percentile(50))
                    rateRatios.append(a.callsPerSecond / b.callsPerSecond)
                }
                table.add(
                    scenario.description,
                    contender.name,
                    baseline.name,
                    "\(pairs) × \(slice)",
                    Quartiles(latencyRatios).description,
                    Quartiles(rateRatios).description,
                    "\(Report.micros(mine.measurement.percentile(50))) (\(Report.micros(theirs.measurement.percentile(50))))",
                    "\(Report.micros(mine.measurement.cpuMicrosPerCall)) (\(Report.micros(theirs.measurement.cpuMicrosPerCall)))"
                )
            }
        }
        return (table, baselineName)
    }

    /// The slices of one side, as one measurement.
    private struct Pooled {
        var measurement = Measurement(calls: 0, seconds: 0, latencies: [], cpuSeconds: 0)

        mutating func add(_ slice: Measurement) {
            measurement.calls += slice.calls
            measurement.seconds += slice.seconds
            measurement.latencies += slice.latencies
            measurement.cpuSeconds += slice.cpuSeconds
        }
    }

    /// The median and quartiles of some ratios, as "1.08× (1.02–1.15×)".
    private struct Quartiles: CustomStringConvertible {
        let values: [Double]

        init(_ values: [Double]) { self.values = values.sorted() }

        /// The value at `fraction` of the sorted values (nearest rank).
        func at(_ fraction: Double) -> Double {
            values[min(values.count - 1, Int((Double(values.count - 1) * fraction).rounded()))]
        }

        var description: String {
            String(format: "%.2f× (%.2f–%.2f×)", at(0.5), at(0.25), at(0.75))
        }
    }
}
