import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.AreaCodes`: the area code drop-down. Any authenticated caller.
struct AreaCodesAPI: AreaCodesService {
    let authenticator: Authenticator
    let provider: any NumberProvider

    func listAreaCodes(request: ListAreaCodesRequest, context: ServerContext) async throws -> ListAreaCodesResponse {
        _ = try await authenticator.authenticate(context)
        let state = request.state.trimmingCharacters(in: .whitespaces)
        guard state.isEmpty || AreaCodeDirectory.stateNames[state.uppercased()] != nil else {
            throw DomainError.invalid("INVALID_STATE", "'\(state)' is not a US state code")
        }
        var response = ListAreaCodesResponse()
        let codes = AreaCodeDirectory.list(state: state).filter(\.available).map(\.areaCode)
        let stocked: Set<String>
        do {
            stocked = try await provider.areaCodesWithInventory(codes)
        } catch {
            throw DomainError(.unavailable, "PROVIDER_UNAVAILABLE", "the provider's inventory could not be read; try again")
        }
        response.areaCodes = AreaCodeDirectory.offer(state: state, stocked: stocked).map { entry in
            var message = AreaCode()
            message.areaCode = entry.areaCode
            message.state = entry.state
            message.stateName = entry.stateName
            message.available = entry.available
            message.unavailableReason = entry.unavailableReason
            message.suggestedAreaCodes = entry.suggestions
            return message
        }
        return response
    }
}
