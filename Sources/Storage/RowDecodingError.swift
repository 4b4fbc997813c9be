/// A row that does not hold what the code reading it expects: a missing column, a
/// value of another type, or a value the schema should not allow. A data error (the
/// database and the code disagree), never SQLite's own; the value is not part of the
/// description (it may be a secret).
public struct RowDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the column.
    public enum Problem: Sendable, Hashable {
        /// The query has no such column.
        case missingColumn
        /// The column holds another type (the type it holds).
        case wrongType(found: String, expected: String)
        /// The column holds a value outside the set the code knows (an enum's raw values).
        case unknownValue(expected: String)
    }

    /// The column's name.
    public let column: String
    /// What is wrong with it.
    public let problem: Problem

    /// An error for `column`.
    public init(column: String, _ problem: Problem) {
        self.column = column
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missingColumn: "row decoding: no column named \(column)"
        case .wrongType(let found, let expected): "row decoding: column \(column) holds \(found), not \(expected)"
        case .unknownValue(let expected): "row decoding: column \(column) holds a value that is not a \(expected)"
        }
    }
}
