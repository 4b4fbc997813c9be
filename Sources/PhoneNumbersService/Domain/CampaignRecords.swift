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
        id: String,
        accountID: String,
        name: String,
        state: CampaignRecord.State,
        senderKind: NumberRecord.Kind,
        numberID: String,
        useCaseID: String,
        preferredAreaCodes: [String],
        failureReason: String = "",
        requestID: String = "",
        fingerprint: String = "",
        createdAt: Timestamp,
        launchedAt: Timestamp = 0,
        activatedAt: Timestamp = 0,
        archivedAt: Timestamp = 0,
        updatedAt: Timestamp
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
