import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL database is, from a URL such as
/// `postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require`.
///
/// `sslmode` is `disable`, `prefer` (the default: TLS when the server offers it) or
/// `require` (TLS with the server's certificate verified against the system's roots).
/// Printing it never shows the password.
public struct PostgresDatabaseURL: Sendable, CustomStringConvertible {
    /// Why a database URL was refused.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public private(set) var database: String
    public let sslMode: String

    /// Parses `text`.
    /// - Throws: `Invalid`, naming what is wrong (never echoing the password).
    public init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw Invalid(description: "the database URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "the database URL has no host (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        guard let username = components.user, !username.isEmpty else {
            throw Invalid(description: "the database URL has no user name (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw Invalid(description: "the database URL names no database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw Invalid(description: "sslmode must be disable, prefer or require, not \(sslMode)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
    }

    /// The same server and credentials, another database.
    public func database(_ name: String) -> PostgresDatabaseURL {
        var url = self
        url.database = name
        return url
    }

    /// The URL with its password, to hand to another program (never to a log).
    public var urlString: String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        let secret = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        return "postgres://\(user)\(secret)@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":<redacted>")@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    /// What `sslmode` asks of a connection: nil for plaintext, else the TLS configuration
    /// (the server's certificate verified against the system's roots) and whether TLS is
    /// required or only used when the server offers it.
    var transportSecurity: (configuration: TLSConfiguration, required: Bool)? {
        sslMode == "disable" ? nil : (.makeClientConfiguration(), sslMode == "require")
    }

    /// The client configuration for this database, with at most `connections` connections.
    func clientConfiguration(connections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch transportSecurity {
            case nil: .disable
            case let (configuration, required: true)?: .require(configuration)
            case let (configuration, required: false)?: .prefer(configuration)
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
