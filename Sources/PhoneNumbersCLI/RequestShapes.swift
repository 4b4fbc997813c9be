import ArgumentParser
import PhoneNumbersClient
import ProtoBridge
import RPCCore

/// A request that names the account it acts in.
protocol AccountScopedRequest: ProtoMessage {
    var accountId: String { get set }
}

/// A request that names one number of an account.
protocol NumberScopedRequest: AccountScopedRequest {
    var numberId: String { get set }
}

/// A request that names one use case of an account.
protocol UseCaseScopedRequest: AccountScopedRequest {
    var useCaseId: String { get set }
}

/// A request that names one campaign of an account.
protocol CampaignScopedRequest: AccountScopedRequest {
    var campaignId: String { get set }
}

extension GetAccountRequest: AccountScopedRequest {}
extension ListMembersRequest: AccountScopedRequest {}
extension SetMemberRoleRequest: AccountScopedRequest {}
extension RemoveMemberRequest: AccountScopedRequest {}
extension ListTokensRequest: AccountScopedRequest {}
extension RevokeTokenRequest: AccountScopedRequest {}
extension RotateTokenRequest: AccountScopedRequest {}
extension AddMemberRequest: AccountScopedRequest {}
extension GetBrandRequest: AccountScopedRequest {}
extension SubmitBrandRequest: AccountScopedRequest {}
extension ListUseCasesRequest: AccountScopedRequest {}
extension SubmitUseCaseRequest: AccountScopedRequest {}
extension AddNumberRequest: AccountScopedRequest {}
extension ListNumbersRequest: AccountScopedRequest {}
extension CreateCampaignRequest: AccountScopedRequest {}
extension ListCampaignsRequest: AccountScopedRequest {}
extension WatchEventsRequest: AccountScopedRequest {}
extension ListAuditEventsRequest: AccountScopedRequest {}
extension GetNumberRequest: NumberScopedRequest {}
extension RenameNumberRequest: NumberScopedRequest {}
extension DeleteNumberRequest: NumberScopedRequest {}
extension RetryProvisioningRequest: NumberScopedRequest {}
extension GetPortOutPinRequest: NumberScopedRequest {}
extension ResetPortOutPinRequest: NumberScopedRequest {}
extension ListPortOutAttemptsRequest: NumberScopedRequest {}
extension GetUseCaseRequest: UseCaseScopedRequest {}
extension SetUseCaseStatusRequest: UseCaseScopedRequest {}
extension CampaignRequest: CampaignScopedRequest {}
extension ResolveSenderRequest: CampaignScopedRequest {}

extension ClientOptions {
    /// A request in the account this command acts in (`--account`, or the token's own).
    func request<R: AccountScopedRequest>(_: R.Type = R.self) -> R {
        var request = R()
        request.accountId = account
        return request
    }

    /// A request for number `id` of the account.
    func request<R: NumberScopedRequest>(number id: String) -> R {
        var request: R = self.request()
        request.numberId = id
        return request
    }

    /// A request for use case `id` of the account.
    func request<R: UseCaseScopedRequest>(useCase id: String) -> R {
        var request: R = self.request()
        request.useCaseId = id
        return request
    }

    /// A request for campaign `id` of the account.
    func request<R: CampaignScopedRequest>(campaign id: String) -> R {
        var request: R = self.request()
        request.campaignId = id
        return request
    }
}

/// The shape most subcommands share: one call, and its answer printed (as JSON with
/// `--json`, else as `text`).
func call<Request, Response: JSONRepresentable>(
    _ client: ClientOptions,
    _ method: UnaryMethod<Request, Response>,
    _ request: Request,
    text: (Response) -> String
) async throws {
    try await withServer(client) { api in
        let response = try await api.rpc.unary(method, request: request, options: client.callOptions)
        emit(response, client, text(response))
    }
}

/// Proto enums as command-line values: `--role admin`, `--role ROLE_ADMIN` (any case,
/// `-` for `_`); the help lists the declared values without their prefix.
extension ExpressibleByArgument where Self: ProtoEnum {
    public init?(argument: String) {
        let wanted = argument.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let match = Self.declaredValues.dropFirst().first(where: { $0.protoName == wanted || $0.shortName == wanted }) else {
            return nil
        }
        self = match
    }

    public static var allValueStrings: [String] { declaredValues.dropFirst().map(\.shortName) }
}

extension Role: ExpressibleByArgument {}
extension Grant: ExpressibleByArgument {}
extension EntityType: ExpressibleByArgument {}
extension UseCaseType: ExpressibleByArgument {}
extension UseCaseStatus: ExpressibleByArgument {}
extension CampaignState: ExpressibleByArgument {}
