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
            var stores: [PostgresPhoneNumbersStore] = []
            return try await TestPostgres.with {
                for store in stores { await store.close() }
            } _: { url in
                for _ in 0..<replicas { stores.append(try await PostgresPhoneNumbersStore.open(url, connections: 4)) }
                return try await body(stores)
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLitePhoneNumbersStore.open(try DatabasePool(path: directory.appendingPathComponent("store.sqlite").path))
        return try await body(Array(repeating: store, count: replicas))
    }
}
