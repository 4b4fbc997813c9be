import Foundation
import PhoneNumbersService
import PostgresNIO

/// Runs one transaction body on a session, again when PostgreSQL could not serialize it
/// or chose it as a deadlock's victim, with a short random pause between runs; after
/// `maxAttempts` runs, UNAVAILABLE `STORE_CONTENDED` (nothing was changed).
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
        while true {
            do {
                try session.command(begin)
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
            } catch  where isRetryable(error) && attempt < maxAttempts {
                session.retryableFailure = nil
                Thread.sleep(forTimeInterval: Double.random(in: 0...retryPause(after: attempt)))
                attempt += 1
            }
        }
    }

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
