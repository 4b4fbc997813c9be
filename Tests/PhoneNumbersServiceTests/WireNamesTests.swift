import PhoneNumbersProto
import ProtoBridge
import Testing

@testable import PhoneNumbersService

/// Domain enums convert to and from the wire by name (`WireNamed`): every domain value
/// has a wire value of the same name, and every declared wire value but UNSPECIFIED has
/// a domain value, so a renamed or added value fails here instead of on a call.
@Suite("domain and wire enums match by name", .timeLimit(.minutes(2)))
struct WireNamesTests {
    /// Checks `D` against its wire enum; `internalOnly` are domain values callers never see.
    func check<D: WireNamed & Hashable>(_: D.Type, internalOnly: Set<D> = []) {
        for value in D.allCases where !internalOnly.contains(value) {
            #expect(value.wire.shortName == value.rawValue, "\(D.self).\(value) has no wire value named \(value.rawValue)")
            #expect(D(wire: value.wire) == value)
        }
        for wire in D.Wire.declaredValues.dropFirst() {
            #expect(D(wire: wire) != nil, "wire value \(wire.protoName) has no \(D.self)")
        }
        #expect(D(wire: D.Wire.declaredValues[0]) == nil, "UNSPECIFIED is never a domain value")
        #expect(D(wire: D.Wire(rawValue: 999)!) == nil, "an unknown number is never a domain value")
    }

    @Test("every domain enum and its wire enum")
    func everyPair() {
        check(MemberRecord.Role.self)
        check(CredentialSubject.Grant.self)
        check(BrandRecord.EntityType.self)
        check(BrandRecord.Status.self)
        check(UseCaseRecord.Kind.self)
        check(UseCaseRecord.Status.self)
        check(CampaignRecord.State.self)
        check(NumberRecord.Status.self, internalOnly: [.reserving])
    }

    @Test("RESERVING is shown as PROVISIONING; the other statuses as themselves")
    func visibleNumberStatus() {
        #expect(NumberRecord.Status.reserving.visible.wire == .provisioning)
        for status in NumberRecord.Status.allCases where status != .reserving { #expect(status.visible == status) }
    }

    @Test("a short name matches the whole name after the prefix, nothing shorter or longer")
    func shortNames() {
        #expect(NumberStatus(shortName: "READY") == .ready)
        #expect(NumberStatus(shortName: "UNSPECIFIED") == .unspecified)
        #expect(NumberStatus.ready.shortName == "READY")
        #expect(NumberStatus.unrecognized(42).shortName == "42")
        for wanted in ["", "READ", "READYY", "ready", "NUMBER_STATUS_READY", "STATUS_READY", "_READY"] {
            #expect(NumberStatus(shortName: wanted) == nil, "\(wanted)")
        }
        for value in NumberStatus.declaredValues { #expect(NumberStatus(shortName: value.shortName) == value) }
    }
}
