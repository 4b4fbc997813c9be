import ArgumentParser
import ConnectGateway
import Foundation
import Logging
import OperationsHTTP
import PhoneNumbersPostgres
import PhoneNumbersSQLite
import PhoneNumbersServer
import PhoneNumbersService
import RPCCore
import RPCNIO
import ServiceLifecycle
import SimulatedProvider
import Storage
import TelnyxProvider

/// `phone-numbers serve`: runs the server until SIGTERM or SIGINT, then drains.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server (SIGTERM or SIGINT drains it gracefully)."
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 7420

    @Option(help: "The data directory: the SQLite database and the operator token (created owner-only).")
    var data = ".phone-numbers"

    @Option(
        help: """
            Keep the state in PostgreSQL instead of the SQLite file in --data (several replicas may share it): \
            postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=disable|prefer|require]; also PHONE_NUMBERS_DATABASE_URL.
            """
    )
    var database: String?

    @Option(help: "PostgreSQL: the most connections this replica opens (also its store's threads).")
    var databaseConnections = 8

    @Option(help: "How long a job stays this replica's without renewal: how soon another replica takes over the jobs of one that died.")
    var jobLease = DurationArgument(.seconds(30))

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (for people) or json (one object per line).")
    var logFormat: LogFormat = .text

    @Option(
        help:
            "The HTTP port: /metrics, /healthz, /readyz, every RPC over Connect (JSON) and the Phone Numbers page at / (off without it; 0 picks a free one)."
    )
    var httpPort: Int?

    @Option(help: "The address of the operators' HTTP side.")
    var httpHost = "127.0.0.1"

    @Option(help: "Where the page sends people for the Brand Registration and Use Case forms (https: link).")
    var registrationUrl: String?

    @Option(help: "Where the page sends people for support (https: or mailto: link).")
    var supportUrl: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help:
            "The IP address of a proxy in front of the HTTP side whose X-Forwarded-For is believed (repeatable): its clients are then counted each by their own address, for the failed-authentication and call limits."
    )
    var trustedProxies: [String] = []

    @Option(
        help:
            "Export traces over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (also OTEL_EXPORTER_OTLP_ENDPOINT); off without either."
    )
    var otelEndpoint: String?

    @Option(help: "How long in-flight calls may take to finish once draining begins (e.g. 10s).")
    var drainGrace = DurationArgument(.seconds(10))

    @Option(help: "TLS: the server certificate chain (PEM). Plaintext without it.")
    var tlsCert: String?

    @Option(help: "TLS: the server private key (PEM).")
    var tlsKey: String?

    @Option(help: "Mutual TLS: accept only clients with a certificate signed by these CAs (PEM).")
    var tlsClientCa: String?

    @Flag(help: "On first start, seed a US demo account and write demo-credentials.json into the data directory.")
    var demo = false

    @Option(
        help: "The number provider: simulated (built in, the default) or telnyx (the API key in TELNYX_API_KEY_FILE or TELNYX_API_KEY)."
    )
    var provider: ProviderKind = .simulated

    @Option(help: "Telnyx: the API's base URL.")
    var telnyxUrl = "https://api.telnyx.com/v2"

    @Option(help: "Telnyx: the messaging profile every number joins.")
    var telnyxMessagingProfile: String?

    @Option(help: "Telnyx: a use case's 10DLC campaign, USE_CASE_ID=CAMPAIGN_ID ('*' for every use case without its own); repeatable.")
    var telnyxCampaign: [String] = []

    @Option(help: "Telnyx: an account's 10DLC brand, ACCOUNT_ID=BRAND_ID ('*' for every account without its own); repeatable.")
    var telnyxBrand: [String] = []

    @Option(help: "Telnyx: how often a pending order or campaign assignment is looked at again.")
    var telnyxPollInterval = DurationArgument(.seconds(15))

    @Option(help: "How often the provider's port-out requests are answered (telnyx).")
    var portOutWatchInterval = DurationArgument(.seconds(60))

    @Option(help: "How often numbers are reconciled with the provider's (telnyx).")
    var reconcileInterval = DurationArgument(.seconds(3600))

    @Option(
        help: """
            Simulated provider with --database: its SQLite file (default: the one in --data). Replicas on one machine \
            that share this file share one provider, as replicas share a real one.
            """
    )
    var providerFile: String?

    @Option(help: "Simulated provider: how long provisioning a number takes (e.g. 200ms, 2s).")
    var provisioningDelay = DurationArgument(.seconds(2))

    @Option(help: "Simulated provider: how long each vetting step takes.")
    var vettingDelay = DurationArgument(.seconds(2))

    @Option(help: "Simulated provider: numbers available per area code (0-100).")
    var inventory = 20

    @Option(help: "Simulated provider: comma-separated area codes whose provisioning fails.")
    var failProvisioning = ""

    @Option(help: "Simulated provider: transient provisioning failures per number before success.")
    var transientFailures = 0

    @Option(
        help:
            "Simulated provider: how long a released number is held back before it is offered again (carriers age numbers; --demo defaults to 1m)."
    )
    var numberAging: DurationArgument?

    /// Serves until SIGTERM or SIGINT. A configuration that cannot run (the data directory in
    /// use, replicas without a shared provider, half a TLS pair) is one line, `error: …`, and
    /// exit status 64, without the usage text: the flags were well formed.
    func run() async throws {
        do {
            try await serve()
        } catch let error as ValidationError {
            printError(error.message)
            throw ExitCode(64)
        }
    }

    private func serve() async throws {
        let level = logLevel
        switch logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            // Lines logged inside a span carry its trace and span ids (with a tracer).
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = JSONLogHandler(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                },
                metadataProvider: TraceExport.loggingMetadata
            )
        }
        let metrics = PrometheusSetup.bootstrap()
        let logger = Logger(label: "phone-numbers")
        umask(0o077)  // every file the server creates is owner-only
        let files = DataDirectory(path: data)
        try files.create()
        let lock = try files.lockExclusively()
        defer { withExtendedLifetime(lock) {} }

        var tls: ServerTLS?
        if let tlsCert, let tlsKey {
            tls = ServerTLS(certificateChainFile: tlsCert, privateKeyFile: tlsKey, clientCAFile: tlsClientCa)
        } else if tlsCert != nil || tlsKey != nil || tlsClientCa != nil {
            throw ValidationError("TLS needs both --tls-cert and --tls-key")
        }
        let assembled = try await PhoneNumbersServer.open(
            PhoneNumbersServer.Configuration(
                store: try storeChoice(logger: logger),
                provider: try providerChoice(logger: logger),
                providerPath: try providerPath(files),
                rpc: ServerConfiguration(host: host, port: port, drainGracePeriod: drainGrace.duration, tls: tls),
                replicaID: try files.replicaID(),
                jobLease: jobLease.duration,
                providerWatchIntervals: (portOutWatchInterval.duration, reconcileInterval.duration)
            ),
            logger: logger
        )
        let app = assembled.app
        let store = assembled.store

        if let token = try await app.accounts.bootstrapOperator() {
            try files.writeSecret(token + "\n", to: files.operatorToken)
            logger.notice("operator credential created", metadata: ["file": "\(files.operatorToken)"])
        }
        let seeded = demo ? try await seedDemoIfNeeded(app, files, logger) : nil

        let server = assembled.rpcServer
        if let seeded {
            // Once listening: the hint names the server it started (the port may have been 0).
            let httpURL = httpPort.flatMap { $0 == 0 ? nil : "http://\(httpHost):\($0)/" }
            Task {
                guard let address = try? await server.listeningAddress(), let port = address.port else { return }
                Self.printDemoHint(seeded, files, server: "\(host):\(port)", page: httpURL)
            }
        }
        // First in the group, so shut down last: /readyz says `draining` while the RPC side drains,
        // and the spans of the drain are still exported.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let exporter = try TraceExport.bootstrap(
            endpoint: otelEndpoint ?? ProcessInfo.processInfo.environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        ) {
            services.append(.init(service: exporter))
            logger.info("exporting traces", metadata: ["otel.endpoint": "\(otelEndpoint ?? "from OTEL_EXPORTER_OTLP_ENDPOINT")"])
        }
        if let httpPort {
            let health = server.health
            let operations = OperationsServer(
                host: httpHost,
                port: httpPort,
                registry: metrics,
                readiness: {
                    await Readiness.check(serving: health.status(ofService: "") == .serving) { try await store.read { _ in } }
                },
                gateway: ConnectGateway(
                    router: assembled.router,
                    limits: .init(
                        maxBodySize: assembled.rpcServer.configuration.limits.maxMessageSize,
                        maxCallsPerClient: assembled.rpcServer.configuration.limits.maxConcurrentCallsPerConnection
                    ),
                    proxies: TrustedProxies(Set(trustedProxies)),
                    logger: logger
                ),
                pageLinks: try pageLinks(),
                logger: logger
            )
            services.append(.init(service: operations))
        }
        // Shut down in reverse: the RPC side drains first (and /readyz says so at once), then
        // the jobs and the sampler stop, then the HTTP side.
        services.append(.init(service: assembled))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            await assembled.close()
            throw error
        }
        await assembled.close()
    }

    /// The page's links, checked: a link the page would not follow is refused at start.
    private func pageLinks() throws -> PageLinks {
        do {
            return try PageLinks(registrationURL: registrationUrl, supportURL: supportUrl)
        } catch {
            throw ValidationError("--registration-url/--support-url: \(error)")
        }
    }

    /// Seeds the demo account on the first start; its credentials, or nil when it was
    /// seeded before (or by another replica).
    private func seedDemoIfNeeded(_ app: PhoneNumbersApplication, _ files: DataDirectory, _ logger: Logger) async throws -> DemoCredentials?
    {
        guard !FileManager.default.fileExists(atPath: files.demoCredentials) else {
            logger.info("demo already seeded", metadata: ["file": "\(files.demoCredentials)"])
            return nil
        }
        guard FileManager.default.fileExists(atPath: files.operatorToken) else {
            // A shared database that another replica set up: that replica seeds the demo
            // (once) and writes the credentials into its own data directory.
            logger.notice("demo: another replica set up this database; its data directory has the demo credentials")
            return nil
        }
        let operatorToken = try String(contentsOfFile: files.operatorToken, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let credentials = try await app.accounts.seedDemo(operatorToken: operatorToken)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try files.writeSecret(String(decoding: try encoder.encode(credentials), as: UTF8.self) + "\n", to: files.demoCredentials)
        return credentials
    }

    /// What to try next, naming the server this process started (and its page).
    private static func printDemoHint(_ credentials: DemoCredentials, _ files: DataDirectory, server: String, page: String?) {
        FileHandle.standardOutput.write(
            Data(
                """
                Demo account \(credentials.accountID) seeded. Credentials: \(files.demoCredentials)
                \(page.map { "The Phone Numbers page: \($0) (sign in with admin_token)\n" } ?? "")Try, in another shell:
                  export PHONE_NUMBERS_SERVER=\(server)
                  export PHONE_NUMBERS_TOKEN=$(python3 -c 'import json;print(json.load(open("\(files.demoCredentials)"))["admin_token"])')
                  phone-numbers use-cases list
                  phone-numbers numbers add --area-code 415 --use-case \(credentials.approvedUseCaseID) --name "Ballot chase" --wait

                """.utf8
            )
        )
    }
}

/// The files of the data directory, all owner-only.
struct DataDirectory {
    let path: String

    var database: String { path + "/phone-numbers.sqlite" }
    var operatorToken: String { path + "/operator-token" }
    var demoCredentials: String { path + "/demo-credentials.json" }

    /// This replica's name on the job leases it holds, kept in `replica-id` so that it is
    /// the same after a restart (which then takes back at once what a crash left leased).
    func replicaID() throws -> String {
        let file = path + "/replica-id"
        if let existing = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !existing.isEmpty
        {
            return existing
        }
        let id = Identifiers.make("replica")
        try writeSecret(id + "\n", to: file)
        return id
    }

    func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }

    /// The lock that keeps a second server off this directory: an exclusive `flock` on
    /// `serve.lock`, which holds the owner's process id. Released when the process ends.
    ///
    /// - Throws: `ValidationError` naming the process that holds it.
    func lockExclusively() throws -> DataDirectoryLock {
        let file = path + "/serve.lock"
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ValidationError("cannot open \(file): \(SystemErrorPhrase.of(errno: errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw ValidationError(
                "the data directory \(path) is in use by another server\(holder.isEmpty ? "" : " (process \(holder))"); stop it or choose another --data"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return DataDirectoryLock(descriptor: descriptor)
    }

    /// Writes a file readable by its owner only (mode 0600), without a window where it is wider.
    func writeSecret(_ contents: String, to file: String) throws {
        _ = FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
    }
}

/// An open, locked `serve.lock`; the lock lasts as long as the descriptor.
final class DataDirectoryLock {
    let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// How `serve` writes its log lines.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Which number provider `serve` uses.
enum ProviderKind: String, ExpressibleByArgument, CaseIterable {
    case simulated
    case telnyx
}

extension ServeCommand {
    /// PostgreSQL when `--database` (or PHONE_NUMBERS_DATABASE_URL) names one, else the SQLite file.
    /// The PostgreSQL URL, from --database or PHONE_NUMBERS_DATABASE_URL; nil for the SQLite file.
    var databaseText: String? {
        guard let text = database ?? ProcessInfo.processInfo.environment["PHONE_NUMBERS_DATABASE_URL"], !text.isEmpty else { return nil }
        return text
    }

    func storeChoice(logger: Logger) throws -> PhoneNumbersServer.Configuration.Store {
        guard let text = databaseText else {
            return .sqlite(path: DataDirectory(path: data).database)
        }
        let url: PostgresDatabaseURL
        do {
            url = try PostgresDatabaseURL(text)
        } catch {
            throw ValidationError("--database: \(error)")
        }
        guard databaseConnections >= 1 else { throw ValidationError("--database-connections must be at least 1") }
        logger.notice("store: PostgreSQL", metadata: ["database": "\(url)"])
        return .postgres(url, connections: databaseConnections)
    }

    /// The simulated provider's file: the data directory's SQLite file, or `--provider-file` with `--database`.
    func providerPath(_ files: DataDirectory) throws -> String {
        guard let providerFile else {
            // Each replica's own file would be an inventory of its own: two replicas would
            // hand out the same number.
            if databaseText != nil, provider == .simulated {
                throw ValidationError(
                    "replicas on --database need one provider: give every replica the same --provider-file (the simulated provider's inventory), or use --provider telnyx"
                )
            }
            return files.database
        }
        guard databaseText != nil else {
            throw ValidationError("--provider-file is for replicas on --database; on the SQLite file the provider lives in it")
        }
        guard provider == .simulated else {
            throw ValidationError("--provider-file is the simulated provider's; --provider is \(provider)")
        }
        return providerFile
    }

    /// The simulated provider (in the data directory's SQLite file), or the Telnyx adapter.
    func providerChoice(logger: Logger) throws -> PhoneNumbersServer.Configuration.Provider {
        switch provider {
        case .simulated:
            return .simulated(
                SimulatedProviderConfiguration(
                    inventoryPerAreaCode: inventory,
                    provisioningDelay: provisioningDelay.duration,
                    vettingDelay: vettingDelay.duration,
                    failProvisioningAreaCodes: Set(failProvisioning.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }),
                    transientFailuresPerNumber: transientFailures,
                    numberAging: (numberAging ?? DurationArgument(demo ? .seconds(60) : .seconds(45 * 86_400))).duration
                )
            )
        case .telnyx:
            do {
                guard let url = URL(string: telnyxUrl), url.scheme == "https" || url.scheme == "http" else {
                    throw ValidationError("--telnyx-url must be an http(s) URL")
                }
                guard let profile = telnyxMessagingProfile, !profile.isEmpty else {
                    throw ValidationError("--provider telnyx needs --telnyx-messaging-profile")
                }
                let configuration = TelnyxConfiguration(
                    baseURL: url,
                    apiKey: try TelnyxConfiguration.apiKey(from: ProcessInfo.processInfo.environment),
                    messagingProfileID: profile,
                    campaigns: try TelnyxConfiguration.pairs(telnyxCampaign, option: "--telnyx-campaign"),
                    brands: try TelnyxConfiguration.pairs(telnyxBrand, option: "--telnyx-brand"),
                    pollInterval: telnyxPollInterval.duration
                )
                logger.notice("provider: Telnyx", metadata: ["url": "\(url)", "messaging_profile": "\(profile)"])
                return .telnyx(configuration)
            } catch let error as TelnyxConfiguration.Invalid {
                throw ValidationError(error.description)
            }
        }
    }
}
