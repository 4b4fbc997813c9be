import Crypto
import Foundation
import Logging
import RPCCore

/// Bearer tokens: generated here, stored only as their SHA-256.
public enum Credentials {
    /// A new random token: `pn_` and 43 base64url characters (256 bits).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "pn_" + encoded
    }

    /// The stored form of a token: hex SHA-256.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).lowercaseHex
    }

    /// Compares two secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// Establishes who is calling from the `authorization: Bearer …` metadata.
public struct Authenticator: Sendable {
    let store: any PhoneNumbersStore
    let limiter: FailedAuthenticationLimiter
    let cache: PrincipalCache
    let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        limiter: FailedAuthenticationLimiter = .init(),
        cache: PrincipalCache = .init(),
        logger: Logger = Logger(label: "phone-numbers.auth")
    ) {
        self.store = store
        self.limiter = limiter
        self.cache = cache
        self.logger = logger
    }

    /// The caller of a call.
    /// - Throws: UNAUTHENTICATED `INVALID_CREDENTIALS` when the token is missing, unknown
    ///   or belongs to a member who no longer exists; RESOURCE_EXHAUSTED
    ///   `TOO_MANY_FAILED_AUTHENTICATIONS` while the peer is locked out after repeated failures.
    public func authenticate(_ context: ServerContext) async throws -> Principal {
        let peer = FailedAuthenticationLimiter.host(of: context.peer)
        guard limiter.allows(peer) else { throw lockedOut(peer) }
        do {
            let principal = try await authenticate(context.metadata)
            // Not once the peer reached the limit, even if this attempt began before.
            guard limiter.allows(peer) else { throw lockedOut(peer) }
            return principal
        } catch let error as DomainError where error.code == .unauthenticated {
            switch limiter.recordFailure(peer) {
            case .refused:
                throw lockedOut(peer)
            case .reachedLimit:
                logger.warning("authentication failures reached the limit; refusing this peer for a while", metadata: ["peer": "\(peer)"])
            case .counted:
                logger.notice("authentication failed", metadata: ["peer": "\(peer)", "rpc.method": "\(context.method)"])
            }
            throw error
        }
    }

    /// RESOURCE_EXHAUSTED `TOO_MANY_FAILED_AUTHENTICATIONS` with when to try again.
    private func lockedOut(_ peer: String) -> DomainError {
        let end = limiter.windowEnd(peer)
        let remaining = max(0, end - currentTimestamp())
        return DomainError(
            .resourceExhausted,
            "TOO_MANY_FAILED_AUTHENTICATIONS",
            "too many failed authentications from this address (\(limiter.maxFailures) a minute); try again in \((remaining + 999) / 1000) s",
            metadata: ["retry_after_ms": "\(remaining)", "max_failures": "\(limiter.maxFailures)"]
        )
    }

    /// The principal of the bearer token in `metadata` (no rate limiting).
    /// - Throws: UNAUTHENTICATED `INVALID_CREDENTIALS`.
    public func authenticate(_ metadata: Metadata) async throws -> Principal {
        guard let token = metadata.bearerToken else { throw DomainError.missingCredentials }
        guard token.utf8.count <= 256 else { throw DomainError.unauthenticated }
        let hash = Credentials.hash(token)
        if let cached = cache.principal(forTokenHash: hash) { return cached }
        let principal: Principal? = try await store.read { tx in
            guard let credential = try tx.credential(tokenHash: hash) else { return nil }
            switch credential.subject {
            case .operator:
                return .operator
            case .service(let name, let grants):
                return .service(name: name, grants: grants)
            case .member(let memberID):
                return try tx.member(memberID).map(Principal.member)
            }
        }
        guard let principal else { throw DomainError.unauthenticated }
        cache.store(principal, forTokenHash: hash)
        return principal
    }
}
