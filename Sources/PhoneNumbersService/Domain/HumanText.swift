import Foundation

/// The one rule for text people type and other people later read (names of accounts,
/// members, numbers, campaigns, brands; use case wording): trimmed, bounded, and free
/// of characters that change how a terminal or a page shows the text around them
/// (C0/C1 controls such as ESC, bidirectional overrides, line separators).
public enum HumanText {
    /// A single-line value: no controls at all.
    /// - Throws: INVALID_ARGUMENT with `reason` (metadata `max_length`).
    public static func line(_ value: String, _ what: String, maxLength: Int, required: Bool, reason: String) throws(DomainError) -> String {
        try check(value, what, maxLength: maxLength, required: required, reason: reason, allowLineBreaks: false)
    }

    /// Multi-line text: line feeds and tabs are kept, other controls refused.
    /// - Throws: INVALID_ARGUMENT with `reason` (metadata `max_length`).
    public static func paragraph(
        _ value: String,
        _ what: String,
        maxLength: Int,
        required: Bool,
        reason: String
    ) throws(DomainError) -> String {
        try check(value, what, maxLength: maxLength, required: required, reason: reason, allowLineBreaks: true)
    }

    /// Whether a scalar may appear in stored text (and be printed to a terminal as it is).
    public static func isPrintable(_ scalar: Unicode.Scalar, allowLineBreaks: Bool) -> Bool {
        if allowLineBreaks, scalar == "\n" || scalar == "\t" { return true }
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: return false
        default: break
        }
        // Bidirectional embeddings, overrides and isolates reorder what follows them.
        return !(0x202A...0x202E).contains(scalar.value) && !(0x2066...0x2069).contains(scalar.value)
    }

    private static func check(
        _ value: String,
        _ what: String,
        maxLength: Int,
        required: Bool,
        reason: String,
        allowLineBreaks: Bool
    ) throws(DomainError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let limits = ["max_length": "\(maxLength)"]
        if required, trimmed.isEmpty {
            throw .invalid(reason, "\(what) is required (at most \(maxLength) characters)", metadata: limits)
        }
        guard trimmed.count <= maxLength else {
            throw .invalid(reason, "\(what) is at most \(maxLength) characters; this one has \(trimmed.count)", metadata: limits)
        }
        guard trimmed.unicodeScalars.allSatisfy({ isPrintable($0, allowLineBreaks: allowLineBreaks) }) else {
            throw .invalid(
                reason,
                "\(what) cannot contain control characters\(allowLineBreaks ? " (line breaks and tabs are fine)" : "")",
                metadata: limits
            )
        }
        return trimmed
    }

    /// `value` quoted for a message: at most 64 characters, the rest elided with its length.
    static func quoted(_ value: String) -> String {
        let printable = String(String.UnicodeScalarView(value.unicodeScalars.map { isPrintable($0, allowLineBreaks: false) ? $0 : "?" }))
        guard printable.count > 64 else { return "'\(printable)'" }
        return "'\(printable.prefix(64))…' (\(value.count) characters)"
    }
}
