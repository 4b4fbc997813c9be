import RPCCore
import Synchronization

/// Counts failed authentications per source (an IP address): once a source reaches
/// `maxFailures` in a window, each further failure from it is answered with the lockout,
/// whatever was tried, so guesses reveal nothing about tokens or accounts, and it extends
/// the window (a guesser that keeps on stays locked out). Valid credentials are admitted
/// whatever their source's count (`Authenticator`), so nobody can lock others out.
public final class FailedAuthenticationLimiter: Sendable {
    private struct Window {
        var failures: Int
        var startedAt: Timestamp
    }

    private let windows = Mutex<[String: Window]>([:])
    /// Failures allowed per window.
    public let maxFailures: Int
    /// The window, in milliseconds.
    public let window: Timestamp

    /// 20 failures per minute by default.
    public init(maxFailures: Int = 20, window: Duration = .seconds(60)) {
        self.maxFailures = maxFailures
        self.window = window.milliseconds
    }

    /// What a failure meant.
    public enum FailureVerdict: Sendable, Equatable {
        /// Within the limit: answer the failure as it is.
        case counted
        /// This failure is the last one allowed in the window.
        case reachedLimit
        /// The limit was already reached when this attempt finished: answer the
        /// lockout, so that no more than `maxFailures` answers per window say anything
        /// about the token tried.
        case refused
    }

    /// Whether `peer` is within its limit now (its failures are answered as they are).
    public func allows(_ peer: String, now: Timestamp = currentTimestamp()) -> Bool {
        windows.withLock { windows in
            guard let current = windows[peer] else { return true }
            if now - current.startedAt >= window {
                windows[peer] = nil
                return true
            }
            return current.failures < maxFailures
        }
    }

    /// Counts a failed attempt and says how to answer it, in one step (so concurrent
    /// failures cannot all be answered as they are). A failure past the limit starts the
    /// window again: the source stays locked out while it keeps failing.
    @discardableResult
    public func recordFailure(_ peer: String, now: Timestamp = currentTimestamp()) -> FailureVerdict {
        windows.withLock { windows in
            if windows.count > 100_000 { windows = windows.filter { now - $0.value.startedAt < window } }
            var current = windows[peer] ?? Window(failures: 0, startedAt: now)
            if now - current.startedAt >= window { current = Window(failures: 0, startedAt: now) }
            let before = current.failures
            current.failures += 1
            if before >= maxFailures { current.startedAt = now }
            windows[peer] = current
            if before >= maxFailures { return .refused }
            return current.failures == maxFailures ? .reachedLimit : .counted
        }
    }

    /// When the peer's current window ends (0 when it has none).
    public func windowEnd(_ peer: String) -> Timestamp {
        windows.withLock { windows in windows[peer].map { $0.startedAt + window } ?? 0 }
    }

    /// The IP part of a peer address such as `127.0.0.1:50312` or `[::1]:50312`.
    /// (By bytes, not characters: this runs on every authenticated call.)
    public static func host(of peer: String) -> String {
        let utf8 = peer.utf8
        if utf8.first == UInt8(ascii: "["), let close = utf8.firstIndex(of: UInt8(ascii: "]")) {
            return String(peer[utf8.index(after: utf8.startIndex)..<close])
        }
        guard let colon = utf8.lastIndex(of: UInt8(ascii: ":")) else { return peer }
        return String(peer[..<colon])
    }
}
