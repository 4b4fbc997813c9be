import Foundation
import Testing

@testable import Storage

struct Boom: Error {}

@Suite("SQLite pool", .timeLimit(.minutes(2)))
struct DatabasePoolTests {
    private func makePool() async throws -> (DatabasePool, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("test.sqlite").path
        let pool = try DatabasePool(path: path)
        try await Migrator([.init("0001_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);")]).migrate(pool)
        return (pool, path)
    }

    @Test("concurrent writes are group-committed; a failing write rolls back alone")
    func groupCommit() async throws {
        let (pool, _) = try await makePool()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await pool.write { database in
                            try database.execute("INSERT INTO items (name) VALUES (?)", ["item-\(index)"])
                            if index % 10 == 0 { throw Boom() }
                        }
                        return true
                    } catch is Boom {
                        return false
                    }
                }
            }
            var succeeded = 0
            for try await ok in group where ok { succeeded += 1 }
            #expect(succeeded == 270)
        }
        let count = try await pool.read { try $0.queryOne("SELECT COUNT(*) AS n FROM items")!.get("n", as: Int.self) }
        #expect(count == 270)
        let failed = try await pool.read {
            try $0.queryOne("SELECT COUNT(*) AS n FROM items WHERE name = 'item-10'")!.get("n", as: Int.self)
        }
        #expect(failed == 0)
    }

    @Test("reads batched on a reader see every write that returned before them; a failing read fails alone")
    func batchedReads() async throws {
        let (pool, _) = try await makePool()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let name = "item-\(index)"
                    try await pool.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [name]) }
                    for _ in 0..<5 {
                        let found = try await pool.read {
                            try $0.queryOne("SELECT COUNT(*) AS n FROM items WHERE name = ?", [name])!.get("n", as: Int.self)
                        }
                        #expect(found == 1, "a read after its write returned sees it")
                    }
                    await #expect(throws: Boom.self) { try await pool.read { _ in throw Boom() } }
                }
            }
            try await group.waitForAll()
        }
        let count = try await pool.read { try $0.queryOne("SELECT COUNT(*) AS n FROM items")!.get("n", as: Int.self) }
        #expect(count == 200)
    }

    @Test("waiting work: the first addition starts a drain, batches come oldest first, an empty batch ends the drain")
    func waitingWork() {
        var work = WaitingWork<Int>()
        let started = work.add(1)
        let alsoStarted = [work.add(2), work.add(3)]
        let first = work.nextBatch(max: 2)
        let whileDraining = work.add(4)
        let second = work.nextBatch(max: 2)
        let last = work.nextBatch(max: 2)
        let afterwards = work.add(5)
        #expect(started)
        #expect(alsoStarted == [false, false])
        #expect(first == [1, 2])
        #expect(!whileDraining, "still draining")
        #expect(second == [3, 4])
        #expect(last.isEmpty)
        #expect(afterwards, "the drain ended: the next addition starts one")
    }

    @Test("a constraint violation is a typed error and changes nothing")
    func constraint() async throws {
        let (pool, _) = try await makePool()
        try await pool.write { try $0.execute("INSERT INTO items (name) VALUES ('a')") }
        let error = await #expect(throws: SQLiteError.self) {
            try await pool.write { database in
                try database.execute("INSERT INTO items (name) VALUES ('b')")
                try database.execute("INSERT INTO items (name) VALUES ('a')")
            }
        }
        #expect(error?.isConstraintViolation == true)
        let names = try await pool.read { try $0.query("SELECT name FROM items ORDER BY name").map { try $0.get("name", as: String.self) } }
        #expect(names == ["a"])
    }

    @Test("migrations apply once; an edited, renamed or unknown one is refused with why; a new one is applied")
    func migrations() async throws {
        let (pool, path) = try await makePool()
        let first = Migrator.Migration("0001_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);")
        try await Migrator([first]).migrate(pool)
        try await Migrator([first, .init("0002_more", "ALTER TABLE items ADD COLUMN note TEXT;")]).migrate(pool)
        let columns = try await pool.read { try $0.query("PRAGMA table_info(items)").map { try $0.get("name", as: String.self) } }
        #expect(columns == ["id", "name", "note"])
        let reopened = try DatabasePool(path: path)
        func refusal(_ migrations: [Migrator.Migration]) async -> String {
            do {
                try await Migrator(migrations).migrate(reopened)
                return "accepted"
            } catch let error as SQLiteError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        let edited = await refusal([
            .init("0001_items", "CREATE TABLE items (id INTEGER PRIMARY KEY);"),
            .init("0002_more", "ALTER TABLE items ADD COLUMN note TEXT;"),
        ])
        #expect(edited.contains("migration 0001_items was edited after it was applied"), "\(edited)")
        let renamed = await refusal([.init("0001_renamed", first.sql)])
        #expect(renamed.contains("removed or reordered"), "\(renamed)")
        let older = await refusal([first])
        #expect(older.contains("migrated by a newer version"), "\(older)")
        let mode = try await pool.read { try $0.queryOne("PRAGMA journal_mode")!.get("journal_mode", as: String.self) }
        #expect(mode == "wal")
        let foreignKeys = try await pool.read { try $0.queryOne("PRAGMA foreign_keys")!.get("foreign_keys", as: Int.self) }
        #expect(foreignKeys == 1)
    }
}
