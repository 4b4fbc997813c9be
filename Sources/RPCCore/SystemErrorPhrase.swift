#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's phrase for a failed system call, lowercased to read inside a sentence:
/// "connection refused", "address already in use", …
///
/// One rule for every message that quotes a system error (a listener that cannot bind, a
/// client that cannot connect, a database connection that failed); the transports unwrap
/// their own error types and ask here.
public enum SystemErrorPhrase {
    /// The phrase for an `errno` value.
    public static func of(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
