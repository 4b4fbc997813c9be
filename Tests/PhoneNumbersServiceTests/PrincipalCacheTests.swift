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

    @Test("a lookup that began before the cache was cleared cannot store its answer; no entry outlives its credential")
    func generationAndValidity() {
        let cache = PrincipalCache()
        #expect(cache.timeToLive == .seconds(1), "the bound on other replicas")
        let before = cache.generation
        cache.removeAll()  // a revocation lands while the lookup runs
        cache.store(.operator, forTokenHash: "h", generation: before, now: start)
        #expect(cache.principal(forTokenHash: "h", now: start) == nil)
        cache.store(.operator, forTokenHash: "h", generation: cache.generation, now: start)
        #expect(cache.principal(forTokenHash: "h", now: start) == .operator)

        cache.store(.operator, forTokenHash: "ends", validUntil: 1_000, now: start)
        #expect(cache.principal(forTokenHash: "ends", at: 999, now: start) == .operator)
        #expect(cache.principal(forTokenHash: "ends", at: 1_000, now: start) == nil)
    }
}

@Suite("a credential's life (no I/O)", .timeLimit(.minutes(2)))
struct CredentialRecordTests {
    func credential(expiresAt: Timestamp = 0, revokedAt: Timestamp = 0, lastUsedAt: Timestamp = 0) -> CredentialRecord {
        CredentialRecord(
            id: "tok_1",
            tokenHash: "h",
            subject: .operator,
            createdAt: 100,
            expiresAt: expiresAt,
            lastUsedAt: lastUsedAt,
            revokedAt: revokedAt
        )
    }

    @Test("valid until it expires or its revocation time comes; revoked wins over expired")
    func states() {
        #expect(credential().state(at: .max) == .valid)
        #expect(credential(expiresAt: 500).state(at: 499) == .valid)
        #expect(credential(expiresAt: 500).state(at: 500) == .expired)
        #expect(credential(revokedAt: 300).state(at: 299) == .valid, "a rotated token works through its grace period")
        #expect(credential(revokedAt: 300).state(at: 300) == .revoked)
        #expect(credential(expiresAt: 200, revokedAt: 300).state(at: 400) == .revoked)
        #expect(credential(expiresAt: 500, revokedAt: 300).validUntil == 300)
        #expect(credential(expiresAt: 500).validUntil == 500)
        #expect(credential().validUntil == 0)
    }

    @Test("a use is recorded at most once a minute")
    func lastUse() {
        #expect(credential().useIsWorthRecording(at: 60_000))
        #expect(!credential(lastUsedAt: 10_000).useIsWorthRecording(at: 69_999))
        #expect(credential(lastUsedAt: 10_000).useIsWorthRecording(at: 70_000))
    }
}
