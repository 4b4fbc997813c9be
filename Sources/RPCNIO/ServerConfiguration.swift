import ProtoBridge

/// How an `RPCServer` listens and what it tolerates from clients.
public struct ServerConfiguration: Sendable {
    /// The address to bind, e.g. `127.0.0.1` or `::`.
    public var host: String
    /// The port to bind; 0 picks a free one (see `RPCServer.listeningAddress()`).
    public var port: Int
    /// What one client may send and hold.
    public var limits: ServerLimits
    /// How long in-flight calls may run after a drain begins before they are cancelled.
    public var drainGracePeriod: Duration
    /// TLS for the listener; `nil` for plaintext (the local default).
    public var tls: ServerTLS?
    /// The kernel's send buffer per connection (SO_SNDBUF, which Linux doubles); `nil`
    /// leaves it to the kernel's autotuning (up to `net.ipv4.tcp_wmem`'s maximum). With
    /// the 256 KiB the server itself queues, it bounds what a client that stops reading
    /// can pin.
    public var socketSendBufferSize: Int?

    /// A configuration with the defaults: 127.0.0.1:7420, default limits, 10 s of grace.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7420,
        limits: ServerLimits = .init(),
        drainGracePeriod: Duration = .seconds(10),
        tls: ServerTLS? = nil
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.limits = limits
        self.drainGracePeriod = drainGracePeriod
    }
}

/// The server's limits; docs/PROTOCOL.md ("Limits") lists what exceeding each does.
public struct ServerLimits: Sendable {
    /// Largest frame body in bytes; larger lengths close the connection (FRAME_TOO_LARGE).
    public var maxFrameSize: Int
    /// Largest request message; larger ones fail the call (RESOURCE_EXHAUSTED, MESSAGE_TOO_LARGE).
    public var maxMessageSize: Int
    /// Largest request metadata (key + value bytes + 32 per entry): METADATA_TOO_LARGE.
    public var maxMetadataSize: Int
    /// Calls in flight on one connection; more fail with TOO_MANY_CONCURRENT_CALLS.
    public var maxConcurrentCallsPerConnection: Int
    /// Open connections; more are refused with a GOAWAY (TOO_MANY_CONNECTIONS).
    public var maxConnections: Int
    /// A connection with no call in flight and nothing received for this long is closed (IDLE_TIMEOUT).
    public var idleTimeout: Duration
    /// A frame (or the preface) that has begun must be complete within this (FRAME_READ_TIMEOUT).
    public var frameReadTimeout: Duration
    /// Pings allowed per `pingWindow`; more close the connection (PING_FLOOD).
    public var maxPingsPerWindow: Int
    /// The window for `maxPingsPerWindow`.
    public var pingWindow: Duration
    /// Allocation bounds for decoding envelopes and requests.
    public var decoding: DecodingLimits

    /// The defaults: 4 MiB messages, 8 KiB metadata, 100 calls per connection,
    /// 10,000 connections, 5 min idle, 10 s per frame, 10 pings per 10 s.
    public init(
        maxMessageSize: Int = 4 << 20,
        maxMetadataSize: Int = 8 << 10,
        maxConcurrentCallsPerConnection: Int = 100,
        maxConnections: Int = 10_000,
        idleTimeout: Duration = .seconds(300),
        frameReadTimeout: Duration = .seconds(10),
        maxPingsPerWindow: Int = 10,
        pingWindow: Duration = .seconds(10)
    ) {
        self.maxMessageSize = maxMessageSize
        self.maxFrameSize = maxMessageSize + maxMetadataSize + 1024
        self.maxMetadataSize = maxMetadataSize
        self.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.frameReadTimeout = frameReadTimeout
        self.maxPingsPerWindow = maxPingsPerWindow
        self.pingWindow = pingWindow
        self.decoding = DecodingLimits(maxMessageSize: maxMessageSize)
    }

    /// Limits for decoding a whole frame (envelope plus payload).
    var frameDecoding: DecodingLimits {
        var limits = decoding
        limits.maxMessageSize = maxFrameSize
        return limits
    }
}
