/// The caller, as established from its bearer token.
public enum Principal: Sendable, Hashable {
    /// The operator credential created at first start: administers every account.
    case `operator`
    /// A member acting in its own account with its role.
    case member(MemberRecord)
    /// An internal service acting on any account it names, within its grants.
    case service(name: String, grants: Set<CredentialSubject.Grant>)
}

/// Things a caller may be allowed to do.
public enum Permission: Sendable, Hashable {
    case readNumbers
    case readBrand
    case manageNumbers
    case submitUseCase
    case submitBrand
    case managePortOutPIN
    case relayPortOut
    case manageCampaigns
    case launchCampaigns
    case readAudit
    /// Members' roles and removal, and their tokens.
    case manageMembers
    case administer
}

/// Who may do what: roles for members, grants for services, everything for the operator.
public enum AccessPolicy {
    static func permissions(of role: MemberRecord.Role) -> Set<Permission> {
        switch role {
        case .owner:
            return [
                .readNumbers, .readBrand, .manageNumbers, .submitUseCase, .submitBrand, .managePortOutPIN, .manageCampaigns,
                .launchCampaigns, .readAudit, .manageMembers,
            ]
        case .admin:
            return [.readNumbers, .readBrand, .manageNumbers, .submitUseCase, .manageCampaigns, .launchCampaigns, .readAudit]
        case .supervisor:
            return [.readNumbers, .manageCampaigns, .launchCampaigns]
        case .texter:
            return [.readNumbers]
        }
    }

    static func permissions(of grant: CredentialSubject.Grant) -> Set<Permission> {
        switch grant {
        case .read: return [.readNumbers, .readBrand]
        case .manageNumbers: return [.readNumbers, .manageNumbers]
        case .launchCampaigns: return [.launchCampaigns]
        case .portOutRelay: return [.relayPortOut]
        }
    }

    /// Whether `principal` holds `permission` (on the account it acts in).
    public static func allows(_ principal: Principal, _ permission: Permission) -> Bool {
        switch principal {
        case .operator:
            return true
        case .member(let member):
            return permissions(of: member.role).contains(permission)
        case .service(_, let grants):
            return grants.contains { permissions(of: $0).contains(permission) }
        }
    }

    /// The account `principal` acts on for a request naming `requested` ("" = the
    /// caller's own), checked for `permission`.
    ///
    /// - Throws: PERMISSION_DENIED `ROLE_NOT_ALLOWED` without the permission;
    ///   PERMISSION_DENIED `ACCOUNT_MISMATCH` when a member names another account
    ///   (whether or not it exists); INVALID_ARGUMENT `ACCOUNT_REQUIRED` when a service
    ///   or the operator names none.
    public static func account(for principal: Principal, requested: String, _ permission: Permission) throws(DomainError) -> String {
        guard allows(principal, permission) else { throw notAllowed(principal, permission) }
        switch principal {
        case .member(let member):
            guard requested.isEmpty || requested == member.accountID else {
                throw .denied("ACCOUNT_MISMATCH", "members act only in their own account")
            }
            return member.accountID
        case .operator, .service:
            guard !requested.isEmpty else {
                throw .invalid(
                    "ACCOUNT_REQUIRED",
                    "service and operator tokens must name the account: --account ID on the command line, account_id in a request"
                )
            }
            return requested
        }
    }

    /// The account a caller reads campaigns and events of: readers of numbers, and
    /// services that may only launch campaigns (the launcher reads what it launches).
    public static func readableAccount(for principal: Principal, requested: String) throws(DomainError) -> String {
        try account(for: principal, requested: requested, allows(principal, .readNumbers) ? .readNumbers : .launchCampaigns)
    }

    /// PERMISSION_DENIED `ROLE_NOT_ALLOWED`, saying who the caller is and who may
    /// (metadata `caller`, `allowed_roles`, `allowed_grants`).
    public static func notAllowed(_ principal: Principal, _ permission: Permission) -> DomainError {
        let roles = MemberRecord.Role.allCases.filter { permissions(of: $0).contains(permission) }.map(\.rawValue)
        let grants = CredentialSubject.Grant.allCases.filter { permissions(of: $0).contains(permission) }.map(\.rawValue)
        let caller: String
        switch principal {
        case .operator: caller = "OPERATOR"
        case .member(let member): caller = member.role.rawValue
        case .service(let name, let held): caller = "service \(name) (grants: \(held.map(\.rawValue).sorted().joined(separator: ", ")))"
        }
        var who = roles.isEmpty ? "no member role" : "the role " + roles.joined(separator: " or ")
        who += grants.isEmpty ? "; no service grant allows it" : "; services need the grant " + grants.joined(separator: " or ")
        return DomainError(
            .permissionDenied,
            "ROLE_NOT_ALLOWED",
            "\(caller) may not do this: it needs \(who)",
            metadata: ["caller": caller, "allowed_roles": roles.joined(separator: ","), "allowed_grants": grants.joined(separator: ",")]
        )
    }

    /// Throws PERMISSION_DENIED `OPERATOR_ONLY` unless the caller is the operator.
    public static func requireOperator(_ principal: Principal) throws(DomainError) {
        guard case .operator = principal else {
            throw .denied("OPERATOR_ONLY", "only the operator credential may do this")
        }
    }
}
