import NIOCore
import NIOPosix
import ProtoBridge
import RPCCore
import RPCProto

@testable import RPCNIO

/// A TCP connection that sends whatever bytes a test wants and records everything
/// the server answers until it closes: for testing hostile and careless clients.
struct RawConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// A connection to `port`; `receiveBufferSize` sets the kernel's receive buffer
    /// (SO_RCVBUF) before connecting.
    static func open(port: Int, receiveBufferSize: Int? = nil) async throws -> RawConnection {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let size = receiveBufferSize { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(size)) }
        let channel =
            try await bootstrap
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                }
            }
        return RawConnection(channel: channel)
    }

    /// Opens a connection, runs `body`, and closes it.
    static func with<T>(
        port: Int,
        receiveBufferSize: Int? = nil,
        _ body: (NIOAsyncChannelInboundStream<ByteBuffer>, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T
    ) async throws -> T {
        let connection = try await open(port: port, receiveBufferSize: receiveBufferSize)
        return try await connection.channel.executeThenClose { inbound, outbound in
            try await body(inbound, outbound)
        }
    }
}

/// What a server sent on a raw connection.
struct ServerTranscript {
    var bytes: [UInt8] = []

    var startsWithPreface: Bool {
        bytes.starts(with: Array("PNRPC".utf8) + [0, 0, 1])
    }

    /// The frames after the preface (complete ones only).
    var frames: [WireFrame] {
        guard startsWithPreface else { return [] }
        var index = 8
        var frames: [WireFrame] = []
        while index + 4 <= bytes.count {
            let length = bytes[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            guard index + 4 + length <= bytes.count else { break }
            if let frame = try? WireFrame(serializedBytes: Array(bytes[index + 4..<index + 4 + length])) {
                frames.append(frame)
            }
            index += 4 + length
        }
        return frames
    }

    var goAway: WireFrame? { frames.first { $0.type == .goaway } }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension NIOAsyncChannelInboundStream<ByteBuffer> {
    /// Reads until the server closes the connection, or until `limit` passes.
    func readUntilClosed(limit: Duration = .seconds(10)) async throws -> (ServerTranscript, closed: Bool) {
        try await read(limit: limit) { _ in false }
    }

    /// Reads until what arrived satisfies `done`, the server closes the connection, or
    /// `limit` passes; `closed` says whether the connection ended.
    func read(limit: Duration, until done: @escaping @Sendable (ServerTranscript) -> Bool) async throws -> (ServerTranscript, closed: Bool)
    {
        try await withThrowingTaskGroup(of: (ServerTranscript, Bool)?.self) { group in
            group.addTask {
                var transcript = ServerTranscript()
                do {
                    for try await buffer in self {
                        transcript.bytes += buffer.readableBytesView
                        if done(transcript) { return (transcript, false) }
                    }
                } catch {
                    // A reset (the server closed while unread bytes remained) is a close too.
                }
                return (transcript, true)
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return first ?? (ServerTranscript(), false)
        }
    }

    /// Reads until `count` frames have arrived (after the preface), the connection
    /// closes, or 30 s pass.
    func readFrames(_ count: Int) async throws -> [WireFrame] {
        try await read(limit: .seconds(30)) { $0.frames.count >= count }.0.frames
    }
}

enum Wire {
    static var preface: [UInt8] { Array("PNRPC".utf8) + [0, 0, 1] }

    static func frame(_ frame: WireFrame) -> [UInt8] {
        lengthPrefixed(frame.serializedBytes())
    }

    static func lengthPrefixed(_ body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + body
    }

    static func request(
        id: UInt64,
        method: String,
        payload: [UInt8],
        metadata: [(String, String)] = [],
        timeoutMicros: UInt64 = 0
    ) -> [UInt8] {
        var frame = WireFrame()
        frame.type = .request
        frame.callId = id
        frame.method = method
        frame.payload = payload
        frame.timeoutMicros = timeoutMicros
        frame.metadata = metadata.map { key, value in
            var entry = WireMetadataEntry()
            entry.key = key
            entry.value = value
            return entry
        }
        return Self.frame(frame)
    }
}

extension NIOAsyncChannelOutboundWriter<ByteBuffer> {
    func send(_ bytes: [UInt8]) async throws {
        try await write(ByteBuffer(bytes: bytes))
    }
}
