/// Accounts, members and credentials.
public struct AccountsDomain: Sendable {
    let store: any PhoneNumbersStore
    /// Forgotten whenever what a token stands for changes (revocation, role, removal).
    let principals: PrincipalCache
    let clock: ServiceClock

    public init(store: any PhoneNumbersStore, principals: PrincipalCache = .init(), clock: @escaping ServiceClock = currentTimestamp) {
        self.store = store
        self.principals = principals
        self.clock = clock
    }

    /// Creates the operator credential if none exists; returns its token when it did.
    public func bootstrapOperator() async throws -> String? {
        let token = Credentials.makeToken()
        let record = CredentialRecord(
            id: Identifiers.make("tok"),
            tokenHash: Credentials.hash(token),
            subject: .operator,
            createdAt: clock(),
            issuedBy: Actor.system.description
        )
        let created = try await store.write { tx in
            guard try !tx.hasOperatorCredential() else { return false }
            try tx.insert(record)
            return true
        }
        return created ? token : nil
    }

    /// Operator only: a new account.
    public func createAccount(_ principal: Principal, name: String, country: String) async throws -> AccountRecord {
        try AccessPolicy.requireOperator(principal)
        let name = try HumanText.line(name, "an account's name", maxLength: 200, required: true, reason: "INVALID_NAME")
        let country = country.uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw DomainError.invalid("INVALID_COUNTRY", "country must be an ISO 3166-1 alpha-2 code such as US")
        }
        let account = AccountRecord(id: Identifiers.make("acc"), name: name, country: country, createdAt: currentTimestamp())
        try await store.write { tx in
            try tx.insert(account)
            try ChangeLog.audit(
                tx,
                account: account.id,
                actor: Actor(principal),
                action: "ACCOUNT_CREATED",
                subject: ("ACCOUNT", account.id),
                new: account.name
            )
        }
        return account
    }

    /// The caller's account (members), or the named one (services with read, operator).
    public func account(_ principal: Principal, id requested: String) async throws -> AccountRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        guard let account = try await store.read({ try $0.account(accountID) }) else { throw DomainError.notFound("account", accountID) }
        return account
    }

    /// Operator only: a new member of an account.
    public func addMember(
        _ principal: Principal,
        accountID: String,
        name: String,
        email: String,
        role: MemberRecord.Role
    ) async throws -> MemberRecord {
        try AccessPolicy.requireOperator(principal)
        let name = try HumanText.line(name, "a member's name", maxLength: 200, required: true, reason: "INVALID_NAME")
        let member = MemberRecord(
            id: Identifiers.make("mem"),
            accountID: accountID,
            name: name,
            email: email.trimmingCharacters(in: .whitespaces),
            role: role,
            createdAt: currentTimestamp()
        )
        try await store.write { tx in
            guard try tx.account(accountID) != nil else { throw DomainError.notFound("account", accountID) }
            if role == .owner, try tx.members(ofAccount: accountID).contains(where: { $0.role == .owner }) {
                throw DomainError.precondition("OWNER_EXISTS", "the account already has an owner")
            }
            try tx.insert(member)
            try ChangeLog.audit(
                tx,
                account: accountID,
                actor: Actor(principal),
                action: "MEMBER_ADDED",
                subject: ("MEMBER", member.id),
                new: role.rawValue
            )
        }
        return member
    }

    /// The members of the caller's (or the named) account.
    public func members(_ principal: Principal, accountID requested: String) async throws -> [MemberRecord] {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        return try await store.read { try $0.members(ofAccount: accountID) }
    }
}
