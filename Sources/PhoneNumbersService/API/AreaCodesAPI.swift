import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.AreaCodes`: the area code drop-down. Any authenticated caller.
struct AreaCodesAPI: AreaCodesService {
    let authenticator: Authenticator

    func listAreaCodes(request: ListAreaCodesRequest, context: ServerContext) async throws -> ListAreaCodesResponse {
        _ = try await authenticator.authenticate(context)
        let state = request.state.trimmingCharacters(in: .whitespaces)
        guard state.isEmpty || AreaCodeDirectory.stateNames[state.uppercased()] != nil else {
            throw DomainError.invalid("INVALID_STATE", "'\(state)' is not a US state code")
        }
        var response = ListAreaCodesResponse()
        response.areaCodes = AreaCodeDirectory.list(state: state).map { entry in
            var message = AreaCode()
            message.areaCode = entry.areaCode
            message.state = entry.state
            message.stateName = entry.stateName
            message.available = entry.available
            message.unavailableReason = entry.unavailableReason
            return message
        }
        return response
    }
}
