import Foundation
import PhoneNumbersPostgres
import PhoneNumbersSQLite
import PhoneNumbersService
import Storage

/// Fresh stores of the kind the suite runs against (`ServiceHarness.storeKind`), as
/// several replicas would open them: on SQLite one store shared by all, on PostgreSQL
/// one store per replica on one fresh database.
enum TestStores {
    /// Runs `body` with `replicas` stores on one fresh database, then closes them and
    /// removes the database.
    static func with<T>(replicas: Int, _ body: ([any PhoneNumbersStore]) async throws -> T) async throws -> T {
        if ServiceHarness.storeKind == "postgres" {
            let server = try PostgresDatabaseURL(
                try ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_DATABASE_URL"] ?? { throw TestFailure("no test database") }()
            )
            let name = "pn_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            let url = try await PostgresAdministration.createDatabase(name, at: server)
            var stores: [PostgresPhoneNumbersStore] = []
            do {
                for _ in 0..<replicas { stores.append(try await PostgresPhoneNumbersStore.open(url, connections: 4)) }
                let result = try await body(stores)
                for store in stores { await store.close() }
                try? await PostgresAdministration.dropDatabase(name, at: server)
                return result
            } catch {
                for store in stores { await store.close() }
                try? await PostgresAdministration.dropDatabase(name, at: server)
                throw error
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLitePhoneNumbersStore.open(try DatabasePool(path: directory.appendingPathComponent("store.sqlite").path))
        return try await body(Array(repeating: store, count: replicas))
    }
}
