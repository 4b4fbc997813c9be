/// A stored credential: only the SHA-256 of the token is kept, never the token.
///
/// Its life: valid from `createdAt` until it expires (`expiresAt`) or is revoked
/// (`revokedAt`, which may lie in the future: a rotated token stays valid for the grace
/// period its rotation named). `state(at:)` is the one place that decides.
public struct CredentialRecord: Sendable, Hashable {
    public var id: String
    public var tokenHash: String
    public var subject: CredentialSubject
    public var createdAt: Timestamp
    /// Who issued it, as the audit trail names actors (`operator`, `member:mem_…`).
    public var issuedBy: String
    /// When it stops working (0: never).
    public var expiresAt: Timestamp
    /// When it was last accepted, to the minute (0: never).
    public var lastUsedAt: Timestamp
    /// When it stops (or stopped) working because it was revoked (0: not revoked).
    public var revokedAt: Timestamp

    public init(
        id: String,
        tokenHash: String,
        subject: CredentialSubject,
        createdAt: Timestamp,
        issuedBy: String = "",
        expiresAt: Timestamp = 0,
        lastUsedAt: Timestamp = 0,
        revokedAt: Timestamp = 0
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.subject = subject
        self.createdAt = createdAt
        self.issuedBy = issuedBy
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the credential works at a moment.
    public enum State: Sendable, Hashable {
        case valid
        case expired
        case revoked
    }

    /// The credential's state at `now`: revoked wins over expired.
    public func state(at now: Timestamp) -> State {
        if revokedAt != 0 && revokedAt <= now { return .revoked }
        if expiresAt != 0 && expiresAt <= now { return .expired }
        return .valid
    }

    /// The first moment it stops working (0: never), for caches that must not outlive it.
    public var validUntil: Timestamp {
        [expiresAt, revokedAt].filter { $0 != 0 }.min() ?? 0
    }

    /// How often `lastUsedAt` is written at most: once a minute per token.
    public static let lastUsedResolution: Timestamp = 60_000

    /// Whether accepting it at `now` should record the use.
    public func useIsWorthRecording(at now: Timestamp) -> Bool {
        now - lastUsedAt >= Self.lastUsedResolution
    }

    /// The account a member token belongs to is its member's; service and operator
    /// tokens belong to the platform.
    public var memberID: String? {
        if case .member(let id) = subject { return id }
        return nil
    }
}
