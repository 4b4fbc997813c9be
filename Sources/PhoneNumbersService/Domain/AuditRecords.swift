/// Who made a change, as the audit trail records it.
public enum Actor: Sendable, Hashable, CustomStringConvertible {
    case `operator`
    case member(String)
    case service(String)
    /// Background work: provisioning, vetting.
    case system

    public init(_ principal: Principal) {
        switch principal {
        case .operator: self = .operator
        case .member(let member): self = .member(member.id)
        case .service(let name, _): self = .service(name)
        }
    }

    public var description: String {
        switch self {
        case .operator: return "operator"
        case .member(let id): return "member:\(id)"
        case .service(let name): return "service:\(name)"
        case .system: return "system"
        }
    }
}

/// One durable record of a change. Never holds secrets (tokens, PINs).
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var accountID: String
    public var at: Timestamp
    public var actor: String
    /// What happened, e.g. `NUMBER_ADDED`, `CAMPAIGN_LAUNCHED`.
    public var action: String
    /// `NUMBER`, `CAMPAIGN`, `USE_CASE`, `BRAND`, `TOKEN`, `MEMBER`, `ACCOUNT`.
    public var subjectKind: String
    public var subjectID: String
    public var oldValue: String
    public var newValue: String
    public var requestID: String

    public init(
        id: Int64 = 0,
        accountID: String,
        at: Timestamp = currentTimestamp(),
        actor: Actor,
        action: String,
        subjectKind: String,
        subjectID: String,
        oldValue: String = "",
        newValue: String = "",
        requestID: String = ""
    ) {
        self.id = id
        self.accountID = accountID
        self.at = at
        self.actor = actor.description
        assert(id != 0 || AuditActions.all.contains(action), "\(action) is not in AuditActions.all")
        self.action = action
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.oldValue = oldValue
        self.newValue = newValue
        self.requestID = requestID
    }
}

/// What to list of the audit trail.
public struct AuditQuery: Sendable, Hashable {
    public var accountID: String
    public var action: String
    public var subjectID: String
    /// Only entries with a smaller id (the page token); 0 for the newest.
    public var before: Int64
    public var limit: Int

    public init(accountID: String, action: String = "", subjectID: String = "", before: Int64 = 0, limit: Int = 50) {
        self.accountID = accountID
        self.action = action
        self.subjectID = subjectID
        self.before = before
        self.limit = limit
    }
}
