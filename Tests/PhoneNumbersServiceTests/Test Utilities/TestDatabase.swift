import PhoneNumbersPostgres
import Storage

/// The service's tables as SQL, on SQLite or PostgreSQL: what tests use to arrange
/// rows the API cannot create yet and to check what was stored. The SQL is the shared
/// dialect (`?` parameters).
struct TestDatabase: Sendable {
    private let run:
        @Sendable (_ write: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> any Sendable) async throws -> any Sendable

    init(_ pool: DatabasePool) {
        run = { write, body in
            write ? try await pool.write { try body($0) } : try await pool.read { try body($0) }
        }
    }

    init(_ store: PostgresPhoneNumbersStore) {
        run = { write, body in try await store.withSession(write: write) { try body($0) } }
    }

    /// Runs `body` in a read transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(false, body) as! T
    }

    /// Runs `body` in a write transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(true, body) as! T
    }
}
