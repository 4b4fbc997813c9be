extension Collection where Element == UInt8 {
    /// Lowercase hexadecimal, two digits per byte. (Formatting each byte with
    /// `String(format:)` costs about a microsecond a byte; this is on every call's path.)
    var lowercaseHex: String {
        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
        return String(unsafeUninitializedCapacity: count * 2) { utf8 in
            var index = 0
            for byte in self {
                utf8[index] = digit(byte >> 4)
                utf8[index + 1] = digit(byte & 0x0f)
                index += 2
            }
            return index
        }
    }
}
