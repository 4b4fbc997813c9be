import Foundation
import PhoneNumbersClient
import RPCCore
import RPCNIO
import Synchronization

/// Service calls over loopback TCP against the service on its fixture's store, connections
/// spread over its replicas: reads with a
/// READ-grant service token, writes with the operator token (which may act on any account).
final class ServiceBenchmark: Sendable {
    let fixture: ServiceFixture
    let seconds: Int
    /// Area codes with simulated inventory, taken in turn by AddNumber.
    let areaCodes: [String]
    /// Slots for AddNumber: filler accounts hold two numbers, so each takes three more.
    private let addCursor = Atomic<Int>(0)
    private let random = Mutex(SystemRandomNumberGenerator())

    init(fixture: ServiceFixture, seconds: Int) async throws {
        self.fixture = fixture
        self.seconds = seconds
        let empty: Set<String> = ["202", "206", "207", "212", "406", "907"]
        areaCodes = try await fixture.operatorAPI.areaCodes.listAreaCodes(ListAreaCodesRequest()).areaCodes
            .filter { $0.available && !empty.contains($0.areaCode) }.map(\.areaCode)
    }

    /// The calls measured, by name.
    static let calls = ["GetNumber", "ListNumbers", "ResolveSender", "AddNumber → READY", "CreateCampaign + LaunchCampaign"]

    /// Runs `call` at `inFlight` and returns its table cells: calls/s, p50, p99, CPU per call
    /// (the whole process: client, server and store), and notes.
    func measure(_ call: String, inFlight: Int) async throws -> (Measurement, note: String) {
        let connectionCount = min(4, max(1, inFlight / 16))
        let token = call.hasPrefix("AddNumber") || call.hasPrefix("Create") ? fixture.operatorToken : fixture.readerToken
        let connections = (0..<connectionCount).map { fixture.connection(token, replica: $0) }
        for connection in connections { _ = try await connection.rpc.ping() }
        defer { Task { for connection in connections { await connection.rpc.close() } } }
        let perConnection = max(1, inFlight / connectionCount)
        let reads = !call.hasPrefix("AddNumber") && !call.hasPrefix("Create")
        // Reads warm up for a second, unmeasured (page cache, connections, code paths).
        if reads { _ = try await runCall(call, connections, perConnection, .seconds(1)) }
        let cpuBefore = processCPUSeconds()
        var (measured, note) = try await runCall(call, connections, perConnection, .seconds(seconds))
        measured.cpuSeconds = processCPUSeconds() - cpuBefore
        return (measured, note)
    }

    private func runCall(
        _ call: String,
        _ connections: [PhoneNumbersConnection],
        _ perConnection: Int,
        _ duration: Duration
    ) async throws -> (Measurement, note: String) {
        switch call {
        case "GetNumber":
            return (
                try await run(connections, perConnection, duration) { api in
                    let account = self.randomAccount()
                    var request = GetNumberRequest()
                    request.accountId = ServiceFixture.accountID(account)
                    request.numberId = ServiceFixture.numberID(account, account & 1)
                    _ = try await api.numbers.getNumber(request)
                }, ""
            )
        case "ListNumbers":
            return (
                try await run(connections, perConnection, duration) { api in
                    var request = ListNumbersRequest()
                    request.accountId = ServiceFixture.accountID(self.randomAccount())
                    let response = try await api.numbers.listNumbers(request)
                    guard response.numbers.count >= 2 else { throw BenchError("ListNumbers returned \(response.numbers.count) numbers") }
                }, "2+ numbers per list"
            )
        case "ResolveSender":
            return (
                try await run(connections, perConnection, duration) { api in
                    let account = self.randomAccount()
                    var request = ResolveSenderRequest()
                    request.accountId = ServiceFixture.accountID(account)
                    request.campaignId = ServiceFixture.campaignID(account)
                    request.contact = "+1312555" + ServiceFixture.zeroPadded(account % 10_000, 4)
                    _ = try await api.campaigns.resolveSender(request)
                }, ""
            )
        case "AddNumber → READY":
            return try await addNumbers(connections, perConnection, duration)
        default:
            return (
                try await run(connections, perConnection, duration) { api in
                    let account = self.randomAccount()
                    var create = CreateCampaignRequest()
                    create.accountId = ServiceFixture.accountID(account)
                    create.name = "Bench"
                    var sender = DedicatedSender()
                    sender.numberId = ServiceFixture.numberID(account, 1)
                    create.dedicated = sender
                    let campaign = try await api.campaigns.createCampaign(create)
                    var launch = CampaignRequest()
                    launch.accountId = create.accountId
                    launch.campaignId = campaign.id
                    guard try await api.campaigns.launchCampaign(launch).state == .active else {
                        throw BenchError("the campaign did not become ACTIVE")
                    }
                }, "a pair of calls per operation; ACTIVE in the call"
            )
        }
    }

    private func randomAccount() -> Int {
        random.withLock { Int.random(in: 1..<fixture.accounts, using: &$0) }
    }

    private func run(
        _ connections: [PhoneNumbersConnection],
        _ inFlight: Int,
        _ duration: Duration,
        stop: @escaping @Sendable () -> Bool = { false },
        _ call: @escaping @Sendable (PhoneNumbersConnection) async throws -> Void
    ) async throws -> Measurement {
        try await closedLoops(
            connections,
            inFlight: inFlight,
            duration: duration,
            executor: { $0.rpc.preferredTaskExecutor },
            stop: stop,
            call
        )
    }

    /// AddNumber at the given load, then the wait until every number added is READY.
    /// Afterwards the numbers are released and the simulated inventory emptied with SQL,
    /// so later runs find inventory (the provider has 100 numbers per area code).
    private func addNumbers(
        _ connections: [PhoneNumbersConnection],
        _ inFlight: Int,
        _ duration: Duration
    ) async throws -> (Measurement, note: String) {
        let areaCodes = self.areaCodes
        let start = ContinuousClock.now
        // Each filler account takes three more numbers; accounts are reused after the
        // release below, so a run stops early once it has used every account once.
        let slots = 3 * (fixture.accounts - 1)
        let firstSlot = addCursor.load(ordering: .relaxed)
        let measurement = try await run(
            connections,
            inFlight,
            duration,
            stop: { [self] in addCursor.load(ordering: .relaxed) - firstSlot >= slots - inFlight * 4 }
        ) { [self] api in
            let slot = addCursor.wrappingAdd(1, ordering: .relaxed).oldValue
            let account = (slot / 3) % (fixture.accounts - 1) + 1
            var request = AddNumberRequest()
            request.accountId = ServiceFixture.accountID(account)
            request.useCaseId = ServiceFixture.useCaseID(account)
            request.areaCode = areaCodes[slot % areaCodes.count]
            _ = try await api.numbers.addNumber(request)
        }
        while try await pending() > 0 { try await Task.sleep(for: .milliseconds(2)) }
        let allReady = ContinuousClock.now - start
        let failed = try await fixture.sql {
            try $0.queryOne("SELECT count(*) AS n FROM numbers WHERE status = 'FAILED'")!.get("n", as: Int.self)
        }
        let readyPerSecond = Double(measurement.calls) / allReady.secondCount
        let template = fixture.template.accountID
        let kept = try await fixture.sql(write: true) { session -> [String] in
            try session.execute(
                "UPDATE numbers SET status = 'RELEASED' WHERE status = 'READY' AND e164 LIKE '+1___55501__' AND account_id <> ?",
                [template]
            )
            return try session.query("SELECT e164 FROM numbers WHERE account_id = ? AND status <> 'RELEASED'", [template])
                .map { try $0.get("e164", as: String.self) }
        }
        // The simulated provider's inventory is in the SQLite file, whichever the store.
        try await fixture.pool.write { database in
            let placeholders = Array(repeating: "?", count: kept.count).joined(separator: ", ")
            try database.execute("DELETE FROM simulated_numbers WHERE e164 NOT IN (\(placeholders))", kept)
        }
        // The next run starts on a fresh account.
        addCursor.store((addCursor.load(ordering: .relaxed) + 2) / 3 * 3, ordering: .relaxed)
        return (measurement, String(format: "%d added, all READY at %.0f numbers/s; %d FAILED", measurement.calls, readyPerSecond, failed))
    }

    private func pending() async throws -> Int {
        try await fixture.sql {
            try $0.queryOne("SELECT count(*) AS n FROM numbers WHERE status IN ('RESERVING', 'PROVISIONING')")!.get("n", as: Int.self)
        }
    }
}
