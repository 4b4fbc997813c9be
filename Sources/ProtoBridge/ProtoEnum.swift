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
        let prefix = Self.protoNamePrefix
        guard !prefix.isEmpty, name.utf8.starts(with: prefix.utf8) else { return name }
        return String(name.utf8.dropFirst(prefix.utf8.count))!
    }

    /// The declared value whose name without the prefix is `shortName`.
    ///
    /// Compares the names' bytes in place (no name is built): domain values become wire
    /// values this way on every answer.
    public init?(shortName: String) {
        let prefix = Self.protoNamePrefix.utf8
        let wanted = shortName.utf8
        for value in Self.declaredValues {
            let name = value.protoName.utf8
            guard name.count == prefix.count + wanted.count, name.starts(with: prefix) else { continue }
            if name.dropFirst(prefix.count).elementsEqual(wanted) {
                self = value
                return
            }
        }
        return nil
    }
}
