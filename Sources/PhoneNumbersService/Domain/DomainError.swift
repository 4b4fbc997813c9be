import RPCCore

/// A refusal by the domain rules: a status code, a stable reason in the
/// `phonenumbers.v1` domain, a message for people, and facts for programs.
public struct DomainError: Error, RPCErrorConvertible, Sendable, Hashable, CustomStringConvertible {
    public let code: StatusCode
    public let reason: String
    public let message: String
    public let metadata: [String: String]

    /// The domain of every reason here.
    public static let domain = "phonenumbers.v1"

    public init(_ code: StatusCode, _ reason: String, _ message: String, metadata: [String: String] = [:]) {
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = metadata
    }

    public var rpcError: RPCError {
        RPCError(code: code, message: message, details: ErrorDetails(reason: reason, domain: Self.domain, metadata: metadata))
    }

    public var description: String { "\(code.name) (\(reason)): \(message)" }

    static func invalid(_ reason: String, _ message: String, metadata: [String: String] = [:]) -> DomainError {
        DomainError(.invalidArgument, reason, message, metadata: metadata)
    }

    static func precondition(_ reason: String, _ message: String, metadata: [String: String] = [:]) -> DomainError {
        DomainError(.failedPrecondition, reason, message, metadata: metadata)
    }

    static func notFound(_ what: String, _ id: String) -> DomainError {
        DomainError(.notFound, "\(what.uppercased().replacingOccurrences(of: " ", with: "_"))_NOT_FOUND", "no \(what) \(id)", metadata: ["id": id])
    }

    static func denied(_ reason: String, _ message: String) -> DomainError {
        DomainError(.permissionDenied, reason, message)
    }

    static let unauthenticated = DomainError(.unauthenticated, "INVALID_CREDENTIALS", "a valid bearer token is required")
}
