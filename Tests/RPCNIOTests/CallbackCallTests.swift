import NIOPosix
import RPCCore
import RPCNIO
import RPCTesting
import Synchronization
import Testing

/// Calls without a task each: `startUnary` reports by callback on the client's event loop,
/// `unaryBatch` sends many and suspends once.
@Suite("calls by callback and in batches", .timeLimit(.minutes(2)))
struct CallbackCallTests {
    /// Runs `start` and waits for the one result it reports.
    private func result<T: Sendable>(
        _ start: (@escaping @Sendable (Result<T, RPCError>) -> Void) -> Void
    ) async -> (Result<T, RPCError>, onEventLoop: Bool) {
        await withCheckedContinuation { continuation in
            start { result in
                continuation.resume(returning: (result, MultiThreadedEventLoopGroup.currentEventLoop != nil))
            }
        }
    }

    private func request(size: Int, status: Int32 = 0, sleepMillis: Int32 = 0) -> SimpleRequest {
        var request = SimpleRequest()
        request.responseSize = Int32(size)
        request.sleepMillis = sleepMillis
        if status != 0 {
            var echoStatus = EchoStatus()
            echoStatus.code = status
            echoStatus.message = "as asked"
            echoStatus.reason = "ASKED"
            request.responseStatus = echoStatus
        }
        return request
    }

    @Test("the first call of a new client (no connection yet) and the next ones answer on the client's event loop")
    func answers() async throws {
        try await TestServer.with { server in
            let client = server.client()
            for size in [3, 5] {
                let (answer, onEventLoop) = await result {
                    client.startUnary(TestServiceMethods.unaryCall, request: request(size: size), completion: $0)
                }
                #expect((try? answer.get())?.payload?.body.count == size)
                #expect(onEventLoop)
            }
            await client.close()
        }
    }

    @Test("a call's status, and a deadline that passes, reach the callback as errors")
    func errors() async throws {
        try await TestServer.with { server in
            let client = server.client()
            let (refused, _) = await result {
                client.startUnary(
                    TestServiceMethods.unaryCall,
                    request: request(size: 1, status: StatusCode.notFound.rawValue),
                    completion: $0
                )
            }
            #expect(refused.error?.code == .notFound && refused.error?.reason == "ASKED")
            let (late, _) = await result {
                client.startUnary(
                    TestServiceMethods.unaryCall,
                    request: request(size: 1, sleepMillis: 5_000),
                    options: CallOptions(timeout: .milliseconds(50)),
                    completion: $0
                )
            }
            #expect(late.error?.code == .deadlineExceeded)
            await client.close()
        }
    }

    @Test("the raw callback gets the response's bytes; a response the typed callback cannot decode is INTERNAL, MALFORMED_RESPONSE")
    func rawAndUndecodable() async throws {
        try await TestServer.with { server in
            let client = server.client()
            let (raw, _) = await result { (done: @escaping @Sendable (Result<UnaryResponse<[UInt8]>, RPCError>) -> Void) in
                client.startUnaryCall(
                    TestServiceMethods.unaryCall.descriptor,
                    request: request(size: 7).serializedBytes(),
                    completion: done
                )
            }
            let bytes = try raw.get().message
            #expect(try SimpleResponse(serializedBytes: bytes).payload?.body.count == 7)
            // The same method, its response read as a message whose field 1 is a number.
            let descriptor = TestServiceMethods.unaryCall.descriptor
            let misread = UnaryMethod<SimpleRequest, EchoStatus>(service: descriptor.service, method: descriptor.method)
            let (undecodable, _) = await result { client.startUnary(misread, request: request(size: 7), completion: $0) }
            #expect(undecodable.error?.code == .internal && undecodable.error?.reason == "MALFORMED_RESPONSE")
            await client.close()
        }
    }

    @Test("a batch beyond the server's call limit returns every result in the order of its requests")
    func batch() async throws {
        try await TestServer.with(limits: ServerLimits(maxConcurrentCallsPerConnection: 8)) { server in
            let client = server.client()
            let requests = (0..<300).map { request(size: $0 % 50, status: $0 % 7 == 0 ? StatusCode.failedPrecondition.rawValue : 0) }
            let results = await client.unaryBatch(TestServiceMethods.unaryCall, requests: requests)
            #expect(results.count == 300)
            for (index, result) in results.enumerated() {
                if index % 7 == 0 {
                    #expect(result.error?.code == .failedPrecondition)
                } else {
                    #expect((try? result.get())?.payload?.body.count ?? 0 == index % 50)
                }
            }
            #expect(await client.unaryBatch(TestServiceMethods.unaryCall, requests: []).isEmpty)
            await client.close()
        }
    }
}

extension Result where Failure == RPCError {
    fileprivate var error: RPCError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
