/// What every generated proto enum offers: its number on the wire (`rawValue`), its
/// name in the .proto file, and the values the .proto declares, so code can convert
/// by name instead of by hand.
public protocol ProtoEnum: RawRepresentable<Int32>, Sendable, Hashable {
    /// Every value the .proto declares, in its order.
    static var declaredValues: [Self] { get }
    /// The prefix every value's name shares (`ROLE_` for `ROLE_OWNER`), or "".
    static var protoNamePrefix: String { get }
    /// The value's name in the .proto file (its number when unrecognized).
    var protoName: String { get }
}

extension ProtoEnum {
    /// The value's name without the shared prefix (`OWNER` for `ROLE_OWNER`).
    public var shortName: String {
        let name = protoName
        return name.hasPrefix(Self.protoNamePrefix) ? String(name.dropFirst(Self.protoNamePrefix.count)) : name
    }

    /// The declared value whose name without the prefix is `shortName`.
    public init?(shortName: String) {
        guard let value = Self.declaredValues.first(where: { $0.protoName == Self.protoNamePrefix + shortName }) else { return nil }
        self = value
    }
}
