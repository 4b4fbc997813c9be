/// The SQL a store's shared queries may assume differs in a few places between engines.
public enum SQLDialect: Sendable {
    /// SQLite: write transactions are serial; `lastInsertRowID` numbers inserted rows.
    case sqlite
    /// PostgreSQL: write transactions of different accounts may run concurrently; `RETURNING` numbers rows.
    case postgres
}

/// One connection inside one transaction, as SQL shared by several engines sees it:
/// statements with `?` parameters and rows of `DatabaseValue`s. Not thread-safe: a
/// session is used by one transaction body at a time.
public protocol SQLSession {
    /// Which engine answers, for the few statements written per engine.
    var dialect: SQLDialect { get }
    /// Runs one statement with `arguments` bound to its `?` parameters.
    func execute(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws
    /// Runs a query and returns every row.
    func query(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> [Row]
    /// Runs a query and returns its first row, if any.
    func queryOne(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> Row?
    /// Says that this transaction writes account `id`'s own rows (its lock, its events):
    /// an engine with concurrent writers may order that account's writers by it. Returns
    /// whether the transaction already runs as the account's only writer (nothing else
    /// can change the account's rows until it ends).
    @discardableResult
    func writes(account id: String) -> Bool
}

extension SQLSession {
    /// Serial writers need no ordering: each is the only writer.
    @discardableResult
    public func writes(account id: String) -> Bool { true }

    /// Runs one statement without arguments.
    public func execute(_ sql: String) throws { try execute(sql, []) }
    /// Runs a query without arguments and returns every row.
    public func query(_ sql: String) throws -> [Row] { try query(sql, []) }
    /// Runs a query without arguments and returns its first row, if any.
    public func queryOne(_ sql: String) throws -> Row? { try queryOne(sql, []) }
}

extension Database: SQLSession {
    public var dialect: SQLDialect { .sqlite }
}
