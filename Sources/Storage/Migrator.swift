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

    /// The migrations, in the order they apply.
    public let migrations: [Migration]
    private let table: String

    /// A migrator for `migrations`, in the order they must apply, recorded in `table`
    /// (one table per component sharing the database). Never edit or reorder a
    /// released migration: append a new one.
    public init(_ migrations: [Migration], table: String = "schema_migrations") {
        self.migrations = migrations
        self.table = table
    }

    /// Applies the migrations the database has not seen yet. Each applied migration's
    /// SQL is remembered by checksum, so an edited one is refused, not silently skipped.
    /// - Throws: `SQLiteError`, or `MigrationError` when the applied history is not a
    ///   prefix of the list (a migration was edited, removed or reordered, or the database
    ///   is newer than this program), saying which and why.
    public func migrate(_ pool: DatabasePool) async throws {
        let migrations = self.migrations
        let table = self.table
        try await pool.withWriter { database in
            try database.execute(
                "CREATE TABLE IF NOT EXISTS \(table) (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL, checksum TEXT NOT NULL DEFAULT '')"
            )
            let columns = try database.query("PRAGMA table_info(\(table))").map { try $0.get("name", as: String.self) }
            if !columns.contains("checksum") {
                // Histories recorded before checksums: their SQL is taken as it is now.
                try database.execute("ALTER TABLE \(table) ADD COLUMN checksum TEXT NOT NULL DEFAULT ''")
            }
            let applied = try database.query("SELECT id, checksum FROM \(table) ORDER BY rowid").map {
                AppliedMigration(id: try $0.get("id", as: String.self), checksum: try $0.get("checksum", as: String.self))
            }
            let plan = try MigrationPlan(known: migrations, applied: applied)
            for migration in plan.checksumsToRecord {
                try database.execute("UPDATE \(table) SET checksum = ? WHERE id = ?", [Self.checksum(migration.sql), migration.id])
            }
            for migration in plan.pending {
                try database.execute("BEGIN IMMEDIATE")
                do {
                    try database.executeScript(migration.sql)
                    try database.execute(
                        "INSERT INTO \(table) (id, applied_at, checksum) VALUES (?, CAST(strftime('%s','now') AS INTEGER), ?)",
                        [migration.id, Self.checksum(migration.sql)]
                    )
                    try database.execute("COMMIT")
                } catch {
                    try? database.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// FNV-1a (64 bits) of the SQL, in hex: a fingerprint to notice edits, not a security measure.
    public static func checksum(_ sql: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
