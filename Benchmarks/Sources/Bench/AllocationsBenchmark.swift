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
        let (pnrpc, pnrpcLoop, pnrpcServer) = try await server(handlersOnTasks: false)
        let (onTasks, onTasksLoop, onTasksServer) = try await server(handlersOnTasks: true)
        defer {
            pnrpcServer.cancel()
            onTasksServer.cancel()
        }
        let nioLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let nio = try await NIOEchoContender.start(group: nioLoop)
        var rows: [Row] = []
        let contenders: [(any EchoContender, any EventLoop)] = [(pnrpc, pnrpcLoop), (onTasks, onTasksLoop), (nio, nioLoop.next())]
        for (contender, loop) in contenders {
            let scenario = Scenario(payload: 64, connections: 1, inFlight: 64)
            _ = try await contender.run(scenario, for: .milliseconds(500))
            let before = try await loop.submit { allocation_counter_thread_total() }.get()
            let measured = try await contender.run(scenario, for: .seconds(2))
            let after = try await loop.submit { allocation_counter_thread_total() }.get()
            rows.append(Row(name: contender.name, perCall: Double(after - before) / Double(measured.calls)))
        }
        return rows
    }

    /// A PNRPC server alone on an event loop thread of its own.
    private static func server(handlersOnTasks: Bool) async throws -> (PNRPCContender, any EventLoop, Task<Void, any Error>) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (contender, task) = try await PNRPCContender.start(handlersOnTasks: handlersOnTasks, group: group)
        return (contender, group.next(), task)
    }
}
