/// A migration a database has applied, as its history table records it.
public struct AppliedMigration: Sendable, Equatable {
    public let id: String
    /// The checksum of its SQL when it was applied ("" in histories older than checksums).
    public let checksum: String

    public init(id: String, checksum: String) {
        self.id = id
        self.checksum = checksum
    }
}

/// Why a database's migration history does not fit this program's migrations.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// What to do to a database given its applied history: the same decision for every
/// engine, made without I/O.
public struct MigrationPlan: Sendable {
    /// The migrations to apply, in order.
    public let pending: [Migrator.Migration]
    /// Applied migrations recorded without a checksum, whose checksum to record now (their
    /// SQL is taken as it is now).
    public let checksumsToRecord: [Migrator.Migration]

    /// Checks that `applied` is a prefix of `known`, by identifier and checksum.
    /// - Throws: `MigrationError` when the database has a migration this program does not
    ///   know (it is newer), or when one was edited, removed or reordered.
    public init(known: [Migrator.Migration], applied: [AppliedMigration]) throws(MigrationError) {
        var checksumsToRecord: [Migrator.Migration] = []
        for (index, row) in applied.enumerated() {
            guard index < known.count else {
                throw MigrationError(
                    description:
                        "the database has migration \(row.id), which this program does not know: it was migrated by a newer version; run that version"
                )
            }
            let migration = known[index]
            guard migration.id == row.id else {
                throw MigrationError(
                    description:
                        "applied migration \(row.id) does not match \(migration.id) at position \(index): migrations were removed or reordered"
                )
            }
            let checksum = Migrator.checksum(migration.sql)
            if row.checksum.isEmpty {
                checksumsToRecord.append(migration)
            } else if row.checksum != checksum {
                throw MigrationError(
                    description:
                        "migration \(row.id) was edited after it was applied (checksum \(row.checksum), now \(checksum)): never edit a released migration; append a new one"
                )
            }
        }
        pending = Array(known.dropFirst(applied.count))
        self.checksumsToRecord = checksumsToRecord
    }
}
