import RPCCore

/// Why a connection is closed by the runtime. Each is announced with a GOAWAY whose
/// status carries the reason (except a bad preface, answered in the peer's terms).
enum ConnectionError: Error, Equatable {
    case badPreface(Preface.PeerGuess)
    case unsupportedVersion(UInt16)
    case emptyFrame
    case frameTooLarge(length: Int, limit: Int)
    case malformedFrame(String)
    case protocolViolation(reason: RuntimeReason, message: String)
    case tooManyConnections(limit: Int)
    case pingFlood
    case idleTimeout
    case frameReadTimeout

    /// The status sent in the GOAWAY that announces the close.
    var status: RPCError {
        switch self {
        case .badPreface:
            return RPCError(code: .invalidArgument, message: "bad connection preface", reason: .badPreface)
        case .unsupportedVersion(let version):
            return RPCError(
                code: .failedPrecondition,
                message: "protocol version \(version) is not supported; this server speaks \(Preface.version)",
                reason: .unsupportedVersion,
                metadata: ["supported": String(Preface.version)]
            )
        case .emptyFrame:
            return RPCError(code: .invalidArgument, message: "a frame of length 0 is not allowed", reason: .emptyFrame)
        case .frameTooLarge(let length, let limit):
            return RPCError(
                code: .resourceExhausted,
                message: "frame of \(length) bytes exceeds the limit of \(limit) bytes",
                reason: .frameTooLarge,
                metadata: ["limit": String(limit)]
            )
        case .malformedFrame(let detail):
            return RPCError(code: .invalidArgument, message: "malformed frame: \(detail)", reason: .malformedFrame)
        case .protocolViolation(let reason, let message):
            return RPCError(code: .invalidArgument, message: message, reason: reason)
        case .tooManyConnections(let limit):
            return RPCError(
                code: .resourceExhausted,
                message: "the server has reached its limit of \(limit) connections",
                reason: .tooManyConnections,
                metadata: ["limit": String(limit)]
            )
        case .pingFlood:
            return RPCError(code: .resourceExhausted, message: "too many pings", reason: .pingFlood)
        case .idleTimeout:
            return RPCError(code: .unavailable, message: "the connection was idle too long", reason: .idleTimeout)
        case .frameReadTimeout:
            return RPCError(code: .unavailable, message: "a frame took too long to arrive", reason: .frameReadTimeout)
        }
    }
}
