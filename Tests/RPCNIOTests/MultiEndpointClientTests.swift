import RPCCore
import RPCNIO
import RPCTesting
import Synchronization
import Testing

@Suite("endpoint selection (no I/O)")
struct EndpointSelectionTests {
    var start: ContinuousClock.Instant { Self.origin }
    static let origin = ContinuousClock.now

    @Test("calls rotate over the endpoints that are up")
    func rotation() {
        var selection = EndpointSelection(count: 3)
        #expect((0..<6).map { _ in selection.next(at: start) } == [0, 1, 2, 0, 1, 2])
    }

    @Test("an endpoint that failed is avoided for a penalty that doubles with each failure in a row, up to the maximum")
    func penalties() {
        var selection = EndpointSelection(count: 2, basePenalty: .milliseconds(250), maxPenalty: .seconds(1))
        selection.failed(0, at: start)
        #expect((0..<3).map { _ in selection.next(at: start) } == [1, 1, 1])
        #expect(selection.isUp(0, at: start + .milliseconds(250)))
        selection.failed(0, at: start)
        #expect(!selection.isUp(0, at: start + .milliseconds(499)) && selection.isUp(0, at: start + .milliseconds(500)))
        for _ in 0..<10 { selection.failed(0, at: start) }
        #expect(!selection.isUp(0, at: start + .milliseconds(999)) && selection.isUp(0, at: start + .seconds(1)))
        selection.succeeded(0)
        #expect(selection.isUp(0, at: start))
    }

    @Test("a retry goes to another endpoint than those the call tried; with all avoided, the first one back")
    func exclusionAndAllDown() {
        var selection = EndpointSelection(count: 3)
        let first = selection.next(at: start)
        #expect(selection.next(at: start, excluding: [first, (first + 1) % 3]) == (first + 2) % 3)
        selection.failed(0, at: start)
        selection.failed(1, at: start + .milliseconds(10))
        selection.failed(2, at: start + .milliseconds(20))
        #expect(selection.nextUp(at: start + .milliseconds(30)) == start + .milliseconds(250))
        #expect(selection.next(at: start + .milliseconds(30)) == 0)
        #expect(selection.nextUp(at: start + .milliseconds(250)) == nil)
    }
}

@Suite("a client of several replicas over TCP", .timeLimit(.minutes(2)))
struct MultiEndpointClientTests {
    static func client(_ servers: [TestServer]) -> MultiEndpointClient {
        MultiEndpointClient(
            endpoints: servers.map { ClientConfiguration(host: "127.0.0.1", port: $0.port, connectTimeout: .seconds(30)) }
        )
    }

    @Test("calls are spread over the replicas")
    func spread() async throws {
        try await TestServer.with { a in
            try await TestServer.with { b in
                let client = Self.client([a, b])
                defer { Task { await client.close() } }
                let service = TestServiceClient(client)
                for _ in 0..<20 { _ = try await service.emptyCall(Empty()) }
                // Both servers answered (each has one connection from this client).
                #expect(a.server.connectionCount > 0 && b.server.connectionCount > 0)
            }
        }
    }

    @Test("draining one replica under load fails no call; a stopped one is avoided; calls go on on the other")
    func drainAndStop() async throws {
        try await TestServer.with { a in
            try await TestServer.with { b in
                let client = Self.client([a, b])
                defer { Task { await client.close() } }
                let service = TestServiceClient(client)
                let tally = Tally()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<16 {
                        group.addTask {
                            for _ in 0..<150 {
                                do {
                                    _ = try await service.unaryCall(SimpleRequest(), options: CallOptions(timeout: .seconds(30)))
                                    tally.succeeded.add(1, ordering: .relaxed)
                                } catch {
                                    tally.failures.withLock { $0.append("\(error)") }
                                }
                            }
                        }
                    }
                    while tally.succeeded.load(ordering: .relaxed) < 300 { try await Task.sleep(for: .milliseconds(5)) }
                    await a.stop()  // drains: in-flight calls finish, new ones are refused, then it is gone
                    try await group.waitForAll()
                }
                #expect(tally.failures.withLock { $0 } == [])
                #expect(tally.succeeded.load(ordering: .relaxed) == 16 * 150)
            }
        }
    }
}

/// Calls that succeeded and the errors of those that failed, from concurrent callers.
final class Tally: Sendable {
    let succeeded = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
}
