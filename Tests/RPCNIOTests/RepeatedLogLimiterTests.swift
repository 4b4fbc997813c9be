import Testing

@testable import RPCNIO

@Suite("repeated log lines per connection", .timeLimit(.minutes(2)))
struct RepeatedLogLimiterTests {
    @Test("a burst of 1,800 refusals writes 3 lines, then one line counting the rest once the window has passed")
    func burst() {
        var limiter = RepeatedLogLimiter(burst: 3, window: .seconds(10))
        let decisions = (0..<1800).map { limiter.decide("call refused", now: UInt64($0) * 1000) }
        #expect(decisions.filter { $0 != .suppress }.count == 3)
        #expect(limiter.decide("call refused", now: 11_000_000_000) == .write(suppressedBefore: 1797))
        #expect(limiter.decide("call refused", now: 11_000_000_001) == .write(suppressedBefore: 0))
    }

    @Test("kinds are limited separately")
    func kinds() {
        var limiter = RepeatedLogLimiter(burst: 1, window: .seconds(10))
        #expect(limiter.decide("a", now: 0) == .write(suppressedBefore: 0))
        #expect(limiter.decide("a", now: 1) == .suppress)
        #expect(limiter.decide("b", now: 2) == .write(suppressedBefore: 0))
    }
}
