extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, two digits per byte. (Formatting each byte with
    /// `String(format:)` costs about a microsecond a byte; this is on every call's path.)
    var lowercaseHex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
