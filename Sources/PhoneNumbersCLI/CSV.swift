import PhoneNumbersClient
import ProtoBridge

/// CSV as RFC 4180 writes it: fields quoted when they hold a comma, a quote or a line
/// break (quotes doubled), CRLF line ends. A field a spreadsheet would run as a formula
/// (starting with =, +, -, @) gets a leading apostrophe, so an exported name cannot.
enum CSV {
    /// Every number with every field of its JSON form, one row each, under a header row.
    static func numbers(_ numbers: [DedicatedNumber]) -> String {
        let columns = [
            "id", "e164", "areaCode", "state", "name", "useCaseId", "status", "failureReason", "retryable", "tenDlcCampaignId",
            "createdAtMs", "readyAtMs", "failedAtMs", "releasedAtMs", "updatedAtMs",
        ]
        var lines = [columns.map(field).joined(separator: ",")]
        for number in numbers {
            guard case .object(let fields) = number.jsonValue else { continue }
            let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
            lines.append(columns.map { field(text(values[$0])) }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return ""
        }
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first), !(first == "+" && value.dropFirst().allSatisfy(\.isNumber)) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
