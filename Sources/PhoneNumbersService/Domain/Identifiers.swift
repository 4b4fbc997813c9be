import Foundation

/// Identifiers and time, in one place so tests can reason about them.
public enum Identifiers {
    /// A new identifier with a readable prefix, e.g. `num_3f2a…`.
    public static func make(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

/// The current time in milliseconds since the epoch.
public func currentTimestamp() -> Timestamp {
    Timestamp((Date().timeIntervalSince1970 * 1000).rounded())
}
