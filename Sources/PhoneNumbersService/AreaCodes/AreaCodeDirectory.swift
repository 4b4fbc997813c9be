/// A geographic US area code and whether dedicated numbers may be requested in it.
public struct AreaCodeEntry: Sendable, Hashable {
    public var areaCode: String
    public var state: String
    public var stateName: String
    public var available: Bool
    public var unavailableReason: String
    /// When not available: codes of the same state to try instead, closest first.
    public var suggestions: [String] = []
}

/// The geographic area codes of the 50 states and DC (generated table, see
/// scripts/generate-area-codes.py) and the rules for choosing one.
public enum AreaCodeDirectory {
    /// Area codes never offered for dedicated numbers, with why.
    public static let notOffered: [String: String] = [
        "603": "New Hampshire (603) numbers are not offered"
    ]

    private static let states: [String: String] = Dictionary(uniqueKeysWithValues: table.map { ($0.npa, $0.state) })

    /// Every area code, optionally only those of `state` (two letters).
    public static func list(state: String = "") -> [AreaCodeEntry] {
        let filter = state.uppercased()
        return table.filter { filter.isEmpty || $0.state == filter }.map { row in
            AreaCodeEntry(
                areaCode: row.npa,
                state: row.state,
                stateName: stateNames[row.state] ?? row.state,
                available: notOffered[row.npa] == nil,
                unavailableReason: notOffered[row.npa] ?? ""
            )
        }
    }

    /// Every area code (optionally of one state) as the page's drop-down shows it:
    /// available only when offered and `stocked` (the provider has numbers in it now);
    /// an unavailable code suggests up to three of the same state that are, overlays
    /// and neighbours first (the generated `neighbours` table), then the rest in order.
    public static func offer(state: String = "", stocked: Set<String>) -> [AreaCodeEntry] {
        list(state: state).map { entry in
            var entry = entry
            guard entry.available, !stocked.contains(entry.areaCode) else { return entry }
            entry.available = false
            entry.unavailableReason = "no numbers are available in \(entry.areaCode) right now"
            let sameState = table.lazy.filter { $0.state == entry.state }.map(\.npa)
            let candidates = (neighbours[entry.areaCode] ?? []) + sameState
            var seen: Set<String> = [entry.areaCode]
            entry.suggestions = Array(
                candidates.filter { stocked.contains($0) && notOffered[$0] == nil && seen.insert($0).inserted }.prefix(3)
            )
            return entry
        }
    }

    /// The state of a valid, offered area code.
    ///
    /// - Throws: INVALID_ARGUMENT `INVALID_AREA_CODE` for anything that is not a US
    ///   geographic area code (not three digits, N11, easily recognisable codes such as
    ///   555, 800 or 900, N9X, or unassigned); FAILED_PRECONDITION
    ///   `AREA_CODE_NOT_OFFERED` for 603 (New Hampshire).
    public static func validate(_ areaCode: String) throws(DomainError) -> String {
        let digits = Array(areaCode.utf8)
        func invalid(_ why: String) -> DomainError {
            .invalid(
                "INVALID_AREA_CODE",
                "\(areaCode.isEmpty ? "an empty value" : HumanText.quoted(areaCode)) is not a US geographic area code: \(why)",
                metadata: ["area_code": String(areaCode.prefix(64))]
            )
        }
        guard digits.count == 3, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw invalid("an area code is three digits")
        }
        guard digits[0] >= UInt8(ascii: "2") else { throw invalid("area codes start with 2 to 9") }
        if digits[1] == UInt8(ascii: "1") && digits[2] == UInt8(ascii: "1") { throw invalid("N11 codes are service codes") }
        if digits[1] == digits[2] { throw invalid("easily recognisable codes (like 555, 800, 900) are not geographic") }
        if digits[1] == UInt8(ascii: "9") { throw invalid("N9X codes are reserved") }
        if let reason = notOffered[areaCode] {
            throw .precondition("AREA_CODE_NOT_OFFERED", reason, metadata: ["area_code": areaCode])
        }
        guard let state = states[areaCode] else { throw invalid("it is not assigned to a US state") }
        return state
    }
}
