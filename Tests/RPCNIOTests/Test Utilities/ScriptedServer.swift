import NIOCore
import NIOPosix
import RPCProto
import Synchronization

/// A PNRPC peer that answers each REQUEST as a test's script says, and records every
/// request it received (connection, call id), so a test can prove what a client sent
/// and how often.
final class ScriptedServer: Sendable {
    /// What to do with one request.
    enum Action: Sendable {
        /// Answer it with END OK (an empty message).
        case answer
        /// Close the connection without a word: the request may have been processed.
        case closeSilently
        /// Send GOAWAY with this `last_call_id` (calls above it were not processed), answer
        /// the calls in `answering` (accepted ones finish), then close.
        case goAway(lastCallID: UInt64, answering: [UInt64] = [], after: Duration = .zero)
        /// Say nothing yet.
        case ignore
    }

    /// A request as received.
    struct Received: Sendable, Equatable {
        let connection: Int
        let callID: UInt64
        /// The time the client said it would still wait, as sent.
        let timeoutMicros: UInt64
        /// The request message's bytes.
        let payload: [UInt8]
    }

    /// Every request so far, in arrival order.
    final class Recorder: Sendable {
        let list = Mutex<[Received]>([])
    }

    let port: Int
    private let received = Recorder()
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let task: Task<Void, any Error>

    var requests: [Received] { received.list.withLock { $0 } }

    /// Listens on a free loopback port; `script` decides per request, given the
    /// connection's number (from 1) and how many requests came before on all connections.
    init(script: @escaping @Sendable (_ connection: Int, _ frame: WireFrame, _ earlier: Int) -> Action) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        self.channel = channel
        port = channel.channel.localAddress!.port!
        let received = self.received
        task = Task {
            try await channel.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    var count = 0
                    for try await connection in connections {
                        count += 1
                        let number = count
                        group.addTask {
                            try? await Self.serve(connection, number: number, received: received, script: script)
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` with a server following `script`, and stops it afterwards, also when `body` throws.
    static func with<T>(
        _ script: @escaping @Sendable (_ connection: Int, _ frame: WireFrame, _ earlier: Int) -> Action,
        _ body: (ScriptedServer) async throws -> T
    ) async throws -> T {
        let server = try await ScriptedServer(script: script)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func stop() async {
        task.cancel()
        try? await channel.channel.close()
        _ = try? await task.value
    }

    private static func serve(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        number: Int,
        received: Recorder,
        script: @Sendable (Int, WireFrame, Int) -> Action
    ) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var settings = WireFrame()
            settings.type = .settings
            var values = WireSettings()
            values.maxConcurrentCalls = 100
            settings.settings = values
            try await outbound.write(ByteBuffer(bytes: Wire.preface + Wire.frame(settings)))
            var pending: [UInt8] = []
            var sawPreface = false
            for try await chunk in inbound {
                pending += Array(chunk.readableBytesView)
                if !sawPreface {
                    guard pending.count >= 8 else { continue }
                    pending.removeFirst(8)
                    sawPreface = true
                }
                while pending.count >= 4 {
                    let length = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                    guard pending.count >= 4 + length else { break }
                    let frame = try WireFrame(serializedBytes: Array(pending[4..<4 + length]))
                    pending.removeFirst(4 + length)
                    guard frame.type == .request else { continue }
                    let earlier = received.list.withLock { list in
                        list.append(
                            Received(connection: number, callID: frame.callId, timeoutMicros: frame.timeoutMicros, payload: frame.payload)
                        )
                        return list.count - 1
                    }
                    switch script(number, frame, earlier) {
                    case .answer:
                        var end = WireFrame()
                        end.type = .end
                        end.callId = frame.callId
                        try await outbound.write(ByteBuffer(bytes: Wire.frame(end)))
                    case .closeSilently:
                        return
                    case .goAway(let last, let answering, let delay):
                        if delay > .zero { try await Task.sleep(for: delay) }
                        var goAway = WireFrame()
                        goAway.type = .goaway
                        goAway.lastCallId = last
                        var status = WireStatus()
                        status.code = 14
                        status.message = "going away"
                        goAway.status = status
                        var bytes = Wire.frame(goAway)
                        for id in answering {
                            var end = WireFrame()
                            end.type = .end
                            end.callId = id
                            bytes += Wire.frame(end)
                        }
                        try await outbound.write(ByteBuffer(bytes: bytes))
                        return
                    case .ignore:
                        continue
                    }
                }
            }
        }
    }
}
