import Foundation
import Testing

@testable import Storage

/// Rows find their columns by name; a join's part (`prefixed`) finds its own, again and
/// again for the rows of one cached statement.
@Suite("rows and their columns", .timeLimit(.minutes(2)))
struct RowTests {
    @Test("a joined row's part reads its columns without the prefix, the same for every row of the statement")
    func prefixedParts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try Database(path: directory.appendingPathComponent("rows.sqlite").path, readOnly: false)
        try database.executeScript(
            """
            CREATE TABLE a (id TEXT PRIMARY KEY, b_id TEXT, name TEXT);
            CREATE TABLE b (id TEXT PRIMARY KEY, name TEXT, created_at INTEGER);
            INSERT INTO b VALUES ('b1', 'first', 10), ('b2', 'second', 20);
            INSERT INTO a VALUES ('a1', 'b1', 'one'), ('a2', 'b2', 'two'), ('a3', NULL, 'three');
            """
        )
        let sql =
            "SELECT a.*, b.id AS b_id_of_b, b.id AS n_id, b.name AS n_name, b.created_at AS n_created_at FROM a LEFT JOIN b ON b.id = a.b_id WHERE a.id = ?"
        for _ in 0..<3 {
            for (id, name, part) in [("a1", "one", ("b1", "first", 10)), ("a2", "two", ("b2", "second", 20))] {
                let row = try #require(try database.queryOne(sql, [id]))
                #expect(try row.get("name", as: String.self) == name)
                let joined = row.prefixed("n_")
                #expect(try joined.get("id", as: String.self) == part.0)
                #expect(try joined.get("name", as: String.self) == part.1)
                #expect(try joined.get("created_at", as: Int.self) == part.2)
                #expect(joined["b_id"] as String? == nil, "only the prefixed columns are in the part")
                #expect(row.prefixed("n_").columns === joined.columns, "worked out once per statement and prefix")
            }
            let unmatched = try #require(try database.queryOne(sql, ["a3"]))
            #expect(unmatched.prefixed("n_")["id"] as String? == nil)
            #expect(throws: RowDecodingError.self) { try unmatched.prefixed("n_").get("id", as: String.self) }
        }
        let other = try #require(try database.queryOne(sql, ["a1"])).prefixed("b_")
        #expect(try other.get("id", as: String.self) == "b1", "another prefix has its own part")
        #expect(try other.get("id_of_b", as: String.self) == "b1")
    }

    @Test("rows built from a name map (PostgreSQL's results) read the same")
    func fromNameMap() throws {
        let row = Row(columns: ["id": 0, "n_id": 1], values: [.text("x"), .integer(7)])
        #expect(try row.get("id", as: String.self) == "x")
        #expect(try row.prefixed("n_").get("id", as: Int.self) == 7)
    }
}
