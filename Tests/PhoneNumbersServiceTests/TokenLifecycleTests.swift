import Foundation
import PhoneNumbersClient
import Synchronization
import Testing

/// Tokens and members with a life, over TCP: expiry on the service's clock, revocation
/// at once, rotation without downtime, removal and role changes on the next call.
@Suite("tokens and members with a life cycle", .timeLimit(.minutes(2)))
struct TokenLifecycleTests {
    /// A token for `role` of `tenant`, issued by the operator: (token, id).
    private func issue(
        _ harness: ServiceHarness,
        _ tenant: Tenant,
        _ role: Role,
        expiresIn: Duration? = nil
    ) async throws -> (token: String, id: String) {
        var request = IssueTokenRequest()
        request.memberId = tenant.memberIDs[role]!
        request.expiresInMs = expiresIn.map { Int64($0.components.seconds) * 1000 } ?? 0
        let issued = try await harness.operatorAPI.accounts.issueToken(request)
        return (issued.token, issued.tokenId)
    }

    private func tokens(_ owner: PhoneNumbersConnection) async throws -> [String: TokenInfo] {
        Dictionary(uniqueKeysWithValues: try await owner.accounts.listTokens(ListTokensRequest()).tokens.map { ($0.id, $0) })
    }

    @Test("a token works until its expiry, then TOKEN_EXPIRED (audited once); WhoAmI and ListTokens show its id and expiry")
    func expiry() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let (token, id) = try await issue(harness, tenant, .texter, expiresIn: .seconds(3600))
            let api = harness.connection(token)
            let me = try await api.accounts.whoAmI(WhoAmIRequest())
            #expect(me.tokenId == id)
            let listed = try #require(try await tokens(tenant.owner)[id])
            #expect(me.expiresAtMs == listed.expiresAtMs && listed.expiresAtMs > listed.createdAtMs)
            #expect(listed.state == "valid" && listed.lastUsedAtMs > 0, "the WhoAmI call was recorded: \(listed)")

            // Still valid well before the hour is up (real time passes too, on a loaded machine).
            harness.clock.advance(by: .seconds(3000))
            _ = try await api.numbers.listNumbers(ListNumbersRequest())
            harness.clock.advance(by: .seconds(600))
            for _ in 0..<2 {
                await expectError(.unauthenticated, "TOKEN_EXPIRED") { try await api.numbers.listNumbers(ListNumbersRequest()) }
            }
            #expect(try await tokens(tenant.owner)[id]?.state == "expired")
            var audit = ListAuditEventsRequest()
            audit.action = "TOKEN_EXPIRED_USED"
            let entries = try await tenant.owner.events.listAuditEvents(audit).events
            #expect(entries.map(\.subjectId) == [id], "the first use after expiry is audited, once")
            // Other tokens go on.
            _ = try await tenant.texter.numbers.listNumbers(ListNumbersRequest())
        }
    }

    @Test("an expiry is 1 ms to 10 years: 1 ms and 10 years are taken; 10 years and 1 ms, -1 ms are INVALID_EXPIRY; 0 is until revoked")
    func expiryBoundaries() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let tenYears: Int64 = 10 * 365 * 24 * 3600 * 1000
            func issue(_ milliseconds: Int64) async throws -> IssueTokenResponse {
                var request = IssueTokenRequest()
                request.memberId = tenant.memberIDs[.texter]!
                request.expiresInMs = milliseconds
                return try await harness.operatorAPI.accounts.issueToken(request)
            }
            for milliseconds: Int64 in [1, tenYears] {
                let issued = try await issue(milliseconds)
                let info = try #require(issued.info)
                #expect(info.expiresAtMs == info.createdAtMs + milliseconds, "\(milliseconds) ms")
            }
            for milliseconds: Int64 in [tenYears + 1, -1, .min, .max] {
                await expectError(.invalidArgument, "INVALID_EXPIRY") { try await issue(milliseconds) }
            }
            #expect(try await issue(0).info?.expiresAtMs == 0, "0 on the wire: until revoked")
        }
    }

    @Test("a revoked token is refused on the next call while other tokens go on; revoking again changes nothing")
    func revocation() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let (token, id) = try await issue(harness, tenant, .texter)
            let api = harness.connection(token)
            _ = try await api.numbers.listNumbers(ListNumbersRequest())  // now cached
            var revoke = RevokeTokenRequest()
            revoke.tokenId = id
            let revoked = try await tenant.owner.accounts.revokeToken(revoke)
            #expect(revoked.state == "revoked" && revoked.revokedAtMs > 0)
            await expectError(.unauthenticated, "TOKEN_REVOKED") { try await api.numbers.listNumbers(ListNumbersRequest()) }
            _ = try await tenant.texter.numbers.listNumbers(ListNumbersRequest())
            _ = try await tenant.admin.numbers.listNumbers(ListNumbersRequest())
            #expect(try await tenant.owner.accounts.revokeToken(revoke).revokedAtMs == revoked.revokedAtMs)
            // Another account's owner cannot see or revoke it.
            let other = try await Tenant.make(harness, name: "Other")
            await expectError(.notFound, "TOKEN_NOT_FOUND") { try await other.owner.accounts.revokeToken(revoke) }
            #expect(try await tokens(other.owner)[id] == nil)
        }
    }

    @Test("no call that starts after a revocation is acknowledged gets through, under concurrent use")
    func revokeRacesUse() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let (token, id) = try await issue(harness, tenant, .texter)
            let api = harness.connection(token)
            let log = RaceLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var refusedAfterAck = 0
                        while refusedAfterAck < 3 {
                            let start = ContinuousClock.now
                            let ackBefore = log.acknowledged.withLock { $0 }.map { $0 < start } ?? false
                            do {
                                _ = try await api.numbers.listNumbers(ListNumbersRequest())
                                if ackBefore {
                                    log.violations.withLock { $0.append("a call started after the revocation was let through") }
                                }
                            } catch let error as RPCError {
                                // Refusals count toward the failed-authentication limit: either refusal is right.
                                if !["TOKEN_REVOKED", "TOO_MANY_FAILED_AUTHENTICATIONS"].contains(error.reason) {
                                    log.violations.withLock { $0.append("\(error)") }
                                }
                                if ackBefore { refusedAfterAck += 1 }
                            }
                        }
                    }
                }
                group.addTask {
                    var revoke = RevokeTokenRequest()
                    revoke.tokenId = id
                    _ = try await tenant.owner.accounts.revokeToken(revoke)
                    log.acknowledged.withLock { $0 = .now }
                }
                try await group.waitForAll()
            }
            let violations = log.violations.withLock { $0 }
            #expect(violations.isEmpty, "\(violations.prefix(3))")
        }
    }

    @Test("rotation: the service keeps working on the old token through the grace period and on the new one after")
    func rotation() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var issue = IssueTokenRequest()
            issue.serviceName = "launcher"
            issue.grants = [.read]
            let old = try await harness.operatorAPI.accounts.issueToken(issue)
            var list = ListNumbersRequest()
            list.accountId = tenant.accountID
            let oldAPI = harness.connection(old.token)
            _ = try await oldAPI.numbers.listNumbers(list)

            var rotate = RotateTokenRequest()
            rotate.tokenId = old.tokenId
            rotate.gracePeriodMs = 3_600_000
            let rotated = try await harness.operatorAPI.accounts.rotateToken(rotate)
            let newAPI = harness.connection(rotated.token)
            #expect(rotated.newToken?.kind == "service" && rotated.newToken?.serviceName == "launcher")
            // Both work during the grace period.
            _ = try await oldAPI.numbers.listNumbers(list)
            _ = try await newAPI.numbers.listNumbers(list)
            harness.clock.advance(by: .seconds(3600))
            await expectError(.unauthenticated, "TOKEN_REVOKED") { try await oldAPI.numbers.listNumbers(list) }
            _ = try await newAPI.numbers.listNumbers(list)
            let platform = try await harness.operatorAPI.accounts.listTokens(ListTokensRequest()).tokens
            #expect(platform.first { $0.id == old.tokenId }?.state == "revoked")
            #expect(platform.first { $0.id == rotated.newToken?.id }?.state == "valid")
        }
    }

    @Test("members: a role change takes effect on the next call; a removed member's tokens stop at once; the owner is protected")
    func members() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var create = CreateCampaignRequest()
            create.name = "GOTV"
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.texter.campaigns.createCampaign(create) }
            var promote = SetMemberRoleRequest()
            promote.memberId = tenant.memberIDs[.texter]!
            promote.role = .supervisor
            #expect(try await tenant.owner.accounts.setMemberRole(promote).role == .supervisor)
            // Allowed now (and refused for the missing sender, not the role).
            await expectError(.invalidArgument, "SENDER_REQUIRED") { try await tenant.texter.campaigns.createCampaign(create) }

            var remove = RemoveMemberRequest()
            remove.memberId = tenant.memberIDs[.admin]!
            _ = try await tenant.admin.numbers.listNumbers(ListNumbersRequest())
            _ = try await tenant.owner.accounts.removeMember(remove)
            await expectError(.unauthenticated, "TOKEN_REVOKED") { try await tenant.admin.numbers.listNumbers(ListNumbersRequest()) }
            let members = try await tenant.owner.accounts.listMembers(ListMembersRequest()).members.map(\.id)
            #expect(!members.contains(tenant.memberIDs[.admin]!))
            #expect(
                try await tokens(tenant.owner).values.filter { $0.memberId == tenant.memberIDs[.admin]! }.allSatisfy {
                    $0.state == "revoked"
                }
            )
            await expectError(.notFound, "MEMBER_NOT_FOUND") { try await tenant.owner.accounts.removeMember(remove) }

            var demote = SetMemberRoleRequest()
            demote.memberId = tenant.memberIDs[.owner]!
            demote.role = .admin
            await expectError(.failedPrecondition, "LAST_OWNER") { try await tenant.owner.accounts.setMemberRole(demote) }
            var removeOwner = RemoveMemberRequest()
            removeOwner.memberId = tenant.memberIDs[.owner]!
            await expectError(.failedPrecondition, "LAST_OWNER") { try await tenant.owner.accounts.removeMember(removeOwner) }
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.supervisor.accounts.setMemberRole(promote) }
            var crown = SetMemberRoleRequest()
            crown.accountId = tenant.accountID
            crown.memberId = tenant.memberIDs[.supervisor]!
            crown.role = .owner
            await expectError(.failedPrecondition, "OWNER_EXISTS") { try await harness.operatorAPI.accounts.setMemberRole(crown) }

            // The owner hands the account over: the supervisor becomes OWNER, the owner ADMIN, at once.
            crown.accountId = ""
            #expect(try await tenant.owner.accounts.setMemberRole(crown).role == .owner)
            let roles = Dictionary(
                uniqueKeysWithValues: try await tenant.supervisor.accounts.listMembers(ListMembersRequest()).members.map {
                    ($0.id, $0.role)
                }
            )
            #expect(roles[tenant.memberIDs[.supervisor]!] == .owner && roles[tenant.memberIDs[.owner]!] == .admin, "\(roles)")
            #expect(roles.values.filter { $0 == .owner }.count == 1)
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.owner.accounts.setMemberRole(promote) }

            var audit = ListAuditEventsRequest()
            audit.pageSize = 500
            let actions = Set(try await tenant.supervisor.events.listAuditEvents(audit).events.map(\.action))
            #expect(
                actions.isSuperset(of: ["MEMBER_ROLE_CHANGED", "MEMBER_REMOVED", "TOKEN_REVOKED", "TOKEN_ISSUED", "OWNERSHIP_TRANSFERRED"]),
                "\(actions)"
            )
        }
    }

    /// Opens a stream and returns, once its first message arrived, the task that reads the
    /// rest and tells how the stream ended (an error's reason).
    private func opened<M: Sendable>(_ open: @escaping @Sendable () -> RPCResponseStream<M>) async -> Task<String, Never> {
        let (seen, seenContinuation) = AsyncStream<Void>.makeStream()
        let task = Task { () -> String in
            defer { seenContinuation.finish() }
            do {
                for try await _ in open() { seenContinuation.yield() }
                return "ended without an error"
            } catch let error as RPCError {
                return error.reason ?? error.code.name
            } catch {
                return "\(error)"
            }
        }
        var iterator = seen.makeAsyncIterator()
        _ = await iterator.next()
        return task
    }

    @Test("open WatchEvents and WatchNumber streams end with TOKEN_REVOKED on revocation and removal, TOKEN_EXPIRED at expiry")
    func streamsEndWithTheirCredential() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            harness.provider.hold(.provisioning)
            let number = try await tenant.addNumber("415")
            let watchNumber = {
                var request = WatchNumberRequest()
                request.numberId = number.id
                return request
            }()
            let watchEvents = {
                var request = WatchEventsRequest()
                request.fromStart = true
                return request
            }()
            func streams(_ api: PhoneNumbersConnection) async -> [Task<String, Never>] {
                [
                    await opened { api.events.watchEvents(watchEvents) },
                    await opened { api.numbers.watchNumber(watchNumber) },
                ]
            }

            let (revokedToken, revokedID) = try await issue(harness, tenant, .admin)
            let revokedStreams = await streams(harness.connection(revokedToken))
            var revoke = RevokeTokenRequest()
            revoke.tokenId = revokedID
            _ = try await tenant.owner.accounts.revokeToken(revoke)
            for stream in revokedStreams { #expect(await stream.value == "TOKEN_REVOKED") }

            let (removedToken, _) = try await issue(harness, tenant, .texter)
            let removedStreams = await streams(harness.connection(removedToken))
            var remove = RemoveMemberRequest()
            remove.memberId = tenant.memberIDs[.texter]!
            _ = try await tenant.owner.accounts.removeMember(remove)
            for stream in removedStreams { #expect(await stream.value == "TOKEN_REVOKED") }

            let (expiringToken, _) = try await issue(harness, tenant, .supervisor, expiresIn: .seconds(3600))
            let expiringStreams = await streams(harness.connection(expiringToken))
            harness.clock.advance(by: .seconds(3601))
            for stream in expiringStreams { #expect(await stream.value == "TOKEN_EXPIRED") }

            // A stream whose credential holds goes on to its own end: the number's READY.
            let kept = await opened { tenant.owner.numbers.watchNumber(watchNumber) }
            harness.provider.release(.provisioning)
            #expect(await kept.value == "ended without an error")
        }
    }

    @Test("every member lists and revokes their own tokens, and only theirs; rotating stays the owner's")
    func ownTokens() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let (_, spare) = try await issue(harness, tenant, .texter)
            let (_, others) = try await issue(harness, tenant, .supervisor)
            let mine = try await tenant.texter.accounts.listTokens(ListTokensRequest()).tokens
            #expect(!mine.isEmpty && mine.allSatisfy { $0.memberId == tenant.memberIDs[.texter]! }, "\(mine)")
            #expect(mine.contains { $0.id == spare } && !mine.contains { $0.id == others })
            var revoke = RevokeTokenRequest()
            revoke.tokenId = others
            await expectError(.notFound, "TOKEN_NOT_FOUND") { try await tenant.texter.accounts.revokeToken(revoke) }
            revoke.tokenId = spare
            #expect(try await tenant.texter.accounts.revokeToken(revoke).state == "revoked")
            var rotate = RotateTokenRequest()
            rotate.tokenId = mine.first { $0.id != spare }!.id
            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await tenant.texter.accounts.rotateToken(rotate) }
            // The texter's own token still works; the supervisor's was never touched.
            _ = try await tenant.texter.numbers.listNumbers(ListNumbersRequest())
            #expect(try await tokens(tenant.owner)[others]?.state == "valid")
        }
    }

    @Test("expired and revoked tokens count toward the failed-authentication limit")
    func countTowardTheLimit() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let (token, id) = try await issue(harness, tenant, .texter)
            var revoke = RevokeTokenRequest()
            revoke.tokenId = id
            _ = try await tenant.owner.accounts.revokeToken(revoke)
            let api = harness.connection(token)
            var reasons: [String] = []
            for _ in 0..<25 {
                do {
                    _ = try await api.numbers.listNumbers(ListNumbersRequest())
                } catch let error as RPCError {
                    reasons.append(error.reason ?? "")
                }
            }
            #expect(reasons.prefix(20).allSatisfy { $0 == "TOKEN_REVOKED" }, "\(reasons)")
            #expect(reasons.suffix(5).allSatisfy { $0 == "TOO_MANY_FAILED_AUTHENTICATIONS" }, "\(reasons)")
        }
    }
}

/// What the revocation race saw: when the revocation was acknowledged, and any call
/// that got through after it.
private final class RaceLog: Sendable {
    let acknowledged = Mutex<ContinuousClock.Instant?>(nil)
    let violations = Mutex<[String]>([])
}
