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
    /// How long provisioning may stay pending at the provider (an order, a 10DLC
    /// campaign assignment) before the number is FAILED.
    public static let maxProvisioningWait: Duration = .seconds(48 * 3600)

    /// A trimmed internal name of at most 64 printable characters ("" for none).
    /// - Throws: INVALID_ARGUMENT `INVALID_NAME`.
    public static func normalizedName(_ name: String) throws(DomainError) -> String {
        // Spaces alone would clear the name silently: an empty name clears it, on purpose.
        if !name.isEmpty, name.allSatisfy(\.isWhitespace) {
            throw DomainError.invalid(
                "INVALID_NAME",
                "a number's name of only spaces is not a name; send an empty name to clear it",
                metadata: ["max_length": "64"]
            )
        }
        return try HumanText.line(name, "a number's name", maxLength: 64, required: false, reason: "INVALID_NAME")
    }

    /// A US number normalised to E.164 (`+1NPANXXXXXX`).
    /// - Throws: INVALID_ARGUMENT `INVALID_PHONE_NUMBER`.
    public static func e164(_ input: String) throws(DomainError) -> String {
        try parse(input, reason: "INVALID_PHONE_NUMBER", what: "")
    }

    /// A contact's number normalised to E.164.
    /// - Throws: INVALID_ARGUMENT `INVALID_CONTACT`.
    public static func contact(_ input: String) throws(DomainError) -> String {
        try parse(input, reason: "INVALID_CONTACT", what: "the contact ")
    }

    private static func parse(_ input: String, reason: String, what: String) throws(DomainError) -> String {
        switch NANPNumber.parse(input) {
        case .success(let e164): return e164
        case .failure(let why): throw .invalid(reason, "\(what)\(HumanText.quoted(input)) is not a US phone number: \(why.text)")
        }
    }

    /// A random 8-digit port-out PIN.
    public static func makePortOutPIN() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator))
    }
}
