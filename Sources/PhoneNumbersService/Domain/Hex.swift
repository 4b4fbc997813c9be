extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, two digits per byte. (Formatting each byte with
    /// `String(format:)` costs about a microsecond a byte; this is on every call's path.)
    var lowercaseHex: String {
        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            utf8.append(digit(byte >> 4))
            utf8.append(digit(byte & 0x0f))
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
