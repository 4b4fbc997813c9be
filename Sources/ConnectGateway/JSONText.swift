import Foundation
import ProtoBridge

/// JSON text to `JSONValue`, through Foundation's parser.
public enum JSONText {
    /// The value `bytes` hold, or `nil` when they are not one JSON document.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(Parsed.self, from: Data(bytes)).value
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
