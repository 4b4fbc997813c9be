import Foundation
import PhoneNumbersService
import PostgresNIO

/// Runs one transaction body on a session, again when PostgreSQL could not serialize it
/// or chose it as a deadlock's victim; after `maxAttempts` runs, UNAVAILABLE
/// `STORE_CONTENDED` (nothing was changed). A transaction that collided while writing an
/// account's rows runs again holding that account's advisory lock, taken before its
/// snapshot, so an account's colliding writers take turns instead of colliding again;
/// other runs again pause a short random time. A write that has lost `escalateAfter`
/// times runs exclusive: every write holds the writers' turn (an advisory lock) shared, and
/// it takes the turn exclusively before its snapshot, so newcomers cannot beat it again.
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

    static func run<T>(
        _ mode: PostgresPhoneNumbersStore.Mode,
        on session: PostgresSession,
        maxAttempts: Int,
        _ body: (PostgresSession) throws -> T
    ) throws -> T {
        let begin =
            switch mode {
            case .read: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            case .write: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            case .queue: "BEGIN ISOLATION LEVEL READ COMMITTED"
            }
        var attempt = 1
        // The accounts whose writers this transaction queues behind before its next run.
        var queueBehind: [String] = []
        while true {
            // A write that lost this often runs exclusive: every write holds the writers' turn
            // shared, and this one takes it whole before its snapshot, so it cannot lose again.
            // (Account locks first, then the turn, in every run: no lock waits in a cycle.)
            let exclusive = mode == .write && attempt > escalateAfter
            try session.lockAccounts(queueBehind)
            defer { try? session.unlockAccounts(queueBehind) }
            if exclusive { try session.command("SELECT pg_advisory_lock(\(writersTurn))") }
            defer { if exclusive { try? session.command("SELECT pg_advisory_unlock(\(writersTurn))") } }
            session.forgetAccountsWritten()
            do {
                try session.command(begin)
                if mode == .write, !exclusive { try session.command("SELECT pg_advisory_xact_lock_shared(\(writersTurn))") }
                let value: T
                do {
                    value = try body(session)
                } catch {
                    // The body's error, or a statement's: roll back, then decide with the
                    // statement's error (a body may have turned it into another error).
                    try? session.command("ROLLBACK")
                    throw session.retryableFailure ?? error
                }
                try session.command("COMMIT")
                return value
            } catch  where isRetryable(error) {
                session.retryableFailure = nil
                guard attempt < maxAttempts else {
                    throw DomainError(
                        .unavailable,
                        "STORE_CONTENDED",
                        "the change collided with concurrent changes \(maxAttempts) times and was not made; retry it (with the same request_id)"
                    )
                }
                // Writers of one account collide on its rows: the next run waits its turn
                // behind the account's other queued writers instead of colliding again.
                let accounts = Set(queueBehind).union(session.accountsWritten)
                if accounts.isEmpty {
                    Thread.sleep(forTimeInterval: Double.random(in: 0...retryPause(after: attempt)))
                }
                queueBehind = accounts.sorted()
                attempt += 1
            }
        }
    }

    /// After this many runs a write takes the writers' turn for itself.
    static let escalateAfter = 4

    /// The advisory lock every write holds shared and a write that keeps losing holds exclusively
    /// (two keys: apart from the migrations' single key and the accounts' locks).
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
