import NIOCore
import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Testing

/// Clients that do not play along, while a well-behaved client is served.
@Suite("careless and hostile clients over TCP", .timeLimit(.minutes(2)))
struct CarelessClientTests {
    @Test("a client that never reads: the server stops producing (backpressure) and keeps serving others")
    func neverReads() async throws {
        let probe = ProbeService()
        // Small kernel buffers on both sides, so what is queued is mostly the server's own.
        try await TestServer.with(services: [InteropTestService(), probe], socketSendBufferSize: 16 << 10) { server in
            let client = server.client()
            do {
                try await RawConnection.with(port: server.port, receiveBufferSize: 16 << 10) { _, outbound in
                    var bytes = Wire.preface
                    for id in 1...4 {
                        bytes += Wire.request(id: UInt64(id), method: "/pnrpc.testing.v1.Probe/Flood", payload: [])
                    }
                    try await outbound.send(bytes)
                    // The handlers fill every buffer there is (the server's 256 KiB, the kernel's,
                    // the client library's), then wait: production levels off.
                    var samples = [probe.written.load(ordering: .relaxed)]
                    for _ in 0..<60 {  // bounded: 30 s on a loaded machine
                        try await Task.sleep(for: .milliseconds(500))
                        samples.append(probe.written.load(ordering: .relaxed))
                        if samples.count >= 3, samples.suffix(3).allSatisfy({ $0 == samples.last }) { break }
                    }
                    let stalled = samples.count >= 3 && samples.suffix(3).allSatisfy { $0 == samples.last }
                    #expect(stalled, "the handlers kept producing: \(samples)")
                    // The server queues up to 256 KiB (its write buffer's high mark) plus the
                    // message each of the 4 streams is writing; the kernel holds about 64 KiB
                    // more (16 KiB buffers, doubled, on each side).
                    let queued = samples.last! * (64 << 10)
                    #expect(queued <= (256 << 10) + 4 * (64 << 10) + (128 << 10), "\(samples.last!) messages of 64 KiB were queued")
                    let answer = try await TestServiceClient(client).emptyCall(Empty(), options: CallOptions(timeout: .seconds(30)))
                    #expect(answer == Empty())
                }
            } catch {
                await client.close()
                await server.stop()
                throw error
            }
            await client.close()
        }
    }

    @Test("many calls started and cancelled at once (rapid reset): the concurrent-handler cap holds")
    func rapidReset() async throws {
        let probe = ProbeService()
        var limits = ServerLimits.forTests
        limits.maxConcurrentCallsPerConnection = 50
        try await withServer(services: [InteropTestService(), probe], limits: limits) { server, client in
            try await RawConnection.with(port: server.port) { inbound, outbound in
                var bytes = Wire.preface
                for id in 1...5_000 {
                    bytes += Wire.request(id: UInt64(id), method: "/pnrpc.testing.v1.Probe/Park", payload: [])
                    var cancel = WireFrame()
                    cancel.type = .cancel
                    cancel.callId = UInt64(id)
                    bytes += Wire.frame(cancel)
                }
                // And 200 that are not cancelled: only 50 may run.
                for id in 5_001...5_200 {
                    bytes += Wire.request(id: UInt64(id), method: "/pnrpc.testing.v1.Probe/Park", payload: [])
                }
                try await outbound.send(bytes)
                let refusals = try await inbound.readFrames(150).filter { $0.status?.errorInfo?.reason == "TOO_MANY_CONCURRENT_CALLS" }
                #expect(refusals.count == 150)
                #expect(probe.mostParked.load(ordering: .relaxed) <= 50)
                let answer = try await TestServiceClient(client).emptyCall(Empty(), options: CallOptions(timeout: .seconds(30)))
                #expect(answer == Empty())
            }
            for _ in 0..<100 where probe.parked.load(ordering: .relaxed) > 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(probe.parked.load(ordering: .relaxed) == 0, "handlers of a closed connection are cancelled")
        }
    }
}
