/// The North American Numbering Plan's rules for a US ten-digit number, as people
/// write it: ASCII digits with spaces, dashes, dots or parentheses between them, an
/// optional leading `+1` or `1`. Area code and exchange start with 2–9 and are not
/// N11 service codes (211 … 911).
public enum NANPNumber {
    /// Why a spelling is not a number.
    public struct Refusal: Error, Equatable {
        public let text: String
    }

    /// `+1NPANXXXXXX`, or why not.
    public static func parse(_ input: String) -> Result<String, Refusal> {
        var digits: [UInt8] = []
        var sawPlus = false
        for byte in input.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            case UInt8(ascii: "+") where digits.isEmpty && !sawPlus: sawPlus = true
            default: return .failure(Refusal(text: "use the digits 0-9 with spaces, dashes, dots or parentheses"))
            }
        }
        if digits.count == 11, digits[0] == UInt8(ascii: "1") {
            digits.removeFirst()
        } else if sawPlus {
            return .failure(Refusal(text: "only +1 numbers are US numbers"))
        }
        guard digits.count == 10 else { return .failure(Refusal(text: "a US number has 10 digits after the country code 1")) }
        let two = UInt8(ascii: "2")
        let one = UInt8(ascii: "1")
        guard digits[0] >= two else { return .failure(Refusal(text: "area codes start with 2 to 9")) }
        guard !(digits[1] == one && digits[2] == one) else { return .failure(Refusal(text: "N11 codes such as 911 are not area codes")) }
        guard digits[3] >= two else { return .failure(Refusal(text: "exchanges start with 2 to 9")) }
        guard !(digits[4] == one && digits[5] == one) else { return .failure(Refusal(text: "N11 codes such as 411 are not exchanges")) }
        return .success("+1" + String(decoding: digits, as: UTF8.self))
    }
}
