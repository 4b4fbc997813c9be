import Foundation
import Logging
import NIOCore
import NIOPosix
import PhoneNumbersSQL
import PhoneNumbersService
import PostgresNIO
import Storage

/// The service's store on PostgreSQL, for several replicas sharing one database.
///
/// Writes take turns (`PostgresTransaction`): a write that names its account is that
/// account's only writer while it runs, any other write the only writer, so the rules
/// hold as they do on SQLite's serial writer, whichever replica writes; a transaction
/// that still fails to serialize or deadlocks runs again on a fresh snapshot (its body
/// has no effect outside the store), so callers never see it. Reads run in a REPEATABLE
/// READ snapshot, or as their one statement alone when they issue only one.
///
/// Transaction bodies are synchronous (the rules do no I/O inside a transaction); they
/// run on a thread pool as large as the connection pool, each statement waiting for its
/// answer there, never on an event loop.
public final class PostgresPhoneNumbersStore: PhoneNumbersStore {
    /// How a transaction is run.
    enum Mode { case read, write, queue }

    /// At most this many runs of one write before UNAVAILABLE `STORE_CONTENDED`.
    let maxAttempts: Int

    private let client: PostgresClient
    private let threadPool: NIOThreadPool
    private let running: Task<Void, Never>
    private let statements = PostgresStatementCache()
    private let logger: Logger
    private let url: PostgresDatabaseURL
    /// The channel each committed event is announced on (migration 0002).
    static let changesChannel = "phone_numbers_changes"

    /// Connects to `url`, applies the migrations under an advisory lock (waiting while
    /// another replica applies them) and returns the store, which opens at most
    /// `connections` connections. `close()` it when done.
    /// - Throws: `PostgresUnreachable` when the database cannot be reached or refuses the
    ///   credentials; `MigrationError` when it was migrated by a newer version.
    public static func open(
        _ url: PostgresDatabaseURL,
        connections: Int = 8,
        maxAttempts: Int = 64,
        logger: Logger = Logger(label: "phone-numbers.postgres")
    ) async throws -> PostgresPhoneNumbersStore {
        let connection = try await PostgresAdministration.connect(url, logger: logger)
        do {
            try await PostgresMigrator.migrate(PostgresSchema.migrations, on: connection, logger: logger)
        } catch {
            try? await connection.close()
            if error is MigrationError { throw error }
            throw PostgresUnreachable(description: "cannot migrate the database \(url): \(PostgresErrorText.describe(error))")
        }
        try await connection.close()
        return PostgresPhoneNumbersStore(url: url, connections: connections, maxAttempts: maxAttempts, logger: logger)
    }

    private init(url: PostgresDatabaseURL, connections: Int, maxAttempts: Int, logger: Logger) {
        self.maxAttempts = maxAttempts
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        let client = PostgresClient(configuration: url.clientConfiguration(connections: connections), backgroundLogger: quiet)
        self.client = client
        self.logger = quiet
        self.url = url
        threadPool = NIOThreadPool(numberOfThreads: connections)
        threadPool.start()
        running = Task { await client.run() }
    }

    /// Closes the connections and stops the thread pool.
    public func close() async {
        running.cancel()
        await running.value
        try? await threadPool.shutdownGracefully()
    }

    /// A read that issues one statement runs it alone (its own snapshot, one round trip);
    /// one that issues more runs in a REPEATABLE READ transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await transaction(.read, aloneWhenOneStatement: true) { try body(SQLTransaction($0)) }
    }

    /// A write naming `account` takes the account's advisory lock before its snapshot, so
    /// that account's writers take turns instead of colliding.
    public func write<T: Sendable>(account: String?, _ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        do {
            return try await transaction(.write, account: account) { try body(SQLTransaction($0)) }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreConflict(detail: error.serverInfo?[.constraintName] ?? "unique violation")
        }
    }

    /// Each statement alone (READ COMMITTED, no transaction around it): the queue's
    /// statements lock the rows they change (FOR UPDATE SKIP LOCKED), which is what a
    /// queue needs, without serializable's conflicts with every other writer of the table,
    /// and one round trip instead of three.
    public func writeQueue<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        try await transaction(.queue) { try body(SQLTransaction($0)) }
    }

    /// Listens for committed events on a connection of its own (outside the pool),
    /// reconnecting after a second when it drops; says `nil` after each (re)connection,
    /// since what was announced meanwhile was missed.
    public func followChanges(_ changed: @escaping @Sendable (_ accountID: String?) -> Void) async throws {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresAdministration.connect(url, logger: logger)
                do {
                    try await connection.listen(on: Self.changesChannel) { notifications in
                        changed(nil)
                        for try await notification in notifications { changed(notification.payload) }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "lost the change notifications; listening again",
                    metadata: ["error": "\(PostgresErrorText.describe(error))"]
                )
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Runs `body` on a raw session in a transaction of `mode` (tests and tools that
    /// arrange or inspect rows directly).
    public func withSession<T: Sendable>(write: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(write ? .write : .read) { try body($0) }
    }

    private func transaction<T: Sendable>(
        _ mode: Mode,
        account: String? = nil,
        aloneWhenOneStatement: Bool = false,
        _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        let statements = self.statements
        let logger = self.logger
        let threadPool = self.threadPool
        let maxAttempts = self.maxAttempts
        return try await client.withConnection { connection in
            try await threadPool.runIfActive {
                let session = PostgresSession(connection: connection, statements: statements, logger: logger)
                if aloneWhenOneStatement { return try PostgresTransaction.runRead(on: session, maxAttempts: maxAttempts, body) }
                return try PostgresTransaction.run(mode, account: account, on: session, maxAttempts: maxAttempts, body)
            }
        }
    }
}

/// The database could not be reached, refused the credentials, or failed a migration.
public struct PostgresUnreachable: Error, CustomStringConvertible {
    public let description: String
}
