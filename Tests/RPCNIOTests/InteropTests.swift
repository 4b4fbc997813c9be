import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Testing

/// gRPC's interop test cases, ported to PNRPC over real TCP on loopback.
@Suite("interop cases over TCP", .timeLimit(.minutes(2)))
struct InteropTests {
    @Test func emptyUnary() async throws {
        try await withServer { _, client in
            let response = try await TestServiceClient(client).emptyCall(Empty())
            #expect(response == Empty())
        }
    }

    @Test func largeUnary() async throws {
        try await withServer { _, client in
            var request = SimpleRequest()
            request.responseSize = 314_159
            request.payload = Payload(size: 271_828)
            let response = try await TestServiceClient(client).unaryCall(request)
            #expect(response.payload?.body.count == 314_159)
        }
    }

    @Test func serverStreaming() async throws {
        try await withServer { _, client in
            var request = StreamingOutputCallRequest()
            request.responseParameters = [31415, 9, 2653, 58979].map { size in
                var parameters = ResponseParameters()
                parameters.size = Int32(size)
                return parameters
            }
            var sizes: [Int] = []
            for try await response in TestServiceClient(client).streamingOutputCall(request) {
                sizes.append(response.payload?.body.count ?? -1)
            }
            #expect(sizes == [31415, 9, 2653, 58979])
        }
    }

    @Test func customMetadata() async throws {
        try await withServer { _, client in
            let options = CallOptions(metadata: ["x-echo-initial": "test_initial_metadata_value", "x-echo-trailing": "ababab"])
            var request = SimpleRequest()
            request.responseSize = 1
            let response = try await client.unaryResponse(TestServiceMethods.unaryCall, request: request, options: options)
            #expect(response.metadata["x-echo-initial"] == "test_initial_metadata_value")
            #expect(response.metadata["x-echo-trailing"] == "ababab")
        }
    }

    @Test func statusCodeAndMessage() async throws {
        try await withServer { _, client in
            var request = SimpleRequest()
            var status = EchoStatus()
            status.code = 2
            status.message = "test status message"
            status.reason = "TEST_REASON"
            request.responseStatus = status
            let error = await #expect(throws: RPCError.self) { try await TestServiceClient(client).unaryCall(request) }
            #expect(error?.code == .unknown)
            #expect(error?.message == "test status message")
            #expect(error?.details == ErrorDetails(reason: "TEST_REASON", domain: "pnrpc.testing.v1"))

            var streaming = StreamingOutputCallRequest()
            streaming.responseStatus = status
            let streamError = await #expect(throws: RPCError.self) {
                for try await _ in TestServiceClient(client).streamingOutputCall(streaming) {}
            }
            #expect(streamError?.code == .unknown)
            #expect(streamError?.message == "test status message")
        }
    }

    @Test func specialStatusMessage() async throws {
        try await withServer { _, client in
            let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
            var request = SimpleRequest()
            var status = EchoStatus()
            status.code = 2
            status.message = message
            request.responseStatus = status
            let error = await #expect(throws: RPCError.self) { try await TestServiceClient(client).unaryCall(request) }
            #expect(error?.message == message)
        }
    }

    @Test func unimplementedMethod() async throws {
        try await withServer { _, client in
            let method = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.TestService", method: "UnimplementedCall")
            let error = await #expect(throws: RPCError.self) { try await client.unary(method, request: Empty()) }
            #expect(error?.code == .unimplemented)
            #expect(error?.reason == "UNKNOWN_METHOD")
        }
    }

    @Test func unimplementedService() async throws {
        try await withServer { _, client in
            let method = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.UnimplementedService", method: "UnimplementedCall")
            let error = await #expect(throws: RPCError.self) { try await client.unary(method, request: Empty()) }
            #expect(error?.code == .unimplemented)
            #expect(error?.reason == "UNKNOWN_SERVICE")
        }
    }

    @Test func cancelAfterBegin() async throws {
        let probe = ProbeService()
        try await withServer(services: [InteropTestService(), probe]) { _, client in
            let call = Task { try await client.unary(ProbeService.hang, request: Empty()) }
            #expect(await probe.next() == "started")
            call.cancel()
            let result = await call.result
            #expect(throws: RPCError.self) { try result.get() }
            #expect((try? result.get()) == nil)
            if case .failure(let error as RPCError) = result { #expect(error.code == .cancelled) }
            // The server handler's task was cancelled.
            #expect(await probe.next() == "cancelled")
        }
    }

    @Test func cancelAfterFirstResponse() async throws {
        let probe = ProbeService()
        try await withServer(services: [InteropTestService(), probe]) { _, client in
            let consumer = Task {
                for try await _ in client.serverStreaming(ProbeService.ticks, request: Empty()) {
                    break
                }
            }
            #expect(await probe.next() == "started")
            try await consumer.value
            #expect(await probe.next() == "cancelled")
            // The connection still serves calls.
            let after = try await TestServiceClient(client).emptyCall(Empty())
            #expect(after == Empty())
        }
    }

    @Test func timeoutOnSleepingServer() async throws {
        let probe = ProbeService()
        try await withServer(services: [InteropTestService(), probe]) { _, client in
            // Connected first: on a loaded machine, opening the connection could take the
            // whole 200 ms, and the call would then end before it is sent.
            _ = try await TestServiceClient(client).emptyCall(Empty())
            // The handler would run 60 s: DEADLINE_EXCEEDED and its cancellation prove the deadline.
            let error = await #expect(throws: RPCError.self) {
                try await client.unary(ProbeService.hang, request: Empty(), options: CallOptions(timeout: .milliseconds(200)))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(await probe.next() == "started")
            #expect(await probe.next() == "cancelled")
        }
    }

    @Test("the handler reads its deadline")
    func deadlineVisibleToHandler() async throws {
        try await withServer { _, client in
            var request = SimpleRequest()
            request.reportDeadline = true
            // A window a loaded machine cannot miss: what is checked is that the handler
            // sees the caller's deadline, not how fast the call is.
            let timed = try await TestServiceClient(client).unaryCall(request, options: CallOptions(timeout: .seconds(60)))
            #expect(timed.deadlineRemainingMillis > 30_000 && timed.deadlineRemainingMillis <= 60_000)
            let untimed = try await TestServiceClient(client).unaryCall(request)
            #expect(untimed.deadlineRemainingMillis == -1)
        }
    }

    @Test("many concurrent calls on one connection, answered out of order, each to its caller")
    func outOfOrder() async throws {
        try await withServer { _, client in
            let service = TestServiceClient(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        var request = SimpleRequest()
                        request.responseSize = Int32(index)
                        request.sleepMillis = Int32((199 - index) % 40)
                        let response = try await service.unaryCall(request)
                        #expect(response.payload?.body.count == index)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("health Check and Watch")
    func health() async throws {
        try await withServer { server, client in
            let health = HealthClient(client)
            let status = try await health.check(HealthCheckRequest()).status
            #expect(status == .serving)
            var unknown = HealthCheckRequest()
            unknown.service = "nope"
            let error = await #expect(throws: RPCError.self) { try await health.check(unknown) }
            #expect(error?.code == .notFound)

            var iterator = health.watch(HealthCheckRequest()).makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first?.status == .serving)
            server.server.health.setStatus(.notServing)
            let second = try await iterator.next()
            #expect(second?.status == .notServing)
        }
    }
}
