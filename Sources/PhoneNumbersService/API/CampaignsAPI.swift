import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.Campaigns` over the campaigns domain.
struct CampaignsAPI: CampaignsService {
    let domain: CampaignsDomain
    let authenticator: Authenticator

    /// The shape of the calls on one campaign: authenticate, run `operation` on the
    /// request's account and campaign, answer with the campaign.
    private func answer(
        _ request: CampaignRequest,
        _ context: ServerContext,
        _ operation: (Principal, String, String) async throws -> CampaignRecord
    ) async throws -> Campaign {
        let principal = try await authenticator.authenticate(context)
        return try await message(operation(principal, request.accountId, request.campaignId))
    }

    private func message(_ campaign: CampaignRecord) async throws -> Campaign {
        let numbers = try await domain.senderNumbers(of: [campaign])
        return Mapping.campaign(campaign, e164: numbers[campaign.id] ?? "")
    }

    func createCampaign(request: CreateCampaignRequest, context: ServerContext) async throws -> Campaign {
        let principal = try await authenticator.authenticate(context)
        let sender: CampaignSender
        switch (request.dedicated, request.singleUse) {
        case (let dedicated?, nil): sender = .dedicated(numberID: dedicated.numberId)
        case (nil, let single?): sender = .singleUse(useCaseID: single.useCaseId, areaCodes: single.preferredAreaCodes)
        case (nil, nil): sender = .accountDefault
        case (_?, _?): throw DomainError.invalid("SENDER_CONFLICT", "give a dedicated number or a single-use sender, not both")
        }
        return try await message(
            domain.create(principal, accountID: request.accountId, name: request.name, sender: sender, requestID: request.requestId)
        )
    }

    func launchCampaign(request: CampaignRequest, context: ServerContext) async throws -> Campaign {
        try await answer(request, context, domain.launch)
    }

    func pauseCampaign(request: CampaignRequest, context: ServerContext) async throws -> Campaign {
        try await answer(request, context, domain.pause)
    }

    func resumeCampaign(request: CampaignRequest, context: ServerContext) async throws -> Campaign {
        try await answer(request, context, domain.resume)
    }

    func archiveCampaign(request: CampaignRequest, context: ServerContext) async throws -> Campaign {
        try await answer(request, context, domain.archive)
    }

    func getCampaign(request: CampaignRequest, context: ServerContext) async throws -> Campaign {
        try await answer(request, context, domain.get)
    }

    func listCampaigns(request: ListCampaignsRequest, context: ServerContext) async throws -> ListCampaignsResponse {
        let principal = try await authenticator.authenticate(context)
        let state: CampaignRecord.State? =
            request.state == .unspecified ? nil : try CampaignRecord.State.from(request.state, reason: "INVALID_STATE", "a campaign state")
        let campaigns = try await domain.list(principal, accountID: request.accountId, state: state, numberID: request.numberId)
        let numbers = try await domain.senderNumbers(of: campaigns)
        var response = ListCampaignsResponse()
        response.campaigns = campaigns.map { Mapping.campaign($0, e164: numbers[$0.id] ?? "") }
        return response
    }

    func resolveSender(request: ResolveSenderRequest, context: ServerContext) async throws -> ResolveSenderResponse {
        let principal = try await authenticator.authenticate(context)
        let resolved = try await domain.resolveSender(
            principal,
            accountID: request.accountId,
            campaignID: request.campaignId,
            contact: request.contact
        )
        var response = ResolveSenderResponse()
        response.e164 = resolved.e164
        response.conversationId = resolved.conversationID
        response.contact = resolved.contact
        return response
    }
}
