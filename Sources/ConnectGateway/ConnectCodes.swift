import RPCCore

/// Status codes as Connect names and maps them to HTTP (connectrpc.com/docs/protocol).
extension StatusCode {
    /// Connect's lower-case name, e.g. `invalid_argument`, `canceled`.
    public var connectName: String {
        self == .cancelled ? "canceled" : name.lowercased()
    }

    /// The code with Connect's name `name`, if any.
    public init?(connectName name: String) {
        guard let code = StatusCode.allCases.first(where: { $0 != .ok && $0.connectName == name }) else { return nil }
        self = code
    }

    /// The HTTP status a unary Connect error carries.
    public var connectHTTPStatus: Int {
        switch self {
        case .ok: return 200
        case .cancelled: return 499
        case .invalidArgument, .failedPrecondition, .outOfRange: return 400
        case .deadlineExceeded: return 504
        case .notFound: return 404
        case .alreadyExists, .aborted: return 409
        case .permissionDenied: return 403
        case .resourceExhausted: return 429
        case .unimplemented: return 501
        case .unavailable: return 503
        case .unauthenticated: return 401
        case .unknown, .internal, .dataLoss: return 500
        }
    }

    /// The code a client infers from an HTTP status without a Connect error body.
    public init(connectHTTPStatus status: Int) {
        switch status {
        case 400: self = .internal
        case 401: self = .unauthenticated
        case 403: self = .permissionDenied
        case 404: self = .unimplemented
        case 429, 502, 503, 504: self = .unavailable
        default: self = .unknown
        }
    }
}
