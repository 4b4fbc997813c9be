extension NumberRecord {
    /// Whether a number is an account's dedicated number or a campaign's single-use one.
    public enum Kind: String, Sendable, Hashable {
        case dedicated = "DEDICATED"
        case singleUse = "SINGLE_USE"
    }
}

extension CampaignRecord {
    /// A texting campaign's state.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case draft = "DRAFT"
        case launching = "LAUNCHING"
        case active = "ACTIVE"
        case paused = "PAUSED"
        case archived = "ARCHIVED"
    }
}

/// A texting campaign and the number it sends from.
public struct CampaignRecord: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var name: String
    public var state: CampaignRecord.State
    public var senderKind: NumberRecord.Kind
    /// The dedicated number, or the single-use number once one is reserved ("" before).
    public var numberID: String
    public var useCaseID: String
    /// Single-use only: area codes to reserve in, in order of preference.
    public var preferredAreaCodes: [String]
    /// Why the last launch failed.
    public var failureReason: String
    public var requestID: String
    public var fingerprint: String
    public var createdAt: Timestamp
    public var launchedAt: Timestamp = 0
    public var activatedAt: Timestamp = 0
    public var archivedAt: Timestamp = 0
    public var updatedAt: Timestamp

    public init(
        id: String, accountID: String, name: String, state: CampaignRecord.State, senderKind: NumberRecord.Kind, numberID: String, useCaseID: String,
        preferredAreaCodes: [String], failureReason: String = "", requestID: String = "", fingerprint: String = "", createdAt: Timestamp,
        launchedAt: Timestamp = 0, activatedAt: Timestamp = 0, archivedAt: Timestamp = 0, updatedAt: Timestamp
    ) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.state = state
        self.senderKind = senderKind
        self.numberID = numberID
        self.useCaseID = useCaseID
        self.preferredAreaCodes = preferredAreaCodes
        self.failureReason = failureReason
        self.requestID = requestID
        self.fingerprint = fingerprint
        self.createdAt = createdAt
        self.launchedAt = launchedAt
        self.activatedAt = activatedAt
        self.archivedAt = archivedAt
        self.updatedAt = updatedAt
    }
}

/// A change a watcher of an account is told about, with its place in the account's log.
public struct EventRecord: Sendable, Hashable {
    /// Strictly increasing; resume a watch after the last one seen.
    public var sequence: Int64
    public var accountID: String
    /// `NUMBER_STATUS_CHANGED` or `CAMPAIGN_STATE_CHANGED`.
    public var kind: String
    public var subjectID: String
    public var oldState: String
    public var newState: String
    public var reason: String
    public var at: Timestamp

    public init(sequence: Int64 = 0, accountID: String, kind: String, subjectID: String, oldState: String, newState: String, reason: String, at: Timestamp) {
        self.sequence = sequence
        self.accountID = accountID
        self.kind = kind
        self.subjectID = subjectID
        self.oldState = oldState
        self.newState = newState
        self.reason = reason
        self.at = at
    }

    public static let numberStatusChanged = "NUMBER_STATUS_CHANGED"
    /// The first message of every watch: events after its sequence follow.
    public static let watchStarted = "WATCH_STARTED"
    public static let campaignStateChanged = "CAMPAIGN_STATE_CHANGED"
}

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
        id: Int64 = 0, accountID: String, at: Timestamp = currentTimestamp(), actor: Actor, action: String, subjectKind: String, subjectID: String,
        oldValue: String = "", newValue: String = "", requestID: String = ""
    ) {
        self.id = id
        self.accountID = accountID
        self.at = at
        self.actor = actor.description
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
