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

    func setMemberRole(request: SetMemberRoleRequest, context: ServerContext) async throws -> Member {
        let principal = try await authenticator.authenticate(context)
        let role = try MemberRecord.Role.from(request.role, reason: "INVALID_ROLE", "a role")
        return Mapping.member(
            try await domain.setMemberRole(principal, accountID: request.accountId, memberID: request.memberId, role: role)
        )
    }

    func removeMember(request: RemoveMemberRequest, context: ServerContext) async throws -> Member {
        let principal = try await authenticator.authenticate(context)
        return Mapping.member(try await domain.removeMember(principal, accountID: request.accountId, memberID: request.memberId))
    }

    func issueToken(request: IssueTokenRequest, context: ServerContext) async throws -> IssueTokenResponse {
        let principal = try await authenticator.authenticate(context)
        var grants = Set<CredentialSubject.Grant>()
        for grant in request.grants { grants.insert(try CredentialSubject.Grant.from(grant, reason: "INVALID_GRANT", "grants")) }
        guard request.expiresInMs >= 0 else { throw DomainError.invalid("INVALID_EXPIRY", "expires_in_ms is 0 (never) or positive") }
        let issued = try await domain.issueToken(
            principal,
            memberID: request.memberId,
            serviceName: request.serviceName,
            grants: grants,
            expiresIn: request.expiresInMs == 0 ? nil : .milliseconds(request.expiresInMs)
        )
        var response = IssueTokenResponse()
        response.token = issued.token
        response.tokenId = issued.record.id
        response.info = try await tokenInfo(issued.record)
        return response
    }

    func listTokens(request: ListTokensRequest, context: ServerContext) async throws -> ListTokensResponse {
        let principal = try await authenticator.authenticate(context)
        var response = ListTokensResponse()
        for token in try await domain.tokens(principal, accountID: request.accountId) { response.tokens.append(try await tokenInfo(token)) }
        return response
    }

    func revokeToken(request: RevokeTokenRequest, context: ServerContext) async throws -> TokenInfo {
        let principal = try await authenticator.authenticate(context)
        return try await tokenInfo(try await domain.revokeToken(principal, accountID: request.accountId, tokenID: request.tokenId))
    }

    func rotateToken(request: RotateTokenRequest, context: ServerContext) async throws -> RotateTokenResponse {
        let principal = try await authenticator.authenticate(context)
        guard request.gracePeriodMs >= 0 else { throw DomainError.invalid("INVALID_GRACE_PERIOD", "grace_period_ms is 0 or positive") }
        let rotated = try await domain.rotateToken(
            principal,
            accountID: request.accountId,
            tokenID: request.tokenId,
            gracePeriod: .milliseconds(request.gracePeriodMs)
        )
        var response = RotateTokenResponse()
        response.token = rotated.token
        response.newToken = try await tokenInfo(rotated.new)
        response.oldToken = try await tokenInfo(rotated.old)
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
        if let token = try await domain.currentToken(context.metadata) {
            response.tokenId = token.id
            response.expiresAtMs = token.expiresAt
        }
        return response
    }

    /// A token as callers see it: never its secret or hash.
    private func tokenInfo(_ record: CredentialRecord) async throws -> TokenInfo {
        Mapping.token(record, accountID: try await domain.accountOf(record), now: domain.clock())
    }
}
