import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.Accounts` over the accounts domain.
struct AccountsAPI: AccountsService {
    let domain: AccountsDomain
    let authenticator: Authenticator

    func createAccount(request: CreateAccountRequest, context: ServerContext) async throws -> Account {
        let principal = try await authenticator.authenticate(context)
        return Mapping.account(try await domain.createAccount(principal, name: request.name, country: request.country))
    }

    func getAccount(request: GetAccountRequest, context: ServerContext) async throws -> Account {
        let principal = try await authenticator.authenticate(context)
        return Mapping.account(try await domain.account(principal, id: request.accountId))
    }

    func addMember(request: AddMemberRequest, context: ServerContext) async throws -> Member {
        let principal = try await authenticator.authenticate(context)
        let role = try MemberRecord.Role.from(request.role, reason: "INVALID_ROLE", "a role")
        return Mapping.member(
            try await domain.addMember(principal, accountID: request.accountId, name: request.name, email: request.email, role: role)
        )
    }

    func listMembers(request: ListMembersRequest, context: ServerContext) async throws -> ListMembersResponse {
        let principal = try await authenticator.authenticate(context)
        var response = ListMembersResponse()
        response.members = try await domain.members(principal, accountID: request.accountId).map(Mapping.member)
        return response
    }

    func issueToken(request: IssueTokenRequest, context: ServerContext) async throws -> IssueTokenResponse {
        let principal = try await authenticator.authenticate(context)
        var grants = Set<CredentialSubject.Grant>()
        for grant in request.grants { grants.insert(try CredentialSubject.Grant.from(grant, reason: "INVALID_GRANT", "grants")) }
        let issued = try await domain.issueToken(principal, memberID: request.memberId, serviceName: request.serviceName, grants: grants)
        var response = IssueTokenResponse()
        response.token = issued.token
        response.tokenId = issued.id
        return response
    }

    func whoAmI(request: WhoAmIRequest, context: ServerContext) async throws -> WhoAmIResponse {
        var response = WhoAmIResponse()
        switch try await authenticator.authenticate(context) {
        case .operator:
            response.kind = "operator"
        case .member(let member):
            response.kind = "member"
            response.accountId = member.accountID
            response.memberId = member.id
            response.role = member.role.wire
        case .service(let name, let grants):
            response.kind = "service"
            response.serviceName = name
            response.grants = grants.sorted { $0.rawValue < $1.rawValue }.map(\.wire)
        }
        return response
    }
}
