import PhoneNumbersClient

/// An account for one worker: its admin token and an APPROVED use case.
struct Tenant: Sendable {
    let accountID: String
    let adminToken: String
    let useCaseID: String
}

/// Accounts, members, brands and use cases for the run, made through the API.
struct Setup: Sendable {
    let tenants: [Tenant]
    /// A provider-relay service token, for port-out attempts.
    let relay: String

    static func make(port: Int, operatorToken: String, accounts: Int) async throws -> Setup {
        let op = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: operatorToken)
        defer { Task { await op.close() } }
        var tenants: [Tenant] = []
        for index in 0..<accounts {
            var create = CreateAccountRequest()
            create.name = "Chaos \(index)"
            create.country = "US"
            let account = try await op.accounts.createAccount(create)
            var owner = AddMemberRequest()
            owner.accountId = account.id
            owner.name = "Owner \(index)"
            owner.role = .owner
            var issue = IssueTokenRequest()
            issue.memberId = try await op.accounts.addMember(owner).id
            let token = try await op.accounts.issueToken(issue).token
            let api = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: token)
            var brand = SubmitBrandRequest()
            brand.legalName = "Chaos \(index) Inc."
            brand.ein = "12-345678\(index % 10)"
            brand.entityType = .nonProfit
            brand.contactName = "Owner"
            brand.contactEmail = "owner@example.org"
            _ = try await api.registration.submitBrand(brand)
            while try await api.registration.getBrand(GetBrandRequest()).status != .registered {
                try await Task.sleep(for: .milliseconds(20))
            }
            var useCase = SubmitUseCaseRequest()
            useCase.type = .charity
            useCase.description = "Volunteer reminders."
            useCase.sampleMessages = ["Join us! Reply STOP to stop.", "Thanks! Reply HELP for help."]
            useCase.optInText = "web form"
            let submitted = try await api.registration.submitUseCase(useCase)
            var approve = SetUseCaseStatusRequest()
            approve.useCaseId = submitted.id
            approve.status = .approved
            _ = try await op.registration.setUseCaseStatus(approve)
            await api.close()
            tenants.append(Tenant(accountID: account.id, adminToken: token, useCaseID: submitted.id))
        }
        var relay = IssueTokenRequest()
        relay.serviceName = "relay"
        relay.grants = [.portOutRelay]
        return Setup(tenants: tenants, relay: try await op.accounts.issueToken(relay).token)
    }
}
