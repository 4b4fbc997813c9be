/// Call metadata: an ordered list of key/value pairs; a key may repeat.
///
/// Keys are lowercase ASCII (`a-z 0-9 - _ .`); they are lowercased when added.
/// Credentials travel as `authorization: Bearer <token>`.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One key/value pair.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: String
    }

    private var entries: [Entry]

    /// Empty metadata.
    public init() {
        entries = []
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { Entry(key: $0.0.lowercased(), value: $0.1) }
    }

    /// Metadata with these pairs, in order.
    public init(_ pairs: [(String, String)]) {
        entries = pairs.map { Entry(key: $0.0.lowercased(), value: $0.1) }
    }

    /// Appends a pair; the key is lowercased.
    public mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// Replaces every value of `key` with `value`.
    public mutating func set(_ key: String, _ value: String) {
        let key = key.lowercased()
        entries.removeAll { $0.key == key }
        entries.append(Entry(key: key, value: value))
    }

    /// The first value of `key`, if any.
    public subscript(key: String) -> String? {
        let key = key.lowercased()
        return entries.first { $0.key == key }?.value
    }

    /// Every value of `key`, in order.
    public func values(for key: String) -> [String] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[Entry]> {
        entries.makeIterator()
    }

    /// The token of an `authorization: Bearer <token>` entry, if present.
    public var bearerToken: String? {
        guard let value = self["authorization"] else { return nil }
        // Byte-wise: this runs on every authenticated call.
        let utf8 = Array(value.utf8)
        let prefix = Self.bearerPrefix
        let lowercase = { (byte: UInt8) in byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte }
        guard utf8.count > prefix.count, zip(utf8, prefix).allSatisfy({ lowercase($0) == $1 }) else { return nil }
        let space = UInt8(ascii: " ")
        var start = prefix.count
        var end = utf8.count
        while start < end, utf8[start] == space { start += 1 }
        while end > start, utf8[end - 1] == space { end -= 1 }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }

    private static let bearerPrefix = Array("bearer ".utf8)

    /// Whether every key is a valid metadata key (non-empty lowercase ASCII letters,
    /// digits, `-`, `_` and `.`).
    public var hasValidKeys: Bool {
        entries.allSatisfy { Self.isValidKey($0.key) }
    }

    /// Whether `key` is a valid metadata key as sent on the wire.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    /// The size counted against metadata limits: key and value bytes plus 32 per entry
    /// (as HTTP/2 counts header list size).
    public var encodedSize: Int {
        entries.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 32 }
    }
}
