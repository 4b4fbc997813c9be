import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.Numbers` over the numbers domain.
struct NumbersAPI: NumbersService {
    let domain: NumbersDomain
    let providerWatch: ProviderWatch

    /// A number as the API shows it, with the provider's 10DLC campaign while it has one.
    private func number(_ record: NumberRecord) -> DedicatedNumber {
        var message = Mapping.number(record)
        if [.provisioning, .ready].contains(record.status) {
            message.tenDlcCampaignId = domain.provider.tenDLCCampaignID(forUseCase: record.useCaseID) ?? ""
        }
        return message
    }
    let authenticator: Authenticator

    func reconcileProviderNumbers(
        request: ReconcileProviderNumbersRequest,
        context: ServerContext
    ) async throws
        -> ReconcileProviderNumbersResponse
    {
        let principal = try await authenticator.authenticate(context)
        let (drift, accounts) = try await providerWatch.reconcile(principal)
        var response = ReconcileProviderNumbersResponse()
        response.onlyAtProvider = drift.onlyAtProvider.map { held in
            var drifted = DriftedNumber()
            drifted.e164 = held.e164
            drifted.numberId = held.reservationKey
            drifted.accountId = accounts[held.reservationKey] ?? ""
            return drifted
        }
        response.onlyInService = drift.onlyInService.map { number in
            var drifted = DriftedNumber()
            drifted.e164 = number.e164
            drifted.numberId = number.id
            drifted.accountId = number.accountID
            return drifted
        }
        response.checkedAtMs = drift.at
        return response
    }

    func addNumber(request: AddNumberRequest, context: ServerContext) async throws -> DedicatedNumber {
        let principal = try await authenticator.authenticate(context)
        let number = try await domain.add(
            principal,
            accountID: request.accountId,
            areaCode: request.areaCode,
            name: request.name,
            useCaseID: request.useCaseId,
            requestID: request.requestId
        )
        return self.number(number)
    }

    func getNumber(request: GetNumberRequest, context: ServerContext) async throws -> DedicatedNumber {
        number(try await onNumber(request.accountId, request.numberId, context, domain.get))
    }

    func listNumbers(request: ListNumbersRequest, context: ServerContext) async throws -> ListNumbersResponse {
        let principal = try await authenticator.authenticate(context)
        var response = ListNumbersResponse()
        response.numbers = try await domain.list(principal, accountID: request.accountId, includeReleased: request.includeReleased).map(
            number
        )
        response.limit = Int32(NumberRules.accountLimit)
        return response
    }

    func renameNumber(request: RenameNumberRequest, context: ServerContext) async throws -> DedicatedNumber {
        let principal = try await authenticator.authenticate(context)
        return number(
            try await domain.rename(principal, accountID: request.accountId, numberID: request.numberId, name: request.name)
        )
    }

    func deleteNumber(request: DeleteNumberRequest, context: ServerContext) async throws -> DedicatedNumber {
        number(try await onNumber(request.accountId, request.numberId, context, domain.delete))
    }

    func retryProvisioning(request: RetryProvisioningRequest, context: ServerContext) async throws -> DedicatedNumber {
        number(try await onNumber(request.accountId, request.numberId, context, domain.retryProvisioning))
    }

    func watchNumber(request: WatchNumberRequest, context: ServerContext, responses: ResponseStreamWriter<DedicatedNumber>) async throws {
        let principal = try await authenticator.authenticate(context)
        let changes = try await domain.watch(principal, accountID: request.accountId, numberID: request.numberId)
        let accountID = request.accountId
        try await authenticator.whileCredentialHolds(
            context,
            stillAllowed: { _ = try AccessPolicy.account(for: $0, requested: accountID, .readNumbers) }
        ) {
            for await number in changes {
                try await responses.write(self.number(number))
            }
        }
    }

    func requestPortOut(request: RequestPortOutRequest, context: ServerContext) async throws -> PortOutResponse {
        let principal = try await authenticator.authenticate(context)
        let number = try await domain.requestPortOut(
            principal,
            e164: request.e164,
            pin: request.pin,
            gainingCarrier: request.gainingCarrier
        )
        var response = PortOutResponse()
        response.numberId = number.id
        response.e164 = number.e164
        response.approved = true
        return response
    }

    func getPortOutPin(request: GetPortOutPinRequest, context: ServerContext) async throws -> PortOutPin {
        Self.pin(request.numberId, try await onNumber(request.accountId, request.numberId, context, domain.portOutPIN))
    }

    func resetPortOutPin(request: ResetPortOutPinRequest, context: ServerContext) async throws -> PortOutPin {
        Self.pin(request.numberId, try await onNumber(request.accountId, request.numberId, context, domain.resetPortOutPIN))
    }

    private static func pin(_ numberID: String, _ pin: String) -> PortOutPin {
        var response = PortOutPin()
        response.numberId = numberID
        response.pin = pin
        return response
    }

    /// The shape of the calls on one number: authenticate, then run `operation` on the
    /// request's account and number.
    private func onNumber<T>(
        _ accountID: String,
        _ numberID: String,
        _ context: ServerContext,
        _ operation: (Principal, String, String) async throws -> T
    ) async throws -> T {
        let principal = try await authenticator.authenticate(context)
        return try await operation(principal, accountID, numberID)
    }

    func listPortOutAttempts(request: ListPortOutAttemptsRequest, context: ServerContext) async throws -> ListPortOutAttemptsResponse {
        let principal = try await authenticator.authenticate(context)
        let (attempts, state) = try await domain.portOutAttempts(principal, accountID: request.accountId, numberID: request.numberId)
        var response = ListPortOutAttemptsResponse()
        response.attempts = attempts.map { attempt in
            var message = PortOutAttempt()
            message.atMs = attempt.at
            message.gainingCarrier = attempt.gainingCarrier
            message.outcome = attempt.outcome.rawValue
            return message
        }
        response.failedAttempts = Int32(state.failedAttempts)
        response.lockedUntilMs = state.lockedUntil
        return response
    }
}
