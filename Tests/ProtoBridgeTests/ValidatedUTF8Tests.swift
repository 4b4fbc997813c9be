import ProtoBridge
import Testing

@Suite("UTF-8 validation of string fields")
struct ValidatedUTF8Tests {
    /// The standard library's verdict, the reference the fast path must match.
    private func reference(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    private func fast(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { validUTF8String($0) }
    }

    @Test("valid text of every width comes back as itself")
    func validText() {
        for text in ["", "a", "+15551234567", "héllo", "名前", "📞 call", String(repeating: "ü", count: 300)] {
            #expect(fast(Array(text.utf8)) == text)
        }
    }

    @Test(
        "ill-formed sequences are refused",
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0x61, 0xE2, 0x82], [0xC3], [0x80], [0x61, 0xEF, 0xBF], [0xEF, 0xBF, 0x41],
        ] as [[UInt8]]
    )
    func illFormed(_ bytes: [UInt8]) {
        #expect(fast(bytes) == nil)
        #expect(reference(bytes) == nil)
    }

    @Test("agrees with the standard library on 50,000 random and mutated byte strings")
    func agreesWithStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        let seeds: [[UInt8]] = [Array("Bearer abc".utf8), Array("héllo 名前 📞".utf8), Array("\u{FFFD}".utf8)]
        for round in 0..<50_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = seeds[round % seeds.count]
                if !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0x80...0xFF, using: &generator)
                }
            }
            let expected = reference(bytes)
            let got = fast(bytes)
            #expect(got == expected, "\(bytes)")
            if got != expected { return }
        }
    }
}
