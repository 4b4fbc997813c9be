import Foundation
import PhoneNumbersService
import PostgresNIO
import Storage

/// Runs one transaction body on a session, again when PostgreSQL could not serialize it
/// or chose it as a deadlock's victim; after `maxAttempts` runs, UNAVAILABLE
/// `STORE_CONTENDED` (nothing was changed).
///
/// Writes take turns instead of colliding. A write that names its account (`write(account:)`)
/// holds that account's advisory lock and the writers' turn, shared, from before its
/// snapshot to after its commit: it is the only write of the account running, so the
/// account's rules (five numbers, the request ids, the event sequence, …) hold in a
/// REPEATABLE READ snapshot, without serializable's predicate locks, which on busy small
/// tables (the jobs, an account's index pages) cancel unrelated writers as "pivots". What
/// is shared between accounts is held by unique indexes (a number's E.164, a token's hash,
/// a job's key) and row locks. A write that names no account, or that turns out to write
/// another account's rows, or that lost `escalateAfter` times, takes the writers' turn
/// exclusively: it runs with no other write beside it (only the job queue's single
/// statements, which lock the rows they change). The locks and BEGIN are sent together
/// and waited for once, and so are COMMIT and the unlocks.
///
/// A read body that issues one statement needs no transaction: that statement is a
/// consistent snapshot by itself, and one round trip replaces three (BEGIN, it, COMMIT).
/// So reads first run alone; a body that asks for a second statement runs again in a
/// REPEATABLE READ transaction (bodies have no effect outside the store), and reads that
/// start with the same statement go to a transaction directly from then on.
enum PostgresTransaction {
    /// Runs a read body, alone when it turns out to issue one statement.
    static func runRead<T>(on session: PostgresSession, maxAttempts: Int, _ body: (PostgresSession) throws -> T) throws -> T {
        session.alone = true
        do {
            let value = try body(session)
            if !session.needsTransaction {
                session.alone = false
                return value
            }
        } catch  where !session.needsTransaction {
            session.alone = false
            throw error
        } catch {}
        session.alone = false
        return try run(.read, on: session, maxAttempts: maxAttempts, body)
    }

    /// How one run of a transaction keeps out of the others' way.
    enum Turn: Equatable {
        /// A read-only snapshot: no locks.
        case read
        /// The only write of `account` running, beside writes of other accounts.
        case account(String)
        /// The only write running.
        case exclusive
    }

    /// Runs `body` in a transaction of `mode`; a write naming `account` runs as that
    /// account's only writer, any other as the only writer.
    static func run<T>(
        _ mode: PostgresPhoneNumbersStore.Mode,
        account: String? = nil,
        on session: PostgresSession,
        maxAttempts: Int,
        _ body: (PostgresSession) throws -> T
    ) throws -> T {
        if mode == .queue { return try runQueue(on: session, maxAttempts: maxAttempts, body) }
        var attempt = 1
        var crossedAccounts = false
        while true {
            let turn: Turn =
                switch (mode, account) {
                case (.read, _): .read
                case (_, let account?) where attempt <= escalateAfter && !crossedAccounts: .account(account)
                default: .exclusive
                }
            do {
                return try attemptOnce(turn, on: session, body)
            } catch is PostgresWriteCrossesAccounts {
                // It writes another account's rows too: it runs again as the only writer.
                crossedAccounts = true
            } catch  where isRetryable(error) {
                guard attempt < maxAttempts else {
                    throw DomainError(
                        .unavailable,
                        "STORE_CONTENDED",
                        "the change collided with concurrent changes \(maxAttempts) times and was not made; retry it (with the same request_id)"
                    )
                }
                if turn == .read || turn == .exclusive {
                    Thread.sleep(forTimeInterval: Double.random(in: 0...retryPause(after: attempt)))
                }
                attempt += 1
            }
        }
    }

    /// One run: the turn's locks and BEGIN are sent together and waited for with the
    /// body's first statement; COMMIT and the turn's release likewise. Whatever fails, the
    /// transaction is rolled back and the turn let go.
    private static func attemptOnce<T>(_ turn: Turn, on session: PostgresSession, _ body: (PostgresSession) throws -> T) throws -> T {
        session.retryableFailure = nil
        // The locks of the turn in one statement, and their release in one: releasing a
        // lock not held only warns, so the release is sent whether or not the locks were
        // granted (a session-level lock granted stays granted even if its statement fails).
        let release: (sql: String, arguments: [any DatabaseValueConvertible])?
        switch turn {
        case .read:
            release = nil
        case .account(let account):
            session.send("SELECT pg_advisory_lock(\(accountLockSpace), hashtext(?)), pg_advisory_lock_shared(\(writersTurn))", [account])
            release = ("SELECT pg_advisory_unlock_shared(\(writersTurn)), pg_advisory_unlock(\(accountLockSpace), hashtext(?))", [account])
        case .exclusive:
            session.send("SELECT pg_advisory_lock(\(writersTurn))")
            release = ("SELECT pg_advisory_unlock(\(writersTurn))", [])
        }
        session.onlyAccount = if case .account(let account) = turn { account } else { nil }
        var released = false
        /// Sends the release of the turn (the connection runs it after the transaction's
        /// end, sent before).
        func releaseTurn() {
            guard !released, let release else { return }
            released = true
            session.send(release.sql, release.arguments)
        }
        defer {
            session.onlyAccount = nil
            releaseTurn()
            session.forgetUnsettled()
        }
        let value: T
        do {
            session.send(turn == .read ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" : "BEGIN ISOLATION LEVEL REPEATABLE READ")
            value = try body(session)
            if let crossed = session.crossedAccounts { throw crossed }
        } catch {
            // The body's error, or a statement's: roll back, then decide with the
            // statement's error (a body may have turned it into another error).
            session.send("ROLLBACK")
            throw session.crossedAccounts ?? session.retryableFailure ?? error
        }
        let committed = session.send("COMMIT")
        releaseTurn()
        try session.wait(committed)
        // The release's answer is not awaited: the connection runs it before anything sent
        // on it later, and a failing one means the connection (and its locks) is gone.
        session.abandonUnsettled()
        return value
    }

    /// The job queue's single statements need no transaction: each is atomic and locks
    /// the rows it changes (READ COMMITTED, as any statement alone). A body that issues a
    /// second statement is refused (it would not be atomic).
    private static func runQueue<T>(
        on session: PostgresSession,
        maxAttempts: Int,
        _ body: (PostgresSession) throws -> T
    ) throws
        -> T
    {
        var attempt = 1
        while true {
            session.oneStatementOnly = true
            defer { session.oneStatementOnly = false }
            do {
                return try body(session)
            } catch  where isRetryable(error) && attempt < maxAttempts {
                session.retryableFailure = nil
                Thread.sleep(forTimeInterval: Double.random(in: 0...retryPause(after: attempt)))
                attempt += 1
            }
        }
    }

    /// After this many runs a write takes the writers' turn for itself.
    static let escalateAfter = 4

    /// The first key of the accounts' advisory locks (the migrations' lock is a single key).
    static let accountLockSpace = 7420

    /// The advisory lock a write of one account holds shared and any other write holds
    /// exclusively (two keys: apart from the migrations' single key and the accounts' locks).
    static let writersTurn = "7421, 0"

    /// The longest pause, in seconds, before run `attempt + 1`: 2 ms doubling up to 50 ms.
    static func retryPause(after attempt: Int) -> Double {
        Double(min(1 << min(attempt, 6), 50)) / 1000
    }

    /// Serialization failures (40001) and deadlocks (40P01): running again succeeds.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}

/// A write that named one account wrote another's rows: it runs again as the only writer.
struct PostgresWriteCrossesAccounts: Error {}
