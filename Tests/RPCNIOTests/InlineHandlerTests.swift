import RPCCore
import RPCNIO
import RPCTesting
import Synchronization
import Testing

/// Inline handlers: methods a service declares as never suspending run as the request is
/// read, with no task, and behave as any other call to the client.
@Suite("inline handlers", .timeLimit(.minutes(2)))
struct InlineHandlerTests {
    /// Echo answers whether it ran inside a Swift task (in its payload's first byte), and
    /// CountPayloads fails as its request says.
    struct ProbeService: TestServiceService {
        /// Without it, no method is declared inline.
        var declaresInline = true
        /// Where Echo keeps its context past the call, and adds a trailer through the one
        /// an earlier call kept (nil: nothing kept).
        var kept: KeptContext? = nil

        var inlineHandlers: [RPCMethodHandler] {
            guard declaresInline else { return [] }
            return [
                RPCMethodHandler(TestServiceMethods.echo) { [kept] (_: Payload, context: ServerContext) -> Payload in
                    context.responseMetadata.add("x-ran", "inline")
                    kept?.context.withLock { earlier in
                        earlier?.responseMetadata.add("x-late", "from an earlier call")
                        earlier = context
                    }
                    return Self.where()
                },
                RPCMethodHandler(TestServiceMethods.countPayloads) { (request: ManyPayloads, _: ServerContext) throws -> SimpleResponse in
                    if request.names.first == "expected" {
                        throw RPCError(
                            code: .failedPrecondition,
                            message: "as asked",
                            details: ErrorDetails(reason: "ASKED", domain: "test")
                        )
                    }
                    throw ProbeFailure()
                },
            ]
        }

        struct ProbeFailure: Error {}

        /// A payload of one byte: 1 when called inside a Swift task, 0 outside any.
        static func `where`() -> Payload {
            var payload = Payload()
            payload.body = [withUnsafeCurrentTask { $0 == nil } ? 0 : 1]
            return payload
        }

        func emptyCall(request: Empty, context: ServerContext) async throws -> Empty { Empty() }
        func unaryCall(request: SimpleRequest, context: ServerContext) async throws -> SimpleResponse { SimpleResponse() }
        func streamingOutputCall(
            request: StreamingOutputCallRequest,
            context: ServerContext,
            responses: ResponseStreamWriter<StreamingOutputCallResponse>
        ) async throws {}
        func countPayloads(request: ManyPayloads, context: ServerContext) async throws -> SimpleResponse { SimpleResponse() }
        func echo(request: Payload, context: ServerContext) async throws -> Payload { Self.where() }
    }

    /// The status a call ended with; `nil` when it succeeded.
    private func status<T>(_ call: () async throws -> T) async -> RPCError? {
        do {
            _ = try await call()
            return nil
        } catch {
            return RPCError.from(error)
        }
    }

    @Test("over TCP an inline handler runs outside any task and its trailers reach the client; without the declaration it runs in a task")
    func runsWithoutATask() async throws {
        try await TestServer.with(services: [ProbeService()]) { server in
            let client = server.client()
            let response = try await client.unaryResponse(TestServiceMethods.echo, request: Payload(), options: .init())
            #expect(response.message.body == [0], "inline: no task")
            #expect(response.metadata["x-ran"] == "inline")
            await client.close()
        }
        try await TestServer.with(services: [ProbeService(declaresInline: false)]) { server in
            let client = server.client()
            let answer = try await client.unary(TestServiceMethods.echo, request: Payload(), options: .init())
            #expect(answer.body == [1])
            await client.close()
        }
    }

    @Test("a trailer added through the context of an earlier inline call reaches no later call")
    func keptContext() async throws {
        try await TestServer.with(services: [ProbeService(kept: KeptContext())]) { server in
            let client = server.client()
            for _ in 0..<3 {
                let response = try await client.unaryResponse(TestServiceMethods.echo, request: Payload(), options: .init())
                #expect(response.metadata["x-ran"] == "inline")
                #expect(response.metadata["x-late"] == nil)
            }
            await client.close()
        }
    }

    @Test("an inline handler's errors become statuses as any handler's: its own kept, an unexpected one INTERNAL; the connection serves on")
    func errors() async throws {
        try await TestServer.with(services: [ProbeService()]) { server in
            let client = server.client()
            var asked = ManyPayloads()
            asked.names = ["expected"]
            let own = await status { try await client.unary(TestServiceMethods.countPayloads, request: asked, options: .init()) }
            #expect(own?.code == .failedPrecondition && own?.reason == "ASKED")
            let unexpected = await status {
                try await client.unary(TestServiceMethods.countPayloads, request: ManyPayloads(), options: .init())
            }
            #expect(unexpected?.code == .internal)
            let answer = try await client.unary(TestServiceMethods.echo, request: Payload(), options: .init())
            #expect(answer.body == [0], "the connection serves on")
            await client.close()
        }
    }

    @Test("calls to different methods interleaved on one connection, an unknown one among them, each reach their own handler")
    func methodsInterleaved() async throws {
        try await TestServer.with(services: [ProbeService()]) { server in
            let client = server.client()
            let unknown = UnaryMethod<Empty, Empty>(service: "pnrpc.testing.v1.TestService", method: "Unknown")
            var asked = ManyPayloads()
            asked.names = ["expected"]
            for _ in 0..<3 {
                #expect(try await client.unary(TestServiceMethods.echo, request: Payload()).body == [0], "echo, inline")
                #expect(try await client.unary(TestServiceMethods.echo, request: Payload()).body == [0], "echo again")
                #expect(await status { try await client.unary(unknown, request: Empty()) }?.code == .unimplemented)
                _ = try await client.unary(TestServiceMethods.emptyCall, request: Empty())
                #expect(await status { try await client.unary(TestServiceMethods.countPayloads, request: asked) }?.reason == "ASKED")
                #expect(try await client.unary(TestServiceMethods.unaryCall, request: SimpleRequest()).payload == nil)
            }
            await client.close()
        }
    }

    @Test("a request an inline handler cannot decode is INVALID_ARGUMENT, as on the task path")
    func undecodable() async throws {
        try await TestServer.with(services: [ProbeService()]) { server in
            let client = server.client()
            let error = await status {
                try await client.unaryCall(TestServiceMethods.echo.descriptor, request: [0xFF, 0xFF, 0xFF], options: .init())
            }
            #expect(error?.code == .invalidArgument && error?.runtimeReason == .malformedMessage)
            await client.close()
        }
    }

    @Test("the in-process caller runs an inline handler through its invoke, with the same result")
    func inProcess() async throws {
        let caller = InProcessCaller(router: RPCRouter(services: [ProbeService()]))
        let response = try await caller.unaryResponse(TestServiceMethods.echo, request: Payload(), options: .init())
        #expect(response.message.body == [1], "in process the call runs in the caller's task")
        #expect(response.metadata["x-ran"] == "inline")
    }

    @Test("a service's inline handler replaces its handler of the same method in the router")
    func routerPrefersInline() throws {
        let router = RPCRouter(services: [ProbeService()])
        #expect(try router.route(TestServiceMethods.echo.descriptor.path).get().inline != nil)
        #expect(try router.route(TestServiceMethods.unaryCall.descriptor.path).get().inline == nil)
        #expect(
            try RPCRouter(services: [InteropTestService(inline: false)]).route(TestServiceMethods.echo.descriptor.path).get().inline == nil
        )
    }
}

/// A context kept past its call.
final class KeptContext: Sendable {
    let context = Mutex<ServerContext?>(nil)
}
