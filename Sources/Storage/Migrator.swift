/// Applies numbered, append-only schema migrations in order, each in its own
/// transaction, recording them in `schema_migrations`.
public struct Migrator: Sendable {
    /// One migration: a stable identifier and its SQL script.
    public struct Migration: Sendable {
        public let id: String
        public let sql: String

        /// A migration with an identifier such as `0001_accounts`.
        public init(_ id: String, _ sql: String) {
            self.id = id
            self.sql = sql
        }
    }

    private let migrations: [Migration]
    private let table: String

    /// A migrator for `migrations`, in the order they must apply, recorded in `table`
    /// (one table per component sharing the database). Never edit or reorder a
    /// released migration: append a new one.
    public init(_ migrations: [Migration], table: String = "schema_migrations") {
        self.migrations = migrations
        self.table = table
    }

    /// Applies the migrations the database has not seen yet.
    /// - Throws: `SQLiteError`, or when the applied history is not a prefix of the list
    ///   (a migration was edited, removed or reordered).
    public func migrate(_ pool: DatabasePool) async throws {
        let migrations = self.migrations
        let table = self.table
        try await pool.withWriter { database in
            try database.execute("CREATE TABLE IF NOT EXISTS \(table) (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
            let applied = try database.query("SELECT id FROM \(table) ORDER BY rowid").map { try $0.get("id", as: String.self) }
            for (index, id) in applied.enumerated() where index >= migrations.count || migrations[index].id != id {
                throw SQLiteError(code: 1, message: "applied migration \(id) does not match the migration list at position \(index)")
            }
            for migration in migrations.dropFirst(applied.count) {
                try database.execute("BEGIN IMMEDIATE")
                do {
                    try database.executeScript(migration.sql)
                    try database.execute(
                        "INSERT INTO \(table) (id, applied_at) VALUES (?, CAST(strftime('%s','now') AS INTEGER))", [migration.id])
                    try database.execute("COMMIT")
                } catch {
                    try? database.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }
}
