import NIOCore
import ProtoBridge
import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Testing

/// Bad input on one connection: each case checks the documented answer, then that a
/// well-behaved client on another connection is still served.
@Suite("hostile input over TCP", .timeLimit(.minutes(2)))
struct HostileClientTests {
    private static let emptyCall = "/pnrpc.testing.v1.TestService/EmptyCall"

    private func expectStillServing(_ server: TestServer) async throws {
        let client = server.client()
        let response = try await TestServiceClient(client).emptyCall(Empty(), options: CallOptions(timeout: .seconds(30)))
        #expect(response == Empty())
        await client.close()
    }

    /// Sends `bytes` on a fresh connection and returns what the server sent before closing.
    private func exchange(_ server: TestServer, _ bytes: [UInt8], closeAfterSending: Bool = false) async throws -> (ServerTranscript, Bool)
    {
        try await RawConnection.with(port: server.port) { inbound, outbound in
            // The server may close before everything is written; what it answered still counts.
            try? await outbound.send(bytes)
            if closeAfterSending { outbound.finish() }
            return try await inbound.readUntilClosed(limit: .seconds(30))
        }
    }

    private func goAwayReason(_ transcript: ServerTranscript) -> String? {
        transcript.goAway?.status?.errorInfo?.reason
    }

    @Test("a length over the maximum: GOAWAY FRAME_TOO_LARGE, closed")
    func oversizedLength() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Wire.preface + [0x7F, 0xFF, 0xFF, 0xFF])
            #expect(closed)
            #expect(goAwayReason(transcript) == "FRAME_TOO_LARGE")
            #expect(transcript.goAway?.status?.code == StatusCode.resourceExhausted.rawValue)
            try await expectStillServing(server)
        }
    }

    @Test("a zero length: GOAWAY EMPTY_FRAME, closed")
    func zeroLength() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Wire.preface + [0, 0, 0, 0])
            #expect(closed)
            #expect(goAwayReason(transcript) == "EMPTY_FRAME")
            try await expectStillServing(server)
        }
    }

    @Test("a truncated frame then close: nothing breaks")
    func truncatedThenClose() async throws {
        try await withServer { server, _ in
            let request = Wire.request(id: 1, method: Self.emptyCall, payload: [])
            let (transcript, closed) = try await exchange(server, Wire.preface + request.dropLast(3), closeAfterSending: true)
            #expect(closed)
            #expect(transcript.frames.allSatisfy { $0.type != .end })
            try await expectStillServing(server)
        }
    }

    @Test("a wrong preface: a one-line explanation, closed")
    func wrongPreface() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Array("PNRPX\u{0}\u{0}\u{1}".utf8))
            #expect(closed)
            #expect(transcript.text.hasPrefix("PNRPC bad preface"))
            try await expectStillServing(server)
        }
    }

    @Test("an HTTP request: HTTP 400, closed")
    func httpRequest() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(closed)
            #expect(transcript.text.hasPrefix("HTTP/1.1 400 Bad Request"))
            try await expectStillServing(server)
        }
    }

    @Test("a TLS ClientHello: a TLS alert, closed")
    func tlsHello() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC])
            #expect(closed)
            #expect(transcript.bytes == [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
            try await expectStillServing(server)
        }
    }

    @Test("random bytes: closed")
    func randomBytes() async throws {
        try await withServer { server, _ in
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<5 {
                var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if bytes[0] == UInt8(ascii: "P") { bytes[0] = 0 }
                let (_, closed) = try await exchange(server, bytes)
                #expect(closed)
            }
            // Random bytes after a valid preface too.
            let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255) }
            let (_, closed) = try await exchange(server, Wire.preface + [0, 0, 0, 40] + garbage)
            #expect(closed)
            try await expectStillServing(server)
        }
    }

    @Test("an unsupported protocol version: preface, GOAWAY UNSUPPORTED_VERSION")
    func unsupportedVersion() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Array("PNRPC".utf8) + [0, 0, 9])
            #expect(closed)
            #expect(goAwayReason(transcript) == "UNSUPPORTED_VERSION")
            try await expectStillServing(server)
        }
    }

    @Test("an undecodable envelope: GOAWAY MALFORMED_FRAME")
    func undecodableEnvelope() async throws {
        try await withServer { server, _ in
            let (transcript, closed) = try await exchange(server, Wire.preface + Wire.lengthPrefixed([0x1A, 0x7F, 0x41]))
            #expect(closed)
            #expect(goAwayReason(transcript) == "MALFORMED_FRAME")
            try await expectStillServing(server)
        }
    }

    /// Sends one REQUEST on a valid connection and returns its END frame.
    private func call(_ server: TestServer, method: String, payload: [UInt8], metadata: [(String, String)] = []) async throws -> WireFrame?
    {
        try await RawConnection.with(port: server.port) { inbound, outbound in
            try await outbound.send(Wire.preface + Wire.request(id: 1, method: method, payload: payload, metadata: metadata))
            let frames = try await inbound.readFrames(2)
            return frames.first { $0.type == .end }
        }
    }

    @Test("undecodable protobuf in a request: INVALID_ARGUMENT MALFORMED_MESSAGE, connection kept")
    func undecodablePayload() async throws {
        try await withServer { server, _ in
            let end = try await call(server, method: "/pnrpc.testing.v1.TestService/UnaryCall", payload: [0x12, 0x7F, 0x00])
            #expect(end?.status?.code == StatusCode.invalidArgument.rawValue)
            #expect(end?.status?.errorInfo?.reason == "MALFORMED_MESSAGE")
            try await expectStillServing(server)
        }
    }

    @Test("a deeply nested message is decoded without recursion")
    func deeplyNested() async throws {
        try await withServer { server, _ in
            var nested: [UInt8] = []
            for _ in 0..<20_000 {
                nested = [0x0A] + varint(nested.count) + nested
            }
            let end = try await call(server, method: Self.emptyCall, payload: nested)
            #expect(end?.status?.code == 0)
            try await expectStillServing(server)
        }
    }

    @Test("a huge repeated field: INVALID_ARGUMENT MESSAGE_TOO_COMPLEX")
    func hugeRepeatedField() async throws {
        try await withServer { server, _ in
            let payload: [UInt8] = (0..<(3 << 20)).map { $0 % 2 == 0 ? 0x0A : 0x00 }
            let end = try await call(server, method: "/pnrpc.testing.v1.TestService/CountPayloads", payload: payload)
            #expect(end?.status?.code == StatusCode.invalidArgument.rawValue)
            #expect(end?.status?.errorInfo?.reason == "MESSAGE_TOO_COMPLEX")
            try await expectStillServing(server)
        }
    }

    @Test("invalid UTF-8 in a string: INVALID_ARGUMENT INVALID_UTF8")
    func invalidUTF8() async throws {
        try await withServer { server, _ in
            let end = try await call(server, method: "/pnrpc.testing.v1.TestService/CountPayloads", payload: [0x12, 0x02, 0xC3, 0x28])
            #expect(end?.status?.errorInfo?.reason == "INVALID_UTF8")
            try await expectStillServing(server)
        }
    }

    @Test("an unknown method: UNIMPLEMENTED")
    func unknownMethod() async throws {
        try await withServer { server, _ in
            let end = try await call(server, method: "/no.Such/Thing", payload: [])
            #expect(end?.status?.code == StatusCode.unimplemented.rawValue)
            try await expectStillServing(server)
        }
    }

    @Test("oversized and invalid metadata: RESOURCE_EXHAUSTED and INVALID_ARGUMENT")
    func badMetadata() async throws {
        try await withServer { server, _ in
            let big = try await call(
                server,
                method: Self.emptyCall,
                payload: [],
                metadata: [("x-big", String(repeating: "a", count: 9000))]
            )
            #expect(big?.status?.errorInfo?.reason == "METADATA_TOO_LARGE")
            let upper = try await call(server, method: Self.emptyCall, payload: [], metadata: [("X-Upper", "v")])
            #expect(upper?.status?.errorInfo?.reason == "INVALID_METADATA")
            try await expectStillServing(server)
        }
    }

    @Test("too many concurrent calls on one connection: RESOURCE_EXHAUSTED beyond the limit")
    func tooManyConcurrentCalls() async throws {
        var limits = ServerLimits.forTests
        limits.maxConcurrentCallsPerConnection = 4
        try await withServer(limits: limits) { server, _ in
            var sleepy = SimpleRequest()
            sleepy.sleepMillis = 300
            let payload = sleepy.serializedBytes()
            let ends = try await RawConnection.with(port: server.port) { inbound, outbound in
                var bytes = Wire.preface
                for id in 1...10 {
                    bytes += Wire.request(id: UInt64(id), method: "/pnrpc.testing.v1.TestService/UnaryCall", payload: payload)
                }
                try await outbound.send(bytes)
                return try await inbound.readFrames(11).filter { $0.type == .end }
            }
            let refused = ends.filter { $0.status?.errorInfo?.reason == "TOO_MANY_CONCURRENT_CALLS" }
            let served = ends.filter { $0.status?.code == 0 }
            #expect(refused.count == 6)
            #expect(served.count == 4)
            try await expectStillServing(server)
        }
    }

    @Test("call ids that do not increase: GOAWAY CALL_ID_NOT_INCREASING")
    func repeatedCallID() async throws {
        try await withServer { server, _ in
            let request = Wire.request(id: 5, method: Self.emptyCall, payload: [])
            let (transcript, closed) = try await exchange(server, Wire.preface + request + request)
            #expect(closed)
            #expect(goAwayReason(transcript) == "CALL_ID_NOT_INCREASING")
            try await expectStillServing(server)
        }
    }

    @Test("a ping flood: GOAWAY PING_FLOOD")
    func pingFlood() async throws {
        try await withServer { server, _ in
            var bytes = Wire.preface
            for index in 0..<50 {
                var ping = WireFrame()
                ping.type = .ping
                ping.pingData = UInt64(index)
                bytes += Wire.frame(ping)
            }
            let (transcript, closed) = try await exchange(server, bytes)
            #expect(closed)
            #expect(transcript.frames.filter { $0.type == .pong }.count == 10)
            #expect(goAwayReason(transcript) == "PING_FLOOD")
            try await expectStillServing(server)
        }
    }

    @Test("a client that stalls mid-frame is closed after the frame read timeout")
    func slowloris() async throws {
        var limits = ServerLimits.forTests
        limits.frameReadTimeout = .milliseconds(300)
        try await withServer(limits: limits) { server, _ in
            let request = Wire.request(id: 1, method: Self.emptyCall, payload: [])
            let (transcript, closed) = try await exchange(server, Wire.preface + request.prefix(5))
            // The reason proves the timeout closed it; how fast is the benchmarks' business.
            #expect(closed)
            #expect(goAwayReason(transcript) == "FRAME_READ_TIMEOUT")
            try await expectStillServing(server)
        }
    }

    @Test("connections past the limit are refused with TOO_MANY_CONNECTIONS; existing ones keep working")
    func connectionLimit() async throws {
        var limits = ServerLimits.forTests
        limits.maxConnections = 2
        try await withServer(limits: limits) { server, client in
            // `client` holds one connection once it has called.
            let before = try await TestServiceClient(client).emptyCall(Empty())
            #expect(before == Empty())
            try await RawConnection.with(port: server.port) { inbound, outbound in
                try await outbound.send(Wire.preface)
                // The second connection is admitted (its SETTINGS arrive); a third is refused.
                let settings = try await inbound.readFrames(1)
                #expect(settings.first?.type == .settings)
                let (transcript, closed) = try await RawConnection.with(port: server.port) { third, _ in
                    try await third.readUntilClosed(limit: .seconds(30))
                }
                #expect(closed)
                #expect(goAwayReason(transcript) == "TOO_MANY_CONNECTIONS")
            }
            let after = try await TestServiceClient(client).emptyCall(Empty())
            #expect(after == Empty())
        }
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }
}
