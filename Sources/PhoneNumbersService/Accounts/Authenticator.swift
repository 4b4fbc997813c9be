import Logging
import RPCCore

/// The service's clock: milliseconds since the Unix epoch. Injectable so tests can
/// move time (token expiry) without sleeping.
public typealias ServiceClock = @Sendable () -> Timestamp

/// Establishes who is calling from the `authorization: Bearer …` metadata.
public struct Authenticator: Sendable {
    let store: any PhoneNumbersStore
    let limiter: FailedAuthenticationLimiter
    let cache: PrincipalCache
    let clock: ServiceClock
    let metrics: DomainMetrics
    let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        limiter: FailedAuthenticationLimiter = .init(),
        cache: PrincipalCache = .init(),
        clock: @escaping ServiceClock = currentTimestamp,
        metrics: DomainMetrics = DomainMetrics(),
        logger: Logger = Logger(label: "phone-numbers.auth")
    ) {
        self.metrics = metrics
        self.store = store
        self.limiter = limiter
        self.cache = cache
        self.clock = clock
        self.logger = logger
    }

    /// The caller of a call.
    ///
    /// A credential that verifies is always admitted, whatever else its source sent: the
    /// failed-authentication limit never locks out a valid token because others behind the
    /// same address (a NAT, a TLS proxy) failed. Once a source reaches the limit, every
    /// failure from it is answered alike, with the lockout, so guesses learn nothing (not
    /// even whether a token exists but was revoked or expired), and each further failure
    /// extends the lockout.
    /// - Throws: UNAUTHENTICATED `INVALID_CREDENTIALS` when the token is missing or
    ///   unknown, `TOKEN_EXPIRED` or `TOKEN_REVOKED` when it no longer works (each counts
    ///   toward the failed-authentication limit); RESOURCE_EXHAUSTED
    ///   `TOO_MANY_FAILED_AUTHENTICATIONS` instead of those while the source is locked out.
    public func authenticate(_ context: ServerContext) async throws -> Principal {
        let source = FailedAuthenticationLimiter.host(of: context.peer)
        do {
            return try await authenticate(context.metadata)
        } catch let error as DomainError where error.code == .unauthenticated {
            metrics.authenticationFailed(error.reason)
            switch limiter.recordFailure(source) {
            case .refused:
                throw lockedOut(source)
            case .reachedLimit:
                metrics.authenticationLockout()
                logger.warning(
                    "authentication failures reached the limit; this source's failures are answered with the lockout for a while",
                    metadata: ["peer": "\(source)"]
                )
            case .counted:
                logger.notice(
                    "authentication failed",
                    metadata: ["peer": "\(source)", "rpc.method": "\(context.method)", "reason": "\(error.reason)"]
                )
            }
            throw error
        }
    }

    /// How often an open stream checks that its credential still works: well inside the
    /// principal cache's second, so a revocation on this replica ends it within this, and
    /// on another within this and the cache's second.
    public static let streamRecheckInterval: Duration = .milliseconds(250)

    /// Runs `body`, a stream the caller of `context` opened, while its credential keeps
    /// working: every `streamRecheckInterval` the token is authenticated again and
    /// `stillAllowed` judges its principal (the access check the stream opened with). The
    /// stream ends with the first refusal: UNAUTHENTICATED `TOKEN_REVOKED` (revoked, rotated
    /// past its grace, member removed), `TOKEN_EXPIRED`, or what `stillAllowed` throws.
    public func whileCredentialHolds(
        _ context: ServerContext,
        stillAllowed: @escaping @Sendable (Principal) throws -> Void,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        let metadata = context.metadata
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: Self.streamRecheckInterval)
                    try stillAllowed(try await self.credential(metadata).principal)
                }
            }
            // The first to end decides: the stream's end, or the credential's refusal.
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// RESOURCE_EXHAUSTED `TOO_MANY_FAILED_AUTHENTICATIONS` with when to try again.
    private func lockedOut(_ peer: String) -> DomainError {
        let end = limiter.windowEnd(peer)
        let remaining = max(0, end - currentTimestamp())
        return DomainError(
            .resourceExhausted,
            "TOO_MANY_FAILED_AUTHENTICATIONS",
            "too many failed authentications from this address (\(limiter.maxFailures) a minute); a valid token is still admitted, others are refused for \((remaining + 999) / 1000) s",
            metadata: ["retry_after_ms": "\(remaining)", "max_failures": "\(limiter.maxFailures)"]
        )
    }

    /// The principal of the bearer token in `metadata` (no rate limiting).
    /// - Throws: UNAUTHENTICATED `INVALID_CREDENTIALS`, `TOKEN_EXPIRED` or `TOKEN_REVOKED`.
    public func authenticate(_ metadata: Metadata) async throws -> Principal {
        try await credential(metadata).principal
    }

    /// The credential of the bearer token in `metadata` and the principal it stands for.
    func credential(_ metadata: Metadata) async throws -> (principal: Principal, tokenHash: String) {
        guard let token = metadata.bearerToken else { throw DomainError.missingCredentials }
        guard token.utf8.count <= 256 else { throw DomainError.unauthenticated }
        let hash = Credentials.hash(token)
        let now = clock()
        if let cached = cache.principal(forTokenHash: hash, at: now) { return (cached, hash) }
        // Taken before the lookup: if a revocation clears the cache meanwhile, this
        // lookup's answer is not kept.
        let generation = cache.generation
        let found = try await store.read { tx -> (CredentialRecord, Principal?)? in
            guard let credential = try tx.credential(tokenHash: hash) else { return nil }
            switch credential.subject {
            case .operator:
                return (credential, .operator)
            case .service(let name, let grants):
                return (credential, .service(name: name, grants: grants))
            case .member(let memberID):
                let member = try tx.member(memberID).flatMap { $0.removedAt == 0 ? $0 : nil }
                return (credential, member.map(Principal.member))
            }
        }
        guard let (credential, principal) = found else { throw DomainError.unauthenticated }
        switch credential.state(at: now) {
        case .revoked:
            throw DomainError.tokenRevoked
        case .expired:
            try await recordExpiredUse(credential, at: now)
            throw DomainError.tokenExpired
        case .valid:
            break
        }
        // A removed member's tokens are revoked with the removal; this covers the rest.
        guard let principal else { throw DomainError.tokenRevoked }
        if credential.useIsWorthRecording(at: now) { try await recordUse(credential, at: now) }
        cache.store(principal, forTokenHash: hash, validUntil: credential.validUntil, generation: generation)
        return (principal, hash)
    }

    /// Keeps when the token was last used, at most once a minute.
    private func recordUse(_ credential: CredentialRecord, at now: Timestamp) async throws {
        try await store.write { tx in
            guard var current = try tx.credential(id: credential.id), current.useIsWorthRecording(at: now) else { return }
            current.lastUsedAt = now
            try tx.update(current)
        }
    }

    /// Audits the first use of a token after its expiry (later ones only count as failures).
    private func recordExpiredUse(_ credential: CredentialRecord, at now: Timestamp) async throws {
        guard credential.lastUsedAt < credential.expiresAt else { return }
        try await store.write { tx in
            guard var current = try tx.credential(id: credential.id), current.lastUsedAt < current.expiresAt else { return }
            current.lastUsedAt = now
            try tx.update(current)
            let account = try current.memberID.flatMap { try tx.member($0)?.accountID } ?? ""
            try ChangeLog.audit(tx, account: account, actor: .system, action: "TOKEN_EXPIRED_USED", subject: ("TOKEN", current.id))
        }
    }
}
