/// A value stored in or read from a database (SQLite's storage classes; other engines map onto them).
public enum DatabaseValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// SQLite's name for the value's storage class (NULL, INTEGER, REAL, TEXT, BLOB).
    public var typeName: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        }
    }
}

/// A Swift type that maps to a `DatabaseValue`.
public protocol DatabaseValueConvertible: Sendable {
    /// The value to bind.
    var databaseValue: DatabaseValue { get }
    /// The Swift value of a column, or `nil` when it has another type.
    init?(databaseValue: DatabaseValue)
}

extension Int64: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { .integer(self) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue else { return nil }
        self = value
    }
}

extension Int: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { .integer(Int64(self)) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue else { return nil }
        self = Int(value)
    }
}

extension Bool: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { .integer(self ? 1 : 0) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue else { return nil }
        self = value != 0
    }
}

extension Double: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { .real(self) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension String: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { .text(self) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        guard case .text(let value) = databaseValue else { return nil }
        self = value
    }
}

extension Array: DatabaseValueConvertible where Element == UInt8 {
    @inlinable public var databaseValue: DatabaseValue { .blob(self) }
    @inlinable public init?(databaseValue: DatabaseValue) {
        guard case .blob(let value) = databaseValue else { return nil }
        self = value
    }
}

extension Optional: DatabaseValueConvertible where Wrapped: DatabaseValueConvertible {
    @inlinable public var databaseValue: DatabaseValue { self?.databaseValue ?? .null }
    @inlinable public init?(databaseValue: DatabaseValue) {
        if case .null = databaseValue {
            self = .none
        } else {
            guard let value = Wrapped(databaseValue: databaseValue) else { return nil }
            self = .some(value)
        }
    }
}

/// One row of a query result.
public struct Row: Sendable {
    @usableFromInline let columns: RowColumns
    /// The values, in column order.
    public let values: [DatabaseValue]

    /// A row of `values` whose columns are found by name through `columns` (name → index).
    public init(columns: [String: Int], values: [DatabaseValue]) {
        self.init(columns: RowColumns(columns), values: values)
    }

    /// A row of `values` whose columns, shared with the other rows of its result, are `columns`.
    public init(columns: RowColumns, values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of column `name` as `T`.
    /// - Throws: `RowDecodingError` when the column is missing or holds another type.
    @inlinable
    public func get<T: DatabaseValueConvertible>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.byName[name] else {
            throw RowDecodingError(column: name, .missingColumn)
        }
        guard let value = T(databaseValue: values[index]) else {
            throw RowDecodingError(column: name, .wrongType(found: values[index].typeName, expected: "\(T.self)"))
        }
        return value
    }

    /// The columns named `prefix…`, without the prefix: one table's part of a joined row
    /// whose columns were named so (`SELECT n.id AS n_id, …`).
    public func prefixed(_ prefix: String) -> Row {
        Row(columns: columns.prefixed(prefix), values: values)
    }

    /// The value of column `name`, or `nil` when missing, NULL or of another type.
    @inlinable
    public subscript<T: DatabaseValueConvertible>(_ name: String) -> T? {
        guard let index = columns.byName[name] else { return nil }
        return T(databaseValue: values[index])
    }
}
