import Foundation
import PhoneNumbersPostgres

/// `Bench COMMAND [options]`, COMMAND one of:
/// - `echo`: the RPC runtime against SwiftNIO, grpc-swift-2 and the C floor;
/// - `pairs`: each echo contender (`--only`) against the SwiftNIO echo (or the contender
///   named by `--baseline PREFIX`) in `--pairs N` pairs of `--slice-ms M` slices taking
///   turns: medians of the ratios, less moved by drift;
/// - `allocations`: heap allocations per echo call, server and client side;
/// - `service`: service calls at 1, 16 and 64 in flight (100k accounts of data), on SQLite
///   and, with `--database URL` (a PostgreSQL server), on PostgreSQL with one and two replicas;
/// - `growth`: reads and writes at 1k, 100k and 1M accounts;
/// - `fanout`: WatchEvents to 1, 100 and 1,000 watchers;
/// - `idle`: server RSS with 10,000 idle connections;
/// - `all`: everything, written to `--output` (docs/PERFORMANCE.md).
/// Options: `--seconds N` per measurement, `--rounds N` (best of), `--only PREFIX` (contenders),
/// `--scenario TEXT` (scenarios), `--database URL`, `--output FILE`; `scripts/bench.sh` passes
/// the server it started as `--throwaway-database URL`, left out of the command shown.
let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}
let command = arguments.count > 1 ? arguments[1] : "all"
let seconds = Int(option("--seconds", "5")) ?? 5
let rounds = Int(option("--rounds", "2")) ?? 2
let output = option("--output", "")
let only = option("--only", "")
let scenarioFilter = option("--scenario", "")

var sections: [String] = []
/// The arguments as `scripts/bench.sh` was given them (without the output path and the
/// throwaway database it adds), quoted where a shell would need it.
let commandLineForReport: String = {
    var shown = Array(arguments.dropFirst())
    for added in ["--output", "--throwaway-database"] {
        if let index = shown.firstIndex(of: added), index + 1 < shown.count { shown.removeSubrange(index...index + 1) }
    }
    return shown.map(shellQuoted).joined(separator: " ")
}()
/// `argument` as a shell reads it back: bare when it holds nothing special, else in double quotes.
func shellQuoted(_ argument: String) -> String {
    let bare = !argument.isEmpty && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@%+".contains($0) }
    if bare { return argument }
    var escaped = ""
    for character in argument {
        if "\\\"$`".contains(character) { escaped.append("\\") }
        escaped.append(character)
    }
    return "\"" + escaped + "\""
}
if command == "pairs" {
    print("\n## Paired slices")
    let pairs = Int(option("--pairs", "20")) ?? 20
    let slice = Int(option("--slice-ms", "500")) ?? 500
    let table: Report.Table
    let baseline: String
    do {
        (table, baseline) = try await PairedBenchmark.run(
            pairs: pairs,
            slice: .milliseconds(slice),
            only: only,
            baseline: option("--baseline", NIOEchoContender.ceilingName),
            scenarioFilter: scenarioFilter
        )
    } catch let error as BenchError {
        FileHandle.standardError.write(Data("Bench pairs: \(error)\n".utf8))
        exit(64)
    }
    let against = baseline == NIOEchoContender.ceilingName ? "the SwiftNIO echo" : "“\(baseline)”"
    sections.append(
        "## Paired with \(against)\n\nEach contender and \(against) take turns in \(pairs) pairs of \(slice) ms slices (A B, then B A); each pair gives the contender's p50 and calls/s over the baseline's, and the table gives the median of those ratios with the quartiles. A slow spell of the machine slows both sides of a pair, so these medians move less between runs than the best-of-rounds ratios of the echo table. Pooled: every slice of a side as one measurement; its CPU per call includes each slice's set-up (connections, a warm-up call), so compare it only within a row.\n\n"
            + table.markdown
    )
}
if command == "echo" || command == "all" {
    print("\n## RPC echo")
    let table = try await EchoBenchmark.run(seconds: seconds, rounds: rounds, only: only, scenarioFilter: scenarioFilter)
    sections.append(
        "## RPC echo\n\nBest of \(rounds) rounds of \(seconds) s; contenders alternate within each scenario. CPU µs/call: the whole process's CPU time (client and server, user and system) per call, the least of the rounds; \"vs NIO, CPU\" is the NIO echo's CPU per call over the contender's (1.00×: as cheap).\n\n"
            + table.markdown
    )
}
if command == "allocations" || command == "all" {
    print("\n## Allocations per echo call")
    var table = Report.Table(columns: ["contender", "heap allocations per call (server thread)", "(client thread)"])
    for row in try await AllocationsBenchmark.run() {
        table.add(row.name, String(format: "%.1f", row.serverPerCall), String(format: "%.1f", row.clientPerCall))
    }
    sections.append(
        "## Allocations per echo call\n\n64 B echo, 64 in flight, 2 s; malloc/calloc/realloc counted on the server's own event loop thread and on the client's (the async callers' tasks prefer the client's event loop, so theirs count there).\n\n"
            + table.markdown
    )
}

let serviceSeconds = Int(option("--service-seconds", "3")) ?? 3
let wantsService = ["service", "all"].contains(command)
let wantsGrowth = ["growth", "all"].contains(command)
let wantsFanOut = ["fanout", "all"].contains(command)
let databaseURL = option("--database", option("--throwaway-database", ""))
if wantsService || wantsGrowth || wantsFanOut {
    let fixture = try await ServiceFixture.start()
    let bench = try await ServiceBenchmark(fixture: fixture, seconds: serviceSeconds)
    var serviceTable = ServiceCallsTable(rounds: rounds)
    var growthTable: Report.Table?
    let stages = wantsGrowth ? [1_000, 100_000, 1_000_000] : (wantsService ? [100_000] : [1_000])
    for stage in stages {
        let growing = ContinuousClock.now
        try await fixture.grow(toAccounts: stage)
        print("\n(\(stage) accounts: grown in \(ContinuousClock.now - growing), database \(try await fixture.databaseBytes() >> 20) MiB)")
        if wantsGrowth {
            if growthTable == nil {
                print("\n## Growth")
                growthTable = Report.Table(columns: ["accounts", "database", "call", "in flight", "calls/s", "p50 µs", "p99 µs"])
            }
            for call in ServiceBenchmark.calls {
                let inFlight = call.hasPrefix("AddNumber") || call.hasPrefix("Create") ? 16 : 64
                let (m, _) = try await bench.measure(call, inFlight: inFlight)
                growthTable!.add(
                    "\(stage)",
                    "\(try await fixture.databaseBytes() >> 20) MiB",
                    call,
                    "\(inFlight)",
                    Report.rate(m.callsPerSecond),
                    Report.micros(m.percentile(50)),
                    Report.micros(m.percentile(99))
                )
            }
        }
        if wantsService, stage == 100_000 {
            print("\n## Service calls")
            try await serviceTable.measure(bench, only: only, scenarioFilter: scenarioFilter)
        }
    }
    if wantsService, !databaseURL.isEmpty {
        // The same rows on PostgreSQL, one replica then two, in this run.
        for replicas in [1, 2] {
            let store = BenchStore.postgres(try PostgresDatabaseURL(databaseURL), replicas: replicas)
            let postgresFixture = try await ServiceFixture.start(store)
            let growing = ContinuousClock.now
            try await postgresFixture.grow(toAccounts: 100_000)
            print(
                "\n(\(store.label), 100000 accounts: grown in \(ContinuousClock.now - growing), database \(try await postgresFixture.databaseBytes() >> 20) MiB)"
            )
            let postgresBench = try await ServiceBenchmark(fixture: postgresFixture, seconds: serviceSeconds)
            try await serviceTable.measure(postgresBench, only: only, scenarioFilter: scenarioFilter)
            await postgresFixture.stop()
        }
    }
    if wantsService {
        sections.append(
            """
            ## Service calls

            The service in-process (simulated provider without provisioning delay) with 100,000 accounts of data, over
            loopback TCP through the client library; best of \(rounds) runs of \(serviceSeconds) s per row (reads after a
            second of warm-up); one connection per 16 calls in flight (at most 4). Reads use a READ-grant service token,
            writes the operator token; accounts are picked at random (AddNumber: fresh accounts in turn, area codes in turn).
            SQLite is a file in a temp directory; PostgreSQL (when `scripts/bench.sh` could start one) is a throwaway
            server on this machine, sharing its cores, with 16 connections per replica; two replicas are two servers in
            this process on one database, the client's connections spread over both. "vs SQLite" divides calls/s by
            the SQLite row of the same call and load, measured in the same run. "CPU µs/call" is the whole process's CPU
            time (client, server, store; user and system) per call, the least of the rounds, quoted beside calls/s: it
            drifts with the machine's other load too.

            """ + "\n" + serviceTable.table.markdown
        )
    }
    if let growthTable {
        sections.append(
            """
            ## Growth

            The same calls as the data grows from 1,000 to 1,000,000 accounts (each with a brand, an approved use case,
            two READY numbers, an ACTIVE campaign, a member and three events); reads at 64 in flight after a second of
            warm-up, writes at 16; one run of \(serviceSeconds) s each.

            """ + "\n" + growthTable.markdown
        )
    }
    if wantsFanOut {
        print("\n## WatchEvents fan-out")
        var table = Report.Table(columns: [
            "watchers", "events/s", "deliveries/s", "delivery p50 µs", "p99 µs", "every event to every watcher",
        ])
        for watchers in [1, 100, 1_000] {
            let r = try await FanOutBenchmark.run(fixture, watchers: watchers, seconds: serviceSeconds)
            table.add(
                "\(watchers)",
                Report.rate(r.eventsPerSecond),
                Report.rate(r.deliveriesPerSecond),
                Report.micros(r.latency.percentile(50)),
                Report.micros(r.latency.percentile(99)),
                r.complete ? "yes" : "NO"
            )
        }
        sections.append(
            """
            ## WatchEvents fan-out

            Watchers stream one account's events (50 per connection); one producer pauses and resumes the account's campaign,
            one call after another, for \(serviceSeconds) s. Delivery latency runs from the start of the producing call to the
            event's arrival at a watcher.

            """ + "\n" + table.markdown
        )
    }
    await fixture.stop()
}
if command == "idle-server" {
    try await IdleConnectionsBenchmark.serve()
}
if command == "idle" || command == "all" {
    print("\n## Idle connections")
    let r = try await IdleConnectionsBenchmark.run(count: 10_000)
    var table = Report.Table(columns: ["connections", "server RSS before", "with the connections", "per connection", "after they closed"])
    table.add(
        "\(r.count)",
        "\(r.baselineRSS >> 20) MiB",
        "\(r.loadedRSS >> 20) MiB",
        "\((r.loadedRSS - r.baselineRSS) / r.count) B",
        "\(r.afterCloseRSS >> 20) MiB"
    )
    sections.append(
        """
        ## Idle connections

        The service in a child process; this process opens \(r.count) connections (preface, SETTINGS, one PING each,
        \(Int(r.openedPerSecond)) connections/s) and leaves them idle. Resident set size from /proc.

        """ + "\n" + table.markdown
    )
}

if !output.isEmpty {
    let stamp = "Measured \(Report.now) on \(Report.machine).\nCommand: `scripts/bench.sh \(commandLineForReport)` (release build)."
    try Report.write(sections: sections, stamp: stamp, into: output)
}
