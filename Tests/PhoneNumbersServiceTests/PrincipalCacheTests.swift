import PhoneNumbersService
import Testing

@Suite("principal cache", .timeLimit(.minutes(2)))
struct PrincipalCacheTests {
    let start = ContinuousClock.now

    @Test("a principal is reused until its time to live ends, then looked up again")
    func expiry() {
        let cache = PrincipalCache(timeToLive: .seconds(10))
        cache.store(.operator, forTokenHash: "h1", now: start)
        #expect(cache.principal(forTokenHash: "h1", now: start + .seconds(9)) == .operator)
        #expect(cache.principal(forTokenHash: "h1", now: start + .seconds(10)) == nil)
        #expect(cache.principal(forTokenHash: "h1", now: start + .seconds(1)) == nil, "an expired entry is dropped")
        #expect(cache.principal(forTokenHash: "other", now: start) == nil)
    }

    @Test("at capacity, expired entries go first, then everything; a zero time to live caches nothing")
    func capacity() {
        let cache = PrincipalCache(timeToLive: .seconds(10), capacity: 2)
        cache.store(.operator, forTokenHash: "old", now: start)
        cache.store(.service(name: "s", grants: [.read]), forTokenHash: "fresh", now: start + .seconds(8))
        cache.store(.operator, forTokenHash: "new", now: start + .seconds(11))
        #expect(cache.principal(forTokenHash: "fresh", now: start + .seconds(11)) == .service(name: "s", grants: [.read]))
        #expect(cache.principal(forTokenHash: "new", now: start + .seconds(11)) == .operator)
        cache.store(.operator, forTokenHash: "third", now: start + .seconds(12))
        #expect(cache.principal(forTokenHash: "fresh", now: start + .seconds(12)) == nil, "full of live entries: cleared")
        #expect(cache.principal(forTokenHash: "third", now: start + .seconds(12)) == .operator)
        cache.removeAll()
        #expect(cache.principal(forTokenHash: "third", now: start + .seconds(12)) == nil)

        let off = PrincipalCache(timeToLive: .zero)
        off.store(.operator, forTokenHash: "h", now: start)
        #expect(off.principal(forTokenHash: "h", now: start) == nil)
    }
}
