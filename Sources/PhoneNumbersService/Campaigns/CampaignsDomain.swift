import Crypto
import Foundation
import Logging

/// Who sends a campaign's texts.
public enum CampaignSender: Sendable, Hashable {
    /// One of the account's dedicated numbers.
    case dedicated(numberID: String)
    /// A number bought and provisioned at launch, in one of these area codes.
    case singleUse(useCaseID: String, areaCodes: [String])
    /// None named: the account's only READY dedicated number, else SENDER_REQUIRED
    /// listing the candidates.
    case accountDefault
}

/// Campaigns: creating, launching (at once on a dedicated number; through provisioning
/// on a single-use one), pausing, resuming, archiving, and resolving the sender of a
/// text so each contact sees one conversation per number.
public struct CampaignsDomain: Sendable {
    let store: any PhoneNumbersStore
    let signals: AccountSignals
    let jobs: JobRunner
    let metrics: DomainMetrics
    let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        signals: AccountSignals,
        jobs: JobRunner,
        metrics: DomainMetrics = DomainMetrics(),
        logger: Logger
    ) {
        self.store = store
        self.metrics = metrics
        self.signals = signals
        self.jobs = jobs
        self.logger = logger
    }

    // MARK: Creating and reading

    /// A DRAFT campaign. With `requestID`, a retry returns the same campaign.
    ///
    /// - Throws: INVALID_ARGUMENT `SENDER_REQUIRED` (metadata `number_ids`) when no
    ///   sender is named and the account has no single READY dedicated number.
    public func create(
        _ principal: Principal,
        accountID requested: String,
        name: String,
        sender: CampaignSender,
        requestID: String
    ) async throws
        -> CampaignRecord
    {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .manageCampaigns)
        let name = try HumanText.line(name, "a campaign's name", maxLength: 200, required: true, reason: "INVALID_NAME")
        guard requestID.count <= 128 else { throw DomainError.invalid("INVALID_REQUEST_ID", "request_id is at most 128 characters") }
        let fingerprint: String
        switch sender {
        case .dedicated(let numberID):
            guard !numberID.isEmpty else {
                throw DomainError.invalid("SENDER_REQUIRED", "choose a dedicated number or a single-use sender")
            }
            fingerprint = "dedicated|\(numberID)|\(name)"
        case .singleUse(let useCaseID, let areaCodes):
            guard !useCaseID.isEmpty else {
                throw DomainError.invalid("USE_CASE_REQUIRED", "a single-use sender needs an approved use case")
            }
            guard (1...10).contains(areaCodes.count) else {
                throw DomainError.invalid("AREA_CODES_REQUIRED", "a single-use sender needs 1 to 10 preferred area codes")
            }
            for areaCode in areaCodes { _ = try AreaCodeDirectory.validate(areaCode) }
            fingerprint = "single|\(useCaseID)|\(areaCodes.joined(separator: ","))|\(name)"
        case .accountDefault:
            fingerprint = "default|\(name)"
        }
        let now = currentTimestamp()
        let actor = Actor(principal)
        let campaign = try await store.write(account: accountID) { tx -> CampaignRecord in
            if !requestID.isEmpty, let existing = try tx.campaign(accountID: accountID, requestID: requestID) {
                guard existing.fingerprint == fingerprint else {
                    throw DomainError.precondition(
                        "REQUEST_ID_REUSED",
                        "request_id \(requestID) was used with different arguments",
                        metadata: ["campaign_id": existing.id]
                    )
                }
                return existing
            }
            guard let account = try tx.account(accountID) else { throw DomainError.notFound("account", accountID) }
            guard account.isUS else { throw DomainError.precondition("NOT_US_ACCOUNT", "campaigns with 10DLC numbers are for US accounts") }
            var record = CampaignRecord(
                id: Identifiers.make("cmp"),
                accountID: accountID,
                name: name,
                state: .draft,
                senderKind: .dedicated,
                numberID: "",
                useCaseID: "",
                preferredAreaCodes: [],
                requestID: requestID,
                fingerprint: fingerprint,
                createdAt: now,
                updatedAt: now
            )
            var sender = sender
            if sender == .accountDefault { sender = .dedicated(numberID: try Self.defaultSender(tx, accountID)) }
            switch sender {
            case .accountDefault:
                preconditionFailure("resolved above")
            case .dedicated(let numberID):
                guard let number = try tx.number(numberID), number.accountID == accountID, number.kind == .dedicated else {
                    throw DomainError.notFound("number", numberID)
                }
                guard number.status != .released else {
                    throw DomainError.precondition("NUMBER_RELEASED", "number \(numberID) was deleted")
                }
                record.numberID = numberID
                record.useCaseID = number.useCaseID
            case .singleUse(let useCaseID, let areaCodes):
                guard let useCase = try tx.useCase(useCaseID), useCase.accountID == accountID else {
                    throw DomainError.notFound("use case", useCaseID)
                }
                guard useCase.status == .approved else { throw RegistrationDomain.notApproved(useCase) }
                record.senderKind = .singleUse
                record.useCaseID = useCaseID
                record.preferredAreaCodes = areaCodes
            }
            try tx.insert(record)
            try ChangeLog.campaign(tx, from: nil, to: record, actor: actor, action: "CAMPAIGN_CREATED", requestID: requestID)
            return record
        }
        signals.notify(accountID)
        return campaign
    }

    /// The account's only READY dedicated number.
    private static func defaultSender(_ tx: any StoreReader, _ accountID: String) throws -> String {
        let ready = try (tx.numbers(ofExistingAccount: accountID, includeReleased: false) ?? []).filter {
            $0.kind == .dedicated && $0.status == .ready
        }
        if ready.count == 1 { return ready[0].id }
        let choices = ready.map { "\($0.e164) (\($0.id)\($0.name.isEmpty ? "" : ", " + $0.name))" }.joined(separator: ", ")
        throw DomainError.invalid(
            "SENDER_REQUIRED",
            ready.isEmpty
                ? "the account has no READY dedicated number: add one, or give a single-use sender (use case and area codes)"
                : "choose the dedicated number to send from: \(choices); or give a single-use sender",
            metadata: ["number_ids": ready.map(\.id).joined(separator: ",")]
        )
    }

    public func get(_ principal: Principal, accountID requested: String, campaignID: String) async throws -> CampaignRecord {
        let accountID = try AccessPolicy.readableAccount(for: principal, requested: requested)
        return try await store.read { tx in try Self.owned(tx, campaignID, accountID) }
    }

    public func list(
        _ principal: Principal,
        accountID requested: String,
        state: CampaignRecord.State?,
        numberID: String
    ) async throws -> [CampaignRecord] {
        let accountID = try AccessPolicy.readableAccount(for: principal, requested: requested)
        return try await store.read { tx in try tx.campaigns(ofAccount: accountID, state: state, numberID: numberID) }
    }

    // MARK: Transitions

    /// Launches a DRAFT campaign: ACTIVE at once on a READY dedicated number; LAUNCHING
    /// while a single-use number is reserved and provisioned.
    public func launch(_ principal: Principal, accountID requested: String, campaignID: String) async throws -> CampaignRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .launchCampaigns)
        let actor = Actor(principal)
        let launched = try await store.write(account: accountID) { tx -> CampaignRecord in
            var campaign = try Self.owned(tx, campaignID, accountID)
            let old = campaign
            let next = try CampaignStateMachine.next(campaign.state, .launch, sender: campaign.senderKind)
            let now = currentTimestamp()
            switch campaign.senderKind {
            case .dedicated:
                guard let number = try tx.number(campaign.numberID) else { throw DomainError.notFound("number", campaign.numberID) }
                guard number.status != .released else {
                    throw DomainError.precondition(
                        "NUMBER_RELEASED",
                        "the campaign's number \(number.e164) was deleted; create the campaign on another number"
                    )
                }
                guard number.status == .ready else {
                    throw DomainError.precondition(
                        "NUMBER_NOT_READY",
                        "number \(number.e164) is \(number.status.visible.rawValue), not READY",
                        metadata: ["status": number.status.visible.rawValue]
                    )
                }
                campaign.activatedAt = now
            case .singleUse:
                guard let useCase = try tx.useCase(campaign.useCaseID) else { throw DomainError.notFound("use case", campaign.useCaseID) }
                guard useCase.status == .approved else { throw RegistrationDomain.notApproved(useCase) }
                guard try tx.heldNumberCount(ofUseCase: campaign.useCaseID) < NumberRules.useCaseLimit else {
                    throw DomainError.precondition(
                        "USE_CASE_NUMBER_LIMIT",
                        "a use case can be associated with at most \(NumberRules.useCaseLimit) numbers",
                        metadata: ["limit": "\(NumberRules.useCaseLimit)"]
                    )
                }
                let number = NumberRecord(
                    id: Identifiers.make("num"),
                    accountID: accountID,
                    e164: "",
                    areaCode: campaign.preferredAreaCodes[0],
                    name: campaign.name,
                    useCaseID: campaign.useCaseID,
                    status: .reserving,
                    createdAt: now,
                    updatedAt: now,
                    kind: .singleUse,
                    areaCodes: campaign.preferredAreaCodes
                )
                try NumberLifecycle.request(tx, number, reserveAt: now)
                campaign.numberID = number.id
            }
            campaign.state = next
            campaign.failureReason = ""
            campaign.launchedAt = now
            campaign.updatedAt = now
            try tx.update(campaign)
            try ChangeLog.campaign(tx, from: old, to: campaign, actor: actor, action: "CAMPAIGN_LAUNCHED")
            return campaign
        }
        metrics.campaignLaunched(launched.senderKind)
        signals.notify(accountID)
        jobs.wake()
        return launched
    }

    public func pause(_ principal: Principal, accountID requested: String, campaignID: String) async throws -> CampaignRecord {
        try await transition(principal, requested, campaignID, .pause, permission: .launchCampaigns, action: "CAMPAIGN_PAUSED")
    }

    public func resume(_ principal: Principal, accountID requested: String, campaignID: String) async throws -> CampaignRecord {
        try await transition(principal, requested, campaignID, .resume, permission: .manageCampaigns, action: "CAMPAIGN_RESUMED")
    }

    /// Archives a campaign; its single-use number is released, a dedicated one stays.
    public func archive(_ principal: Principal, accountID requested: String, campaignID: String) async throws -> CampaignRecord {
        try await transition(principal, requested, campaignID, .archive, permission: .launchCampaigns, action: "CAMPAIGN_ARCHIVED")
    }

    private func transition(
        _ principal: Principal,
        _ requested: String,
        _ campaignID: String,
        _ transition: CampaignTransition,
        permission: Permission,
        action: String
    ) async throws -> CampaignRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, permission)
        let actor = Actor(principal)
        let updated = try await store.write(account: accountID) { tx -> CampaignRecord in
            var campaign = try Self.owned(tx, campaignID, accountID)
            let old = campaign
            campaign.state = try CampaignStateMachine.next(campaign.state, transition, sender: campaign.senderKind)
            if transition == .resume { try Self.requireHeldNumber(tx, campaign) }
            campaign.updatedAt = currentTimestamp()
            if transition == .archive {
                campaign.archivedAt = campaign.updatedAt
                if campaign.senderKind == .singleUse, !campaign.numberID.isEmpty {
                    try NumberLifecycle.release(tx, campaign.numberID, actor: actor, action: "SINGLE_USE_NUMBER_RELEASED")
                }
            }
            try tx.update(campaign)
            try ChangeLog.campaign(tx, from: old, to: campaign, actor: actor, action: action)
            return campaign
        }
        signals.notify(accountID)
        jobs.wake()
        return updated
    }

    // MARK: Senders

    /// The number that texts `contact` for an ACTIVE campaign, and the conversation id:
    /// stable for (sending number, contact) across every campaign on that number.
    public func resolveSender(
        _ principal: Principal,
        accountID requested: String,
        campaignID: String,
        contact: String
    ) async throws
        -> (e164: String, conversationID: String, contact: String)
    {
        let accountID = try AccessPolicy.readableAccount(for: principal, requested: requested)
        let contact = try NumberRules.contact(contact)
        let (campaign, number) = try await store.read { tx -> (CampaignRecord, NumberRecord) in
            // One statement: on PostgreSQL a read of one statement needs no transaction.
            guard let (campaign, number) = try tx.campaignWithNumber(campaignID), campaign.accountID == accountID else {
                throw DomainError.notFound("campaign", campaignID)
            }
            guard campaign.state == .active else {
                throw DomainError.precondition(
                    "CAMPAIGN_NOT_ACTIVE",
                    "campaign \(campaignID) is \(campaign.state.rawValue); senders resolve only for ACTIVE campaigns",
                    metadata: ["state": campaign.state.rawValue]
                )
            }
            return (campaign, try Self.requireHeld(number, of: campaign))
        }
        return (number.e164, Self.conversationID(accountID: campaign.accountID, e164: number.e164, contact: contact), contact)
    }

    /// The READY number an ACTIVE or resumed campaign sends from.
    /// - Throws: FAILED_PRECONDITION `NUMBER_NOT_HELD` (metadata `status`) when the
    ///   account no longer holds it (deleted, ported out) or it is not READY.
    @discardableResult
    static func requireHeldNumber(_ tx: any StoreReader, _ campaign: CampaignRecord) throws -> NumberRecord {
        try requireHeld(tx.number(campaign.numberID), of: campaign)
    }

    /// `number`, read as `campaign`'s, when it is READY; see `requireHeldNumber`.
    static func requireHeld(_ number: NumberRecord?, of campaign: CampaignRecord) throws -> NumberRecord {
        guard let number, number.status == .ready else {
            let status = number.map { $0.status.visible.rawValue } ?? "RELEASED"
            let why = number?.failureReason.isEmpty == false ? " (\(number!.failureReason))" : ""
            throw DomainError.precondition(
                "NUMBER_NOT_HELD",
                "campaign \(campaign.id) cannot send: its number \(number?.e164 ?? "") is \(status)\(why), not READY",
                metadata: ["status": status, "number_id": campaign.numberID]
            )
        }
        return number
    }

    /// `conv_` and 32 hex digits of SHA-256 over the account, the sending number (E.164)
    /// and the contact: contacts see threads by phone number, so a conversation follows
    /// the number, not the record that holds it, and never crosses accounts.
    static func conversationID(accountID: String, e164: String, contact: String) -> String {
        let digest = SHA256.hash(data: Data("\(accountID)|\(e164)|\(contact)".utf8))
        return "conv_" + digest.withUnsafeBytes { $0.prefix(16).lowercaseHex }
    }

    /// The E.164 of each campaign's number, where known, by campaign id.
    public func senderNumbers(of campaigns: [CampaignRecord]) async throws -> [String: String] {
        try await store.read { tx in
            var numbers: [String: String] = [:]
            for campaign in campaigns where !campaign.numberID.isEmpty {
                if let number = try tx.number(campaign.numberID), !number.e164.isEmpty { numbers[campaign.id] = number.e164 }
            }
            return numbers
        }
    }

    // MARK: Access

    static func owned(_ tx: any StoreReader, _ campaignID: String, _ accountID: String) throws -> CampaignRecord {
        guard let campaign = try tx.campaign(campaignID), campaign.accountID == accountID else {
            throw DomainError.notFound("campaign", campaignID)
        }
        return campaign
    }
}
