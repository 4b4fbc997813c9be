/// Keeps one connection from flooding the log with the same line: each kind of line
/// is written at most `burst` times per `window`; the rest are counted, and the next
/// line of that kind written says how many were left out. A value type: the connection
/// handler owns one and asks it before logging.
struct RepeatedLogLimiter {
    /// What to do with one line.
    enum Decision: Equatable {
        /// Write it; `suppressedBefore` lines of its kind were left out since the last written one.
        case write(suppressedBefore: Int)
        /// Leave it out.
        case suppress
    }

    private struct Window {
        var start: UInt64
        var written: Int
        var suppressed: Int
    }

    let burst: Int
    let windowNanoseconds: UInt64
    private var windows: [String: Window] = [:]

    /// At most `burst` lines of a kind per `window` (defaults: 3 per 10 s).
    init(burst: Int = 3, window: Duration = .seconds(10)) {
        self.burst = burst
        self.windowNanoseconds = UInt64(window.components.seconds) * 1_000_000_000 + UInt64(window.components.attoseconds / 1_000_000_000)
    }

    /// Whether to write a line of `kind` at `now` (monotonic nanoseconds).
    mutating func decide(_ kind: String, now: UInt64) -> Decision {
        var window = windows[kind] ?? Window(start: now, written: 0, suppressed: 0)
        if now &- window.start >= windowNanoseconds {
            let suppressed = window.suppressed
            window = Window(start: now, written: 1, suppressed: 0)
            windows[kind] = window
            return .write(suppressedBefore: suppressed)
        }
        if window.written < burst {
            window.written += 1
            let suppressed = window.suppressed
            window.suppressed = 0
            windows[kind] = window
            return .write(suppressedBefore: suppressed)
        }
        window.suppressed += 1
        windows[kind] = window
        return .suppress
    }
}
