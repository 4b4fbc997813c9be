import Foundation
import Logging
import PhoneNumbersService
import PostgresNIO
import Storage
import Testing

@testable import PhoneNumbersPostgres

/// The PostgreSQL store's own guarantees, on a real server (the suite's PostgreSQL pass;
/// the rest of the suite runs there too, through the harness).
@Suite("the PostgreSQL store")
struct PostgresStoreTests {
    static let server = ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_DATABASE_URL"]

    /// A fresh database for `body`, dropped afterwards.
    static func withDatabase<T>(_ body: (PostgresDatabaseURL) async throws -> T) async throws -> T {
        try await TestPostgres.with("pn_store", body)
    }

    @Test("replicas starting together migrate once", .enabled(if: server != nil))
    func concurrentMigrations() async throws {
        try await Self.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresPhoneNumbersStore.self) { group in
                for _ in 0..<3 { group.addTask { try await PostgresPhoneNumbersStore.open(url, connections: 2) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let applied = try await stores[0].withSession(write: false) { session in
                try session.query("SELECT id FROM schema_migrations").map { try $0.get("id", as: String.self) }
            }
            #expect(applied == PostgresSchema.migrations.map(\.id))
            for store in stores { await store.close() }
        }
    }

    @Test("a database migrated by a newer version is refused, naming the migration", .enabled(if: server != nil))
    func newerSchema() async throws {
        try await Self.withDatabase { url in
            let store = try await PostgresPhoneNumbersStore.open(url, connections: 1)
            try await store.withSession(write: true) { session in
                try session.execute(
                    "INSERT INTO schema_migrations (position, id, applied_at, checksum) VALUES (99, '0099_from_the_future', 0, 'x')",
                    []
                )
            }
            await store.close()
            do {
                let reopened = try await PostgresPhoneNumbersStore.open(url, connections: 1)
                await reopened.close()
                Issue.record("a newer schema was accepted")
            } catch let error as MigrationError {
                #expect(error.description.contains("0099_from_the_future"), "\(error)")
                #expect(error.description.contains("newer version"), "\(error)")
            }
        }
    }

    @Test("an unreachable database is a clear error, not a hang", .enabled(if: server != nil))
    func unreachable() async throws {
        var url = try PostgresDatabaseURL(try #require(Self.server))
        url = try PostgresDatabaseURL("postgres://\(url.username):wrong@\(url.host):\(url.port)/\(url.database)?sslmode=disable")
        await #expect(throws: PostgresUnreachable.self) {
            _ = try await PostgresPhoneNumbersStore.open(url, connections: 1)
        }
    }

    @Test(
        "one account's events are numbered 1, 2, 3 … without gaps or duplicates under concurrent writers on two replicas' stores",
        .enabled(if: server != nil)
    )
    func eventNumbering() async throws {
        try await Self.withDatabase { url in
            let replicas = [
                try await PostgresPhoneNumbersStore.open(url, connections: 4),
                try await PostgresPhoneNumbersStore.open(url, connections: 4),
            ]
            try await replicas[0].write { try $0.insert(AccountRecord(id: "acc_1", name: "A", country: "US", createdAt: 1)) }
            let returned = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await replicas[index % 2].write { tx in
                            try tx.append(
                                EventRecord(
                                    accountID: "acc_1",
                                    kind: "TEST",
                                    subjectID: "s\(index)",
                                    oldState: "",
                                    newState: "",
                                    reason: "",
                                    at: 1
                                )
                            )
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let stored = try await replicas[1].read { try $0.events(ofAccount: "acc_1", after: 0, limit: 100).map(\.sequence) }
            #expect(returned.sorted() == Array(1...40))
            #expect(stored == Array(1...40))
            for store in replicas { await store.close() }
        }
    }

    @Test(
        "a read of one statement runs alone; a longer one, even one that swallows errors, runs in one snapshot",
        .enabled(if: server != nil)
    )
    func readsAloneOrInATransaction() async throws {
        try await Self.withDatabase { url in
            let store = try await PostgresPhoneNumbersStore.open(url, connections: 2)
            let job = JobRecord(kind: .reconcileNumbers, subjectID: "j", runAt: 1_234, traceContext: "")
            try await store.write { try $0.upsert(job) }
            #expect(try await store.read { try $0.nextJobTime() } == 1_234)
            for _ in 0..<2 {  // the second time, the body goes to a transaction at once
                let (first, second) = try await store.read { reader in (try reader.nextJobTime(), try? reader.nextJobTime()) }
                #expect(first == 1_234)
                #expect(second == .some(1_234), "the second statement ran, in the rerun")
            }
            // A body's own error after its one statement is its answer, not a reason to rerun.
            await #expect(throws: DomainError.self) {
                _ = try await store.read { reader -> Int in
                    _ = try reader.nextJobTime()
                    throw DomainError(.notFound, "NUMBER_NOT_FOUND", "")
                }
            }
            await store.close()
        }
    }

    @Test("database URLs: what is accepted, what is refused and why; the password is never printed")
    func urls() throws {
        let url = try PostgresDatabaseURL("postgres://app:s%40cret@db.internal:6432/phone_numbers?sslmode=require")
        #expect(url.host == "db.internal" && url.port == 6432 && url.username == "app" && url.password == "s@cret")
        #expect(url.database == "phone_numbers" && url.sslMode == "require")
        #expect(!url.description.contains("cret") && url.description.contains("<redacted>"))
        #expect(try PostgresDatabaseURL("postgresql://app@localhost/db").port == 5432)
        for (text, reason) in [
            ("mysql://app@h/db", "must look like"), ("postgres:///db", "no host"), ("postgres://h/db", "no user name"),
            ("postgres://app@h", "names no database"), ("postgres://app@h/db?sslmode=verify-full", "sslmode must be"),
        ] {
            #expect(throws: PostgresDatabaseURL.Invalid.self) { try PostgresDatabaseURL(text) }
            do { _ = try PostgresDatabaseURL(text) } catch { #expect(error.description.contains(reason), "\(text): \(error)") }
        }
    }

    @Test("a write that still collides on its last run is UNAVAILABLE STORE_CONTENDED and changes nothing", .enabled(if: server != nil))
    func contendedWrite() async throws {
        try await Self.withDatabase { url in
            let holder = try await PostgresPhoneNumbersStore.open(url, connections: 2)
            let loser = try await PostgresPhoneNumbersStore.open(url, connections: 2, maxAttempts: 1)
            try await holder.withSession(write: true) {
                try $0.execute("INSERT INTO accounts (id, name, country, created_at) VALUES ('acc_x', 'X', 'US', 0)")
            }
            // Another client of the database, outside the store's turns, changes the
            // account's row and keeps its transaction open…
            let logger = Logger(label: "test")
            let other = try await PostgresAdministration.connect(url, logger: logger)
            try await other.query("BEGIN", logger: logger)
            try await other.query("UPDATE accounts SET name = 'held' WHERE id = 'acc_x'", logger: logger)
            // …while the loser, allowed one run, writes the same row from an older snapshot.
            let losing = Task {
                try await loser.write(account: "acc_x") { writer in
                    try writer.upsert(JobRecord(kind: .reconcileNumbers, subjectID: "lost", runAt: 1, traceContext: ""))
                    try writer.append(
                        EventRecord(accountID: "acc_x", kind: "TEST", subjectID: "lost", oldState: "", newState: "", reason: "", at: 0)
                    )
                }
            }
            for _ in 0..<500 {
                let waiting = try await holder.withSession(write: false) { session in
                    try session.queryOne(
                        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )!.get("n", as: Int.self)
                }
                if waiting > 0 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            try await other.query("COMMIT", logger: logger)
            try await other.close()
            do {
                try await losing.value
                Issue.record("the colliding write succeeded")
            } catch let error as DomainError {
                #expect(error.code == .unavailable && error.reason == "STORE_CONTENDED", "\(error)")
            }
            #expect(try await holder.read { try $0.nextJobTime() } == nil, "the losing write changed nothing")
            await holder.close()
            await loser.close()
        }
    }

    @Test(
        "writes naming an account take turns with its other writers; one that writes another account's rows too runs again alone",
        .enabled(if: server != nil)
    )
    func accountTurns() async throws {
        try await Self.withDatabase { url in
            let store = try await PostgresPhoneNumbersStore.open(url, connections: 6)
            try await store.withSession(write: true) {
                try $0.execute(
                    "INSERT INTO accounts (id, name, country, created_at) VALUES ('acc_a', 'A', 'US', 0), ('acc_b', 'B', 'US', 0)"
                )
            }
            // Sixty writes at once: a third name acc_a and append to it, a third name acc_b
            // and append to it, a third name acc_a and append to acc_b.
            let sequences = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
                for index in 0..<60 {
                    let (named, account) = [("acc_a", "acc_a"), ("acc_b", "acc_b"), ("acc_a", "acc_b")][index % 3]
                    group.addTask {
                        let sequence = try await store.write(account: named) { writer in
                            let last = try writer.lastEventSequence(ofAccount: account)
                            let appended = try writer.append(
                                EventRecord(
                                    accountID: account,
                                    kind: "TEST",
                                    subjectID: "\(index)",
                                    oldState: "",
                                    newState: "",
                                    reason: "",
                                    at: 0
                                )
                            )
                            // The account's only writer: nothing was appended between its read and its write.
                            #expect(appended == last + 1)
                            return appended
                        }
                        return (account, sequence)
                    }
                }
                return try await group.reduce(into: [String: [Int64]]()) { $0[$1.0, default: []].append($1.1) }
            }
            #expect(sequences["acc_a"]?.sorted() == Array(1...20))
            #expect(sequences["acc_b"]?.sorted() == Array(1...40))
            let stored = try await store.read { reader in
                (
                    try reader.events(ofAccount: "acc_a", after: 0, limit: 100).count,
                    try reader.events(ofAccount: "acc_b", after: 0, limit: 100).count
                )
            }
            #expect(stored == (20, 40))
            await store.close()
        }
    }

    @Test("the pause between runs of a contended transaction doubles from 2 ms and stays at 50 ms, however many runs")
    func retryPauses() {
        #expect(PostgresTransaction.retryPause(after: 1) == 0.002)
        #expect(PostgresTransaction.retryPause(after: 5) == 0.032)
        #expect((6...200).allSatisfy { PostgresTransaction.retryPause(after: $0) == 0.05 })
    }

    @Test("the shared SQL's ? parameters become $1, $2 … outside quotes")
    func parameterNumbering() {
        #expect(
            PostgresStatementCache.number("SELECT * FROM t WHERE a = ? AND b = '?' AND \"c?\" = ?")
                == "SELECT * FROM t WHERE a = $1 AND b = '?' AND \"c?\" = $2"
        )
        #expect(
            PostgresMigrator.statements(of: "CREATE TABLE a (x BIGINT);\nCREATE INDEX i ON a(x);\n") == [
                "CREATE TABLE a (x BIGINT)", "CREATE INDEX i ON a(x)",
            ]
        )
    }
}
