import Foundation
import Logging

/// 10DLC registration: the brand and its use cases, vetted by the provider in the background.
public struct RegistrationDomain: Sendable {
    let store: any PhoneNumbersStore
    let provider: any NumberProvider
    let jobs: JobRunner
    let logger: Logger

    public init(store: any PhoneNumbersStore, provider: any NumberProvider, jobs: JobRunner, logger: Logger) {
        self.store = store
        self.provider = provider
        self.jobs = jobs
        self.logger = logger
    }

    /// Registers the vetting jobs.
    public func registerJobs() {
        jobs.register(.vetBrand) { job in await self.vetBrand(job) }
        jobs.register(.vetUseCase) { job in await self.vetUseCase(job) }
    }

    /// The account's brand registration.
    public func brand(_ principal: Principal, accountID requested: String) async throws -> BrandRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readBrand)
        guard let brand = try await store.read({ try $0.brand(ofAccount: accountID) }) else {
            throw DomainError(
                .notFound,
                "BRAND_NOT_FOUND",
                "the account has not submitted a brand registration",
                metadata: ["id": accountID]
            )
        }
        return brand
    }

    /// Owner only: submits (or resubmits) the brand; vetting starts (PENDING).
    public func submitBrand(_ principal: Principal, accountID requested: String, _ submission: BrandSubmission) async throws -> BrandRecord
    {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .submitBrand)
        let legalName = try HumanText.line(
            submission.legalName,
            "the legal name",
            maxLength: 255,
            required: true,
            reason: "INVALID_LEGAL_NAME"
        )
        let einDigits = submission.ein.filter(\.isNumber)
        guard einDigits.count == 9, submission.ein.allSatisfy({ $0.isNumber || $0 == "-" }) else {
            throw DomainError.invalid("INVALID_EIN", "the EIN is 9 digits, e.g. 12-3456789")
        }
        guard let entityType = submission.entityType else { throw DomainError.invalid("INVALID_ENTITY_TYPE", "choose an entity type") }
        let contactName = try HumanText.line(
            submission.contactName,
            "the contact name",
            maxLength: 200,
            required: true,
            reason: "INVALID_CONTACT"
        )
        let contactEmail = try HumanText.line(
            submission.contactEmail,
            "the contact email",
            maxLength: 254,
            required: true,
            reason: "INVALID_CONTACT"
        )
        guard contactEmail.contains("@"), !contactEmail.contains(" ") else {
            throw DomainError.invalid("INVALID_CONTACT", "the contact email must be an address such as pat@example.org")
        }
        let now = currentTimestamp()
        let brand = BrandRecord(
            accountID: accountID,
            legalName: legalName,
            ein: einDigits,
            entityType: entityType,
            contactName: contactName,
            contactEmail: contactEmail,
            contactPhone: submission.contactPhone,
            status: .pending,
            submittedAt: now,
            updatedAt: now
        )
        try await store.write { tx in
            guard let account = try tx.account(accountID) else { throw DomainError.notFound("account", accountID) }
            guard account.isUS else { throw DomainError.precondition("NOT_US_ACCOUNT", "10DLC registration is for US accounts") }
            if let existing = try tx.brand(ofAccount: accountID), existing.status == .pending {
                throw DomainError.precondition("BRAND_PENDING", "the brand is being vetted; wait for the result before resubmitting")
            }
            let old = try tx.brand(ofAccount: accountID)
            try tx.upsert(brand)
            try ChangeLog.audit(
                tx,
                account: accountID,
                actor: Actor(principal),
                action: "BRAND_SUBMITTED",
                subject: ("BRAND", accountID),
                old: old?.status.rawValue ?? "",
                new: brand.status.rawValue
            )
            try tx.upsert(JobRecord(kind: .vetBrand, subjectID: accountID, runAt: now))
        }
        jobs.wake()
        return brand
    }

    /// Owner and admin: submits a use case for vetting (PENDING). Needs a REGISTERED brand.
    public func submitUseCase(
        _ principal: Principal,
        accountID requested: String,
        _ submission: UseCaseSubmission
    ) async throws -> UseCaseRecord {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .submitUseCase)
        guard let type = submission.type else { throw DomainError.invalid("INVALID_USE_CASE_TYPE", "choose a use case type") }
        let description = try HumanText.paragraph(
            submission.description,
            "a description",
            maxLength: 4096,
            required: true,
            reason: "INVALID_DESCRIPTION"
        )
        let samples = try submission.sampleMessages.map { sample throws(DomainError) in
            try HumanText.paragraph(sample, "a sample message", maxLength: 1024, required: false, reason: "INVALID_SAMPLE_MESSAGES")
        }.filter { !$0.isEmpty }
        guard (2...5).contains(samples.count), samples.allSatisfy({ $0.count <= 1024 }) else {
            throw DomainError.invalid(
                "INVALID_SAMPLE_MESSAGES",
                "give 2 to 5 sample messages of at most 1024 characters",
                metadata: ["min": "2", "max": "5"]
            )
        }
        let now = currentTimestamp()
        let useCase = UseCaseRecord(
            id: Identifiers.make("uc"),
            accountID: accountID,
            type: type,
            description: description,
            sampleMessages: samples,
            optInText: submission.optInText,
            helpText: submission.helpText,
            campaignVerifyToken: submission.campaignVerifyToken,
            status: .pending,
            createdAt: now,
            updatedAt: now
        )
        try await store.write { tx in
            guard try tx.account(accountID) != nil else { throw DomainError.notFound("account", accountID) }
            guard let brand = try tx.brand(ofAccount: accountID), brand.status == .registered else {
                throw DomainError.precondition(
                    "BRAND_NOT_REGISTERED",
                    "a use case needs a REGISTERED brand; submit the brand registration first"
                )
            }
            if type == .political, brand.entityType == .political527,
                submission.campaignVerifyToken.trimmingCharacters(in: .whitespaces).isEmpty
            {
                throw DomainError.precondition(
                    "CAMPAIGN_VERIFY_TOKEN_REQUIRED",
                    "a POLITICAL use case of a 527 organisation needs a Campaign Verify token"
                )
            }
            if type == .charity, brand.entityType != .nonProfit {
                throw DomainError.precondition("CHARITY_REQUIRES_NON_PROFIT", "a CHARITY use case needs a NON_PROFIT (501(c)(3)) brand")
            }
            try tx.insert(useCase)
            try ChangeLog.audit(
                tx,
                account: accountID,
                actor: Actor(principal),
                action: "USE_CASE_SUBMITTED",
                subject: ("USE_CASE", useCase.id),
                new: "\(type.rawValue) \(useCase.status.rawValue)"
            )
            try tx.upsert(JobRecord(kind: .vetUseCase, subjectID: useCase.id, runAt: now))
        }
        jobs.wake()
        return useCase
    }

    /// A use case of the caller's account, with how many numbers it holds.
    public func useCase(_ principal: Principal, accountID requested: String, useCaseID: String) async throws -> (UseCaseRecord, Int) {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        return try await store.read { tx in
            guard let useCase = try tx.useCase(useCaseID), useCase.accountID == accountID else {
                throw DomainError.notFound("use case", useCaseID)
            }
            return (useCase, try tx.heldNumberCount(ofUseCase: useCaseID))
        }
    }

    /// The use cases of the caller's account, with their number counts.
    public func useCases(_ principal: Principal, accountID requested: String) async throws -> [(UseCaseRecord, Int)] {
        let accountID = try AccessPolicy.account(for: principal, requested: requested, .readNumbers)
        return try await store.read { tx in
            try tx.useCases(ofAccount: accountID).map { ($0, try tx.heldNumberCount(ofUseCase: $0.id)) }
        }
    }

    /// Operator only, simulated provider only: sets a use case's status directly.
    public func setUseCaseStatus(
        _ principal: Principal,
        accountID: String,
        useCaseID: String,
        status: UseCaseRecord.Status,
        reason: String
    ) async throws -> UseCaseRecord {
        try AccessPolicy.requireOperator(principal)
        guard provider.allowsDirectStatusChanges else {
            throw DomainError.precondition("NOT_SIMULATED", "statuses are set directly only with the simulated provider")
        }
        return try await store.write { tx in
            guard let useCase = try tx.useCase(useCaseID), accountID.isEmpty || useCase.accountID == accountID else {
                throw DomainError.notFound("use case", useCaseID)
            }
            try tx.deleteJob(kind: .vetUseCase, subjectID: useCaseID)
            let reason = status == .failed ? (reason.isEmpty ? "set by the operator" : reason) : ""
            return try Self.record(tx, useCase, status, reason: reason, actor: .operator, action: "USE_CASE_STATUS_SET")
        }
    }

    /// Gives `useCase` its new status and reason in `tx`, with the audit entry.
    @discardableResult
    private static func record(
        _ tx: any StoreWriter,
        _ useCase: UseCaseRecord,
        _ status: UseCaseRecord.Status,
        reason: String,
        actor: Actor,
        action: String
    ) throws -> UseCaseRecord {
        var useCase = useCase
        let old = useCase.status
        useCase.status = status
        useCase.failureReason = reason
        useCase.updatedAt = currentTimestamp()
        try tx.update(useCase)
        try ChangeLog.audit(
            tx,
            account: useCase.accountID,
            actor: actor,
            action: action,
            subject: ("USE_CASE", useCase.id),
            old: old.rawValue,
            new: status.rawValue
        )
        return useCase
    }

    // MARK: Vetting jobs

    func vetBrand(_ job: JobRecord) async -> JobOutcome {
        do {
            guard let brand = try await store.read({ try $0.brand(ofAccount: job.subjectID) }), brand.status == .pending else {
                try await store.write { try $0.deleteJob(kind: .vetBrand, subjectID: job.subjectID) }
                return .done
            }
            let (status, reason) = try await provider.vetBrand(brand)
            // A provider that vets asynchronously answers PENDING until it decides: ask again later.
            if status == .pending { return .waiting(after: RegistrationRules.vettingPollInterval, note: reason) }
            try await store.write { tx in
                try tx.deleteJob(kind: .vetBrand, subjectID: job.subjectID)
                guard var current = try tx.brand(ofAccount: job.subjectID), current.status == .pending else { return }
                current.status = status
                current.failureReason = reason
                current.updatedAt = currentTimestamp()
                try tx.upsert(current)
                try ChangeLog.audit(
                    tx,
                    account: job.subjectID,
                    actor: .system,
                    action: "BRAND_VETTED",
                    subject: ("BRAND", job.subjectID),
                    old: BrandRecord.Status.pending.rawValue,
                    new: status.rawValue
                )
            }
            logger.info("brand vetted", metadata: ["account.id": "\(job.subjectID)", "brand.status": "\(status.rawValue)"])
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }

    func vetUseCase(_ job: JobRecord) async -> JobOutcome {
        do {
            let found = try await store.read { tx -> (UseCaseRecord, BrandRecord)? in
                guard let useCase = try tx.useCase(job.subjectID), [.pending, .registered].contains(useCase.status),
                    let brand = try tx.brand(ofAccount: useCase.accountID)
                else { return nil }
                return (useCase, brand)
            }
            guard let (useCase, brand) = found else {
                try await store.write { try $0.deleteJob(kind: .vetUseCase, subjectID: job.subjectID) }
                return .done
            }
            let (status, reason) = try await provider.vetUseCase(useCase, brand: brand)
            if status == useCase.status { return .waiting(after: RegistrationRules.vettingPollInterval, note: reason) }
            try await store.write { tx in
                try tx.deleteJob(kind: .vetUseCase, subjectID: job.subjectID)
                guard let current = try tx.useCase(job.subjectID), current.status == useCase.status else { return }
                try Self.record(tx, current, status, reason: reason, actor: .system, action: "USE_CASE_VETTED")
                if status == .registered {
                    try tx.upsert(JobRecord(kind: .vetUseCase, subjectID: job.subjectID, runAt: currentTimestamp()))
                }
            }
            if status == .registered { jobs.wake() }
            logger.info("use case vetted", metadata: ["use_case.id": "\(job.subjectID)", "use_case.status": "\(status.rawValue)"])
            return .done
        } catch {
            return .retry(after: retryBackoff(attempt: job.attempts), error: "\(error)")
        }
    }
}

/// How registration waits on a provider that vets asynchronously.
enum RegistrationRules {
    /// How often a brand or use case still PENDING at the provider is asked about again.
    static let vettingPollInterval: Duration = .seconds(60)
}

extension RegistrationDomain {
    /// FAILED_PRECONDITION `USE_CASE_NOT_APPROVED` (metadata `status`, `use_case_id`),
    /// with what to do next for the use case's status.
    static func notApproved(_ useCase: UseCaseRecord) -> DomainError {
        let next: String
        switch useCase.status {
        case .preSubmission: next = "Submit it for vetting first."
        case .pending, .registered: next = "It is still being vetted; numbers can be added once it is APPROVED."
        case .failed:
            next =
                "Its vetting failed\(useCase.failureReason.isEmpty ? "" : " (\(useCase.failureReason))"); correct it and submit a new use case."
        case .approved: next = ""
        }
        return DomainError.precondition(
            "USE_CASE_NOT_APPROVED",
            "use case \(useCase.id) is \(useCase.status.rawValue), not APPROVED. \(next)",
            metadata: ["status": useCase.status.rawValue, "use_case_id": useCase.id]
        )
    }
}
