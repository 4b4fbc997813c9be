import CAllocationCounter
import Logging
import NIOCore
import NIOPosix
import RPCCore
import RPCNIO
import RPCTesting

/// Heap allocations per echo call on each side: each server and each client runs alone on
/// an event loop thread of its own, where the interposed allocator counts per thread.
enum AllocationsBenchmark {
    struct Row {
        var name: String
        var serverPerCall: Double
        var clientPerCall: Double
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
        let clientLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var rows: [Row] = []
        var callbacks = pnrpc
        callbacks.callbacks = true
        let contenders: [(any EchoContender, any EventLoop)] = [
            (pnrpc, pnrpcLoop), (callbacks, pnrpcLoop), (onTasks, onTasksLoop), (nio, nioLoop.next()),
        ]
        for (contender, loop) in contenders {
            let onClientLoop = onClientLoop(contender, clientLoop)
            let scenario = Scenario(payload: 64, connections: 1, inFlight: 64)
            _ = try await onClientLoop.run(scenario, for: .milliseconds(500))
            let before = try await (
                loop.submit { allocation_counter_thread_total() }.get(),
                clientLoop.next().submit { allocation_counter_thread_total() }.get()
            )
            let measured = try await onClientLoop.run(scenario, for: .seconds(2))
            let after = try await (
                loop.submit { allocation_counter_thread_total() }.get(),
                clientLoop.next().submit { allocation_counter_thread_total() }.get()
            )
            let calls = Double(measured.calls)
            rows.append(
                Row(
                    name: contender.name,
                    serverPerCall: Double(after.0 - before.0) / calls,
                    clientPerCall: Double(after.1 - before.1) / calls
                )
            )
        }
        return rows
    }

    /// `contender` with its clients on `group`'s one thread. The async callers' tasks run
    /// there too (they prefer the client's event loop), so their allocations count.
    private static func onClientLoop(_ contender: any EchoContender, _ group: any EventLoopGroup) -> any EchoContender {
        if var pnrpc = contender as? PNRPCContender {
            pnrpc.clientGroup = group
            return pnrpc
        }
        var nio = contender as! NIOEchoContender
        nio.clientGroup = group
        return nio
    }

    /// A PNRPC server alone on an event loop thread of its own.
    private static func server(handlersOnTasks: Bool) async throws -> (PNRPCContender, any EventLoop, Task<Void, any Error>) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (contender, task) = try await PNRPCContender.start(handlersOnTasks: handlersOnTasks, group: group)
        return (contender, group.next(), task)
    }
}
