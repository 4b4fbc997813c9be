import HTTPTypes

/// The proxies whose `X-Forwarded-For` is believed: behind a TLS-terminating proxy every
/// client arrives from the proxy's address, so the failed-authentication limit and the
/// per-client call limit would count them all as one. A request from a trusted proxy is
/// taken to come from the last address in its `X-Forwarded-For` that is not itself a
/// trusted proxy; from anyone else the header is ignored (a client cannot choose whom it
/// is counted as).
public struct TrustedProxies: Sendable, Hashable {
    /// The proxies' IP addresses, as written (`10.0.0.5`, `::1`).
    public var addresses: Set<String>

    /// No proxy is trusted: every request is counted by the address it came from.
    public init(_ addresses: Set<String> = []) {
        self.addresses = addresses
    }

    /// Who a request from `peer` (`host:port`) stands for: `peer` itself, or the client a
    /// trusted proxy forwarded it for (`host:0`).
    public func client(peer: String, headers: HTTPFields) -> String {
        guard !addresses.isEmpty, addresses.contains(ConnectGateway.host(of: peer)) else { return peer }
        let forwarded = headers[values: Self.forwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t") }
        guard let client = forwarded.last(where: { !$0.isEmpty && !addresses.contains($0) }) else { return peer }
        return client.contains(":") ? "[\(client)]:0" : "\(client):0"
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        return String(self.drop(while: drop.contains).reversed().drop(while: drop.contains).reversed())
    }
}
