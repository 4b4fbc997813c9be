@_exported import PhoneNumbersProto
@_exported import ProtoBridge
@_exported import RPCCore
@_exported import RPCNIO
@_exported import RPCProto

/// Everything a caller needs to use the service: one multiplexed connection, the
/// caller's token, and a typed client per service.
///
/// ```swift
/// let api = PhoneNumbersConnection(host: "127.0.0.1", port: 7420, token: token)
/// let numbers = try await api.numbers.listNumbers(ListNumbersRequest())
/// ```
public struct PhoneNumbersConnection: Sendable {
    /// The connection (one per endpoint with several); reconnects by itself.
    public let rpc: any RPCConnectionClient
    public let accounts: AccountsClient
    public let registration: RegistrationClient
    public let areaCodes: AreaCodesClient
    public let numbers: NumbersClient
    public let campaigns: CampaignsClient
    public let events: EventsClient
    public let health: HealthClient

    /// A client of the server at `host:port` sending `token` as its bearer credential,
    /// over TLS when `tls` is given; with `requireTLS`, nothing is sent without TLS.
    public init(host: String, port: Int, token: String?, tls: ClientTLS? = nil, requireTLS: Bool = false, localAddress: String? = nil) {
        self.init(endpoints: [(host, port)], token: token, tls: tls, requireTLS: requireTLS, localAddress: localAddress)
    }

    /// A client of the replicas at `endpoints` (several `host:port`; a host name with
    /// several addresses counts as one endpoint per address), which spreads calls over
    /// those that are up and moves away from one that drains or is unreachable
    /// (`MultiEndpointClient`).
    public init(
        endpoints: [(host: String, port: Int)],
        token: String?,
        tls: ClientTLS? = nil,
        requireTLS: Bool = false,
        localAddress: String? = nil
    ) {
        var metadata = Metadata()
        if let token, !token.isEmpty { metadata.add("authorization", "Bearer \(token)") }
        let configurations = EndpointAddresses.expand(endpoints).map { endpoint in
            var endpointTLS = tls
            if endpoint.name != endpoint.address, endpointTLS?.serverHostname == nil { endpointTLS?.serverHostname = endpoint.name }
            return ClientConfiguration(
                host: endpoint.address,
                port: endpoint.port,
                defaultMetadata: metadata,
                tls: endpointTLS,
                requireTLS: requireTLS,
                localAddress: localAddress
            )
        }
        self.init(
            rpc: configurations.count == 1 ? RPCClient(configuration: configurations[0]) : MultiEndpointClient(endpoints: configurations)
        )
    }

    /// A client whose calls go through `rpc`, e.g. another transport to the same service.
    public init(rpc: any RPCConnectionClient) {
        self.rpc = rpc
        accounts = AccountsClient(rpc)
        registration = RegistrationClient(rpc)
        areaCodes = AreaCodesClient(rpc)
        numbers = NumbersClient(rpc)
        campaigns = CampaignsClient(rpc)
        events = EventsClient(rpc)
        health = HealthClient(rpc)
    }

    /// Closes the connection.
    public func close() async {
        await rpc.close()
    }
}
