/// A change a watcher of an account is told about, with its place in the account's log.
public struct EventRecord: Sendable, Hashable {
    /// Strictly increasing; resume a watch after the last one seen.
    public var sequence: Int64
    public var accountID: String
    /// `NUMBER_STATUS_CHANGED`, `CAMPAIGN_STATE_CHANGED` or `NUMBER_DRIFT_DETECTED`.
    public var kind: String
    public var subjectID: String
    public var oldState: String
    public var newState: String
    public var reason: String
    public var at: Timestamp

    public init(
        sequence: Int64 = 0,
        accountID: String,
        kind: String,
        subjectID: String,
        oldState: String,
        newState: String,
        reason: String,
        at: Timestamp
    ) {
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
    /// Reconciliation found the number held by the service but not by the provider.
    public static let numberDriftDetected = "NUMBER_DRIFT_DETECTED"
}
