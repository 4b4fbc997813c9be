/// Every reason the runtime itself raises (domain `pnrpc`), in one place: transports
/// and callers use these values, never the strings. docs/PROTOCOL.md documents those
/// of PNRPC and docs/API.md those of the Connect gateway (both checked by tests).
public enum RuntimeReason: String, Sendable, CaseIterable {
    /// The connection did not start with PNRPC's preface.
    case badPreface = "BAD_PREFACE"
    /// The server's preface was not PNRPC's.
    case badServerPreface = "BAD_SERVER_PREFACE"
    /// An HTTP request body did not arrive in time (the Connect gateway).
    case bodyReadTimeout = "BODY_READ_TIMEOUT"
    /// A REQUEST frame's call id was not above the last one.
    case callIdNotIncreasing = "CALL_ID_NOT_INCREASING"
    /// The call was cancelled.
    case cancelled = "CANCELLED"
    /// The client was closed before or during the call.
    case clientClosed = "CLIENT_CLOSED"
    /// The connection was lost after the call was sent: it may have run.
    case connectionLost = "CONNECTION_LOST"
    /// The client could not connect: the call was not sent.
    case connectFailed = "CONNECT_FAILED"
    /// The call's deadline passed.
    case deadlineExceeded = "DEADLINE_EXCEEDED"
    /// The server is draining and refused the call before running it.
    case draining = "DRAINING"
    /// A frame of length zero.
    case emptyFrame = "EMPTY_FRAME"
    /// A frame did not arrive whole in time.
    case frameReadTimeout = "FRAME_READ_TIMEOUT"
    /// A frame over the size limit.
    case frameTooLarge = "FRAME_TOO_LARGE"
    /// The connection was idle too long.
    case idleTimeout = "IDLE_TIMEOUT"
    /// A handler failed in a way it did not describe.
    case `internal` = "INTERNAL"
    /// A JSON request does not fit its message (the Connect gateway).
    case invalidJsonField = "INVALID_JSON_FIELD"
    /// The client's local address is not one it can bind.
    case invalidLocalAddress = "INVALID_LOCAL_ADDRESS"
    /// Metadata with a key or value the protocol does not allow.
    case invalidMetadata = "INVALID_METADATA"
    /// `Connect-Timeout-Ms` is malformed (the Connect gateway).
    case invalidTimeout = "INVALID_TIMEOUT"
    /// A string that is not valid UTF-8.
    case invalidUtf8 = "INVALID_UTF8"
    /// A Connect streaming request that is not one envelope.
    case malformedEnvelope = "MALFORMED_ENVELOPE"
    /// Bytes that are not a frame.
    case malformedFrame = "MALFORMED_FRAME"
    /// An HTTP request that is not well-formed HTTP/1.1 (the HTTP side).
    case malformedHttp = "MALFORMED_HTTP"
    /// A request body that is not JSON (the Connect gateway).
    case malformedJson = "MALFORMED_JSON"
    /// A message that does not decode.
    case malformedMessage = "MALFORMED_MESSAGE"
    /// A response from the server that does not decode.
    case malformedResponse = "MALFORMED_RESPONSE"
    /// A message over the decoding allocation budget.
    case messageTooComplex = "MESSAGE_TOO_COMPLEX"
    /// A message over the size limit.
    case messageTooLarge = "MESSAGE_TOO_LARGE"
    /// Metadata over the size limit.
    case metadataTooLarge = "METADATA_TOO_LARGE"
    /// The server announced (GOAWAY) that it did not process the call.
    case notProcessed = "NOT_PROCESSED"
    /// The connection was closing: the call was not sent.
    case notSent = "NOT_SENT"
    /// A unary handler tried to stream.
    case notStreaming = "NOT_STREAMING"
    /// A string field of a request holds a NUL (U+0000): refused, never cut short.
    case nulInString = "NUL_IN_STRING"
    /// Too many PINGs in the window.
    case pingFlood = "PING_FLOOD"
    /// The server speaks TLS and the client did not.
    case serverRequiresTls = "SERVER_REQUIRES_TLS"
    /// The server shut down.
    case serverShutdown = "SERVER_SHUTDOWN"
    /// The health check names a service the server does not serve.
    case serviceUnknown = "SERVICE_UNKNOWN"
    /// The TLS configuration cannot be used.
    case tlsConfiguration = "TLS_CONFIGURATION"
    /// The TLS handshake failed.
    case tlsHandshakeFailed = "TLS_HANDSHAKE_FAILED"
    /// TLS is required and the peer did not offer it.
    case tlsRequired = "TLS_REQUIRED"
    /// More calls at once than allowed.
    case tooManyConcurrentCalls = "TOO_MANY_CONCURRENT_CALLS"
    /// More connections than allowed.
    case tooManyConnections = "TOO_MANY_CONNECTIONS"
    /// A frame that is not allowed at that point.
    case unexpectedFrame = "UNEXPECTED_FRAME"
    /// The service exists, the method does not.
    case unknownMethod = "UNKNOWN_METHOD"
    /// No such service.
    case unknownService = "UNKNOWN_SERVICE"
    /// A compressed message (the Connect gateway does not compress).
    case unsupportedCompression = "UNSUPPORTED_COMPRESSION"
    /// A content type the method does not take (the Connect gateway).
    case unsupportedContentType = "UNSUPPORTED_CONTENT_TYPE"
    /// A protocol version this side does not speak.
    case unsupportedVersion = "UNSUPPORTED_VERSION"
    /// A watch stream ended before its first message.
    case watchNotStarted = "WATCH_NOT_STARTED"

    /// Whether an UNAVAILABLE error with this reason proves the call never ran, so it
    /// may be sent again (to this endpoint or another) without running twice.
    public var provesCallNotProcessed: Bool {
        switch self {
        case .notSent, .notProcessed, .draining, .connectFailed: return true
        default: return false
        }
    }
}

extension RPCError {
    /// The runtime reason of an error the runtime raised (domain `pnrpc`), read from the
    /// wire or made here; `nil` for a service's own reasons.
    public var runtimeReason: RuntimeReason? {
        guard let details, details.domain == RPCError.runtimeDomain else { return nil }
        return RuntimeReason(rawValue: details.reason)
    }

    /// Whether the call provably was not processed, so sending it again cannot run it twice.
    public var isSafeToRetry: Bool {
        code == .unavailable && runtimeReason?.provesCallNotProcessed == true
    }
}
