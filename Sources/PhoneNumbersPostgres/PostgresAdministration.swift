import Logging
import NIOPosix
import PostgresNIO

/// Databases created and dropped on a server (tests, benchmarks, a local cluster):
/// each on its own short-lived connection to the database `url` names.
public enum PostgresAdministration {
    /// Creates database `name` (letters, digits and underscores) and returns its URL.
    public static func createDatabase(_ name: String, at url: PostgresDatabaseURL) async throws -> PostgresDatabaseURL {
        try await execute("CREATE DATABASE \(try identifier(name))", at: url)
        return url.database(name)
    }

    /// Drops database `name`, closing the connections still open to it.
    public static func dropDatabase(_ name: String, at url: PostgresDatabaseURL) async throws {
        try await execute("DROP DATABASE IF EXISTS \(try identifier(name)) WITH (FORCE)", at: url)
    }

    private static func identifier(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.count <= 63, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw PostgresDatabaseURL.Invalid(description: "a database name is letters, digits and underscores (at most 63): \(name)")
        }
        return "\"\(name)\""
    }

    private static func execute(_ sql: String, at url: PostgresDatabaseURL) async throws {
        let logger = Logger(label: "phone-numbers.postgres.admin")
        let connection = try await connect(url, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw PostgresUnreachable(description: "\(sql) failed: \(PostgresErrorText.describe(error))")
        }
        try await connection.close()
    }

    /// One connection to `url`'s database, outside any pool.
    /// - Throws: `PostgresUnreachable` saying why (refused, timed out, wrong password, no such database).
    static func connect(_ url: PostgresDatabaseURL, logger: Logger) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS =
            switch url.transportSecurity {
            case nil: .disable
            case let (configuration, required: true)?: .require(try .init(configuration: configuration))
            case let (configuration, required: false)?: .prefer(try .init(configuration: configuration))
            }
        var configuration = PostgresConnection.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: configuration,
                id: 0,
                logger: logger
            ).get()
        } catch {
            throw PostgresUnreachable(description: "cannot connect to the database \(url): \(PostgresErrorText.describe(error))")
        }
    }
}
