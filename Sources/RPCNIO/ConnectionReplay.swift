import NIOCore
import NIOEmbedded
import RPCCore
import RPCProto

/// Drives one server connection with arbitrary bytes on an embedded loop (no socket, no
/// handler tasks: no service is routed) and checks, after every chunk and at the end,
/// the invariants the protocol promises. The fuzzer (`FuzzFrames`) and a unit test that
/// replays the committed corpus both use it.
struct ConnectionReplay {
    /// What broke, in words; empty when every invariant held.
    private(set) var violations: [String] = []

    static let limits: ServerLimits = {
        var limits = ServerLimits(
            maxMessageSize: 64 << 10,
            maxMetadataSize: 1 << 10,
            maxConcurrentCallsPerConnection: 4,
            maxPingsPerWindow: 4
        )
        limits.frameReadTimeout = .seconds(60)
        return limits
    }()

    /// Feeds `bytes` in chunks whose sizes come from the bytes themselves (half the time
    /// after a valid preface, so the frame layer is reached), then checks what the server
    /// sent.
    static func run(_ bytes: [UInt8]) -> ConnectionReplay {
        var replay = ConnectionReplay()
        let channel = EmbeddedChannel()
        let handler = ServerConnectionHandler(
            router: RPCRouter(services: []),
            limits: limits,
            drainGracePeriod: .seconds(1),
            executor: EventLoopTaskExecutor(eventLoop: channel.eventLoop),
            logger: .init(label: "replay")
        )
        try! channel.pipeline.syncOperations.addHandler(handler)
        try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var input = bytes
        if let first = bytes.first, first & 1 == 1 {
            input = Array("PNRPC".utf8) + [0, 0, 1] + bytes.dropFirst()
        }
        var sent: [UInt8] = []
        var offset = 0
        var step = 1
        while offset < input.count, channel.isActive {
            let length = min(input.count - offset, max(1, Int(input[offset]) % 64 + step))
            step = step * 3 % 97 + 1
            offset += length
            // As a socket does: a read, then the end of the read burst (where answers are flushed).
            _ = try? channel.writeInbound(ByteBuffer(bytes: input[offset - length..<offset]))
            channel.pipeline.fireChannelReadComplete()
            channel.embeddedEventLoop.run()
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { sent += buffer.readableBytesView }
            if handler.callsInFlight > limits.maxConcurrentCallsPerConnection {
                replay.violations.append(
                    "\(handler.callsInFlight) calls in flight, above the limit of \(limits.maxConcurrentCallsPerConnection)"
                )
            }
        }
        let stillOpen = channel.isActive
        _ = try? channel.finish()
        replay.check(received: Array(input[..<offset]), sent: sent, stillOpen: stillOpen)
        return replay
    }

    /// The frames a byte stream holds after `skip` bytes, as far as they are complete and decode.
    static func frames(_ bytes: [UInt8], skip: Int) -> [WireFrame] {
        var frames: [WireFrame] = []
        var index = skip
        while index + 4 <= bytes.count {
            let length = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length > 0, index + 4 + length <= bytes.count,
                let frame = try? WireFrame(serializedBytes: Array(bytes[index + 4..<index + 4 + length]))
            else { break }
            frames.append(frame)
            index += 4 + length
        }
        return frames
    }

    /// Checks what the server `sent` against what it `received`.
    mutating func check(received: [UInt8], sent: [UInt8], stillOpen: Bool) {
        let validPreface = received.count >= 8 && Array(received.prefix(6)) == Array("PNRPC".utf8) + [0]
        guard validPreface else { return }  // answered in the peer's terms (section 1), not in frames
        guard sent.count >= 8, Array(sent.prefix(6)) == Array("PNRPC".utf8) + [0] else {
            violations.append("the server did not answer a valid preface with its own")
            return
        }
        let out = Self.frames(sent, skip: 8)
        if let first = out.first, first.type != .settings, first.type != .goaway {
            violations.append("the first frame was \(first.type), not SETTINGS")
        }
        let requests = Set(Self.frames(received, skip: 8).filter { $0.type == .request }.map(\.callId))
        var answered: Set<UInt64> = []
        var goAway: WireFrame?
        for frame in out {
            if let goAway, goAway.status?.errorInfo?.reason != RuntimeReason.draining.rawValue {
                violations.append("a \(frame.type) frame after the GOAWAY that closed the connection")
            }
            switch frame.type {
            case .end:
                if !requests.contains(frame.callId) { violations.append("END for call \(frame.callId), which the client never started") }
                if !answered.insert(frame.callId).inserted { violations.append("a second END for call \(frame.callId)") }
                if let goAway, frame.callId > goAway.lastCallId, frame.status?.errorInfo?.reason != RuntimeReason.draining.rawValue {
                    violations.append("call \(frame.callId) above GOAWAY's last_call_id \(goAway.lastCallId) was answered as if processed")
                }
            case .goaway:
                if goAway != nil { violations.append("a second GOAWAY") }
                goAway = frame
            case .settings, .pong:
                break
            default:
                violations.append("the server sent a \(frame.type) frame")
            }
        }
        if stillOpen, goAway == nil {
            let unanswered = requests.subtracting(answered)
            if !unanswered.isEmpty {
                violations.append("calls \(unanswered.sorted()) were started and never answered on an open connection")
            }
        }
    }
}
