import Foundation
import PhoneNumbersSQL
import PhoneNumbersService
import Storage

/// The service's store on SQLite: a WAL database with group-committed writes.
/// Write transactions are serial (BEGIN IMMEDIATE), so account-level rules hold
/// under any concurrency without further locking.
public final class SQLitePhoneNumbersStore: PhoneNumbersStore {
    /// The database, shared with components that keep their own tables (the simulated provider).
    public let pool: DatabasePool

    /// Opens the store in `pool` and applies its migrations.
    public static func open(_ pool: DatabasePool) async throws -> SQLitePhoneNumbersStore {
        try await Migrator(Schema.migrations).migrate(pool)
        return SQLitePhoneNumbersStore(pool: pool)
    }

    private init(pool: DatabasePool) {
        self.pool = pool
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await pool.read { try body(SQLTransaction($0)) }
    }

    /// Writes are serial here: `account` changes nothing.
    public func write<T: Sendable>(account: String?, _ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        do {
            return try await pool.write { try body(SQLTransaction($0)) }
        } catch let error as SQLiteError where error.isUniqueViolation {
            throw StoreConflict(detail: error.message)
        }
    }
}
