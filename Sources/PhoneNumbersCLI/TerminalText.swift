import Foundation
import PhoneNumbersService
import ProtoBridge

/// Text as a terminal shows it: what a server sends is never allowed to drive the
/// terminal (escape sequences, bidirectional overrides), and widths are counted in
/// columns, not characters.
enum TerminalText {
    /// `text` with every control or format-changing scalar written as `\u{…}`.
    static func safe(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if HumanText.isPrintable(scalar, allowLineBreaks: false) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// `safe` for each line of `text`, keeping its line breaks.
    static func safeLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { safe(String($0)) }.joined(separator: "\n")
    }

    /// Columns one grapheme takes: 2 for wide East Asian characters and emoji, 0 for
    /// combining marks alone, 1 otherwise.
    static func width(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let properties = first.properties
        if character.unicodeScalars.count == 1,
            properties.generalCategory == .nonspacingMark || properties.generalCategory == .enclosingMark
        {
            return 0
        }
        if properties.isEmojiPresentation || character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        switch first.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Columns `text` takes.
    static func width(_ text: String) -> Int { text.reduce(0) { $0 + width($1) } }

    /// `text` padded with spaces to `columns`.
    static func pad(_ text: String, to columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - width(text)))
    }
}

/// How the CLI names enum values for people: the proto name without its type prefix
/// (`NUMBER_STATUS_READY` → `READY`), the same in tables, details and events.
func displayName(_ protoName: String) -> String {
    for prefix in [
        "NUMBER_STATUS_", "CAMPAIGN_STATE_", "USE_CASE_STATUS_", "USE_CASE_TYPE_", "BRAND_STATUS_", "ENTITY_TYPE_", "ROLE_", "GRANT_",
    ]
    where protoName.hasPrefix(prefix) {
        return String(protoName.dropFirst(prefix.count))
    }
    return protoName
}

/// An instant given in milliseconds since the epoch, as ISO 8601 (UTC); nil when unset (0).
func isoTime(_ milliseconds: Int64) -> String? {
    guard milliseconds != 0 else { return nil }
    return Date(timeIntervalSince1970: Double(milliseconds) / 1000).ISO8601Format(
        .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
    )
}

/// One message as `field  value` lines for people: timestamps (`…AtMs`) as ISO 8601,
/// unset fields left out, enum values by their short name, lists joined.
func details(_ message: some JSONRepresentable) -> String {
    guard case .object(let fields) = message.jsonValue else { return message.jsonValue.rendered(pretty: true) }
    var rows: [[String]] = []
    for (key, value) in fields {
        guard let text = detailText(key, value) else { continue }
        let label = key.hasSuffix("AtMs") ? String(key.dropLast(2)) : key
        rows.append([label, text])
    }
    return table(nil, rows)
}

private func detailText(_ key: String, _ value: JSONValue) -> String? {
    switch value {
    case .null: return nil
    case .bool(let flag): return flag ? "yes" : nil
    case .integer(let number):
        if key.hasSuffix("AtMs") { return isoTime(number) }
        return number == 0 ? nil : "\(number)"
    case .double(let number): return number == 0 ? nil : "\(number)"
    case .string(let text):
        if key.hasSuffix("AtMs") { return Int64(text).flatMap(isoTime) }
        if text.isEmpty || text.hasSuffix("_UNSPECIFIED") { return nil }
        return displayName(text)
    case .array(let items):
        let texts = items.compactMap { detailText("", $0) }
        return texts.isEmpty ? nil : texts.joined(separator: ", ")
    case .object:
        return value.rendered()
    }
}
