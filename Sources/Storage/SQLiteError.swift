/// A failed SQLite call: the result code, SQLite's message, and the statement.
/// Arguments are never part of the description (they may hold secrets).
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary or extended SQLite result code.
    public let code: Int32
    /// SQLite's message.
    public let message: String
    /// The SQL that failed, if a statement did.
    public let sql: String?

    /// An error with a code, a message and the statement.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// A UNIQUE, PRIMARY KEY, FOREIGN KEY or CHECK constraint failed.
    public var isConstraintViolation: Bool { code & 0xFF == 19 }

    /// A UNIQUE or PRIMARY KEY constraint failed (SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY).
    public var isUniqueViolation: Bool { code == 2067 || code == 1555 }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " in \($0)" } ?? "")
    }
}
