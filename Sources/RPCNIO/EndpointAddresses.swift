#if canImport(Glibc)
import Glibc
#endif

/// Endpoints given by name, as the addresses to connect to: a name with several
/// addresses (a DNS name for a set of replicas) becomes one endpoint per address.
public enum EndpointAddresses {
    /// One endpoint to connect to: `address` (numeric, or the name when it did not
    /// resolve, so that connecting reports why) for the endpoint given as `name`.
    public struct Endpoint: Sendable, Equatable {
        public let name: String
        public let address: String
        public let port: Int
    }

    /// Each of `endpoints` with its name resolved (once, now); duplicates removed.
    public static func expand(_ endpoints: [(host: String, port: Int)]) -> [Endpoint] {
        var result: [Endpoint] = []
        for (host, port) in endpoints {
            let addresses = resolve(host)
            for address in addresses.isEmpty ? [host] : addresses {
                let endpoint = Endpoint(name: host, address: address, port: port)
                if !result.contains(endpoint) { result.append(endpoint) }
            }
        }
        return result
    }

    /// The numeric addresses of `host` (itself when it is one), IPv4 and IPv6, in the
    /// resolver's order; empty when it does not resolve.
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let address = String(cString: buffer)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
