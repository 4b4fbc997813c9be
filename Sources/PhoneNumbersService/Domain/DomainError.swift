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

    /// An error; a message or a metadata value over 4,096 characters is cut (with
    /// "…"): a rule that echoes what it was sent never sends back megabytes.
    public init(_ code: StatusCode, _ reason: String, _ message: String, metadata: [String: String] = [:]) {
        self.code = code
        self.reason = reason
        self.message = Self.bounded(message, 4_096)
        self.metadata = metadata.mapValues { Self.bounded($0, 4_096) }
    }

    private static func bounded(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
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

    /// NOT_FOUND `<WHAT>_NOT_FOUND`; an empty id says so, a long one is shortened.
    static func notFound(_ what: String, _ id: String) -> DomainError {
        let reason = "\(what.uppercased().replacingOccurrences(of: " ", with: "_"))_NOT_FOUND"
        if id.isEmpty { return DomainError(.notFound, reason, "no \(what) id was given; pass the \(what)'s id", metadata: ["id": ""]) }
        let shown = id.count > 64 ? String(id.prefix(64)) : id
        return DomainError(.notFound, reason, "no \(what) \(HumanText.quoted(id))", metadata: ["id": shown])
    }

    static func denied(_ reason: String, _ message: String) -> DomainError {
        DomainError(.permissionDenied, reason, message)
    }

    static let unauthenticated = DomainError(.unauthenticated, "INVALID_CREDENTIALS", "the bearer token is not valid")

    /// The token's expiry has passed (the message never echoes the token).
    static let tokenExpired = DomainError(.unauthenticated, "TOKEN_EXPIRED", "the bearer token has expired; ask for a new one")

    /// The token was revoked, or its member removed from the account.
    static let tokenRevoked = DomainError(.unauthenticated, "TOKEN_REVOKED", "the bearer token was revoked; ask for a new one")

    /// No `authorization: Bearer …` at all: says where a token goes.
    static let missingCredentials = DomainError(
        .unauthenticated,
        "INVALID_CREDENTIALS",
        "no bearer token was sent: pass --token or set PHONE_NUMBERS_TOKEN (the `authorization: Bearer <token>` metadata)"
    )
}
