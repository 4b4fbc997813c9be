/// A submitted brand's fields.
public struct BrandSubmission: Sendable {
    public var legalName: String
    public var ein: String
    public var entityType: BrandRecord.EntityType?
    public var contactName: String
    public var contactEmail: String
    public var contactPhone: String

    public init(
        legalName: String,
        ein: String,
        entityType: BrandRecord.EntityType?,
        contactName: String,
        contactEmail: String,
        contactPhone: String
    ) {
        self.legalName = legalName
        self.ein = ein
        self.entityType = entityType
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
    }
}

/// A submitted use case's fields.
public struct UseCaseSubmission: Sendable {
    public var type: UseCaseRecord.Kind?
    public var description: String
    public var sampleMessages: [String]
    public var optInText: String
    public var helpText: String
    public var campaignVerifyToken: String

    public init(
        type: UseCaseRecord.Kind?,
        description: String,
        sampleMessages: [String],
        optInText: String,
        helpText: String,
        campaignVerifyToken: String
    ) {
        self.type = type
        self.description = description
        self.sampleMessages = sampleMessages
        self.optInText = optInText
        self.helpText = helpText
        self.campaignVerifyToken = campaignVerifyToken
    }
}
