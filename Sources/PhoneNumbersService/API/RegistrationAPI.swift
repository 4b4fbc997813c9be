import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.Registration` over the registration domain.
struct RegistrationAPI: RegistrationService {
    let domain: RegistrationDomain

    /// A use case as the API shows it, with the provider's 10DLC campaign for it.
    private func useCase(_ record: UseCaseRecord, numberCount: Int) -> UseCase {
        var message = Mapping.useCase(record, numberCount: numberCount)
        message.tenDlcCampaignId = domain.provider.tenDLCCampaignID(forUseCase: record.id) ?? ""
        return message
    }
    let authenticator: Authenticator

    func getBrand(request: GetBrandRequest, context: ServerContext) async throws -> Brand {
        let principal = try await authenticator.authenticate(context)
        return Mapping.brand(try await domain.brand(principal, accountID: request.accountId))
    }

    func submitBrand(request: SubmitBrandRequest, context: ServerContext) async throws -> Brand {
        let principal = try await authenticator.authenticate(context)
        let submission = BrandSubmission(
            legalName: request.legalName,
            ein: request.ein,
            entityType: BrandRecord.EntityType(wire: request.entityType),
            contactName: request.contactName,
            contactEmail: request.contactEmail,
            contactPhone: request.contactPhone
        )
        return Mapping.brand(try await domain.submitBrand(principal, accountID: request.accountId, submission))
    }

    func submitUseCase(request: SubmitUseCaseRequest, context: ServerContext) async throws -> UseCase {
        let principal = try await authenticator.authenticate(context)
        let submission = UseCaseSubmission(
            type: UseCaseRecord.Kind(wire: request.type),
            description: request.description,
            sampleMessages: request.sampleMessages,
            optInText: request.optInText,
            helpText: request.helpText,
            campaignVerifyToken: request.campaignVerifyToken
        )
        return useCase(try await domain.submitUseCase(principal, accountID: request.accountId, submission), numberCount: 0)
    }

    func getUseCase(request: GetUseCaseRequest, context: ServerContext) async throws -> UseCase {
        let principal = try await authenticator.authenticate(context)
        let (useCase, count) = try await domain.useCase(principal, accountID: request.accountId, useCaseID: request.useCaseId)
        return self.useCase(useCase, numberCount: count)
    }

    func listUseCases(request: ListUseCasesRequest, context: ServerContext) async throws -> ListUseCasesResponse {
        let principal = try await authenticator.authenticate(context)
        var response = ListUseCasesResponse()
        response.useCases = try await domain.useCases(principal, accountID: request.accountId).map {
            useCase($0.0, numberCount: $0.1)
        }
        return response
    }

    func setUseCaseStatus(request: SetUseCaseStatusRequest, context: ServerContext) async throws -> UseCase {
        let principal = try await authenticator.authenticate(context)
        let status = try UseCaseRecord.Status.from(request.status, reason: "INVALID_STATUS", "a use case status")
        let useCase = try await domain.setUseCaseStatus(
            principal,
            accountID: request.accountId,
            useCaseID: request.useCaseId,
            status: status,
            reason: request.failureReason
        )
        return self.useCase(useCase, numberCount: 0)
    }
}
