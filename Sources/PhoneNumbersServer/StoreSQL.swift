import PhoneNumbersPostgres
import Storage

/// The store's tables as SQL, whichever engine keeps them (the shared dialect: `?`
/// parameters): for tools, drills, benchmarks and tests that arrange rows directly or
/// check what was stored. The service itself goes through its store.
public struct StoreSQL: Sendable {
    private let run:
        @Sendable (_ write: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> any Sendable) async throws -> any Sendable

    /// The SQLite file's tables.
    public init(_ pool: DatabasePool) {
        run = { write, body in
            write ? try await pool.write { try body($0) } : try await pool.read { try body($0) }
        }
    }

    /// The PostgreSQL database's tables.
    public init(_ store: PostgresPhoneNumbersStore) {
        run = { write, body in try await store.withSession(write: write) { try body($0) } }
    }

    /// Runs `body` in a read transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(false, body) as! T
    }

    /// Runs `body` in a write transaction.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(true, body) as! T
    }
}

extension PhoneNumbersServer {
    /// The store's tables as SQL.
    public var sql: StoreSQL {
        postgres.map { StoreSQL($0) } ?? StoreSQL(pool)
    }
}
