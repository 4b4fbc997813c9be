/// Machine-readable facts about an error, like google.rpc.ErrorInfo.
public struct ErrorDetails: Sendable, Hashable {
    /// A stable UPPER_SNAKE_CASE cause, e.g. `NUMBER_LIMIT_REACHED`. Callers branch on this.
    public var reason: String
    /// Who defines `reason`: `pnrpc` for the runtime, a proto package for a service.
    public var domain: String
    /// Facts about this occurrence, e.g. `["limit": "5"]`.
    public var metadata: [String: String]

    /// Details with a reason, a domain and optional metadata.
    public init(reason: String, domain: String, metadata: [String: String] = [:]) {
        self.reason = reason
        self.domain = domain
        self.metadata = metadata
    }
}

/// The error of a call: a status code, a message for people, and details for programs.
///
/// Servers throw it (or a domain error that converts itself, see `RPCErrorConvertible`);
/// clients receive it exactly as the server sent it.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status code; never `.ok`.
    public var code: StatusCode
    /// A message for people. Any Unicode.
    public var message: String
    /// The stable reason and metadata, when the error has them.
    public var details: ErrorDetails?

    /// An error with a code, a message and optional details.
    public init(code: StatusCode, message: String, details: ErrorDetails? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// An error raised by the runtime itself, with a reason in the `pnrpc` domain.
    public init(code: StatusCode, message: String, reason: RuntimeReason, metadata: [String: String] = [:]) {
        self.init(
            code: code,
            message: message,
            details: ErrorDetails(reason: reason.rawValue, domain: RPCError.runtimeDomain, metadata: metadata)
        )
    }

    /// The domain of reasons raised by the runtime.
    public static let runtimeDomain = "pnrpc"

    /// The stable reason, if any.
    public var reason: String? { details?.reason }

    public var description: String {
        if let reason = details?.reason {
            return "\(code.name) (\(reason)): \(message)"
        }
        return "\(code.name): \(message)"
    }

    /// Converts any error thrown by a handler: `RPCError` as is, convertible errors
    /// through their conversion, cancellation as CANCELLED, anything else as INTERNAL
    /// with a generic message (the original is for logs only).
    public static func from(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as any RPCErrorConvertible:
            return error.rpcError
        case is CancellationError:
            return .cancelledByCaller
        default:
            return RPCError(code: .internal, message: "internal error", reason: .internal)
        }
    }
}

/// A domain error that knows its wire form. Throw it from a handler and the caller
/// receives the `RPCError` it converts to.
public protocol RPCErrorConvertible: Error {
    /// The status, message and details sent to the caller.
    var rpcError: RPCError { get }
}
