import Foundation
import RPCCore
import RPCNIO
import RPCProto
import RPCTesting
import Testing

/// docs/PROTOCOL.md's tables of refusals (section 3) and connection errors (section 5)
/// are the contract: each reason is triggered over TCP with raw bytes and checked for
/// its documented status code, the `pnrpc` domain and its documented metadata.
@Suite("every documented runtime reason", .serialized, .timeLimit(.minutes(2)))
struct RuntimeReasonContractTests {
    struct Documented {
        let code: String
        let metadataKeys: [String]
    }

    /// Rows of the refusal table ("| refusal | code | reason |") and of the connection
    /// error table ("| reason | code | cause |").
    static func documented() throws -> [String: Documented] {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        var rows: [String: Documented] = [:]
        func table(after header: String) -> [[String]] {
            guard let start = text.range(of: header) else { return [] }
            return text[start.upperBound...].split(separator: "\n").dropFirst().prefix { $0.hasPrefix("|") }.map { line in
                line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            }.filter { !$0[0].hasPrefix("---") }
        }
        func keys(_ cell: String) -> [String] {
            guard let range = cell.range(of: #"\(metadata [^)]*\)"#, options: .regularExpression) else { return [] }
            return cell[range].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map {
                String($0.element)
            }
        }
        func reason(_ cell: String) -> String {
            String(cell.split(separator: "`", omittingEmptySubsequences: false).dropFirst().first ?? "")
        }
        for cells in table(after: "| refusal | code | reason |") where cells.count >= 3 {
            rows[reason(cells[2])] = Documented(code: cells[1], metadataKeys: keys(cells[0]))
        }
        for cells in table(after: "| reason | code | cause |") where cells.count >= 3 {
            rows[reason(cells[0])] = Documented(code: cells[1], metadataKeys: keys(cells[2]))
        }
        return rows
    }

    private static let emptyCall = "/pnrpc.testing.v1.TestService/EmptyCall"

    /// Sends `bytes` on a new connection to a new server and returns the status of the
    /// GOAWAY, or else of the first END that is not OK.
    private func status(
        _ bytes: [UInt8],
        limits: ServerLimits = .forTests,
        services: [any RPCService] = [InteropTestService(), ProbeService()],
        closeAfterSending: Bool = false
    ) async throws -> WireStatus? {
        try await TestServer.with(services: services, limits: limits) { server in
            let (transcript, _) = try await RawConnection.with(port: server.port) { inbound, outbound in
                try? await outbound.send(bytes)
                if closeAfterSending { outbound.finish() }
                return try await inbound.read(limit: .seconds(30)) { transcript in
                    transcript.goAway != nil || transcript.frames.contains { $0.type == .end && ($0.status?.code ?? 0) != 0 }
                }
            }
            return transcript.goAway?.status ?? transcript.frames.first { $0.type == .end && ($0.status?.code ?? 0) != 0 }?.status
        }
    }

    private func request(
        _ method: String,
        id: UInt64 = 1,
        payload: [UInt8] = [],
        metadata: [(String, String)] = [],
        timeoutMicros: UInt64 = 0
    ) -> [UInt8] {
        Wire.request(id: id, method: method, payload: payload, metadata: metadata, timeoutMicros: timeoutMicros)
    }

    private func frame(_ type: WireFrameType, id: UInt64 = 0) -> [UInt8] {
        var frame = WireFrame()
        frame.type = type
        frame.callId = id
        return Wire.frame(frame)
    }

    @Test("each runtime reason in docs/PROTOCOL.md: its code, the pnrpc domain and its documented metadata")
    func everyReason() async throws {
        let documented = try Self.documented()
        typealias Trigger = () async throws -> WireStatus?
        let limits = ServerLimits.forTests  // each trigger varies what it needs
        let triggers: [(String, Trigger)] = [
            ("UNKNOWN_SERVICE", { try await status(Wire.preface + request("/no.Such/Thing")) }),
            ("UNKNOWN_METHOD", { try await status(Wire.preface + request("/pnrpc.testing.v1.TestService/NoSuchMethod")) }),
            (
                "TOO_MANY_CONCURRENT_CALLS",
                {
                    var one = limits
                    one.maxConcurrentCallsPerConnection = 1
                    return try await status(
                        Wire.preface + request("/pnrpc.testing.v1.Probe/Park", id: 1) + request("/pnrpc.testing.v1.Probe/Park", id: 2),
                        limits: one
                    )
                }
            ),
            (
                "MESSAGE_TOO_LARGE",
                {
                    var small = limits
                    small.maxMessageSize = 16
                    return try await status(Wire.preface + request(Self.emptyCall, payload: Array(repeating: 0, count: 64)), limits: small)
                }
            ),
            (
                "METADATA_TOO_LARGE",
                { try await status(Wire.preface + request(Self.emptyCall, metadata: [("x-big", String(repeating: "a", count: 9000))])) }
            ),
            ("INVALID_METADATA", { try await status(Wire.preface + request(Self.emptyCall, metadata: [("X-Upper", "v")])) }),
            ("DRAINING", { try await draining() }),
            (
                "MALFORMED_MESSAGE",
                { try await status(Wire.preface + request("/pnrpc.testing.v1.TestService/UnaryCall", payload: [0x12, 0x7F, 0x00])) }
            ),
            (
                "INVALID_UTF8",
                {
                    try await status(
                        Wire.preface + request("/pnrpc.testing.v1.TestService/CountPayloads", payload: [0x12, 0x02, 0xC3, 0x28])
                    )
                }
            ),
            (
                "NUL_IN_STRING",
                {
                    try await status(
                        Wire.preface + request("/pnrpc.testing.v1.TestService/CountPayloads", payload: [0x12, 0x03, 0x61, 0x00, 0x62])
                    )
                }
            ),
            (
                "MESSAGE_TOO_COMPLEX",
                {
                    let payload: [UInt8] = (0..<(3 << 20)).map { $0 % 2 == 0 ? 0x0A : 0x00 }
                    return try await status(Wire.preface + request("/pnrpc.testing.v1.TestService/CountPayloads", payload: payload))
                }
            ),
            ("DEADLINE_EXCEEDED", { try await status(Wire.preface + request("/pnrpc.testing.v1.Probe/Hang", timeoutMicros: 100_000)) }),
            (
                "INTERNAL",
                {
                    let status = try await status(Wire.preface + request("/pnrpc.testing.v1.Probe/Fail"))
                    #expect(status?.message == "internal error", "the message is generic: \(status?.message ?? "")")
                    return status
                }
            ),
            ("SERVER_SHUTDOWN", { try await shutdown() }),
            ("UNSUPPORTED_VERSION", { try await status(Array("PNRPC".utf8) + [0, 0, 9]) }),
            ("EMPTY_FRAME", { try await status(Wire.preface + [0, 0, 0, 0]) }),
            ("MALFORMED_FRAME", { try await status(Wire.preface + Wire.lengthPrefixed([0x1A, 0x7F, 0x41])) }),
            ("UNEXPECTED_FRAME", { try await status(Wire.preface + frame(.end, id: 1)) }),
            ("CALL_ID_NOT_INCREASING", { try await status(Wire.preface + request(Self.emptyCall, id: 0)) }),
            ("FRAME_TOO_LARGE", { try await status(Wire.preface + [0x7F, 0xFF, 0xFF, 0xFF]) }),
            ("TOO_MANY_CONNECTIONS", { try await tooManyConnections() }),
            (
                "PING_FLOOD",
                {
                    var bytes = Wire.preface
                    for _ in 0..<50 { bytes += frame(.ping) }
                    return try await status(bytes)
                }
            ),
            (
                "IDLE_TIMEOUT",
                {
                    var idle = limits
                    idle.idleTimeout = .milliseconds(200)
                    return try await status(Wire.preface, limits: idle)
                }
            ),
            (
                "FRAME_READ_TIMEOUT",
                {
                    var impatient = limits
                    impatient.frameReadTimeout = .milliseconds(300)
                    return try await status(Wire.preface + Array(request(Self.emptyCall).prefix(5)), limits: impatient)
                }
            ),
        ]
        let triggered = Set(triggers.map(\.0))
        #expect(
            Set(documented.keys) == triggered,
            "documented but not triggered: \(Set(documented.keys).subtracting(triggered).sorted()); triggered but not documented: \(triggered.subtracting(documented.keys).sorted())"
        )
        for (reason, trigger) in triggers {
            guard let row = documented[reason] else { continue }
            let status = try await trigger()
            #expect(status?.errorInfo?.reason == reason, "\(reason): got \(String(describing: status))")
            #expect(
                status.flatMap { StatusCode(rawValue: $0.code)?.name } == row.code,
                "\(reason): code \(status?.code ?? -1), documented \(row.code)"
            )
            #expect(status?.errorInfo?.domain == "pnrpc", "\(reason): domain \(status?.errorInfo?.domain ?? "none")")
            for key in row.metadataKeys {
                #expect(status?.errorInfo?.metadata.contains { $0.key == key } == true, "\(reason): no metadata '\(key)'")
            }
        }
    }

    /// A call arrives on a connection whose server has begun to drain.
    private func draining() async throws -> WireStatus? {
        let probe = ProbeService()
        return try await TestServer.with(services: [InteropTestService(), probe], drainGracePeriod: .seconds(30)) { server in
            let connection = try await RawConnection.open(port: server.port)
            return try await connection.channel.executeThenClose { inbound, outbound in
                try await outbound.send(Wire.preface + request("/pnrpc.testing.v1.Probe/Gated", id: 1))
                #expect(await probe.next() == "started")
                let stopping = Task { await server.stop() }
                var transcript = ServerTranscript()
                var iterator = inbound.makeAsyncIterator()
                while transcript.goAway == nil, let buffer = try await iterator.next() { transcript.bytes += buffer.readableBytesView }
                try await outbound.send(request(Self.emptyCall, id: 2))
                while !transcript.frames.contains(where: { $0.type == .end && $0.callId == 2 }), let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                probe.openGate()
                await stopping.value
                return transcript.frames.first { $0.type == .end && $0.callId == 2 }?.status
            }
        }
    }

    /// A call still running when the drain's grace period ends.
    private func shutdown() async throws -> WireStatus? {
        try await TestServer.with(services: [InteropTestService(), ProbeService()], drainGracePeriod: .milliseconds(200)) { server in
            let connection = try await RawConnection.open(port: server.port)
            return try await connection.channel.executeThenClose { inbound, outbound in
                try await outbound.send(Wire.preface + request("/pnrpc.testing.v1.Probe/Hang", id: 1))
                var transcript = ServerTranscript()
                var iterator = inbound.makeAsyncIterator()
                while transcript.frames.first(where: { $0.type == .settings }) == nil, let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                let stopping = Task { await server.stop() }
                while !transcript.frames.contains(where: { $0.type == .end }), let buffer = try await iterator.next() {
                    transcript.bytes += buffer.readableBytesView
                }
                await stopping.value
                return transcript.frames.first { $0.type == .end }?.status
            }
        }
    }

    /// A second connection beyond a limit of one.
    private func tooManyConnections() async throws -> WireStatus? {
        var one = ServerLimits.forTests
        one.maxConnections = 1
        return try await TestServer.with(limits: one) { server in
            let first = try await RawConnection.open(port: server.port)
            return try await first.channel.executeThenClose { firstInbound, firstOutbound in
                try await firstOutbound.send(Wire.preface)
                var iterator = firstInbound.makeAsyncIterator()
                _ = try await iterator.next()  // the first connection is served
                let (transcript, _) = try await RawConnection.with(port: server.port) { inbound, outbound in
                    try? await outbound.send(Wire.preface)
                    return try await inbound.readUntilClosed(limit: .seconds(30))
                }
                return transcript.goAway?.status
            }
        }
    }
}

/// The typed runtime reasons and the docs agree, both ways.
@Suite("runtime reasons are typed and documented")
struct RuntimeReasonCatalogTests {
    @Test("every RuntimeReason appears in docs/PROTOCOL.md or docs/API.md, and only four prove a call unprocessed")
    func catalog() throws {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        let docs = try ["docs/PROTOCOL.md", "docs/API.md"].map {
            try String(contentsOf: url.deletingLastPathComponent().appendingPathComponent($0), encoding: .utf8)
        }.joined()
        for reason in RuntimeReason.allCases {
            #expect(docs.contains("`\(reason.rawValue)`"), "\(reason.rawValue) is not documented")
        }
        #expect(Set(RuntimeReason.allCases.filter(\.provesCallNotProcessed)) == [.notSent, .notProcessed, .draining, .connectFailed])
    }

    @Test("only the runtime's domain makes a reason a runtime reason; retrying follows the typed value")
    func typedRetry() {
        let draining = RPCError(code: .unavailable, message: "draining", reason: .draining)
        #expect(draining.runtimeReason == .draining && draining.isSafeToRetry)
        let lost = RPCError(code: .unavailable, message: "lost", reason: .connectionLost)
        #expect(!lost.isSafeToRetry)
        let lookalike = RPCError(code: .unavailable, message: "x", details: ErrorDetails(reason: "DRAINING", domain: "phonenumbers.v1"))
        #expect(lookalike.runtimeReason == nil && !lookalike.isSafeToRetry, "a service's own DRAINING is not the runtime's")
        let wrongCode = RPCError(code: .internal, message: "x", reason: .notSent)
        #expect(!wrongCode.isSafeToRetry)
    }
}
