import ArgumentParser
import Foundation
import RPCCore
import RPCNIO

/// A `HOST:PORT` pair given on the command line or in `PHONE_NUMBERS_SERVER`.
struct ServerAddress: ExpressibleByArgument, CustomStringConvertible {
    static let environmentVariable = "PHONE_NUMBERS_SERVER"
    static let defaultValue = ServerAddress(host: "127.0.0.1", port: 7420)

    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    var description: String { "\(host):\(port)" }
}

/// One or more servers (replicas of the service), `HOST:PORT[,HOST:PORT…]`.
struct ServerList: ExpressibleByArgument, CustomStringConvertible {
    static let defaultValue = ServerList(endpoints: [ServerAddress.defaultValue])

    var endpoints: [ServerAddress]

    init(endpoints: [ServerAddress]) {
        self.endpoints = endpoints
    }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let endpoints = parts.compactMap { ServerAddress(argument: $0) }
        guard !endpoints.isEmpty, endpoints.count == parts.count else { return nil }
        self.init(endpoints: endpoints)
    }

    var description: String { endpoints.map(\.description).joined(separator: ",") }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

#if canImport(Glibc)
import Glibc
#endif
