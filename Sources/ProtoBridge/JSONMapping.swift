/// Why a JSON document is not the proto3 JSON form of a message: where, and what is wrong.
public struct JSONMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's path from the message, e.g. `numbers.0.name` ("" for the message itself).
    public var path: String
    /// What is wrong there, e.g. `expected a string`.
    public var problem: String
    /// A string that holds a NUL (U+0000), which protobuf strings cannot carry whole.
    public var isNULInString: Bool

    /// An error at `path`.
    public init(path: String, problem: String, isNULInString: Bool = false) {
        self.path = path
        self.problem = problem
        self.isNULInString = isNULInString
    }

    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

/// A message that reads its proto3 JSON form. Generated beside `JSONRepresentable`.
public protocol JSONDecodableMessage {
    /// Reads `json`; `path` names where it sits, for errors.
    init(json: JSONValue, path: String) throws(JSONMappingError)
}

extension JSONDecodableMessage {
    /// Reads a whole message from `json`.
    public init(json: JSONValue) throws(JSONMappingError) {
        try self.init(json: json, path: "")
    }
}

/// The readers the generated `init(json:path:)` use: each accepts what the proto3 JSON
/// mapping allows for its type and nothing else.
extension JSONValue {
    /// The fields of an object; a key given twice is refused (which one would win is up
    /// to each parser).
    public func protoObject(at path: String) throws(JSONMappingError) -> [(String, JSONValue)] {
        guard case .object(let fields) = self else { throw JSONMappingError(path: path, problem: "expected an object") }
        if fields.count > 1 {
            var seen = Set<String>()
            for (key, _) in fields where !seen.insert(key).inserted {
                throw JSONMappingError(path: path.isEmpty ? key : "\(path).\(key)", problem: "the key is given more than once")
            }
        }
        return fields
    }

    /// `nil` for `null`, else what `read` makes of the value.
    public func protoOptional<T>(
        at path: String,
        _ read: (JSONValue, String) throws(JSONMappingError) -> T
    ) throws(JSONMappingError) -> T? {
        if case .null = self { return nil }
        return try read(self, path)
    }

    /// The elements of an array (`null` is empty), each read by `read`.
    public func protoArray<T>(
        at path: String,
        _ read: (JSONValue, String) throws(JSONMappingError) -> T
    ) throws(JSONMappingError) -> [T] {
        switch self {
        case .null: return []
        case .array(let values):
            var out: [T] = []
            out.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                out.append(try read(value, "\(path).\(index)"))
            }
            return out
        default: throw JSONMappingError(path: path, problem: "expected an array")
        }
    }

    /// A `bool`: `true` or `false` only.
    public func protoBool(at path: String) throws(JSONMappingError) -> Bool {
        guard case .bool(let value) = self else { throw JSONMappingError(path: path, problem: "expected true or false") }
        return value
    }

    /// An integer field: a JSON number without a fraction, or a string of decimal digits
    /// (how 64-bit values are written), within the field's range.
    public func protoInteger<I: FixedWidthInteger>(at path: String) throws(JSONMappingError) -> I {
        let value: I?
        switch self {
        case .integer(let number): value = I(exactly: number)
        case .double(let number): value = number.isFinite && number.rounded() == number ? I(exactly: number) : nil
        case .string(let text): value = I(text)
        default: value = nil
        }
        guard let value else {
            throw JSONMappingError(path: path, problem: "expected an integer from \(I.min) to \(I.max)")
        }
        return value
    }

    /// A `double` or `float`: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    public func protoDouble(at path: String) throws(JSONMappingError) -> Double {
        switch self {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let text): if let number = Double(text) { return number }
        default: break
        }
        throw JSONMappingError(path: path, problem: "expected a number")
    }

    /// A `string`, without NUL (U+0000): the message's encoding could not carry it whole.
    public func protoString(at path: String) throws(JSONMappingError) -> String {
        guard case .string(let value) = self else { throw JSONMappingError(path: path, problem: "expected a string") }
        if value.utf8.contains(0) {
            throw JSONMappingError(path: path, problem: "a string must not hold a NUL character (U+0000)", isNULInString: true)
        }
        return value
    }

    /// A `bytes` field: base64, standard or URL-safe, padded or not.
    public func protoBytes(at path: String) throws(JSONMappingError) -> [UInt8] {
        guard case .string(let text) = self, let bytes = Self.bytes(base64: text) else {
            throw JSONMappingError(path: path, problem: "expected base64")
        }
        return bytes
    }

    /// An enum: its name in the .proto file, or its number.
    public func protoEnum<E: ProtoEnum>(at path: String) throws(JSONMappingError) -> E {
        switch self {
        case .string(let name):
            if let value = E.declaredValues.first(where: { $0.protoName == name }) { return value }
        case .integer(let number):
            if let raw = Int32(exactly: number), let value = E(rawValue: raw) { return value }
        default: break
        }
        let names = E.declaredValues.map(\.protoName).joined(separator: ", ")
        throw JSONMappingError(path: path, problem: "expected one of \(names)")
    }

    /// The bytes of base64 `text` (standard or URL-safe alphabet, padding optional), or
    /// `nil` when it is not base64.
    public static func bytes(base64 text: String) -> [UInt8]? {
        var bits = 0
        var count = 0
        var out: [UInt8] = []
        var padding = 0
        for scalar in text.unicodeScalars {
            let value: Int
            switch scalar {
            case "A"..."Z": value = Int(scalar.value) - 65
            case "a"..."z": value = Int(scalar.value) - 97 + 26
            case "0"..."9": value = Int(scalar.value) - 48 + 52
            case "+", "-": value = 62
            case "/", "_": value = 63
            case "=":
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            bits = (bits << 6) | value
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8((bits >> count) & 0xFF))
            }
        }
        guard padding <= 2, count < 6 else { return nil }
        return out
    }
}
