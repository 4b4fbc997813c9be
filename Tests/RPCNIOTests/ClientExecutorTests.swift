import RPCCore
import RPCNIO
import RPCTesting
import Testing

/// Callers whose tasks prefer the client's event loop (`RPCClient.preferredTaskExecutor`):
/// bursts of answers resume many of them at once, on the loop that reads the answers.
@Suite("callers on the client's executor", .timeLimit(.minutes(2)))
struct ClientExecutorTests {
    private static func payload(_ task: Int, _ round: Int) -> Payload {
        var payload = Payload()
        payload.body = [UInt8(task), UInt8(round)]
        return payload
    }

    @Test("64 tasks × 16 calls in flight on one connection: every call gets its own answer")
    func burstsOfAnswers() async throws {
        try await TestServer.with { server in
            let client = server.client()
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for task in 0..<64 {
                    group.addTask(executorPreference: client.preferredTaskExecutor) {
                        var mismatches = 0
                        for round in 0..<16 {
                            let answer = try await client.unary(TestServiceMethods.echo, request: Self.payload(task, round))
                            if answer.body != Self.payload(task, round).body { mismatches += 1 }
                        }
                        return mismatches
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
            await client.close()
        }
    }

    @Test("a caller that closes the client amid a burst: every other call ends, answered or UNAVAILABLE, and none hangs")
    func closeAmidBurst() async throws {
        try await TestServer.with { server in
            let client = server.client()
            let ends = await withTaskGroup(of: (answered: Int, failed: Int).self) { group in
                for task in 0..<64 {
                    group.addTask(executorPreference: client.preferredTaskExecutor) {
                        var answered = 0
                        for round in 0..<8 {
                            if task == 7, round == 3 {
                                await client.close()
                                return (answered, 0)
                            }
                            do {
                                _ = try await client.unary(TestServiceMethods.echo, request: Self.payload(task, round))
                                answered += 1
                            } catch {
                                #expect(RPCError.from(error).code == .unavailable)
                                return (answered, 1)
                            }
                        }
                        return (answered, 0)
                    }
                }
                return await group.reduce((answered: 0, failed: 0)) { ($0.answered + $1.answered, $0.failed + $1.failed) }
            }
            #expect(ends.answered >= 3)
            #expect(ends.answered + ends.failed >= 63)
        }
    }
}
