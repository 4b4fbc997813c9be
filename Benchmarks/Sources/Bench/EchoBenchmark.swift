import Prometheus

/// The RPC runtime against the plain SwiftNIO echo, grpc-swift-2 and the C floor:
/// contenders alternate within each scenario; the best of `rounds` counts (calls per
/// second and, separately, CPU time per call: the whole process's, client and server).
enum EchoBenchmark {
    static func run(seconds: Int, rounds: Int, only: String, scenarioFilter: String) async throws -> Report.Table {
        let started = try await EchoContenders.start()
        defer { started.stop() }
        var table = Report.Table(columns: [
            "scenario", "contender", "calls/s", "p50 µs", "p99 µs", "p99.9 µs", "vs NIO echo", "vs gRPC", "CPU µs/call", "vs NIO, CPU",
        ])
        for scenario in Scenario.echo(matching: scenarioFilter) {
            let contenders = started.contenders(for: scenario).filter { only.isEmpty || $0.name.hasPrefix(only) }
            var best: [String: Measurement] = [:]
            var leastCPU: [String: Double] = [:]
            for _ in 0..<rounds {
                for contender in contenders {
                    let cpuBefore = processCPUSeconds()
                    var measured = try await contender.run(scenario, for: .seconds(seconds))
                    measured.cpuSeconds = processCPUSeconds() - cpuBefore
                    if (best[contender.name]?.callsPerSecond ?? 0) < measured.callsPerSecond { best[contender.name] = measured }
                    leastCPU[contender.name] = min(leastCPU[contender.name] ?? .infinity, measured.cpuMicrosPerCall)
                }
            }
            let ceiling = best[started.nio.name]?.callsPerSecond ?? .nan
            let grpcRate = best[started.grpc.name]?.callsPerSecond ?? .nan
            let ceilingCPU = leastCPU[started.nio.name] ?? .nan
            for contender in contenders {
                let m = best[contender.name]!
                let cpu = leastCPU[contender.name]!
                table.add(
                    scenario.description,
                    contender.name,
                    Report.rate(m.callsPerSecond),
                    Report.micros(m.percentile(50)),
                    Report.micros(m.percentile(99)),
                    Report.micros(m.percentile(99.9)),
                    Report.ratio(m.callsPerSecond / ceiling),
                    Report.ratio(m.callsPerSecond / grpcRate),
                    Report.micros(cpu),
                    Report.ratio(ceilingCPU / cpu)
                )
            }
        }
        return table
    }
}

/// Every echo contender, their servers started, for one run of the benchmark.
struct EchoContenders {
    let pnrpc: PNRPCContender
    let onTasks: PNRPCContender
    let metered: PNRPCContender
    let nio: NIOEchoContender
    let grpc: GRPCContender
    private let servers: [Task<Void, any Error>]

    static func start() async throws -> EchoContenders {
        let (pnrpc, pnrpcServer) = try await PNRPCContender.start()
        let (metered, meteredServer) = try await PNRPCContender.start(
            metrics: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        )
        let (onTasks, onTasksServer) = try await PNRPCContender.start(handlersOnTasks: true)
        let nio = try await NIOEchoContender.start()
        let (grpc, grpcServer) = try await GRPCContender.start()
        return EchoContenders(
            pnrpc: pnrpc,
            onTasks: onTasks,
            metered: metered,
            nio: nio,
            grpc: grpc,
            servers: [pnrpcServer, meteredServer, onTasksServer, grpcServer]
        )
    }

    /// The contenders of `scenario`, in the order they run: the C floor only for serial calls.
    func contenders(for scenario: Scenario) -> [any EchoContender] {
        var all: [any EchoContender] = [
            pnrpc, onTasks, metered, PNRPCContender(port: pnrpc.port, onPool: true), PNRPCContender(port: pnrpc.port, callbacks: true),
            nio, NIOAsyncEchoContender(port: nio.port), grpc,
        ]
        if scenario.connections == 1, scenario.inFlight == 1 { all.append(FloorContender()) }
        return all
    }

    func stop() {
        for server in servers { server.cancel() }
    }
}

extension Scenario {
    /// The echo scenarios whose description contains `filter` (all for ""): 64 B and 4 KiB,
    /// each serial, 64 in flight on one connection, and 4 connections × 64.
    static func echo(matching filter: String) -> [Scenario] {
        [64, 4096].flatMap { size in
            [
                Scenario(payload: size, connections: 1, inFlight: 1), Scenario(payload: size, connections: 1, inFlight: 64),
                Scenario(payload: size, connections: 4, inFlight: 64),
            ]
        }.filter { filter.isEmpty || $0.description.contains(filter) }
    }
}
