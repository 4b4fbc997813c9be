import Foundation
import ProtoBridge

/// JSON text to `JSONValue`, through Foundation's parser.
public enum JSONText {
    /// The value `bytes` hold, or `nil` when they are not one JSON document.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(Parsed.self, from: Data(bytes)).value
    }

    /// The path (`a.b`, `list.0.c`) of the first key that an object of `bytes` gives twice,
    /// or nil. Foundation's parser keeps one of them silently; which one a client's parser
    /// would keep is anyone's guess, so the gateway refuses both. `bytes` must be JSON
    /// (`parse` took them).
    public static func firstDuplicateKey(_ bytes: some Collection<UInt8>) -> String? {
        let bytes = Array(bytes)
        var stack: [KeyFrame] = []
        var at = 0
        func path(_ last: String) -> String {
            (stack.dropLast().map(\.current) + [last]).joined(separator: ".")
        }
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "{"):
                stack.append(KeyFrame(isObject: true, expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(KeyFrame(isObject: false, current: "0", expectingKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
            case UInt8(ascii: ","):
                if stack.last?.isObject == true {
                    stack[stack.count - 1].expectingKey = true
                } else if !stack.isEmpty {
                    stack[stack.count - 1].index += 1
                    stack[stack.count - 1].current = String(stack[stack.count - 1].index)
                }
            case UInt8(ascii: "\""):
                let start = at
                at += 1
                while at < bytes.count, bytes[at] != UInt8(ascii: "\"") {
                    if bytes[at] == UInt8(ascii: "\\") { at += 1 }
                    at += 1
                }
                if stack.last?.isObject == true, stack[stack.count - 1].expectingKey {
                    let literal = Data(bytes[start...min(at, bytes.count - 1)])
                    let key = (try? JSONDecoder().decode(String.self, from: literal)) ?? ""
                    if !stack[stack.count - 1].keys.insert(key).inserted { return path(key) }
                    stack[stack.count - 1].current = key
                    stack[stack.count - 1].expectingKey = false
                }
            default:
                break
            }
            at += 1
        }
        return nil
    }

    /// An open object or array while looking for duplicate keys: its keys so far (objects),
    /// the current key or index, and whether a string now would be a key.
    private struct KeyFrame {
        var isObject: Bool
        var keys: Set<String> = []
        var current = ""
        var index = 0
        var expectingKey: Bool
    }

    private struct Parsed: Decodable {
        let value: JSONValue

        init(from decoder: any Decoder) throws {
            if let container = try? decoder.singleValueContainer() {
                if container.decodeNil() {
                    value = .null
                    return
                }
                if let bool = try? container.decode(Bool.self) {
                    value = .bool(bool)
                    return
                }
                if let integer = try? container.decode(Int64.self) {
                    value = .integer(integer)
                    return
                }
                if let double = try? container.decode(Double.self) {
                    value = .double(double)
                    return
                }
                if let string = try? container.decode(String.self) {
                    value = .string(string)
                    return
                }
            }
            if var array = try? decoder.unkeyedContainer() {
                var values: [JSONValue] = []
                while !array.isAtEnd { values.append(try array.decode(Parsed.self).value) }
                value = .array(values)
                return
            }
            let object = try decoder.container(keyedBy: Key.self)
            value = .object(try object.allKeys.map { ($0.stringValue, try object.decode(Parsed.self, forKey: $0).value) })
        }
    }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
