import Foundation

/// The limits and value rules of dedicated numbers.
public enum NumberRules {
    /// Dedicated numbers an account may hold, counting those still provisioning.
    public static let accountLimit = 5
    /// Numbers (dedicated and single-use) one use case may be associated with.
    public static let useCaseLimit = 49
    /// Wrong port-out PINs before further attempts are locked out.
    public static let portOutAttemptsBeforeLock = 3
    /// How long a port-out lock lasts.
    public static let portOutLockDuration: Duration = .seconds(15 * 60)
    /// Provisioning attempts before a number is marked FAILED.
    public static let maxProvisioningAttempts = 8

    /// A trimmed internal name of at most 64 characters ("" for none).
    /// - Throws: INVALID_ARGUMENT `INVALID_NAME`.
    public static func normalizedName(_ name: String) throws(DomainError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 64 else {
            throw .invalid("INVALID_NAME", "a number's name is at most 64 characters", metadata: ["max_length": "64"])
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("INVALID_NAME", "a number's name cannot contain control characters")
        }
        return trimmed
    }

    /// A US number normalised to E.164 (`+1NPANXXXXXX`) from common spellings.
    /// - Throws: INVALID_ARGUMENT `INVALID_PHONE_NUMBER`.
    public static func e164(_ input: String) throws(DomainError) -> String {
        var digits = input.filter(\.isNumber).compactMap(\.asciiValue).map { Character(UnicodeScalar($0)) }
        if digits.count == 11, digits.first == "1" { digits.removeFirst() }
        guard digits.count == 10, let first = digits.first, first >= "2", digits[3] >= "2",
            input.allSatisfy({ $0.isNumber || " +-().".contains($0) })
        else {
            throw .invalid("INVALID_PHONE_NUMBER", "'\(input)' is not a US phone number")
        }
        return "+1" + String(digits)
    }

    /// A random 8-digit port-out PIN.
    public static func makePortOutPIN() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator))
    }
}
