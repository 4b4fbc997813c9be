import CAllocationCounter
import Logging
import NIOCore
import NIOPosix
import RPCCore
import RPCNIO
import RPCTesting

/// Heap allocations per echo call on the server side: each server runs alone on an
/// event loop thread of its own, where the interposed allocator counts per thread.
enum AllocationsBenchmark {
    struct Row {
        var name: String
        var perCall: Double
    }

    static func run() async throws -> [Row] {
        let pnrpcLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let nioLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "bench.allocations")
        logger.logLevel = .error
        let server = RPCServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, limits: ServerLimits(maxConcurrentCallsPerConnection: 1000)),
            services: [InteropTestService()],
            group: pnrpcLoop,
            logger: logger
        )
        let serverTask = Task { try await server.run() }
        defer { serverTask.cancel() }
        let pnrpc = PNRPCContender(port: try await server.listeningAddress().port!)
        let nio = try await NIOEchoContender.start(group: nioLoop)
        var rows: [Row] = []
        for (contender, loop) in [(pnrpc, pnrpcLoop.next()), (nio, nioLoop.next())] as [(any EchoContender, any EventLoop)] {
            let scenario = Scenario(payload: 64, connections: 1, inFlight: 64)
            _ = try await contender.run(scenario, for: .milliseconds(500))
            let before = try await loop.submit { allocation_counter_thread_total() }.get()
            let measured = try await contender.run(scenario, for: .seconds(2))
            let after = try await loop.submit { allocation_counter_thread_total() }.get()
            rows.append(Row(name: contender.name, perCall: Double(after - before) / Double(measured.calls)))
        }
        return rows
    }
}
