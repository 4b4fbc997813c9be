/// Records changes inside the transaction that makes them: an audit entry for every
/// change, and an event in the account's log for every status or state change.
enum ChangeLog {
    /// A number changed: audits `action`, and logs an event when its visible status changed.
    static func number(
        _ tx: any StoreWriter,
        from old: NumberRecord?,
        to new: NumberRecord,
        actor: Actor,
        action: String,
        requestID: String = "",
        oldValue: String? = nil,
        newValue: String? = nil
    ) throws {
        let before = old?.status.visible.rawValue ?? ""
        let after = new.status.visible.rawValue
        try tx.append(
            AuditEntry(
                accountID: new.accountID,
                actor: actor,
                action: action,
                subjectKind: "NUMBER",
                subjectID: new.id,
                oldValue: oldValue ?? before,
                newValue: newValue ?? after,
                requestID: requestID
            )
        )
        if before != after, new.status != .reserving {
            try tx.append(
                EventRecord(
                    accountID: new.accountID,
                    kind: EventRecord.numberStatusChanged,
                    subjectID: new.id,
                    oldState: before,
                    newState: after,
                    reason: new.failureReason,
                    at: new.updatedAt
                )
            )
        }
    }

    /// A campaign changed state (or was created): audits and logs an event.
    static func campaign(
        _ tx: any StoreWriter,
        from old: CampaignRecord?,
        to new: CampaignRecord,
        actor: Actor,
        action: String,
        requestID: String = ""
    ) throws {
        let before = old?.state.rawValue ?? ""
        try tx.append(
            AuditEntry(
                accountID: new.accountID,
                actor: actor,
                action: action,
                subjectKind: "CAMPAIGN",
                subjectID: new.id,
                oldValue: before,
                newValue: new.state.rawValue,
                requestID: requestID
            )
        )
        if before != new.state.rawValue {
            try tx.append(
                EventRecord(
                    accountID: new.accountID,
                    kind: EventRecord.campaignStateChanged,
                    subjectID: new.id,
                    oldState: before,
                    newState: new.state.rawValue,
                    reason: new.failureReason,
                    at: new.updatedAt
                )
            )
        }
    }

    /// Any other change.
    static func audit(
        _ tx: any StoreWriter,
        account: String,
        actor: Actor,
        action: String,
        subject: (kind: String, id: String),
        old: String = "",
        new: String = "",
        requestID: String = ""
    ) throws {
        try tx.append(
            AuditEntry(
                accountID: account,
                actor: actor,
                action: action,
                subjectKind: subject.kind,
                subjectID: subject.id,
                oldValue: old,
                newValue: new,
                requestID: requestID
            )
        )
    }
}
