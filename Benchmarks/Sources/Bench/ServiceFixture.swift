import Foundation
import Logging
import PhoneNumbersClient
import PhoneNumbersPostgres
import PhoneNumbersServer
import PhoneNumbersService
import RPCCore
import RPCNIO
import SimulatedProvider
import Storage

/// Where a fixture keeps its state.
enum BenchStore: Sendable {
    /// A SQLite file in a fresh directory (the embedded default).
    case sqlite
    /// A fresh database on the PostgreSQL server at the URL, served by `replicas` replicas.
    case postgres(PostgresDatabaseURL, replicas: Int)

    /// How the store reads in a table.
    var label: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres(_, let replicas): "PostgreSQL, \(replicas) replica\(replicas == 1 ? "" : "s")"
        }
    }
}

/// The whole service in this process, as `phone-numbers serve` runs it: a SQLite file in
/// a fresh directory or a fresh PostgreSQL database served by one or more replicas, the
/// simulated provider (provisioning without artificial delay, so the service's own cost
/// is measured; replicas share its file), the servers on loopback ports and their job runners.
///
/// A template account is set up through the API; `grow(toAccounts:)` then copies its rows
/// with SQL to reach a given number of accounts, each with a registered brand, an approved
/// use case, two READY numbers, an ACTIVE campaign, a member and three events.
final class ServiceFixture: @unchecked Sendable {
    let store: BenchStore
    let directory: URL
    /// The SQLite file: the store on SQLite, and the simulated provider's tables.
    let pool: DatabasePool
    /// The store when it is PostgreSQL.
    let postgres: PostgresPhoneNumbersStore?
    /// Each replica's RPC port.
    let ports: [Int]
    let operatorToken: String
    /// A service token with the READ grant, as the campaign launcher or a dashboard holds.
    private(set) var readerToken = ""
    private(set) var template: Template!
    private(set) var accounts = 0
    private let servers: [PhoneNumbersServer]
    private let tasks: [Task<Void, any Error>]
    /// The PostgreSQL database this fixture created on the server, dropped by `stop()`.
    private let createdDatabase: (name: String, server: PostgresDatabaseURL)?

    /// The ids of the template account's rows.
    struct Template {
        var accountID: String
        var useCaseID: String
        var numberID: String
        var campaignID: String
        var memberID: String
    }

    /// The RPC port of the first replica.
    var port: Int { ports[0] }

    static func start(_ store: BenchStore = .sqlite, maxConnections: Int = 10_000) async throws -> ServiceFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "bench.service")
        // Quiet unless asked (BENCH_LOG_LEVEL=error shows what a failing call met).
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let path = directory.appendingPathComponent("phone-numbers.sqlite").path
        let configurationStore: PhoneNumbersServer.Configuration.Store
        var replicas = 1
        var createdDatabase: (name: String, server: PostgresDatabaseURL)?
        switch store {
        case .sqlite:
            configurationStore = .sqlite(path: path)
        case .postgres(let server, let count):
            let name = "pn_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            configurationStore = .postgres(try await PostgresAdministration.createDatabase(name, at: server), connections: 16)
            createdDatabase = (name, server)
            replicas = count
        }
        var servers: [PhoneNumbersServer] = []
        for index in 0..<replicas {
            servers.append(
                try await PhoneNumbersServer.open(
                    PhoneNumbersServer.Configuration(
                        store: configurationStore,
                        provider: .simulated(
                            SimulatedProviderConfiguration(
                                inventoryPerAreaCode: 100,
                                provisioningDelay: .zero,
                                vettingDelay: .milliseconds(5)
                            )
                        ),
                        providerPath: path,
                        rpc: ServerConfiguration(host: "127.0.0.1", port: 0, limits: ServerLimits(maxConnections: maxConnections)),
                        replicaID: "bench-replica-\(index + 1)"
                    ),
                    logger: logger
                )
            )
        }
        let token = try await servers[0].app.accounts.bootstrapOperator() ?? ""
        let tasks = servers.map { server in Task { try await server.run() } }
        var ports: [Int] = []
        for server in servers { ports.append(try await server.rpcServer.listeningAddress().port!) }
        let fixture = ServiceFixture(
            store: store,
            directory: directory,
            pool: servers[0].pool,
            postgres: servers[0].postgres,
            ports: ports,
            operatorToken: token,
            servers: servers,
            tasks: tasks,
            createdDatabase: createdDatabase
        )
        try await fixture.setUpTemplate()
        return fixture
    }

    private init(
        store: BenchStore,
        directory: URL,
        pool: DatabasePool,
        postgres: PostgresPhoneNumbersStore?,
        ports: [Int],
        operatorToken: String,
        servers: [PhoneNumbersServer],
        tasks: [Task<Void, any Error>],
        createdDatabase: (name: String, server: PostgresDatabaseURL)?
    ) {
        self.store = store
        self.directory = directory
        self.pool = pool
        self.postgres = postgres
        self.ports = ports
        self.operatorToken = operatorToken
        self.servers = servers
        self.tasks = tasks
        self.createdDatabase = createdDatabase
    }

    /// Stops every replica and removes the directory (a PostgreSQL database stays on its
    /// throwaway server, which `scripts/bench.sh` removes).
    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        for server in servers { await server.close() }
        try? FileManager.default.removeItem(at: directory)
        // A server given with --database keeps nothing of the run (about 250 MiB each).
        if let createdDatabase { try? await PostgresAdministration.dropDatabase(createdDatabase.name, at: createdDatabase.server) }
    }

    /// A connection to replica `index % replicas` (connections are spread over replicas).
    func connection(_ token: String, replica index: Int = 0) -> PhoneNumbersConnection {
        PhoneNumbersConnection(host: "127.0.0.1", port: ports[index % ports.count], token: token)
    }

    var operatorAPI: PhoneNumbersConnection { connection(operatorToken) }

    /// Runs `body` in one transaction of the store (a writing one when `write`).
    func sql<T: Sendable>(write: Bool = false, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        write ? try await servers[0].sql.write(body) : try await servers[0].sql.read(body)
    }

    /// Bytes of the database: the SQLite file and its WAL, or the PostgreSQL database.
    func databaseBytes() async throws -> Int {
        if postgres != nil {
            return try await sql { try $0.queryOne("SELECT pg_database_size(current_database()) AS size")!.get("size", as: Int.self) }
        }
        return ["", "-wal"].reduce(0) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: pool.path + suffix)[.size] as? Int) ?? 0
            return total + (size ?? 0)
        }
    }

    // MARK: The template account, through the API

    private func setUpTemplate() async throws {
        let op = operatorAPI
        var issue = IssueTokenRequest()
        issue.serviceName = "bench-reader"
        issue.grants = [.read]
        readerToken = try await op.accounts.issueToken(issue).token

        var create = CreateAccountRequest()
        create.name = "Template Org"
        create.country = "US"
        let account = try await op.accounts.createAccount(create)
        var member = AddMemberRequest()
        member.accountId = account.id
        member.name = "Owner"
        member.email = "owner@example.org"
        member.role = .owner
        let owner = try await op.accounts.addMember(member)

        var brand = SubmitBrandRequest()
        brand.accountId = account.id
        brand.legalName = "Template Org Inc."
        brand.ein = "12-3456789"
        brand.entityType = .nonProfit
        brand.contactName = "Pat"
        brand.contactEmail = "pat@example.org"
        _ = try await op.registration.submitBrand(brand)
        var getBrand = GetBrandRequest()
        getBrand.accountId = account.id
        try await waitUntil { try await op.registration.getBrand(getBrand).status == .registered }

        var useCase = SubmitUseCaseRequest()
        useCase.accountId = account.id
        useCase.type = .charity
        useCase.description = "Volunteer recruitment and event reminders."
        useCase.sampleMessages = ["Join us Saturday! Reply STOP to opt out.", "Thanks for helping. Reply HELP for help."]
        useCase.optInText = "Opt-in on our web form."
        let submitted = try await op.registration.submitUseCase(useCase)
        var getUseCase = GetUseCaseRequest()
        getUseCase.accountId = account.id
        getUseCase.useCaseId = submitted.id
        try await waitUntil { try await op.registration.getUseCase(getUseCase).status == .approved }

        var add = AddNumberRequest()
        add.accountId = account.id
        add.areaCode = "415"
        add.useCaseId = submitted.id
        let number = try await op.numbers.addNumber(add)
        var getNumber = GetNumberRequest()
        getNumber.accountId = account.id
        getNumber.numberId = number.id
        try await waitUntil { try await op.numbers.getNumber(getNumber).status == .ready }

        var campaign = CreateCampaignRequest()
        campaign.accountId = account.id
        campaign.name = "Template campaign"
        var sender = DedicatedSender()
        sender.numberId = number.id
        campaign.dedicated = sender
        let created = try await op.campaigns.createCampaign(campaign)
        var launch = CampaignRequest()
        launch.accountId = account.id
        launch.campaignId = created.id
        _ = try await op.campaigns.launchCampaign(launch)

        template = Template(accountID: account.id, useCaseID: submitted.id, numberID: number.id, campaignID: created.id, memberID: owner.id)
        accounts = 1
    }

    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<1000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("the template account did not reach its state")
    }

    // MARK: Filler accounts, with SQL

    /// Filler account `index`'s ids (index 1 up).
    static func accountID(_ index: Int) -> String { "acc_f" + zeroPadded(index, 9) }
    static func numberID(_ index: Int, _ k: Int) -> String { "num_f" + zeroPadded(index, 9) + "_\(k)" }
    static func campaignID(_ index: Int) -> String { "cmp_f" + zeroPadded(index, 9) }
    static func useCaseID(_ index: Int) -> String { "uc_f" + zeroPadded(index, 9) }

    /// `value` in decimal, zero-padded to `width` digits (`String(format:)` costs
    /// microseconds, which would count against the service in the benchmarks).
    static func zeroPadded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Adds filler accounts until there are `total`, in transactions of 50,000 accounts.
    func grow(toAccounts total: Int) async throws {
        let template = self.template!
        var next = accounts
        while next < total {
            let first = next
            let last = min(total, next + 50_000) - 1
            if postgres != nil {
                try await sql(write: true) { session in
                    for statement in Self.postgresFillerSQL(template, first: first, last: last) { try session.execute(statement) }
                }
            } else {
                try await pool.withWriter { database in
                    try database.execute("BEGIN")
                    try database.executeScript(Self.sqliteFillerSQL(template, first: first, last: last))
                    try database.execute("COMMIT")
                }
            }
            next = last + 1
        }
        accounts = total
        if postgres != nil {
            try await sql(write: true) { try $0.execute("ANALYZE") }
        } else {
            try await pool.withWriter { try $0.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    private static func sqliteFillerSQL(_ t: Template, first: Int, last: Int) -> String {
        let series = "WITH RECURSIVE s(i) AS (SELECT \(first) UNION ALL SELECT i + 1 FROM s WHERE i < \(last))"
        return """
            \(series) INSERT INTO accounts (id, name, country, created_at)
                SELECT printf('acc_f%09d', i), 'Filler ' || i, country, created_at FROM s, accounts WHERE accounts.id = '\(t.accountID)';
            \(series) INSERT INTO members (id, account_id, name, email, role, created_at)
                SELECT printf('mem_f%09d', i), printf('acc_f%09d', i), name, email, role, created_at FROM s, members WHERE members.id = '\(t.memberID)';
            \(series) INSERT INTO brands (account_id, legal_name, ein, entity_type, contact_name, contact_email, contact_phone, status, failure_reason, submitted_at, updated_at)
                SELECT printf('acc_f%09d', i), legal_name, ein, entity_type, contact_name, contact_email, contact_phone, status, failure_reason, submitted_at, updated_at
                FROM s, brands WHERE brands.account_id = '\(t.accountID)';
            \(series) INSERT INTO use_cases (id, account_id, type, description, sample_messages, opt_in_text, help_text, campaign_verify_token, status, failure_reason, created_at, updated_at)
                SELECT printf('uc_f%09d', i), printf('acc_f%09d', i), type, description, sample_messages, opt_in_text, help_text, campaign_verify_token, status, failure_reason, created_at, updated_at
                FROM s, use_cases WHERE use_cases.id = '\(t.useCaseID)';
            \(series), k(j) AS (VALUES (0), (1)) INSERT INTO numbers (id, account_id, e164, area_code, name, use_case_id, status, failure_reason, provisioning_attempts,
                    created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind)
                SELECT printf('num_f%09d_%d', i, j), printf('acc_f%09d', i), printf('+1%03d%07d', 200 + (i * 2 + j) / 10000000, (i * 2 + j) % 10000000),
                    area_code, 'Line ' || j, printf('uc_f%09d', i), status, failure_reason, provisioning_attempts,
                    created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind
                FROM s, k, numbers WHERE numbers.id = '\(t.numberID)';
            \(series) INSERT INTO campaigns (id, account_id, name, state, number_id, created_at, updated_at, sender_kind, use_case_id, preferred_area_codes,
                    failure_reason, request_id, fingerprint, launched_at, activated_at, archived_at)
                SELECT printf('cmp_f%09d', i), printf('acc_f%09d', i), name, state, printf('num_f%09d_0', i), created_at, updated_at, sender_kind, use_case_id,
                    preferred_area_codes, failure_reason, '', '', launched_at, activated_at, archived_at
                FROM s, campaigns WHERE campaigns.id = '\(t.campaignID)';
            \(series) INSERT INTO events (account_id, kind, subject_id, old_state, new_state, reason, at)
                SELECT printf('acc_f%09d', i), kind, subject_id, old_state, new_state, reason, at FROM s, (SELECT * FROM events WHERE account_id = '\(t.accountID)' ORDER BY sequence LIMIT 3);
            """
    }

    /// The same rows in PostgreSQL's SQL; each account's event counter starts after its three events.
    private static func postgresFillerSQL(_ t: Template, first: Int, last: Int) -> [String] {
        let series = "generate_series(\(first), \(last)) AS s(i)"
        func id(_ prefix: String) -> String { "'\(prefix)' || lpad(i::text, 9, '0')" }
        return [
            """
            INSERT INTO accounts (id, name, country, created_at, event_sequence)
                SELECT \(id("acc_f")), 'Filler ' || i, country, created_at, 3 FROM \(series), accounts WHERE accounts.id = '\(t.accountID)'
            """,
            """
            INSERT INTO members (id, account_id, name, email, role, created_at)
                SELECT \(id("mem_f")), \(id("acc_f")), name, email, role, created_at FROM \(series), members WHERE members.id = '\(t.memberID)'
            """,
            """
            INSERT INTO brands (account_id, legal_name, ein, entity_type, contact_name, contact_email, contact_phone, status, failure_reason, submitted_at, updated_at)
                SELECT \(id("acc_f")), legal_name, ein, entity_type, contact_name, contact_email, contact_phone, status, failure_reason, submitted_at, updated_at
                FROM \(series), brands WHERE brands.account_id = '\(t.accountID)'
            """,
            """
            INSERT INTO use_cases (id, account_id, type, description, sample_messages, opt_in_text, help_text, campaign_verify_token, status, failure_reason, created_at, updated_at)
                SELECT \(id("uc_f")), \(id("acc_f")), type, description, sample_messages, opt_in_text, help_text, campaign_verify_token, status, failure_reason, created_at, updated_at
                FROM \(series), use_cases WHERE use_cases.id = '\(t.useCaseID)'
            """,
            """
            INSERT INTO numbers (id, account_id, e164, area_code, name, use_case_id, status, failure_reason, provisioning_attempts,
                    created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind)
                SELECT \(id("num_f")) || '_' || j, \(id("acc_f")),
                    '+1' || lpad((200 + (i * 2 + j) / 10000000)::text, 3, '0') || lpad(((i * 2 + j) % 10000000)::text, 7, '0'),
                    area_code, 'Line ' || j, \(id("uc_f")), status, failure_reason, provisioning_attempts,
                    created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind
                FROM \(series), (VALUES (0), (1)) AS k(j), numbers WHERE numbers.id = '\(t.numberID)'
            """,
            """
            INSERT INTO campaigns (id, account_id, name, state, number_id, created_at, updated_at, sender_kind, use_case_id, preferred_area_codes,
                    failure_reason, request_id, fingerprint, launched_at, activated_at, archived_at)
                SELECT \(id("cmp_f")), \(id("acc_f")), name, state, \(id("num_f")) || '_0', created_at, updated_at, sender_kind, use_case_id,
                    preferred_area_codes, failure_reason, '', '', launched_at, activated_at, archived_at
                FROM \(series), campaigns WHERE campaigns.id = '\(t.campaignID)'
            """,
            // Announcing 300,000 events to the replicas' change feeds would only slow the setup.
            "ALTER TABLE events DISABLE TRIGGER events_notify_change",
            """
            INSERT INTO events (account_id, sequence, kind, subject_id, old_state, new_state, reason, at)
                SELECT \(id("acc_f")), e.n, kind, subject_id, old_state, new_state, reason, at
                FROM \(series), (SELECT *, row_number() OVER (ORDER BY sequence) AS n FROM events
                    WHERE account_id = '\(t.accountID)' ORDER BY sequence LIMIT 3) AS e
            """,
            "ALTER TABLE events ENABLE TRIGGER events_notify_change",
        ]
    }
}
