/// What `serve --demo` creates, with the credentials to use it.
public struct DemoCredentials: Sendable, Codable, Equatable {
    public var accountID: String
    public var ownerToken: String
    public var adminToken: String
    public var texterToken: String
    public var operatorToken: String
    public var approvedUseCaseID: String
    public var pendingUseCaseID: String

    /// The file's keys (read by scripts and the README walk-through): unchanged.
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case ownerToken = "owner_token"
        case adminToken = "admin_token"
        case texterToken = "texter_token"
        case operatorToken = "operator_token"
        case approvedUseCaseID = "approved_use_case_id"
        case pendingUseCaseID = "pending_use_case_id"
    }
}

extension AccountsDomain {
    /// Seeds a US demo account: an owner, an admin and a texter with tokens, a
    /// REGISTERED brand, one APPROVED and one PENDING use case.
    public func seedDemo(operatorToken: String) async throws -> DemoCredentials {
        let now = currentTimestamp()
        let account = try await createAccount(.operator, name: "Demo Organization", country: "US")
        var tokens: [MemberRecord.Role: String] = [:]
        for (role, name) in [(MemberRecord.Role.owner, "Olivia Owner"), (.admin, "Adam Admin"), (.texter, "Tess Texter")] {
            let member = try await addMember(
                .operator,
                accountID: account.id,
                name: name,
                email: "\(role.rawValue.lowercased())@demo.example",
                role: role
            )
            tokens[role] = try await issueToken(.operator, memberID: member.id, serviceName: "", grants: []).token
        }
        let brand = BrandRecord(
            accountID: account.id,
            legalName: "Demo Organization Inc.",
            ein: "123456789",
            entityType: .nonProfit,
            contactName: "Olivia Owner",
            contactEmail: "owner@demo.example",
            contactPhone: "+12025550123",
            status: .registered,
            submittedAt: now,
            updatedAt: now
        )
        func useCase(_ status: UseCaseRecord.Status, _ description: String) -> UseCaseRecord {
            UseCaseRecord(
                id: Identifiers.make("uc"),
                accountID: account.id,
                type: .charity,
                description: description,
                sampleMessages: [
                    "Hi {name}, this is Olivia with Demo Organization. Can we count on you at Saturday's food drive? Reply STOP to opt out.",
                    "Thanks for volunteering with Demo Organization! Reply HELP for help, STOP to stop.",
                ],
                optInText: "Supporters opt in on our volunteer sign-up form.",
                helpText: "Reply HELP for help.",
                campaignVerifyToken: "",
                status: status,
                createdAt: now,
                updatedAt: now
            )
        }
        let approved = useCase(.approved, "Volunteer recruitment and event reminders for the demo food bank.")
        let pending = useCase(.pending, "Donation drives for the demo food bank (awaiting vetting).")
        try await store.write { tx in
            try tx.upsert(brand)
            try tx.insert(approved)
            try tx.insert(pending)
        }
        return DemoCredentials(
            accountID: account.id,
            ownerToken: tokens[.owner]!,
            adminToken: tokens[.admin]!,
            texterToken: tokens[.texter]!,
            operatorToken: operatorToken,
            approvedUseCaseID: approved.id,
            pendingUseCaseID: pending.id
        )
    }
}
