import Foundation
import PhoneNumbersClient
import Synchronization
import Testing

/// Three `phone-numbers serve` processes on one PostgreSQL database keep every rule of
/// one (the suite's PostgreSQL pass runs these).
@Suite("several replicas on one PostgreSQL", .serialized, .enabled(if: Cluster.available), .timeLimit(.minutes(3)))
struct ReplicaTests {
    static func addRequest(_ cluster: Cluster, requestID: String = "") -> AddNumberRequest {
        var request = AddNumberRequest()
        request.areaCode = "415"
        request.useCaseId = cluster.credentials["approved_use_case_id"] ?? ""
        request.requestId = requestID
        return request
    }

    static func reason(_ error: any Error) -> String {
        guard let error = error as? RPCError else { return "\(error)" }
        return error.reason ?? "\(error.code)"
    }

    /// Waits (bounded) until the account's numbers are all READY; returns them.
    static func waitReady(_ api: PhoneNumbersConnection, count: Int, within seconds: Int = 60) async throws -> [DedicatedNumber] {
        var numbers: [DedicatedNumber] = []
        for _ in 0..<(seconds * 10) {
            numbers = try await api.numbers.listNumbers(ListNumbersRequest()).numbers
            if numbers.count == count, numbers.allSatisfy({ $0.status == .ready }) { return numbers }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("not \(count) READY numbers: \(numbers.map { "\($0.id) \($0.status)" })")
    }

    @Test(
        "a request id used on two replicas at once yields one number, bought once; twenty AddNumber calls over three replicas fill the account to five, never six"
    )
    func limitsAndIdempotency() async throws {
        try await Cluster.with(replicas: 3) { cluster in
            let apis = (0..<3).map { cluster.connection($0) }
            let same = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<2 {
                    group.addTask { try await apis[index].numbers.addNumber(Self.addRequest(cluster, requestID: "same-request")).id }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(same).count == 1, "\(same)")
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await apis[index % 3].numbers.addNumber(Self.addRequest(cluster))
                            return "OK"
                        } catch {
                            return Self.reason(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "OK" }.count == 4, "\(outcomes)")
            #expect(outcomes.filter { $0 == "NUMBER_LIMIT_REACHED" }.count == 16, "\(outcomes)")
            let numbers = try await Self.waitReady(apis[2], count: 5)
            let held = try await cluster.heldAtProvider()
            #expect(held.count == 5 && Set(held) == Set(numbers.map(\.e164)), "bought once each: \(held)")
            for api in apis { await api.close() }
        }
    }

    @Test("wrong port-out PINs are counted across replicas: three on three replicas lock the number everywhere")
    func portOutLockout() async throws {
        try await Cluster.with(replicas: 3) { cluster in
            let admin = cluster.connection(0)
            _ = try await admin.numbers.addNumber(Self.addRequest(cluster))
            let number = try #require(try await Self.waitReady(admin, count: 1).first)
            let operatorAPI = cluster.connection(0, as: "operator_token")
            var issue = IssueTokenRequest()
            issue.serviceName = "provider-relay"
            issue.grants = [.portOutRelay]
            let relayToken = try await operatorAPI.accounts.issueToken(issue).token
            let relays = cluster.replicas.map { PhoneNumbersConnection(host: "127.0.0.1", port: $0.port, token: relayToken) }
            for relay in relays {
                await expectError(.permissionDenied, "PORT_OUT_PIN_MISMATCH") {
                    try await relay.numbers.requestPortOut(portOutRequest(number.e164, "12345678"))
                }
            }
            var pinRequest = GetPortOutPinRequest()
            pinRequest.numberId = number.id
            let pin = try await cluster.connection(1, as: "owner_token").numbers.getPortOutPin(pinRequest).pin
            for relay in relays {
                await expectError(.failedPrecondition, "PORT_OUT_LOCKED") {
                    try await relay.numbers.requestPortOut(portOutRequest(number.e164, pin))
                }
            }
            for api in relays + [admin, operatorAPI] { await api.close() }
        }
    }

    @Test("a replica SIGKILLed mid-provisioning: another one finishes its job once the lease ends")
    func takeover() async throws {
        try await Cluster.with(replicas: 3, orderDelay: 2) { cluster in
            let first = cluster.connection(0)
            let number = try await first.numbers.addNumber(Self.addRequest(cluster))
            #expect(number.status == .provisioning)
            await first.close()
            cluster.replicas[0].crash()
            let survivor = cluster.connection(1)
            let ready = try await Self.waitReady(survivor, count: 1)
            #expect(ready.map(\.id) == [number.id])
            #expect(try await cluster.heldAtProvider() == [number.e164])
            await survivor.close()
        }
    }

    @Test("a watcher on one replica sees another's change; a client of two replicas rides through a drain and a kill")
    func watchersAndFailover() async throws {
        try await Cluster.with(replicas: 3) { cluster in
            // The change is committed on replica 0; the watcher is on replica 1.
            let watcher = cluster.connection(1)
            let seen = Task {
                for try await event in watcher.events.watchEvents(WatchEventsRequest(), options: CallOptions(timeout: .seconds(30)))
                where event.newState == "READY" {
                    return event.subjectId
                }
                return ""
            }
            let writer = cluster.connection(0)
            let added = try await writer.numbers.addNumber(Self.addRequest(cluster))
            #expect(try await seen.value == added.id)
            await watcher.close()
            await writer.close()

            // Callers of replicas 0 and 1 keep calling while 0 drains (SIGTERM) and 1 is killed.
            let api = cluster.connection(replicas: [0, 1, 2])
            let tally = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !tally.stop.load(ordering: .relaxed) {
                            do {
                                _ = try await api.numbers.listNumbers(ListNumbersRequest(), options: CallOptions(timeout: .seconds(10)))
                                tally.succeeded.add(1, ordering: .relaxed)
                            } catch {
                                tally.failures.withLock { $0.append(Self.reason(error)) }
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                cluster.replicas[0].terminate()
                let drained = tally.failures.withLock { $0 }
                #expect(drained == [], "a drain fails no call: \(drained)")
                try await Task.sleep(for: .milliseconds(300))
                cluster.replicas[1].crash()
                try await Task.sleep(for: .milliseconds(1500))
                let before = tally.succeeded.load(ordering: .relaxed)
                try await Task.sleep(for: .milliseconds(500))
                #expect(tally.succeeded.load(ordering: .relaxed) > before, "calls go on on the last replica")
                tally.stop.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            // Only calls in flight on the killed replica may fail, and they say so (they may have run).
            let failures = tally.failures.withLock { $0 }
            #expect(failures.count <= 8 && failures.allSatisfy { $0 == "CONNECTION_LOST" }, "\(failures)")
            await api.close()
        }
    }
}

/// Calls that succeeded and the errors of those that failed, from concurrent callers.
final class Tally: Sendable {
    let succeeded = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
    let stop = Atomic<Bool>(false)
}
