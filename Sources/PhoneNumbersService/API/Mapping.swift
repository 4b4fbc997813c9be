import PhoneNumbersProto

/// Domain records to API messages (enums convert by name: `WireNamed`).
enum Mapping {
    static func account(_ record: AccountRecord) -> Account {
        var message = Account()
        message.id = record.id
        message.name = record.name
        message.country = record.country
        message.createdAtMs = record.createdAt
        return message
    }

    static func member(_ record: MemberRecord) -> Member {
        var message = Member()
        message.id = record.id
        message.accountId = record.accountID
        message.name = record.name
        message.email = record.email
        message.role = record.role.wire
        message.createdAtMs = record.createdAt
        return message
    }

    /// A token's record without its secret or hash.
    static func token(_ record: CredentialRecord, accountID: String, now: Timestamp) -> TokenInfo {
        var message = TokenInfo()
        message.id = record.id
        switch record.subject {
        case .operator:
            message.kind = "operator"
        case .member(let memberID):
            message.kind = "member"
            message.memberId = memberID
            message.accountId = accountID
        case .service(let name, let grants):
            message.kind = "service"
            message.serviceName = name
            message.grants = grants.sorted { $0.rawValue < $1.rawValue }.map(\.wire)
        }
        message.issuedBy = record.issuedBy
        message.createdAtMs = record.createdAt
        message.expiresAtMs = record.expiresAt
        message.lastUsedAtMs = record.lastUsedAt
        message.revokedAtMs = record.revokedAt
        message.state = "\(record.state(at: now))"
        return message
    }

    static func brand(_ record: BrandRecord) -> Brand {
        var message = Brand()
        message.accountId = record.accountID
        message.legalName = record.legalName
        message.ein = record.ein
        message.entityType = record.entityType.wire
        message.contactName = record.contactName
        message.contactEmail = record.contactEmail
        message.contactPhone = record.contactPhone
        message.status = record.status.wire
        message.failureReason = record.failureReason
        message.submittedAtMs = record.submittedAt
        message.updatedAtMs = record.updatedAt
        return message
    }

    static func useCase(_ record: UseCaseRecord, numberCount: Int) -> UseCase {
        var message = UseCase()
        message.id = record.id
        message.accountId = record.accountID
        message.type = record.type.wire
        message.description = record.description
        message.sampleMessages = record.sampleMessages
        message.optInText = record.optInText
        message.helpText = record.helpText
        message.hasCampaignVerifyToken = !record.campaignVerifyToken.isEmpty
        message.status = record.status.wire
        message.failureReason = record.failureReason
        message.numberCount = Int32(numberCount)
        message.createdAtMs = record.createdAt
        message.updatedAtMs = record.updatedAt
        return message
    }

    static func number(_ record: NumberRecord) -> DedicatedNumber {
        var message = DedicatedNumber()
        message.id = record.id
        message.accountId = record.accountID
        message.e164 = record.e164
        message.areaCode = record.areaCode
        message.state = (try? AreaCodeDirectory.validate(record.areaCode)) ?? ""
        message.name = record.name
        message.useCaseId = record.useCaseID
        message.status = record.status.visible.wire
        message.failureReason = record.failureReason
        message.provisioningAttempts = Int32(clamping: record.provisioningAttempts)
        message.createdAtMs = record.createdAt
        message.provisioningStartedAtMs = record.provisioningStartedAt
        message.readyAtMs = record.readyAt
        message.failedAtMs = record.failedAt
        message.releasedAtMs = record.releasedAt
        message.updatedAtMs = record.updatedAt
        message.singleUse = record.kind == .singleUse
        message.retryable = record.status == .failed && record.failureRetryable
        return message
    }
}
