import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Synchronization
import Testing

/// PROTOCOL §5's retry rules, proven against a server that records every request: a
/// client that re-sent a call the server may have processed would, for AddNumber, buy
/// a second number.
@Suite("client retries", .timeLimit(.minutes(1)))
struct ClientRetryTests {
    private func client(_ port: Int, maxRetries: Int = 3) -> RPCClient {
        RPCClient(
            configuration: ClientConfiguration(host: "127.0.0.1", port: port, initialBackoff: .milliseconds(10), maxRetries: maxRetries)
        )
    }

    @Test("a connection closed without GOAWAY after the request: not retried (it may have run)")
    func unexplainedClose() async throws {
        try await ScriptedServer.with({ _, _, _ in .closeSilently }) { server in
            let client = client(server.port)
            let error = await #expect(throws: RPCError.self) { try await TestServiceClient(client).emptyCall(Empty()) }
            #expect(error?.reason == "CONNECTION_LOST")
            #expect(server.requests.count == 1, "sent \(server.requests.count) times")
            await client.close()
        }
    }

    @Test("a call above GOAWAY's last_call_id is re-sent, three times at most, each on a new connection")
    func notProcessedRetriedThrice() async throws {
        try await ScriptedServer.with({ _, _, _ in .goAway(lastCallID: 0) }) { server in
            let client = client(server.port)
            let error = await #expect(throws: RPCError.self) { try await TestServiceClient(client).emptyCall(Empty()) }
            #expect(error?.reason == "NOT_PROCESSED", "\(String(describing: error))")
            #expect(server.requests.count == 4, "one try and three retries: \(server.requests)")
            #expect(Set(server.requests.map(\.connection)).count == 4)
            await client.close()
        }
    }

    @Test(
        "a call by callback above last_call_id is re-sent as an async call is, its request packed again each time, and its callback runs once, with the last attempt's error"
    )
    func callbackRetriedThrice() async throws {
        try await ScriptedServer.with({ _, _, _ in .goAway(lastCallID: 0) }) { server in
            let client = client(server.port)
            let calls = Mutex(0)
            var request = SimpleRequest()
            request.responseSize = 300
            request.payload = Payload(size: 200)
            let result: Result<SimpleResponse, RPCError> = await withCheckedContinuation { continuation in
                client.startUnary(TestServiceMethods.unaryCall, request: request) { result in
                    calls.withLock { $0 += 1 }
                    continuation.resume(returning: result)
                }
            }
            guard case .failure(let error) = result else {
                Issue.record("a call the server never processed succeeded")
                return
            }
            #expect(error.reason == "NOT_PROCESSED", "\(error)")
            #expect(server.requests.count == 4, "one try and three retries: \(server.requests)")
            #expect(Set(server.requests.map(\.connection)).count == 4)
            #expect(server.requests.allSatisfy { $0.payload == request.serializedBytes() }, "every attempt carries the whole request")
            try await Task.sleep(for: .milliseconds(50))
            #expect(calls.withLock { $0 } == 1)
            await client.close()
        }
    }

    @Test("a retry never goes out past the deadline: every attempt carries time left")
    func retriesWithinDeadline() async throws {
        // Each attempt is turned away 150 ms after it arrives; the budget of retries is large.
        try await ScriptedServer.with({ _, _, _ in .goAway(lastCallID: 0, after: .milliseconds(150)) }) { server in
            let client = client(server.port, maxRetries: 50)
            let error = await #expect(throws: RPCError.self) {
                try await TestServiceClient(client).emptyCall(Empty(), options: CallOptions(timeout: .milliseconds(400)))
            }
            #expect(error != nil)
            #expect(server.requests.count <= 3, "the deadline, not the retry budget, ended it: \(server.requests)")
            #expect(server.requests.allSatisfy { $0.timeoutMicros > 0 && $0.timeoutMicros <= 400_000 }, "\(server.requests)")
            // Time left shrinks from one attempt to the next: each carries the same deadline.
            let left = server.requests.map(\.timeoutMicros)
            #expect(left == left.sorted(by: >), "\(left)")
            await client.close()
        }
    }

    @Test("of two calls in flight, only the one above last_call_id is re-sent; the accepted one finishes")
    func onlyAboveLastCallID() async throws {
        let first = Mutex<UInt64>(0)
        let server = try await ScriptedServer { connection, frame, earlier in
            guard connection == 1 else { return .answer }
            if earlier == 0 {
                first.withLock { $0 = frame.callId }
                return .ignore
            }
            // Whichever came first, the lower id is accepted and finishes; the other was not processed.
            let accepted = min(first.withLock { $0 }, frame.callId)
            return .goAway(lastCallID: accepted, answering: [accepted])
        }
        let client = client(server.port)
        let service = TestServiceClient(client)
        async let a = service.emptyCall(Empty())
        async let b = service.emptyCall(Empty())
        _ = try await (a, b)
        let requests = server.requests
        #expect(requests.count == 3, "\(requests)")
        #expect(requests.filter { $0.connection == 1 }.count == 2)
        #expect(requests.filter { $0.connection == 2 }.count == 1, "only the call above last_call_id was re-sent")
        await client.close()
        await server.stop()
    }
}
