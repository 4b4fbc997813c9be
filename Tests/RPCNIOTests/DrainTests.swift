import NIOCore
import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Testing

@Suite("graceful drain over TCP", .timeLimit(.minutes(2)))
struct DrainTests {
    private static let unaryCall = "/pnrpc.testing.v1.TestService/UnaryCall"

    @Test("in-flight calls finish, new calls get UNAVAILABLE DRAINING, then the connection closes")
    func drainOnTheWire() async throws {
        let probe = ProbeService()
        try await TestServer.with(services: [InteropTestService(), probe], drainGracePeriod: .seconds(30)) { server in
            try await RawConnection.with(port: server.port) { inbound, outbound in
                // Call 1 stays in flight until the gate opens.
                try await outbound.send(Wire.preface + Wire.request(id: 1, method: "/pnrpc.testing.v1.Probe/Gated", payload: []))
                var iterator = inbound.makeAsyncIterator()
                var transcript = ServerTranscript()
                // Preface and SETTINGS first.
                while transcript.frames.isEmpty, let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                let stopping = Task { await server.stop() }
                while transcript.goAway == nil, let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                let goAway = try #require(transcript.goAway)
                #expect(goAway.lastCallId == 1)
                #expect(goAway.status?.errorInfo?.reason == "DRAINING")
                #expect(goAway.status?.code == StatusCode.unavailable.rawValue)

                try await outbound.send(Wire.request(id: 2, method: Self.unaryCall, payload: SimpleRequest().serializedBytes()))
                while !transcript.frames.contains(where: { $0.type == .end && $0.callId == 2 }), let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                probe.openGate()
                do {
                    while let buffer = try await iterator.next() {
                        transcript.bytes += buffer.readableBytesView
                    }
                } catch {}
                let ends = transcript.frames.filter { $0.type == .end }
                let refused = ends.first { $0.callId == 2 }
                #expect(refused?.status?.errorInfo?.reason == "DRAINING")
                let finished = ends.first { $0.callId == 1 }
                #expect(finished?.status?.code == 0)
                await stopping.value
            }
        }
    }

    @Test("the client finishes its in-flight call and reconnects to the replacement server")
    func clientReconnects() async throws {
        let probe = ProbeService()
        try await TestServer.with(services: [InteropTestService(), probe], drainGracePeriod: .seconds(30)) { first in
            let client = first.client()
            let service = TestServiceClient(client)
            let warmup = try await service.emptyCall(Empty())
            #expect(warmup == Empty())

            // Ordered by events: the call is in its handler before the drain begins, and it
            // answers only after the client has moved on to the replacement.
            let inFlight = Task { try await client.unary(ProbeService.gated, request: Empty()) }
            #expect(await probe.next() == "started")
            let stopping = Task { await first.stop() }

            // The first server's listener closes as its drain begins; bind as soon as the port is free.
            var replacement: TestServer?
            for _ in 0..<50 where replacement == nil {
                replacement = try? await TestServer.start(port: first.port)
                if replacement == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let second = try #require(replacement)
            try await second.stopAfter {
                let afterDrain = try await service.emptyCall(Empty(), options: CallOptions(timeout: .seconds(30)))
                #expect(afterDrain == Empty())
                probe.openGate()
                let finished = try await inFlight.value
                #expect(finished == Empty())
                await stopping.value
                await client.close()
            }
        }
    }

    @Test("calls still running when the grace period ends get UNAVAILABLE SERVER_SHUTDOWN and are cancelled")
    func graceExpires() async throws {
        let probe = ProbeService()
        try await TestServer.with(services: [probe], drainGracePeriod: .milliseconds(200)) { server in
            let client = server.client()
            let call = Task { try await client.unary(ProbeService.hang, request: Empty()) }
            #expect(await probe.next() == "started")
            await server.stop()
            let result = await call.result
            guard case .failure(let error as RPCError) = result else {
                Issue.record("expected an RPCError, got \(result)")
                return
            }
            #expect(error.code == .unavailable)
            #expect(error.reason == "SERVER_SHUTDOWN")
            #expect(await probe.next() == "cancelled")
            await client.close()
        }
    }

    @Test("health turns NOT_SERVING when draining begins")
    func healthDuringDrain() async throws {
        try await TestServer.with(drainGracePeriod: .milliseconds(300)) { server in
            let client = server.client()
            var iterator = HealthClient(client).watch(HealthCheckRequest()).makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first?.status == .serving)
            let stopping = Task { await server.stop() }
            let second = try await iterator.next()
            #expect(second?.status == .notServing)
            await stopping.value
            await client.close()
        }
    }

    @Test("a client ping gets its pong")
    func ping() async throws {
        try await withServer { _, client in
            // Speed is the benchmarks' business; this checks the pong came back and was timed.
            let roundTrip = try await client.ping()
            #expect(roundTrip > .zero)
        }
    }
}
