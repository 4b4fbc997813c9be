import Foundation
import PhoneNumbersClient
import Testing

/// docs/API.md's permission table is the contract: every RPC, called by every kind of
/// caller, is let through or refused exactly as its row says. "Let through" means the
/// call passed authorization (it may still fail on its arguments, which are chosen to
/// change nothing); "refused" means PERMISSION_DENIED with the documented reason.
@Suite("permission matrix", .timeLimit(.minutes(2)))
struct PermissionMatrixTests {
    /// A caller kind and the column of the table that governs it.
    enum Caller: String, CaseIterable {
        case owner = "OWNER"
        case admin = "ADMIN"
        case supervisor = "SUPERVISOR"
        case texter = "TEXTER"
        case read = "READ"
        case manageNumbers = "MANAGE_NUMBERS"
        case launchCampaigns = "LAUNCH_CAMPAIGNS"
        case portOutRelay = "PORT_OUT_RELAY"
        case `operator` = "operator"
        case otherAccountOwner = "another account's owner"
    }

    /// Each row of the permission table: its label and who it lets through.
    static func documentedRows() throws -> [(label: String, allowed: Set<Caller>)] {
        let text = try Repository.text("docs/API.md")
        let table = text.components(separatedBy: "| permission |")[1].components(separatedBy: "\n\n")[0]
        return table.split(separator: "\n").dropFirst(2).map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            var allowed: Set<Caller> = [.operator]
            for (index, role) in [Caller.owner, .admin, .supervisor, .texter].enumerated() where cells[index + 1] == "✓" {
                allowed.insert(role)
            }
            for grant in cells[5].split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if let caller = Caller(rawValue: grant) { allowed.insert(caller) }
            }
            return (cells[0], allowed)
        }
    }

    /// Every `rpc` of proto/phonenumbers/v1 (one file per service).
    static func rpcsInProto() throws -> [String] {
        let folder = "proto/phonenumbers/v1"
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.root.appendingPathComponent(folder).path)
        let text = try files.filter { $0.hasSuffix(".proto") }.map { try Repository.text("\(folder)/\($0)") }.joined(separator: "\n")
        return text.split(separator: "\n").compactMap { line in
            let words = line.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "(" })
            return words.first == "rpc" && words.count > 1 ? String(words[1]) : nil
        }
    }

    @Test("every RPC × every caller: let through or refused as docs/API.md says")
    func matrix() async throws {
        try await ServiceHarness.with { harness in
            let a = try await Tenant.make(harness, name: "A")
            let b = try await Tenant.make(harness, name: "B")
            var callers: [Caller: PhoneNumbersConnection] = [
                .owner: a.owner, .admin: a.admin, .supervisor: a.supervisor, .texter: a.texter, .operator: harness.operatorAPI,
                .otherAccountOwner: b.owner,
            ]
            for (caller, grant) in [
                (Caller.read, Grant.read), (.manageNumbers, .manageNumbers), (.launchCampaigns, .launchCampaigns),
                (.portOutRelay, .portOutRelay),
            ] {
                var issue = IssueTokenRequest()
                issue.serviceName = "svc-\(caller.rawValue.lowercased())"
                issue.grants = [grant]
                callers[caller] = harness.connection(try await harness.operatorAPI.accounts.issueToken(issue).token)
            }
            let account = a.accountID
            typealias Call = (PhoneNumbersConnection) async throws -> Void
            func first<T>(_ stream: RPCResponseStream<T>) async throws { for try await _ in stream { break } }
            let timeout = CallOptions(timeout: .seconds(5))
            // (RPC, the start of its row's label in the table; nil: any authenticated caller)
            let rpcs: [(String, String?, Call)] = [
                (
                    "GetAccount", "list/get numbers",
                    {
                        var r = GetAccountRequest()
                        r.accountId = account
                        _ = try await $0.accounts.getAccount(r)
                    }
                ),
                (
                    "ListMembers", "list/get numbers",
                    {
                        var r = ListMembersRequest()
                        r.accountId = account
                        _ = try await $0.accounts.listMembers(r)
                    }
                ),
                (
                    "ListUseCases", "list/get numbers",
                    {
                        var r = ListUseCasesRequest()
                        r.accountId = account
                        _ = try await $0.registration.listUseCases(r)
                    }
                ),
                (
                    "GetUseCase", "list/get numbers",
                    {
                        var r = GetUseCaseRequest()
                        r.accountId = account
                        r.useCaseId = "uc_missing"
                        _ = try await $0.registration.getUseCase(r)
                    }
                ),
                (
                    "ListNumbers", "list/get numbers",
                    {
                        var r = ListNumbersRequest()
                        r.accountId = account
                        _ = try await $0.numbers.listNumbers(r)
                    }
                ),
                (
                    "GetNumber", "list/get numbers",
                    {
                        var r = GetNumberRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.getNumber(r)
                    }
                ),
                (
                    "WatchNumber", "list/get numbers",
                    {
                        var r = WatchNumberRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        try await first($0.numbers.watchNumber(r, options: timeout))
                    }
                ),
                (
                    "GetBrand", "read the brand",
                    {
                        var r = GetBrandRequest()
                        r.accountId = account
                        _ = try await $0.registration.getBrand(r)
                    }
                ),
                (
                    "AddNumber", "add, rename, delete numbers",
                    {
                        var r = AddNumberRequest()
                        r.accountId = account
                        r.areaCode = "555"
                        _ = try await $0.numbers.addNumber(r)
                    }
                ),
                (
                    "RenameNumber", "add, rename, delete numbers",
                    {
                        var r = RenameNumberRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.renameNumber(r)
                    }
                ),
                (
                    "DeleteNumber", "add, rename, delete numbers",
                    {
                        var r = DeleteNumberRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.deleteNumber(r)
                    }
                ),
                (
                    "RetryProvisioning", "add, rename, delete numbers",
                    {
                        var r = RetryProvisioningRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.retryProvisioning(r)
                    }
                ),
                (
                    "SubmitUseCase", "submit use cases",
                    {
                        var r = SubmitUseCaseRequest()
                        r.accountId = account
                        _ = try await $0.registration.submitUseCase(r)
                    }
                ),
                (
                    "SubmitBrand", "submit the brand",
                    {
                        var r = SubmitBrandRequest()
                        r.accountId = account
                        _ = try await $0.registration.submitBrand(r)
                    }
                ),
                (
                    "GetPortOutPin", "submit the brand",
                    {
                        var r = GetPortOutPinRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.getPortOutPin(r)
                    }
                ),
                (
                    "ResetPortOutPin", "submit the brand",
                    {
                        var r = ResetPortOutPinRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.resetPortOutPin(r)
                    }
                ),
                (
                    "ListPortOutAttempts", "submit the brand",
                    {
                        var r = ListPortOutAttemptsRequest()
                        r.accountId = account
                        r.numberId = "num_missing"
                        _ = try await $0.numbers.listPortOutAttempts(r)
                    }
                ),
                ("RequestPortOut", "relay a port-out", { _ = try await $0.numbers.requestPortOut(portOutRequest("12", "0")) }),
                (
                    "CreateCampaign", "create campaigns",
                    {
                        var r = CreateCampaignRequest()
                        r.accountId = account
                        _ = try await $0.campaigns.createCampaign(r)
                    }
                ),
                (
                    "ResumeCampaign", "create campaigns",
                    {
                        var r = CampaignRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        _ = try await $0.campaigns.resumeCampaign(r)
                    }
                ),
                (
                    "LaunchCampaign", "launch, pause, archive",
                    {
                        var r = CampaignRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        _ = try await $0.campaigns.launchCampaign(r)
                    }
                ),
                (
                    "PauseCampaign", "launch, pause, archive",
                    {
                        var r = CampaignRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        _ = try await $0.campaigns.pauseCampaign(r)
                    }
                ),
                (
                    "ArchiveCampaign", "launch, pause, archive",
                    {
                        var r = CampaignRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        _ = try await $0.campaigns.archiveCampaign(r)
                    }
                ),
                (
                    "GetCampaign", "get/list campaigns",
                    {
                        var r = CampaignRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        _ = try await $0.campaigns.getCampaign(r)
                    }
                ),
                (
                    "ListCampaigns", "get/list campaigns",
                    {
                        var r = ListCampaignsRequest()
                        r.accountId = account
                        _ = try await $0.campaigns.listCampaigns(r)
                    }
                ),
                (
                    "ResolveSender", "get/list campaigns",
                    {
                        var r = ResolveSenderRequest()
                        r.accountId = account
                        r.campaignId = "cmp_missing"
                        r.contact = "+12125550199"
                        _ = try await $0.campaigns.resolveSender(r)
                    }
                ),
                (
                    "WatchEvents", "get/list campaigns",
                    {
                        var r = WatchEventsRequest()
                        r.accountId = account
                        try await first($0.events.watchEvents(r, options: timeout))
                    }
                ),
                (
                    "ListAuditEvents", "read the audit trail",
                    {
                        var r = ListAuditEventsRequest()
                        r.accountId = account
                        _ = try await $0.events.listAuditEvents(r)
                    }
                ),
                ("CreateAccount", "create accounts", { _ = try await $0.accounts.createAccount(CreateAccountRequest()) }),
                (
                    "AddMember", "create accounts",
                    {
                        var r = AddMemberRequest()
                        r.accountId = "acc_missing"
                        r.role = .texter
                        _ = try await $0.accounts.addMember(r)
                    }
                ),
                (
                    "IssueToken", "create accounts",
                    {
                        var r = IssueTokenRequest()
                        r.memberId = "mem_missing"
                        _ = try await $0.accounts.issueToken(r)
                    }
                ),
                (
                    "SetUseCaseStatus", "create accounts",
                    {
                        var r = SetUseCaseStatusRequest()
                        r.accountId = account
                        r.useCaseId = "uc_missing"
                        r.status = .approved
                        _ = try await $0.registration.setUseCaseStatus(r)
                    }
                ),
                (
                    "SetMemberRole", "manage members",
                    {
                        var r = SetMemberRoleRequest()
                        r.accountId = account
                        r.memberId = "mem_missing"
                        r.role = .texter
                        _ = try await $0.accounts.setMemberRole(r)
                    }
                ),
                (
                    "RemoveMember", "manage members",
                    {
                        var r = RemoveMemberRequest()
                        r.accountId = account
                        r.memberId = "mem_missing"
                        _ = try await $0.accounts.removeMember(r)
                    }
                ),
                (
                    "ListTokens", "list and revoke one's own tokens",
                    {
                        var r = ListTokensRequest()
                        r.accountId = account
                        _ = try await $0.accounts.listTokens(r)
                    }
                ),
                (
                    "RevokeToken", "list and revoke one's own tokens",
                    {
                        var r = RevokeTokenRequest()
                        r.accountId = account
                        r.tokenId = "tok_missing"
                        _ = try await $0.accounts.revokeToken(r)
                    }
                ),
                (
                    "RotateToken", "manage members",
                    {
                        var r = RotateTokenRequest()
                        r.accountId = account
                        r.tokenId = "tok_missing"
                        _ = try await $0.accounts.rotateToken(r)
                    }
                ),
                ("WhoAmI", nil, { _ = try await $0.accounts.whoAmI(WhoAmIRequest()) }),
                (
                    "ReconcileProviderNumbers", "create accounts",
                    { _ = try await $0.numbers.reconcileProviderNumbers(ReconcileProviderNumbersRequest()) }
                ),
                ("ListAreaCodes", nil, { _ = try await $0.areaCodes.listAreaCodes(ListAreaCodesRequest()) }),
            ]
            let rows = try Self.documentedRows()
            #expect(Set(rpcs.map(\.0)) == Set(try Self.rpcsInProto()), "the matrix must name every RPC of the API")
            for (rpc, label, call) in rpcs {
                let allowed: Set<Caller>
                if let label {
                    let matching = rows.filter { $0.label.hasPrefix(label) }
                    try #require(matching.count == 1, "\(rpc): no single row of the permission table starts with '\(label)'")
                    allowed = matching[0].allowed
                } else {
                    allowed = Set(Caller.allCases)
                }
                for caller in Caller.allCases {
                    let refusal: RPCError?
                    do {
                        try await call(callers[caller]!)
                        refusal = nil
                    } catch let error as RPCError {
                        refusal =
                            ["ROLE_NOT_ALLOWED", "OPERATOR_ONLY", "ACCOUNT_MISMATCH"].contains(error.reason ?? "")
                                || error.code == .unauthenticated ? error : nil
                    }
                    if allowed.contains(caller) {
                        #expect(refusal == nil, "\(rpc) by \(caller.rawValue) must be let through: \(String(describing: refusal))")
                    } else {
                        #expect(refusal?.code == .permissionDenied, "\(rpc) by \(caller.rawValue) must be refused")
                    }
                }
            }
        }
    }
}
