import Synchronization

/// The column names of a result, name → index, shared by all its rows (SQLite: one per
/// prepared statement, for as long as the statement is cached).
///
/// A join's part (`Row.prefixed`) is worked out once per prefix and kept here: building a
/// name map per row cost a dictionary and a string per column on every such read.
public final class RowColumns: Sendable {
    @usableFromInline let byName: [String: Int]
    private let parts = Mutex<[String: RowColumns]>([:])

    /// Columns found by name through `byName` (name → index).
    public init(_ byName: [String: Int]) {
        self.byName = byName
    }

    /// The columns named `prefix…`, without the prefix.
    func prefixed(_ prefix: String) -> RowColumns {
        if let known = parts.withLock({ $0[prefix] }) { return known }
        var picked: [String: Int] = [:]
        for (name, index) in byName where name.hasPrefix(prefix) {
            picked[String(name.dropFirst(prefix.count))] = index
        }
        let made = RowColumns(picked)
        parts.withLock { $0[prefix] = made }
        return made
    }
}
