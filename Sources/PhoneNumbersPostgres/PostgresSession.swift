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
    /// Set while a job-queue change runs outside a transaction: it may issue one statement.
    var oneStatementOnly = false {
        didSet { ranOneStatement = false }
    }
    private var ranOneStatement = false
    /// A read running alone asked for a second statement: it must run in a transaction.
    private(set) var needsTransaction = false
    private var statementsRun = 0
    /// Statements sent and not yet waited for, oldest first.
    private var unsettled: [Sent] = []
    private var firstStatement = ""
    /// Set while a write runs as the only writer of this account: writing another
    /// account's own rows (`writes(account:)`) ends the run (`crossedAccounts`).
    var onlyAccount: String? {
        didSet { crossedAccounts = nil }
    }
    /// Set when the body wrote an account other than `onlyAccount`.
    private(set) var crossedAccounts: PostgresWriteCrossesAccounts?

    @discardableResult
    func writes(account id: String) -> Bool {
        guard let only = onlyAccount else { return false }
        if only != id { crossedAccounts = PostgresWriteCrossesAccounts() }
        return only == id
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
        try wait(send(sql))
    }

    /// A statement sent and not yet waited for.
    struct Sent {
        fileprivate let answer: EventLoopFuture<PostgresQueryResult>
    }

    /// Sends a statement without waiting for its answer: the connection runs the
    /// statements sent on it one after another, so a body's next statement waits for it.
    /// A later `wait` reports its failure, if it failed.
    @discardableResult
    func send(_ sql: String, _ arguments: [any DatabaseValueConvertible] = []) -> Sent {
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
        let query = PostgresQuery(unsafeSQL: arguments.isEmpty ? sql : statements.numbered(sql), binds: binds)
        let sent = Sent(answer: connection.query(query, logger: logger))
        unsettled.append(sent)
        return sent
    }

    /// Waits for `sent` and every statement sent before it; throws the first failure
    /// among them (a statement after a failed one fails too, and says less).
    @discardableResult
    func wait(_ sent: Sent) throws -> PostgresQueryResult {
        var failure: (any Error)?
        var result: PostgresQueryResult?
        while !unsettled.isEmpty {
            let next = unsettled.removeFirst()
            do {
                let answer = try next.answer.wait()
                if next.answer === sent.answer { result = answer }
            } catch {
                if failure == nil { failure = error }
            }
            if next.answer === sent.answer { break }
        }
        if let failure {
            if PostgresTransaction.isRetryable(failure) { retryableFailure = failure }
            throw failure
        }
        guard let result else { preconditionFailure("a statement was waited for twice") }
        return result
    }

    /// Waits for what is still unanswered, ignoring failures (after a rollback).
    func forgetUnsettled() {
        for sent in unsettled { _ = try? sent.answer.wait() }
        unsettled = []
    }

    /// Stops tracking what is still unanswered, without waiting for it.
    func abandonUnsettled() {
        unsettled = []
    }

    private func run(_ sql: String, _ arguments: [any DatabaseValueConvertible]) throws -> PostgresQueryResult {
        if alone { try countAlone(sql) }
        if onlyAccount != nil, let crossedAccounts { throw crossedAccounts }
        if oneStatementOnly {
            guard !ranOneStatement else { throw PostgresQueueStatementsNotAtomic(sql: sql) }
            ranOneStatement = true
        }
        return try wait(send(sql, arguments))
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
        let shared = RowColumns(columns)
        return try result.rows.map { row in
            Row(columns: shared, values: try row.map(value))
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

/// A job-queue change issued a second statement: such changes are single statements,
/// each atomic alone (a programming error; nothing after the first statement ran).
struct PostgresQueueStatementsNotAtomic: Error, CustomStringConvertible {
    let sql: String
    var description: String { "a job-queue change issued a second statement (\(sql)); queue changes must be single statements" }
}

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
