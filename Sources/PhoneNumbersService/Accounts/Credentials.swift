import Crypto
import Foundation
import Logging
import RPCCore

/// Bearer tokens: generated here, stored only as their SHA-256.
public enum Credentials {
    /// A new random token: `pn_` and 43 base64url characters (256 bits).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "pn_" + encoded
    }

    /// The stored form of a token: hex SHA-256.
    public static func hash(_ token: String) -> String {
        // Hashed and formatted in place (no `Data`, no array): this runs on every call.
        var token = token
        return token.withUTF8 { utf8 in SHA256.hash(data: UnsafeRawBufferPointer(utf8)).withUnsafeBytes { $0.lowercaseHex } }
    }

    /// Compares two secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
