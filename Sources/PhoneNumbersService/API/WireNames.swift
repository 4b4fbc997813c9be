import PhoneNumbersProto
import ProtoBridge

/// A domain enum whose raw values are the names of its wire enum's values without their
/// prefix (OWNER ↔ ROLE_OWNER), so both conversions are derived from the names instead
/// of written per value. `WireNamesTests` checks every pair.
protocol WireNamed: RawRepresentable<String>, CaseIterable {
    associatedtype Wire: ProtoEnum
}

extension WireNamed {
    /// The wire value of the same name (UNSPECIFIED if the .proto lost it, which the tests forbid).
    var wire: Wire { Wire(shortName: rawValue) ?? Wire.declaredValues[0] }

    /// The domain value of the same name; nil for UNSPECIFIED and values this build does not know.
    init?(wire: Wire) {
        self.init(rawValue: wire.shortName)
    }

    /// The domain value of `wire`, or INVALID_ARGUMENT `reason` listing the choices.
    static func from(_ wire: Wire, reason: String, _ what: String) throws(DomainError) -> Self {
        guard let value = Self(wire: wire) else {
            throw .invalid(reason, "choose \(what): \(allCases.map(\.rawValue).joined(separator: ", ")) (got \(wire.protoName))")
        }
        return value
    }
}

extension MemberRecord.Role: WireNamed { typealias Wire = PhoneNumbersProto.Role }
extension CredentialSubject.Grant: WireNamed { typealias Wire = PhoneNumbersProto.Grant }
extension BrandRecord.EntityType: WireNamed { typealias Wire = PhoneNumbersProto.EntityType }
extension BrandRecord.Status: WireNamed { typealias Wire = PhoneNumbersProto.BrandStatus }
extension UseCaseRecord.Kind: WireNamed { typealias Wire = PhoneNumbersProto.UseCaseType }
extension UseCaseRecord.Status: WireNamed { typealias Wire = PhoneNumbersProto.UseCaseStatus }
extension CampaignRecord.State: WireNamed { typealias Wire = PhoneNumbersProto.CampaignState }
/// RESERVING has no wire name: callers see `visible` (PROVISIONING).
extension NumberRecord.Status: WireNamed { typealias Wire = PhoneNumbersProto.NumberStatus }
