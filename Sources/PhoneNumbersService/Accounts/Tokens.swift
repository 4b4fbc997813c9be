import RPCCore

/// Tokens with a life: issued (optionally with an expiry), listed without their
/// secret, revoked at once, rotated with a grace period. A change that ends a token
/// clears the principal cache before it returns, so the next call with it is refused.
extension AccountsDomain {
    /// The longest expiry and rotation grace period a caller may ask for.
    static let longestExpiry: Duration = .seconds(10 * 365 * 24 * 3600)
    static let longestGracePeriod: Duration = .seconds(30 * 24 * 3600)

    /// Operator only: a token for a member, or for an internal service with grants,
    /// working until `expiresIn` has passed (nil: until revoked). Returns the token
    /// (shown once) and its record.
    public func issueToken(
        _ principal: Principal,
        memberID: String,
        serviceName: String,
        grants: Set<CredentialSubject.Grant>,
        expiresIn: Duration? = nil
    ) async throws -> (token: String, record: CredentialRecord) {
        try AccessPolicy.requireOperator(principal)
        let subject: CredentialSubject
        switch (memberID.isEmpty, serviceName.isEmpty) {
        case (false, true):
            subject = .member(memberID: memberID)
        case (true, false):
            guard !grants.isEmpty else { throw DomainError.invalid("GRANTS_REQUIRED", "a service token needs at least one grant") }
            subject = .service(name: serviceName, grants: grants)
        default:
            throw DomainError.invalid("SUBJECT_REQUIRED", "give exactly one of member_id and service_name")
        }
        if let expiresIn, expiresIn <= .zero || expiresIn > Self.longestExpiry {
            throw DomainError.invalid("INVALID_EXPIRY", "a token's expiry is between 1 ms and 10 years from now")
        }
        let now = clock()
        let (token, record) = Self.newCredential(subject, issuedBy: Actor(principal), now: now, lifetime: expiresIn?.milliseconds)
        try await store.write { tx in
            let account = try Self.account(of: record, tx)
            if case .member(let id) = subject, try tx.member(id).map({ $0.removedAt == 0 }) != true {
                throw DomainError.notFound("member", id)
            }
            try tx.insert(record)
            try ChangeLog.audit(
                tx,
                account: account,
                actor: Actor(principal),
                action: "TOKEN_ISSUED",
                subject: ("TOKEN", record.id),
                new: Self.describe(record)
            )
        }
        return (token, record)
    }

    /// The tokens of the account's members (owners, the operator); for the operator
    /// without an account, the service and operator tokens. Never a secret or hash
    /// leaves this domain in a form a caller sees (the API maps records without them).
    public func tokens(_ principal: Principal, accountID requested: String) async throws -> [CredentialRecord] {
        if case .operator = principal, requested.isEmpty {
            return try await store.read { try $0.platformCredentials() }
        }
        // Every member sees their own tokens; owners their members'.
        if case .member(let member) = principal, !AccessPolicy.allows(principal, .manageMembers) {
            _ = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
            return try await store.read { tx in try tx.credentials(ofMember: member.id) }
        }
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageMembers)
        return try await store.read { tx in
            guard try tx.account(accountID) != nil else { throw DomainError.notFound("account", accountID) }
            return try tx.credentials(ofAccount: accountID)
        }
    }

    /// Revokes a token now (owners: their members' tokens; the operator: any). Revoking
    /// a revoked token changes nothing.
    public func revokeToken(_ principal: Principal, accountID requested: String, tokenID: String) async throws -> CredentialRecord {
        let now = clock()
        let revoked = try await store.write { tx -> CredentialRecord in
            var credential = try Self.manageable(tx, principal, requested, tokenID)
            guard credential.state(at: now) != .revoked else { return credential }
            credential.revokedAt = now
            try tx.update(credential)
            try ChangeLog.audit(
                tx,
                account: try Self.account(of: credential, tx),
                actor: Actor(principal),
                action: "TOKEN_REVOKED",
                subject: ("TOKEN", credential.id)
            )
            return credential
        }
        principals.removeAll()
        return revoked
    }

    /// A new token for the same member or service (with the same lifetime, counted from
    /// now); the old one keeps working for `gracePeriod`, then is revoked.
    public func rotateToken(
        _ principal: Principal,
        accountID requested: String,
        tokenID: String,
        gracePeriod: Duration
    ) async throws -> (token: String, new: CredentialRecord, old: CredentialRecord) {
        // Members list and revoke their own tokens; rotating (a new secret) stays the owners'.
        if principal != .operator { _ = try AccessPolicy.account(for: principal, requested: requested, .manageMembers) }
        guard gracePeriod >= .zero, gracePeriod <= Self.longestGracePeriod else {
            throw DomainError.invalid("INVALID_GRACE_PERIOD", "a rotation's grace period is between 0 and 30 days")
        }
        let now = clock()
        let rotated = try await store.write { tx -> (String, CredentialRecord, CredentialRecord) in
            var old = try Self.manageable(tx, principal, requested, tokenID)
            guard old.state(at: now) == .valid else {
                throw DomainError.precondition("TOKEN_NOT_VALID", "only a valid token can be rotated; this one is \(old.state(at: now))")
            }
            let lifetime = old.expiresAt == 0 ? nil : old.expiresAt - old.createdAt
            let (token, new) = Self.newCredential(old.subject, issuedBy: Actor(principal), now: now, lifetime: lifetime)
            try tx.insert(new)
            let revokeAt = now + gracePeriod.milliseconds
            old.revokedAt = old.revokedAt == 0 ? revokeAt : min(old.revokedAt, revokeAt)
            try tx.update(old)
            try ChangeLog.audit(
                tx,
                account: try Self.account(of: old, tx),
                actor: Actor(principal),
                action: "TOKEN_ROTATED",
                subject: ("TOKEN", old.id),
                new: new.id
            )
            return (token, new, old)
        }
        principals.removeAll()
        return rotated
    }

    /// The record of the token in `metadata` (for WhoAmI).
    public func currentToken(_ metadata: Metadata) async throws -> CredentialRecord? {
        guard let token = metadata.bearerToken else { return nil }
        let hash = Credentials.hash(token)
        return try await store.read { try $0.credential(tokenHash: hash) }
    }

    /// The account a token belongs to ("" for service and operator tokens).
    public func accountOf(_ credential: CredentialRecord) async throws -> String {
        try await store.read { try Self.account(of: credential, $0) }
    }

    // MARK: Rules

    /// A credential for `subject`, with its token.
    static func newCredential(
        _ subject: CredentialSubject,
        issuedBy: Actor,
        now: Timestamp,
        lifetime: Timestamp?
    ) -> (token: String, record: CredentialRecord) {
        let token = Credentials.makeToken()
        let record = CredentialRecord(
            id: Identifiers.make("tok"),
            tokenHash: Credentials.hash(token),
            subject: subject,
            createdAt: now,
            issuedBy: issuedBy.description,
            expiresAt: lifetime.map { now + $0 } ?? 0
        )
        return (token, record)
    }

    /// The token `tokenID` if `principal` may manage it: the operator any; an owner the
    /// tokens of their account's members. Others are NOT_FOUND (nothing is revealed).
    static func manageable(_ tx: any StoreReader, _ principal: Principal, _ requested: String, _ tokenID: String) throws -> CredentialRecord
    {
        // A member manages their own tokens; another's answers NOT_FOUND, as a missing one does.
        if case .member(let member) = principal, !AccessPolicy.allows(principal, .manageMembers) {
            _ = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
            guard let credential = try tx.credential(id: tokenID), credential.memberID == member.id else {
                throw DomainError.notFound("token", tokenID)
            }
            return credential
        }
        // Permission first: who may not manage tokens learns nothing of which exist.
        let accountID: String? =
            principal == .operator ? nil : try AccessPolicy.account(for: principal, requested: requested, .manageMembers)
        guard let credential = try tx.credential(id: tokenID) else { throw DomainError.notFound("token", tokenID) }
        guard let accountID else { return credential }
        guard let memberID = credential.memberID, try tx.member(memberID)?.accountID == accountID else {
            throw DomainError.notFound("token", tokenID)
        }
        return credential
    }

    /// The account whose audit trail records changes to `credential` ("" for platform tokens).
    static func account(of credential: CredentialRecord, _ tx: any StoreReader) throws -> String {
        guard let memberID = credential.memberID else { return "" }
        guard let member = try tx.member(memberID) else { throw DomainError.notFound("member", memberID) }
        return member.accountID
    }

    /// What a token stands for, for the audit trail (never its secret).
    static func describe(_ credential: CredentialRecord) -> String {
        let expiry = credential.expiresAt == 0 ? "" : " expires_at_ms=\(credential.expiresAt)"
        switch credential.subject {
        case .operator: return "operator" + expiry
        case .member(let id): return "member:\(id)" + expiry
        case .service(let name, let grants): return "service:\(name) " + grants.map(\.rawValue).sorted().joined(separator: ",") + expiry
        }
    }
}
