import PhoneNumbersProto

extension Mapping {
    static func campaign(_ record: CampaignRecord, e164: String) -> Campaign {
        var message = Campaign()
        message.id = record.id
        message.accountId = record.accountID
        message.name = record.name
        message.state = record.state.wire
        message.senderKind = record.senderKind.rawValue
        message.numberId = record.numberID
        message.e164 = e164
        message.useCaseId = record.useCaseID
        message.preferredAreaCodes = record.preferredAreaCodes
        message.failureReason = record.failureReason
        message.createdAtMs = record.createdAt
        message.launchedAtMs = record.launchedAt
        message.activatedAtMs = record.activatedAt
        message.archivedAtMs = record.archivedAt
        message.updatedAtMs = record.updatedAt
        return message
    }

    static func event(_ record: EventRecord) -> Event {
        var message = Event()
        message.sequence = record.sequence
        message.accountId = record.accountID
        message.kind = record.kind
        message.subjectId = record.subjectID
        message.oldState = record.oldState
        message.newState = record.newState
        message.reason = record.reason
        message.atMs = record.at
        return message
    }

    static func audit(_ entry: AuditEntry) -> AuditEvent {
        var message = AuditEvent()
        message.id = entry.id
        message.accountId = entry.accountID
        message.atMs = entry.at
        message.actor = entry.actor
        message.action = entry.action
        message.subjectKind = entry.subjectKind
        message.subjectId = entry.subjectID
        message.oldValue = entry.oldValue
        message.newValue = entry.newValue
        message.requestId = entry.requestID
        return message
    }
}
