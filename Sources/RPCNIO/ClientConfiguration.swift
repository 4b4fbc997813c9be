import RPCCore

/// Where an `RPCClient` connects and how it behaves.
public struct ClientConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// Metadata sent with every call (e.g. `authorization`), before per-call metadata.
    public var defaultMetadata: Metadata
    /// How long establishing a TCP connection may take.
    public var connectTimeout: Duration
    /// The wait before the first reconnection attempt after a failure; doubles up to `maxBackoff`.
    public var initialBackoff: Duration
    /// The longest wait between reconnection attempts.
    public var maxBackoff: Duration
    /// How many times a call that provably was not processed is sent again.
    public var maxRetries: Int
    /// The largest frame accepted from the server.
    public var maxFrameSize: Int
    /// TLS for the connection; `nil` for plaintext.
    public var tls: ClientTLS?
    /// Refuse to send any call without TLS (for clients that carry credentials off this machine).
    public var requireTLS: Bool
    /// The local address to connect from (e.g. one interface of a multi-homed host); any when `nil`.
    public var localAddress: String?

    /// A configuration for `host:port` with the defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7420,
        defaultMetadata: Metadata = [:],
        connectTimeout: Duration = .seconds(5),
        initialBackoff: Duration = .milliseconds(100),
        maxBackoff: Duration = .seconds(5),
        maxRetries: Int = 3,
        maxFrameSize: Int = (4 << 20) + (16 << 10),
        tls: ClientTLS? = nil,
        requireTLS: Bool = false,
        localAddress: String? = nil
    ) {
        self.localAddress = localAddress
        self.tls = tls
        self.requireTLS = requireTLS
        self.host = host
        self.port = port
        self.defaultMetadata = defaultMetadata
        self.connectTimeout = connectTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetries = maxRetries
        self.maxFrameSize = maxFrameSize
    }

    /// The wait before reconnection attempt number `failures` (1 = after the first failure).
    func backoff(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var wait = initialBackoff
        for _ in 1..<min(failures, 30) where wait < maxBackoff {
            wait *= 2
        }
        return min(wait, maxBackoff)
    }
}
