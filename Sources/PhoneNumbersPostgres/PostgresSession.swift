import Foundation
import Logging
import NIOCore
import PostgresNIO
import Storage
import Synchronization

/// One PostgreSQL connection inside one transaction, seen as an `SQLSession`: the
/// shared SQL's `?` parameters become `$1, $2, …`, `DatabaseValue`s become binds and
/// cells become `DatabaseValue`s again.
///
/// Each statement waits for its answer on the calling thread, so a transaction body
/// stays synchronous (no I/O but the store's can happen inside a transaction). Call it
/// from a thread pool, never from an event loop.
final class PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    private let statements: PostgresStatementCache
    /// The serialization failure or deadlock a statement of this transaction ran into, if
    /// any: the transaction is then run again whatever the body made of the error.
    var retryableFailure: (any Error)?
    /// Set while a read runs outside a transaction: its first statement runs on its own
    /// (one snapshot by itself), and a second one ends the attempt (`needsTransaction`).
    var alone = false
    /// A read running alone asked for a second statement: it must run in a transaction.
    private(set) var needsTransaction = false
    private var statementsRun = 0
    private var firstStatement = ""
    /// The accounts whose own rows this transaction writes (see `writes(account:)`).
    private(set) var accountsWritten: Set<String> = []

    func writes(account id: String) {
        accountsWritten.insert(id)
    }

    /// Forgets the accounts written, before a transaction runs (again).
    func forgetAccountsWritten() {
        accountsWritten = []
    }

    init(connection: PostgresConnection, statements: PostgresStatementCache, logger: Logger) {
        self.connection = connection
        self.statements = statements
        self.logger = logger
    }

    var dialect: SQLDialect { .postgres }

    func execute(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws {
        _ = try run(sql, arguments)
    }

    func query(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> [Row] {
        try Self.rows(run(sql, arguments))
    }

    func queryOne(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> Row? {
        try Self.rows(run(sql, arguments)).first
    }

    /// Runs a statement that needs no parameters (BEGIN, COMMIT, ROLLBACK).
    func command(_ sql: String) throws {
        _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
    }

    /// Waits for the advisory locks of `accounts` (in the order given: sort them), outside
    /// any transaction: the writers of an account that queue here take turns.
    func lockAccounts(_ accounts: [String]) throws {
        for account in accounts { _ = try run("SELECT pg_advisory_lock(\(Self.accountLockSpace), hashtext(?))", [account]) }
    }

    /// Lets go of the advisory locks `lockAccounts` took.
    func unlockAccounts(_ accounts: [String]) throws {
        for account in accounts.reversed() {
            _ = try run("SELECT pg_advisory_unlock(\(Self.accountLockSpace), hashtext(?))", [account])
        }
    }

    /// The first key of the accounts' advisory locks (the migrations' lock is a single key).
    static let accountLockSpace = 7420

    private func run(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> PostgresQueryResult {
        if alone { try countAlone(sql) }
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.databaseValue {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
            }
        }
        let query = PostgresQuery(unsafeSQL: statements.numbered(sql), binds: binds)
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            if PostgresTransaction.isRetryable(error) { retryableFailure = error }
            throw error
        }
    }

    /// A read running alone gets one statement; a body known to run more after this one
    /// goes to a transaction before running any.
    private func countAlone(_ sql: String) throws {
        if !needsTransaction, statementsRun == 0, !statements.startsLongerRead(sql) {
            statementsRun = 1
            firstStatement = sql
            return
        }
        if !needsTransaction, statementsRun == 1 { statements.learnStartsLongerRead(firstStatement) }
        needsTransaction = true
        throw PostgresReadNeedsTransaction()
    }

    /// The rows of a result with their values as `DatabaseValue`s.
    static func rows(_ result: PostgresQueryResult) throws -> [Row] {
        guard let first = result.rows.first else { return [] }
        var columns: [String: Int] = [:]
        for (index, cell) in first.enumerated() where columns[cell.columnName] == nil {
            columns[cell.columnName] = index
        }
        return try result.rows.map { row in
            Row(columns: columns, values: try row.map(value))
        }
    }

    private static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bytea: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// A read that ran alone asked for a second statement (it runs again in a transaction).
struct PostgresReadNeedsTransaction: Error {}

/// The shared SQL's statements rewritten once each for PostgreSQL's numbered parameters,
/// and the statements seen to start reads of more than one statement.
final class PostgresStatementCache: Sendable {
    private let rewritten = Mutex<[String: String]>([:])
    private let longerReads = Mutex<Set<String>>([])

    /// Whether a read whose first statement is `sql` was seen to run more statements.
    func startsLongerRead(_ sql: String) -> Bool {
        longerReads.withLock { $0.contains(sql) }
    }

    /// Remembers that a read starting with `sql` runs more statements.
    func learnStartsLongerRead(_ sql: String) {
        _ = longerReads.withLock { $0.insert(sql) }
    }

    /// `sql` with each `?` outside quotes replaced by `$1`, `$2`, ….
    func numbered(_ sql: String) -> String {
        if let known = rewritten.withLock({ $0[sql] }) { return known }
        let result = Self.number(sql)
        rewritten.withLock { $0[sql] = result }
        return result
    }

    static func number(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var parameter = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                parameter += 1
                result += "$\(parameter)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
