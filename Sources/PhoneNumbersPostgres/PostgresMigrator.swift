import Foundation
import Logging
import PostgresNIO
import Storage

/// Applies migrations to PostgreSQL under an advisory lock, so replicas starting
/// together migrate once, and refuses a database migrated by a newer version (the
/// checks are `MigrationPlan`'s, the same as on SQLite).
enum PostgresMigrator {
    /// The advisory lock's key: any constant the other users of the database do not use.
    static let lockKey: Int64 = 0x5048_4f4e_454e_554d  // "PHONENUM"

    static func migrate(_ migrations: [Migrator.Migration], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            try await apply(migrations, on: connection, logger: logger)
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
    }

    private static func apply(_ migrations: [Migrator.Migration], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                position BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, applied_at BIGINT NOT NULL, checksum TEXT NOT NULL)
            """,
            logger: logger
        )
        var applied: [AppliedMigration] = []
        for try await (id, checksum) in try await connection.query(
            "SELECT id, checksum FROM schema_migrations ORDER BY position",
            logger: logger
        ).decode((String, String).self) {
            applied.append(AppliedMigration(id: id, checksum: checksum))
        }
        let plan = try MigrationPlan(known: migrations, applied: applied)
        for (offset, migration) in plan.pending.enumerated() {
            let position = Int64(applied.count + offset + 1)
            let checksum = Migrator.checksum(migration.sql)
            logger.info("applying migration", metadata: ["migration": "\(migration.id)"])
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in statements(of: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (position, id, applied_at, checksum)
                    VALUES (\(position), \(migration.id), EXTRACT(EPOCH FROM now())::BIGINT, \(checksum))
                    """,
                    logger: logger
                )
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw MigrationError(description: "migration \(migration.id) failed: \(PostgresErrorText.describe(error))")
            }
        }
    }

    /// The statements of a migration script: each ends with a semicolon at the end of a line.
    static func statements(of script: String) -> [String] {
        script.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }
}
