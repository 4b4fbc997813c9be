import Foundation

/// `Bench echo [--seconds N] [--rounds N] [--output FILE]`: the RPC runtime against the
/// plain SwiftNIO echo, grpc-swift-2 and the C floor, alternating in one invocation.
let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}
let seconds = Int(option("--seconds", "5")) ?? 5
let rounds = Int(option("--rounds", "2")) ?? 2
let output = option("--output", "")

let (pnrpc, pnrpcServer) = try await PNRPCContender.start()
let nio = try await NIOEchoContender.start()
let (grpc, grpcServer) = try await GRPCContender.start()
let floor = FloorContender()

let scenarios = [64, 4096].flatMap { size in
    [Scenario(payload: size, connections: 1, inFlight: 1), Scenario(payload: size, connections: 1, inFlight: 64), Scenario(payload: size, connections: 4, inFlight: 64)]
}
var rows: [String] = []
for scenario in scenarios {
    var contenders: [any EchoContender] = [pnrpc, nio, grpc]
    if scenario.connections == 1, scenario.inFlight == 1 { contenders.append(floor) }
    var best: [String: Measurement] = [:]
    for _ in 0..<rounds {
        for contender in contenders {
            let measured = try await contender.run(scenario, for: .seconds(seconds))
            if (best[contender.name]?.callsPerSecond ?? 0) < measured.callsPerSecond { best[contender.name] = measured }
        }
    }
    let ceiling = best[nio.name]!.callsPerSecond
    for contender in contenders {
        let m = best[contender.name]!
        let row = String(
            format: "| %@ | %@ | %.0f | %.1f | %.1f | %.1f | %.2f× |", scenario.description, contender.name, m.callsPerSecond, m.percentile(50),
            m.percentile(99), m.percentile(99.9), m.callsPerSecond / ceiling)
        print(row)
        rows.append(row)
    }
}
pnrpcServer.cancel()
grpcServer.cancel()

let header = """
    | scenario | contender | calls/s | p50 µs | p99 µs | p99.9 µs | vs NIO echo |
    | --- | --- | ---: | ---: | ---: | ---: | ---: |
    """
let table = header + "\n" + rows.joined(separator: "\n")
if !output.isEmpty {
    let machine = "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1 << 30) GiB"
    let text = """
        ## RPC echo, measured \(ISO8601DateFormatter().string(from: Date()))

        Machine: \(machine). Command: `scripts/bench.sh` (`Bench echo --seconds \(seconds) --rounds \(rounds)`),
        release build; contenders alternate within each scenario, best of \(rounds) rounds of \(seconds) s.

        \(table)

        """
    try text.write(toFile: output, atomically: true, encoding: .utf8)
}
