import Foundation
import Logging
import PhoneNumbersClient
import PhoneNumbersPostgres
import PhoneNumbersSQL
import PhoneNumbersSQLite
import PhoneNumbersServer
import PhoneNumbersService
import Prometheus
import RPCCore
import RPCNIO
import SimulatedProvider
import Storage
import Synchronization
import TelnyxEmulator
import TelnyxProvider

/// The whole service on a real store and a loopback port, with the simulated provider,
/// for one test. `restart()` stops it and starts it again on the same data.
///
/// The store is a SQLite file, or a fresh database on the PostgreSQL server that
/// `PHONE_NUMBERS_TEST_DATABASE_URL` names when `PHONE_NUMBERS_TEST_STORE=postgres`
/// (scripts/test.sh runs the suite both ways).
final class ServiceHarness: @unchecked Sendable {
    let directory: URL
    let providerConfiguration: SimulatedProviderConfiguration
    private(set) var port = 0
    private(set) var operatorToken = ""
    /// The service's clock (token expiry): real time plus what the test moved it by.
    let clock = TestClock()
    /// This harness's own metrics, as `/metrics` would show them.
    let metrics = PrometheusCollectorRegistry()
    private var metricsFactory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: metrics) }
    private var tasks: [Task<Void, any Error>] = []
    private(set) var app: PhoneNumbersApplication!
    /// The SQLite file in the directory: the service's store on SQLite, and the simulated
    /// provider's tables whichever the store.
    private(set) var pool: DatabasePool!
    /// The service's store.
    private(set) var store: (any PhoneNumbersStore)!
    /// The service's tables as SQL, whichever the store: for arranging what the API cannot
    /// create yet and for checking what was stored.
    private(set) var database: StoreSQL!
    /// The PostgreSQL database of this harness, when the store is PostgreSQL (kept across restarts).
    private var postgresURL: PostgresDatabaseURL?
    /// The running service, until `stop()`.
    private var server: PhoneNumbersServer?
    /// The provider the service uses: the simulated one, or the Telnyx adapter against an
    /// emulator (`PHONE_NUMBERS_TEST_PROVIDER=telnyx`), with failures a test can queue.
    private(set) var provider: FaultyProvider!
    /// The emulated Telnyx API, when the suite runs against the Telnyx adapter.
    private(set) var emulator: TelnyxEmulator?
    private var runningEmulator: TelnyxEmulator.Running?

    static func start(
        _ configuration: SimulatedProviderConfiguration = .fast,
        logger: Logger? = nil,
        provider: String = ServiceHarness.providerKind
    ) async throws -> ServiceHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let harness = ServiceHarness(directory: directory, configuration: configuration)
        harness.kind = provider
        if let logger { harness.logger = logger }
        try await harness.boot(configuration)
        return harness
    }

    /// Runs `body` with a fresh service and stops it afterwards, also when `body` throws,
    /// so a failing test never leaves a server running into the rest of the run.
    static func with<T>(
        _ configuration: SimulatedProviderConfiguration = .fast,
        logger: Logger? = nil,
        provider: String = ServiceHarness.providerKind,
        _ body: (ServiceHarness) async throws -> T
    ) async throws -> T {
        let harness = try await start(configuration, logger: logger, provider: provider)
        do {
            let result = try await body(harness)
            await harness.stop()
            await harness.dropDatabase()
            return result
        } catch {
            await harness.stop()
            await harness.dropDatabase()
            throw error
        }
    }

    private init(directory: URL, configuration: SimulatedProviderConfiguration) {
        self.directory = directory
        self.providerConfiguration = configuration
    }

    /// A test that failed before `stop()` still leaves nothing behind: the server and
    /// jobs are cancelled and the data (database, operator token) removed.
    deinit {
        for task in tasks { task.cancel() }
        runningEmulator?.cancel()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Where the service logs; silent unless a test captures it.
    private var logger: Logger = {
        var logger = Logger(label: "test.service")
        logger.logLevel = .critical
        return logger
    }()

    private func boot(_ configuration: SimulatedProviderConfiguration) async throws {
        let sqlitePath = directory.appendingPathComponent("phone-numbers.sqlite").path
        var store = PhoneNumbersServer.Configuration.Store.sqlite(path: sqlitePath)
        if Self.storeKind == "postgres" {
            var url = postgresURL
            if url == nil { url = try await TestPostgres.create() }
            postgresURL = url
            store = .postgres(url!, connections: 3)
        }
        let clock = self.clock
        var faulty: FaultyProvider!
        let server = try await PhoneNumbersServer.open(
            PhoneNumbersServer.Configuration(
                store: store,
                provider: try await providerChoice(configuration),
                providerPath: sqlitePath,
                rpc: ServerConfiguration(host: "127.0.0.1", port: 0, drainGracePeriod: .milliseconds(200)),
                replicaID: "replica-" + directory.lastPathComponent,
                providerWatchIntervals: (.milliseconds(50), .seconds(3600))
            ),
            clock: { clock.now() },
            metricsFactory: metricsFactory,
            wrapProvider: {
                faulty = FaultyProvider($0)
                return faulty
            },
            logger: logger
        )
        self.server = server
        self.store = server.store
        self.pool = server.pool
        database = server.sql
        provider = faulty
        app = server.app
        if let token = try await app.accounts.bootstrapOperator() { operatorToken = token }
        tasks = [Task { try await server.run() }]
        port = try await server.rpcServer.listeningAddress().port!
        let listener = try await TestListener.start(router: server.router, registry: metrics, logger: logger)
        httpPort = listener.port
        tasks.append(listener.task)
    }

    /// The port of the HTTP listener (metrics, probes, the Connect gateway, the page).
    private(set) var httpPort = 0

    /// The service's methods, as the gateway routes them.
    var router: RPCRouter { server!.router }

    /// How the suite's clients reach the service: "pnrpc", "connect" (the JSON gateway) or
    /// "inprocess" (the handlers called directly).
    static let transport = ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_TRANSPORT"] ?? "pnrpc"

    /// Stops serving and running jobs, as a crash would (in-flight work is abandoned).
    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        tasks = []
        await server?.close()
        server = nil
        if let runningEmulator, !restarting {
            await runningEmulator.stop()
            self.runningEmulator = nil
        }
    }

    private var restarting = false
    /// This harness's provider: "simulated" or "telnyx".
    private(set) var kind = ServiceHarness.providerKind

    /// Which store the suite runs against: "sqlite" or "postgres".
    static let storeKind = ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_STORE"] ?? "sqlite"

    /// Drops this harness's PostgreSQL database (after `stop()`).
    private func dropDatabase() async {
        guard let url = postgresURL else { return }
        await TestPostgres.drop(url)
        postgresURL = nil
    }

    /// Which provider the suite runs against.
    static let providerKind = ProcessInfo.processInfo.environment["PHONE_NUMBERS_TEST_PROVIDER"] ?? "simulated"

    /// The simulated provider with `configuration`, or the Telnyx adapter against an
    /// emulator that behaves as `configuration` says (kept across restarts, as a real
    /// provider would be).
    private func providerChoice(_ configuration: SimulatedProviderConfiguration) async throws -> PhoneNumbersServer.Configuration.Provider {
        guard kind == "telnyx" else { return .simulated(configuration) }
        let behaviour = TelnyxEmulator.Behaviour(
            inventoryPerAreaCode: configuration.inventoryPerAreaCode,
            emptyAreaCodes: configuration.emptyAreaCodes,
            orderDelay: configuration.provisioningDelay / 2,
            assignmentDelay: configuration.provisioningDelay / 2,
            failAssignmentAreaCodes: configuration.failProvisioningAreaCodes
        )
        let emulator = self.emulator ?? TelnyxEmulator(behaviour: behaviour)
        emulator.configure { $0 = behaviour }
        emulator.setBrand("B-TEST", status: "OK", identity: "VERIFIED")
        emulator.setCampaign("CAMP-TEST", status: "MNO_PROVISIONED")
        if runningEmulator == nil {
            let running = try await emulator.start()
            emulatorURL = running.url
            runningEmulator = running
        }
        self.emulator = emulator
        return .telnyx(
            TelnyxConfiguration(
                baseURL: emulatorURL!,
                apiKey: emulator.apiKey,
                messagingProfileID: "MP-TEST",
                campaigns: ["*": "CAMP-TEST"],
                brands: ["*": "B-TEST"],
                requestTimeout: .seconds(5),
                retry: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), budget: .seconds(2)),
                pollInterval: .milliseconds(20)
            )
        )
    }

    private var emulatorURL: URL?

    /// The numbers the provider holds for the service (reserved or bought), E.164 → key.
    func heldAtProvider() async throws -> [String: String] {
        if let emulator { return emulator.holds() }
        return try await pool.read { database in
            Dictionary(
                try database.query("SELECT e164, reservation_key FROM simulated_numbers WHERE aged_until = 0", []).map {
                    (try $0.get("e164", as: String.self), try $0.get("reservation_key", as: String.self))
                },
                uniquingKeysWith: { a, _ in a }
            )
        }
    }

    /// How many numbers the provider holds for the service.
    func boughtAtProvider() async throws -> Int { try await heldAtProvider().count }

    /// Stops, then starts again on the same database with `configuration`.
    func restart(_ configuration: SimulatedProviderConfiguration? = nil) async throws {
        restarting = true
        await stop()
        restarting = false
        try await boot(configuration ?? providerConfiguration)
    }

    func connection(_ token: String?) -> PhoneNumbersConnection {
        if Self.transport == "connect" { return PhoneNumbersConnection(rpc: ConnectCaller(port: httpPort, token: token)) }
        if Self.transport == "inprocess" { return PhoneNumbersConnection(rpc: InProcessConnection(router: router, token: token)) }
        return PhoneNumbersConnection(host: "127.0.0.1", port: port, token: token)
    }

    var operatorAPI: PhoneNumbersConnection { connection(operatorToken) }

    /// A service token with the PORT_OUT_RELAY grant, as the provider's relay holds.
    func portOutRelay() async throws -> PhoneNumbersConnection {
        var issue = IssueTokenRequest()
        issue.serviceName = "provider-relay"
        issue.grants = [.portOutRelay]
        return connection(try await operatorAPI.accounts.issueToken(issue).token)
    }
}

extension SimulatedProviderConfiguration {
    /// Millisecond delays so tests run fast.
    static var fast: SimulatedProviderConfiguration {
        SimulatedProviderConfiguration(provisioningDelay: .milliseconds(50), vettingDelay: .milliseconds(20))
    }
}

/// A US account with an owner, an admin, a supervisor and a texter, a REGISTERED brand
/// and an APPROVED use case, set up through the API as an operator would.
struct Tenant {
    let accountID: String
    let owner: PhoneNumbersConnection
    let admin: PhoneNumbersConnection
    let supervisor: PhoneNumbersConnection
    let texter: PhoneNumbersConnection
    let approvedUseCase: String
    let memberIDs: [Role: String]
    /// Each member's bearer token, for clients other than the connections above.
    let tokens: [Role: String]

    static func make(_ harness: ServiceHarness, country: String = "US", name: String = "Test Org") async throws -> Tenant {
        let op = harness.operatorAPI
        var create = CreateAccountRequest()
        create.name = name
        create.country = country
        let account = try await op.accounts.createAccount(create)
        var tokens: [Role: String] = [:]
        var members: [Role: String] = [:]
        for role in [Role.owner, .admin, .supervisor, .texter] {
            var add = AddMemberRequest()
            add.accountId = account.id
            add.name = "\(role.protoName) person"
            add.email = "\(role.rawValue)@example.org"
            add.role = role
            let member = try await op.accounts.addMember(add)
            var issue = IssueTokenRequest()
            issue.memberId = member.id
            tokens[role] = try await op.accounts.issueToken(issue).token
            members[role] = member.id
        }
        let owner = harness.connection(tokens[.owner])
        var useCaseID = ""
        if country == "US" {
            try await registerBrand(owner)
            useCaseID = try await approvedUseCase(owner, harness: harness, accountID: account.id)
        }
        return Tenant(
            accountID: account.id,
            owner: owner,
            admin: harness.connection(tokens[.admin]),
            supervisor: harness.connection(tokens[.supervisor]),
            texter: harness.connection(tokens[.texter]),
            approvedUseCase: useCaseID,
            memberIDs: members,
            tokens: tokens
        )
    }

    /// A complete brand submission of `entityType`.
    static func brandRequest(_ entityType: EntityType = .nonProfit) -> SubmitBrandRequest {
        var brand = SubmitBrandRequest()
        brand.legalName = "Test Org Inc."
        brand.ein = "12-3456789"
        brand.entityType = entityType
        brand.contactName = "Pat"
        brand.contactEmail = "pat@example.org"
        return brand
    }

    /// Submits the brand and waits (bounded) until it is REGISTERED.
    static func registerBrand(_ owner: PhoneNumbersConnection, _ entityType: EntityType = .nonProfit) async throws {
        _ = try await owner.registration.submitBrand(brandRequest(entityType))
        for _ in 0..<200 {
            if try await owner.registration.getBrand(GetBrandRequest()).status == .registered { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("brand did not register")
    }

    static func submitUseCase(_ api: PhoneNumbersConnection, optIn: String = "Opt-in on our web form.") async throws -> UseCase {
        var request = SubmitUseCaseRequest()
        request.type = .charity
        request.description = "Volunteer recruitment and event reminders."
        request.sampleMessages = ["Join us Saturday! Reply STOP to opt out.", "Thanks for helping. Reply HELP for help."]
        request.optInText = optIn
        return try await api.registration.submitUseCase(request)
    }

    static func approvedUseCase(_ owner: PhoneNumbersConnection, harness: ServiceHarness, accountID: String) async throws -> String {
        let useCase = try await submitUseCase(owner)
        try await waitForUseCase(owner, useCase.id, .approved)
        return useCase.id
    }

    static func waitForUseCase(_ api: PhoneNumbersConnection, _ id: String, _ status: UseCaseStatus) async throws {
        var request = GetUseCaseRequest()
        request.useCaseId = id
        for _ in 0..<300 {
            if try await api.registration.getUseCase(request).status == status { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("use case \(id) did not become \(status.protoName)")
    }

    func addNumber(
        _ areaCode: String = "415",
        name: String = "",
        requestID: String = "",
        via api: PhoneNumbersConnection? = nil
    ) async throws(RPCError)
        -> DedicatedNumber
    {
        var request = AddNumberRequest()
        request.areaCode = areaCode
        request.useCaseId = approvedUseCase
        request.name = name
        request.requestId = requestID
        return try await (api ?? admin).numbers.addNumber(request)
    }

    /// Waits until the number reaches a final status, through WatchNumber.
    func waitFinal(_ numberID: String, via api: PhoneNumbersConnection? = nil) async throws -> DedicatedNumber {
        var request = WatchNumberRequest()
        request.numberId = numberID
        var last: DedicatedNumber?
        for try await change in (api ?? admin).numbers.watchNumber(request, options: CallOptions(timeout: .seconds(20))) {
            last = change
        }
        guard let last else { throw TestFailure("no update for \(numberID)") }
        return last
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A carrier's port-out request for `e164` with `pin`, from "Rival Wireless".
func portOutRequest(_ e164: String, _ pin: String) -> RequestPortOutRequest {
    var request = RequestPortOutRequest()
    request.e164 = e164
    request.pin = pin
    request.gainingCarrier = "Rival Wireless"
    return request
}

/// Creates a DRAFT campaign on dedicated number `numberID`.
func createDedicated(
    _ api: PhoneNumbersConnection,
    _ numberID: String,
    name: String = "GOTV",
    requestID: String = ""
) async throws(RPCError) -> Campaign {
    var request = CreateCampaignRequest()
    request.name = name
    var sender = DedicatedSender()
    sender.numberId = numberID
    request.dedicated = sender
    request.requestId = requestID
    return try await api.campaigns.createCampaign(request)
}

/// The request naming campaign `id`.
func campaignRequest(_ id: String) -> CampaignRequest {
    var request = CampaignRequest()
    request.campaignId = id
    return request
}

extension ServiceHarness {
    /// The owner of a new US account with no brand yet.
    func newOwner() async throws -> PhoneNumbersConnection {
        var account = CreateAccountRequest()
        account.name = "Fresh"
        account.country = "US"
        let created = try await operatorAPI.accounts.createAccount(account)
        var member = AddMemberRequest()
        member.accountId = created.id
        member.name = "Owner"
        member.role = .owner
        let owner = try await operatorAPI.accounts.addMember(member)
        var token = IssueTokenRequest()
        token.memberId = owner.id
        return connection(try await operatorAPI.accounts.issueToken(token).token)
    }
}

/// The service's clock in tests: real time plus an offset the test moves, so expiry is
/// tested without sleeping.
final class TestClock: Sendable {
    private let offset = Mutex<Int64>(0)

    func now() -> Timestamp { currentTimestamp() + offset.withLock { $0 } }

    func advance(by duration: Duration) { offset.withLock { $0 += duration.milliseconds } }
}
