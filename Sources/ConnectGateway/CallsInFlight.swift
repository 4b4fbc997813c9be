import Synchronization

/// How many gateway calls each client host has running, bounded per host: the HTTP
/// counterpart of PNRPC's calls-in-flight limit per connection.
final class CallsInFlight: Sendable {
    private let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for `host`; `false` when it already runs `limit` calls.
    func enter(_ host: String) -> Bool {
        counts.withLock { counts in
            let running = counts[host, default: 0]
            guard running < limit else { return false }
            counts[host] = running + 1
            return true
        }
    }

    /// Gives back the slot `enter` took.
    func leave(_ host: String) {
        counts.withLock { counts in
            let running = counts[host, default: 1] - 1
            counts[host] = running > 0 ? running : nil
        }
    }
}
