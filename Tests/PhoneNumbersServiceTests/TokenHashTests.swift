import Testing

@testable import PhoneNumbersService

/// Stored token hashes and conversation ids are SHA-256 in lowercase hex: a stored hash
/// that changed form would lock every caller out, a changed id would split threads. And
/// the failed-authentication limit counts by the peer's address without its port.
@Suite("token hashes, conversation ids and peer addresses", .timeLimit(.minutes(2)))
struct TokenHashTests {
    @Test("a token's hash is the lowercase hex SHA-256 of its UTF-8 bytes")
    func tokenHash() {
        #expect(Credentials.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Credentials.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let token = Credentials.makeToken()
        #expect(Credentials.hash(token).count == 64)
        #expect(Credentials.hash(token).allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test("a conversation id is conv_ and the first 16 bytes of the SHA-256 in hex")
    func conversationID() {
        // printf 'acct|+15551234567|+15557654321' | sha256sum
        #expect(
            CampaignsDomain.conversationID(accountID: "acct", e164: "+15551234567", contact: "+15557654321")
                == "conv_235fcd47c4acbddcc611c5b46a414813"
        )
    }

    @Test("hex of every byte value")
    func hexDigits() {
        let all = (0...255).map { UInt8($0) }
        let hex = all.lowercaseHex
        #expect(hex.count == 512)
        #expect(hex.hasPrefix("000102") && hex.hasSuffix("fdfeff"))
        #expect([UInt8]().lowercaseHex == "")
    }

    @Test("a peer's host is its address without the port, IPv4 and IPv6 alike")
    func peerHost() {
        #expect(FailedAuthenticationLimiter.host(of: "127.0.0.1:50312") == "127.0.0.1")
        #expect(FailedAuthenticationLimiter.host(of: "[::1]:50312") == "::1")
        #expect(FailedAuthenticationLimiter.host(of: "[fe80::1%eth0]:1") == "fe80::1%eth0")
        #expect(FailedAuthenticationLimiter.host(of: "unix") == "unix")
        #expect(FailedAuthenticationLimiter.host(of: "") == "")
        #expect(FailedAuthenticationLimiter.host(of: "[::1") == "[:", "no closing bracket: cut at the last colon")
        #expect(FailedAuthenticationLimiter.host(of: "héllo:1") == "héllo")
    }
}
