import PhoneNumbersProto

/// Domain records to API messages and API enums to domain values.
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
        message.role = role(record.role)
        message.createdAtMs = record.createdAt
        return message
    }

    static func role(_ role: PhoneNumbersService.Role) -> PhoneNumbersProto.Role {
        switch role {
        case .owner: return .owner
        case .admin: return .admin
        case .supervisor: return .supervisor
        case .texter: return .texter
        }
    }

    static func role(_ role: PhoneNumbersProto.Role) throws(DomainError) -> PhoneNumbersService.Role {
        switch role {
        case .owner: return .owner
        case .admin: return .admin
        case .supervisor: return .supervisor
        case .texter: return .texter
        default: throw .invalid("INVALID_ROLE", "choose a role: OWNER, ADMIN, SUPERVISOR or TEXTER")
        }
    }

    static func grant(_ grant: PhoneNumbersProto.Grant) throws(DomainError) -> PhoneNumbersService.Grant {
        switch grant {
        case .read: return .read
        case .manageNumbers: return .manageNumbers
        case .launchCampaigns: return .launchCampaigns
        case .portOutRelay: return .portOutRelay
        default: throw .invalid("INVALID_GRANT", "unknown grant \(grant.rawValue)")
        }
    }

    static func grant(_ grant: PhoneNumbersService.Grant) -> PhoneNumbersProto.Grant {
        switch grant {
        case .read: return .read
        case .manageNumbers: return .manageNumbers
        case .launchCampaigns: return .launchCampaigns
        case .portOutRelay: return .portOutRelay
        }
    }

    static func entityType(_ type: PhoneNumbersProto.EntityType) -> PhoneNumbersService.EntityType? {
        switch type {
        case .privateProfit: return .privateProfit
        case .publicProfit: return .publicProfit
        case .nonProfit: return .nonProfit
        case .government: return .government
        case .political527: return .political527
        default: return nil
        }
    }

    static func entityType(_ type: PhoneNumbersService.EntityType) -> PhoneNumbersProto.EntityType {
        switch type {
        case .privateProfit: return .privateProfit
        case .publicProfit: return .publicProfit
        case .nonProfit: return .nonProfit
        case .government: return .government
        case .political527: return .political527
        }
    }

    static func brandStatus(_ status: PhoneNumbersService.BrandStatus) -> PhoneNumbersProto.BrandStatus {
        switch status {
        case .preSubmission: return .preSubmission
        case .pending: return .pending
        case .registered: return .registered
        case .unverified: return .unverified
        case .failed: return .failed
        }
    }

    static func brand(_ record: BrandRecord) -> Brand {
        var message = Brand()
        message.accountId = record.accountID
        message.legalName = record.legalName
        message.ein = record.ein
        message.entityType = entityType(record.entityType)
        message.contactName = record.contactName
        message.contactEmail = record.contactEmail
        message.contactPhone = record.contactPhone
        message.status = brandStatus(record.status)
        message.failureReason = record.failureReason
        message.submittedAtMs = record.submittedAt
        message.updatedAtMs = record.updatedAt
        return message
    }

    /// Domain and API use case types share their names.
    static func useCaseType(_ type: PhoneNumbersProto.UseCaseType) -> PhoneNumbersService.UseCaseType? {
        let all: [PhoneNumbersProto.UseCaseType: PhoneNumbersService.UseCaseType] = [
            .political: .political, .charity: .charity, .pollingVoting: .pollingVoting,
            .publicServiceAnnouncement: .publicServiceAnnouncement, .higherEducation: .higherEducation, .customerCare: .customerCare,
            .accountNotification: .accountNotification, .marketing: .marketing, .mixed: .mixed, .lowVolume: .lowVolume,
        ]
        return all[type]
    }

    static func useCaseType(_ type: PhoneNumbersService.UseCaseType) -> PhoneNumbersProto.UseCaseType {
        let all: [PhoneNumbersService.UseCaseType: PhoneNumbersProto.UseCaseType] = [
            .political: .political, .charity: .charity, .pollingVoting: .pollingVoting,
            .publicServiceAnnouncement: .publicServiceAnnouncement, .higherEducation: .higherEducation, .customerCare: .customerCare,
            .accountNotification: .accountNotification, .marketing: .marketing, .mixed: .mixed, .lowVolume: .lowVolume,
        ]
        return all[type] ?? .unspecified
    }

    static func useCaseStatus(_ status: PhoneNumbersService.UseCaseStatus) -> PhoneNumbersProto.UseCaseStatus {
        switch status {
        case .preSubmission: return .preSubmission
        case .pending: return .pending
        case .registered: return .registered
        case .approved: return .approved
        case .failed: return .failed
        }
    }

    static func useCaseStatus(_ status: PhoneNumbersProto.UseCaseStatus) throws(DomainError) -> PhoneNumbersService.UseCaseStatus {
        switch status {
        case .preSubmission: return .preSubmission
        case .pending: return .pending
        case .registered: return .registered
        case .approved: return .approved
        case .failed: return .failed
        default: throw .invalid("INVALID_STATUS", "choose a use case status")
        }
    }

    static func useCase(_ record: UseCaseRecord, numberCount: Int) -> UseCase {
        var message = UseCase()
        message.id = record.id
        message.accountId = record.accountID
        message.type = useCaseType(record.type)
        message.description = record.description
        message.sampleMessages = record.sampleMessages
        message.optInText = record.optInText
        message.helpText = record.helpText
        message.hasCampaignVerifyToken = !record.campaignVerifyToken.isEmpty
        message.status = useCaseStatus(record.status)
        message.failureReason = record.failureReason
        message.numberCount = Int32(numberCount)
        message.createdAtMs = record.createdAt
        message.updatedAtMs = record.updatedAt
        return message
    }

    static func numberStatus(_ status: PhoneNumbersService.NumberStatus) -> PhoneNumbersProto.NumberStatus {
        switch status {
        case .reserving, .provisioning: return .provisioning
        case .ready: return .ready
        case .failed: return .failed
        case .released: return .released
        }
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
        message.status = numberStatus(record.status)
        message.failureReason = record.failureReason
        message.provisioningAttempts = Int32(clamping: record.provisioningAttempts)
        message.createdAtMs = record.createdAt
        message.provisioningStartedAtMs = record.provisioningStartedAt
        message.readyAtMs = record.readyAt
        message.failedAtMs = record.failedAt
        message.releasedAtMs = record.releasedAt
        message.updatedAtMs = record.updatedAt
        message.singleUse = record.kind == .singleUse
        return message
    }
}
