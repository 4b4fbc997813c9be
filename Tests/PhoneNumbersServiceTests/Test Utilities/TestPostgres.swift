import Foundation
import PhoneNumbersPostgres

/// Fresh databases on the PostgreSQL server of the suite's PostgreSQL pass
/// (`PHONE_NUMBERS_TEST_DATABASE_URL`, set by scripts/test.sh).
enum TestPostgres {
    /// The server's URL (its maintenance database).
    static func server() throws -> PostgresDatabaseURL {
        guard let text = ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_DATABASE_URL"] else {
            throw TestFailure("PHONE_NUMBERS_TEST_STORE=postgres needs PHONE_NUMBERS_TEST_DATABASE_URL (scripts/test.sh sets both)")
        }
        return try PostgresDatabaseURL(text)
    }

    /// A fresh, empty database named `prefix_` and a random suffix.
    static func create(_ prefix: String = "pn") async throws -> PostgresDatabaseURL {
        try await PostgresAdministration.createDatabase(
            "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))",
            at: try server()
        )
    }

    /// Drops a database `create` made (closing what is still connected to it).
    static func drop(_ url: PostgresDatabaseURL) async {
        guard let server = try? server() else { return }
        try? await PostgresAdministration.dropDatabase(url.database, at: server)
    }

    /// Runs `body` with a fresh database, dropped afterwards whatever happens; `cleanUp`
    /// runs first (closing what uses the database).
    static func with<T>(
        _ prefix: String = "pn",
        cleanUp: () async -> Void = {},
        _ body: (PostgresDatabaseURL) async throws -> T
    ) async throws -> T {
        let url = try await create(prefix)
        do {
            let result = try await body(url)
            await cleanUp()
            await drop(url)
            return result
        } catch {
            await cleanUp()
            await drop(url)
            throw error
        }
    }
}
