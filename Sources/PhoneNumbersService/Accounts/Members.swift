/// Members with a life: given another role, removed (their tokens revoked with them).
/// The account always has exactly one owner: the owner hands ownership over (the member
/// becomes OWNER and the owner ADMIN, at once) and can be neither demoted nor removed
/// otherwise.
extension AccountsDomain {
    /// Owners: gives a member another role; takes effect on the next call. Giving a member
    /// the OWNER role transfers ownership: the caller, the owner, becomes ADMIN in the same
    /// transaction (audited as OWNERSHIP_TRANSFERRED).
    /// - Throws: FAILED_PRECONDITION `LAST_OWNER` to demote the owner any other way,
    ///   `OWNER_EXISTS` when the operator names a new owner (only the owner hands it over);
    ///   NOT_FOUND for a member not (or no longer) in the account.
    public func setMemberRole(
        _ principal: Principal,
        accountID requested: String,
        memberID: String,
        role: MemberRecord.Role
    ) async throws -> MemberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageMembers)
        let updated = try await store.write { tx -> MemberRecord in
            var member = try Self.current(tx, memberID, accountID)
            guard member.role != role else { return member }
            if member.role == .owner { throw Self.lastOwner }
            if role == .owner {
                guard case .member(let owner) = principal, owner.role == .owner, owner.accountID == accountID else {
                    throw DomainError.precondition("OWNER_EXISTS", "the account already has an owner; only the owner hands ownership over")
                }
                return try Self.transferOwnership(tx, from: owner, to: member, accountID: accountID)
            }
            let old = member.role
            member.role = role
            try tx.update(member)
            try ChangeLog.audit(
                tx,
                account: accountID,
                actor: Actor(principal),
                action: "MEMBER_ROLE_CHANGED",
                subject: ("MEMBER", member.id),
                old: old.rawValue,
                new: role.rawValue
            )
            return member
        }
        principals.removeAll()
        return updated
    }

    /// Owners: removes a member and revokes every token of theirs, at once.
    /// - Throws: FAILED_PRECONDITION `LAST_OWNER` for the owner; NOT_FOUND for a member
    ///   not (or no longer) in the account.
    public func removeMember(_ principal: Principal, accountID requested: String, memberID: String) async throws -> MemberRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageMembers)
        let now = clock()
        let removed = try await store.write { tx -> MemberRecord in
            var member = try Self.current(tx, memberID, accountID)
            if member.role == .owner { throw Self.lastOwner }
            member.removedAt = now
            try tx.update(member)
            let actor = Actor(principal)
            try ChangeLog.audit(tx, account: accountID, actor: actor, action: "MEMBER_REMOVED", subject: ("MEMBER", member.id))
            for var credential in try tx.credentials(ofMember: member.id) where credential.state(at: now) != .revoked {
                credential.revokedAt = now
                try tx.update(credential)
                try ChangeLog.audit(tx, account: accountID, actor: actor, action: "TOKEN_REVOKED", subject: ("TOKEN", credential.id))
            }
            return member
        }
        principals.removeAll()
        return removed
    }

    /// The owner hands the account over: `member` becomes OWNER, `owner` ADMIN.
    private static func transferOwnership(
        _ tx: any StoreWriter,
        from owner: MemberRecord,
        to member: MemberRecord,
        accountID: String
    ) throws -> MemberRecord {
        var former = try current(tx, owner.id, accountID)
        var successor = member
        former.role = .admin
        successor.role = .owner
        try tx.update(former)
        try tx.update(successor)
        try ChangeLog.audit(
            tx,
            account: accountID,
            actor: Actor(.member(owner)),
            action: "OWNERSHIP_TRANSFERRED",
            subject: ("MEMBER", successor.id),
            old: former.id,
            new: successor.id
        )
        return successor
    }

    /// FAILED_PRECONDITION `LAST_OWNER`.
    static let lastOwner = DomainError.precondition(
        "LAST_OWNER",
        "the account's owner can be neither demoted nor removed: an account always has its owner"
    )

    /// A member of the account who has not been removed.
    static func current(_ tx: any StoreReader, _ memberID: String, _ accountID: String) throws -> MemberRecord {
        guard let member = try tx.member(memberID), member.accountID == accountID, member.removedAt == 0 else {
            throw DomainError.notFound("member", memberID)
        }
        return member
    }
}
