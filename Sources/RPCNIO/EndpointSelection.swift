/// Which of several endpoints (replicas of one service) the next call goes to: calls
/// rotate over the endpoints that are up; one whose call was provably not processed
/// (refused, draining, announced by GOAWAY, unreachable) is left alone for a while that
/// doubles with each failure in a row, up to `maxPenalty`. A value without I/O: the
/// client keeps it behind a lock.
public struct EndpointSelection: Sendable, Equatable {
    /// How long an endpoint is avoided after its first failure in a row.
    public let basePenalty: Duration
    /// The longest it is avoided.
    public let maxPenalty: Duration
    private var failures: [Int]
    private var avoidUntil: [ContinuousClock.Instant?]
    private var cursor = 0

    /// A selection over `count` endpoints, all up.
    public init(count: Int, basePenalty: Duration = .milliseconds(250), maxPenalty: Duration = .seconds(5)) {
        precondition(count > 0, "at least one endpoint")
        self.basePenalty = basePenalty
        self.maxPenalty = maxPenalty
        failures = Array(repeating: 0, count: count)
        avoidUntil = Array(repeating: nil, count: count)
    }

    /// The endpoint for the next call at `now`, skipping those in `excluded` (already tried
    /// by this call) while another is up; when every endpoint is avoided, the one whose
    /// penalty ends first.
    public mutating func next(at now: ContinuousClock.Instant, excluding excluded: Set<Int> = []) -> Int {
        let count = failures.count
        for step in 0..<count {
            let index = (cursor + step) % count
            if !excluded.contains(index), isUp(index, at: now) {
                cursor = (index + 1) % count
                return index
            }
        }
        for step in 0..<count {
            let index = (cursor + step) % count
            if isUp(index, at: now) {
                cursor = (index + 1) % count
                return index
            }
        }
        let index = (0..<count).min { (avoidUntil[$0] ?? now) < (avoidUntil[$1] ?? now) }!
        cursor = (index + 1) % count
        return index
    }

    /// When the first avoided endpoint is up again (nil when one is up at `now`).
    public func nextUp(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard !(0..<failures.count).contains(where: { isUp($0, at: now) }) else { return nil }
        return avoidUntil.compactMap { $0 }.min()
    }

    /// A call to `index` was not processed there: avoid it for a while.
    public mutating func failed(_ index: Int, at now: ContinuousClock.Instant) {
        failures[index] += 1
        var penalty = basePenalty
        for _ in 1..<min(failures[index], 30) where penalty < maxPenalty { penalty *= 2 }
        avoidUntil[index] = now + min(penalty, maxPenalty)
    }

    /// A call to `index` was answered: it is up.
    public mutating func succeeded(_ index: Int) {
        failures[index] = 0
        avoidUntil[index] = nil
    }

    /// Whether `index` is not avoided at `now`.
    public func isUp(_ index: Int, at now: ContinuousClock.Instant) -> Bool {
        avoidUntil[index].map { now >= $0 } ?? true
    }
}
