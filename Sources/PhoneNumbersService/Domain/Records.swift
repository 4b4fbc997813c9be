/// Milliseconds since the Unix epoch; 0 means "not yet".
public typealias Timestamp = Int64

/// A customer organisation.
public struct AccountRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    /// ISO 3166-1 alpha-2 country code, e.g. "US".
    public var country: String
    public var createdAt: Timestamp

    public init(id: String, name: String, country: String, createdAt: Timestamp) {
        self.id = id
        self.name = name
        self.country = country
        self.createdAt = createdAt
    }

    /// Only US accounts may hold dedicated numbers.
    public var isUS: Bool { country == "US" }
}

extension MemberRecord {
    /// A member's role in its account.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case owner = "OWNER"
        case admin = "ADMIN"
        case supervisor = "SUPERVISOR"
        case texter = "TEXTER"
    }
}

/// A person in an account.
public struct MemberRecord: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var name: String
    public var email: String
    public var role: MemberRecord.Role
    public var createdAt: Timestamp
    /// When the member was removed from the account (0: a member now). Kept, not
    /// deleted, so the audit trail and old tokens still name them.
    public var removedAt: Timestamp

    public init(
        id: String,
        accountID: String,
        name: String,
        email: String,
        role: MemberRecord.Role,
        createdAt: Timestamp,
        removedAt: Timestamp = 0
    ) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.email = email
        self.role = role
        self.createdAt = createdAt
        self.removedAt = removedAt
    }
}

extension CredentialSubject {
    /// What an internal service's credential allows, on any account it names.
    public enum Grant: String, Sendable, Hashable, CaseIterable {
        case read = "READ"
        case manageNumbers = "MANAGE_NUMBERS"
        case launchCampaigns = "LAUNCH_CAMPAIGNS"
        case portOutRelay = "PORT_OUT_RELAY"
    }
}

/// Who a bearer token stands for.
public enum CredentialSubject: Sendable, Hashable {
    case `operator`
    case member(memberID: String)
    case service(name: String, grants: Set<CredentialSubject.Grant>)
}

extension BrandRecord {
    /// The legal identity a use case registers under.
    public enum EntityType: String, Sendable, Hashable, CaseIterable {
        case privateProfit = "PRIVATE_PROFIT"
        case publicProfit = "PUBLIC_PROFIT"
        case nonProfit = "NON_PROFIT"
        case government = "GOVERNMENT"
        case political527 = "POLITICAL_527"
    }
}

extension BrandRecord {
    /// A brand registration's status at the registry.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case preSubmission = "PRE_SUBMISSION"
        case pending = "PENDING"
        case registered = "REGISTERED"
        case unverified = "UNVERIFIED"
        case failed = "FAILED"
    }
}

/// An account's 10DLC brand registration.
public struct BrandRecord: Sendable, Hashable {
    public var accountID: String
    public var legalName: String
    public var ein: String
    public var entityType: BrandRecord.EntityType
    public var contactName: String
    public var contactEmail: String
    public var contactPhone: String
    public var status: BrandRecord.Status
    public var failureReason: String
    public var submittedAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        accountID: String,
        legalName: String,
        ein: String,
        entityType: BrandRecord.EntityType,
        contactName: String,
        contactEmail: String,
        contactPhone: String,
        status: BrandRecord.Status,
        failureReason: String = "",
        submittedAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.accountID = accountID
        self.legalName = legalName
        self.ein = ein
        self.entityType = entityType
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
        self.status = status
        self.failureReason = failureReason
        self.submittedAt = submittedAt
        self.updatedAt = updatedAt
    }
}

extension UseCaseRecord {
    /// The standard 10DLC use case types.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case political = "POLITICAL"
        case charity = "CHARITY"
        case pollingVoting = "POLLING_VOTING"
        case publicServiceAnnouncement = "PUBLIC_SERVICE_ANNOUNCEMENT"
        case higherEducation = "HIGHER_EDUCATION"
        case customerCare = "CUSTOMER_CARE"
        case accountNotification = "ACCOUNT_NOTIFICATION"
        case marketing = "MARKETING"
        case mixed = "MIXED"
        case lowVolume = "LOW_VOLUME"
    }
}

extension UseCaseRecord {
    /// A use case's vetting status.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case preSubmission = "PRE_SUBMISSION"
        case pending = "PENDING"
        case registered = "REGISTERED"
        case approved = "APPROVED"
        case failed = "FAILED"
    }
}

/// A 10DLC use case (the registry's "campaign").
public struct UseCaseRecord: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var type: UseCaseRecord.Kind
    public var description: String
    public var sampleMessages: [String]
    public var optInText: String
    public var helpText: String
    public var campaignVerifyToken: String
    public var status: UseCaseRecord.Status
    public var failureReason: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String,
        accountID: String,
        type: UseCaseRecord.Kind,
        description: String,
        sampleMessages: [String],
        optInText: String,
        helpText: String,
        campaignVerifyToken: String,
        status: UseCaseRecord.Status,
        failureReason: String = "",
        createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.accountID = accountID
        self.type = type
        self.description = description
        self.sampleMessages = sampleMessages
        self.optInText = optInText
        self.helpText = helpText
        self.campaignVerifyToken = campaignVerifyToken
        self.status = status
        self.failureReason = failureReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension NumberRecord {
    /// Where a dedicated number is in its life.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Counted toward the limits while the provider reserves a number (internal; shown as PROVISIONING).
        case reserving = "RESERVING"
        case provisioning = "PROVISIONING"
        case ready = "READY"
        case failed = "FAILED"
        case released = "RELEASED"

        /// Whether the number still counts toward the account's and use case's limits.
        public var isHeld: Bool { self != .released }

        /// The status callers see: RESERVING is shown as PROVISIONING (here, and nowhere else).
        public var visible: Self { self == .reserving ? .provisioning : self }
    }
}

/// A dedicated phone number of an account.
public struct NumberRecord: Sendable, Hashable {
    public var id: String
    public var accountID: String
    /// E.164; empty while reserving.
    public var e164: String
    /// The area code of the number (while reserving, the first of `areaCodes`).
    public var areaCode: String
    /// The area codes to reserve in, in order of preference (only read while reserving).
    public var areaCodes: [String]
    public var name: String
    public var useCaseID: String
    public var status: NumberRecord.Status
    public var failureReason: String
    /// For a FAILED number: whether provisioning it again can help (false when the number
    /// itself is gone at the provider).
    public var failureRetryable: Bool
    public var provisioningAttempts: Int
    public var createdAt: Timestamp
    public var provisioningStartedAt: Timestamp
    public var readyAt: Timestamp
    public var failedAt: Timestamp
    public var releasedAt: Timestamp
    public var updatedAt: Timestamp
    /// Dedicated (counts toward the account's five) or a campaign's single-use number.
    public var kind: NumberRecord.Kind

    public init(
        id: String,
        accountID: String,
        e164: String,
        areaCode: String,
        name: String,
        useCaseID: String,
        status: NumberRecord.Status,
        failureReason: String = "",
        provisioningAttempts: Int = 0,
        createdAt: Timestamp,
        provisioningStartedAt: Timestamp = 0,
        readyAt: Timestamp = 0,
        failedAt: Timestamp = 0,
        releasedAt: Timestamp = 0,
        updatedAt: Timestamp,
        kind: NumberRecord.Kind = .dedicated,
        areaCodes: [String]? = nil,
        failureRetryable: Bool = true
    ) {
        self.kind = kind
        self.failureRetryable = failureRetryable
        self.areaCodes = areaCodes ?? [areaCode]
        self.id = id
        self.accountID = accountID
        self.e164 = e164
        self.areaCode = areaCode
        self.name = name
        self.useCaseID = useCaseID
        self.status = status
        self.failureReason = failureReason
        self.provisioningAttempts = provisioningAttempts
        self.createdAt = createdAt
        self.provisioningStartedAt = provisioningStartedAt
        self.readyAt = readyAt
        self.failedAt = failedAt
        self.releasedAt = releasedAt
        self.updatedAt = updatedAt
    }
}

extension NumberRecord {
    /// A number that was READY and that its provider no longer holds (FAILED, not retryable).
    public var isLostAtProvider: Bool { status == .failed && !failureRetryable && readyAt > 0 }
}

/// What an AddNumber request id was used for: the number it created and a fingerprint
/// of its arguments, so a retry with other arguments is refused.
public struct IdempotencyRecord: Sendable, Hashable {
    public var accountID: String
    public var requestID: String
    public var fingerprint: String
    public var numberID: String

    public init(accountID: String, requestID: String, fingerprint: String, numberID: String) {
        self.accountID = accountID
        self.requestID = requestID
        self.fingerprint = fingerprint
        self.numberID = numberID
    }
}

/// Background work that must survive restarts.
public enum JobKind: String, Sendable, Hashable {
    /// Reserve a RESERVING number: a single-use one at launch, or a dedicated one whose
    /// AddNumber call did not finish (crash or timeout).
    case completeReservation = "COMPLETE_RESERVATION"
    case provisionNumber = "PROVISION_NUMBER"
    case releaseNumber = "RELEASE_NUMBER"
    case vetBrand = "VET_BRAND"
    case vetUseCase = "VET_USE_CASE"
    /// Periodic: answer the port-out requests the provider reports.
    case watchPortOuts = "WATCH_PORT_OUTS"
    /// Periodic: compare the numbers the provider holds with the service's.
    case reconcileNumbers = "RECONCILE_NUMBERS"
}

/// A durable job: what, for which record, how often tried, when next due.
public struct JobRecord: Sendable, Hashable {
    public var kind: JobKind
    public var subjectID: String
    public var attempts: Int
    public var runAt: Timestamp
    public var lastError: String
    /// The trace context of the call that created the job (as the tracer injects it), so
    /// the job's span links to that call; "" without a tracer.
    public var traceContext: String

    public init(
        kind: JobKind,
        subjectID: String,
        attempts: Int = 0,
        runAt: Timestamp,
        lastError: String = "",
        traceContext: String = JobTrace.current()
    ) {
        self.kind = kind
        self.subjectID = subjectID
        self.attempts = attempts
        self.runAt = runAt
        self.lastError = lastError
        self.traceContext = traceContext
    }
}

/// A campaign using a number, as far as number rules need to know.
public struct CampaignReference: Sendable, Hashable {
    public var id: String
    public var name: String
    public var state: String

    public init(id: String, name: String, state: String) {
        self.id = id
        self.name = name
        self.state = state
    }
}

/// Port-out protection state of a number.
public struct PortOutGuard: Sendable, Hashable {
    public var numberID: String
    /// Wrong PINs since the last success or lock.
    public var failedAttempts: Int
    /// No attempt is considered before this time.
    public var lockedUntil: Timestamp

    public init(numberID: String, failedAttempts: Int = 0, lockedUntil: Timestamp = 0) {
        self.numberID = numberID
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
    }
}
