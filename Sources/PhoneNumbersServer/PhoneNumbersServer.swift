import Foundation
import Logging
import Metrics
import PhoneNumbersPostgres
import PhoneNumbersSQLite
import PhoneNumbersService
import RPCCore
import RPCNIO
import ServiceLifecycle
import SimulatedProvider
import Storage
import TelnyxProvider

/// The service assembled from a configuration, in one place: the store (a SQLite file or
/// PostgreSQL), the provider, the domains, and the RPC server, job runner, metrics sampler
/// and change feed that `run()` runs as one swift-service-lifecycle `Service`. `serve`,
/// the test harness and the benchmarks all build the service through it.
public final class PhoneNumbersServer: Service, Sendable {
    /// What to assemble.
    public struct Configuration: Sendable {
        /// Where the state is kept.
        public enum Store: Sendable {
            /// A SQLite file (one process).
            case sqlite(path: String)
            /// A PostgreSQL database several replicas may share, with at most `connections` connections.
            case postgres(PostgresDatabaseURL, connections: Int)
        }

        /// Which number provider the service uses.
        public enum Provider: Sendable {
            /// The built-in simulated provider, in the SQLite file at `providerPath` (the
            /// store's own file when the store is SQLite).
            case simulated(SimulatedProviderConfiguration)
            /// A Telnyx account; its port-outs are watched and its numbers reconciled.
            case telnyx(TelnyxConfiguration)
        }

        public var store: Store
        public var provider: Provider
        /// The simulated provider's file when the store is not SQLite.
        public var providerPath: String
        /// The RPC listener.
        public var rpc: ServerConfiguration
        /// This replica's name on the job leases it holds (keep it across restarts).
        public var replicaID: String
        /// How long a job stays this replica's without renewal.
        public var jobLease: Duration
        /// How often the provider's port-outs are answered and its numbers reconciled (Telnyx).
        public var providerWatchIntervals: (portOuts: Duration, reconciliation: Duration)

        public init(
            store: Store,
            provider: Provider,
            providerPath: String,
            rpc: ServerConfiguration,
            replicaID: String = Identifiers.make("replica"),
            jobLease: Duration = .seconds(30),
            providerWatchIntervals: (portOuts: Duration, reconciliation: Duration) = (.seconds(60), .seconds(3600))
        ) {
            self.store = store
            self.provider = provider
            self.providerPath = providerPath
            self.rpc = rpc
            self.replicaID = replicaID
            self.jobLease = jobLease
            self.providerWatchIntervals = providerWatchIntervals
        }
    }

    /// The domains and their background services.
    public let app: PhoneNumbersApplication
    /// The RPC listener (its health, its address once listening).
    public let rpcServer: RPCServer
    /// The store the domains use.
    public let store: any PhoneNumbersStore
    /// The SQLite file: the store on SQLite, and the simulated provider's tables.
    public let pool: DatabasePool
    /// The store when it is PostgreSQL.
    public let postgres: PostgresPhoneNumbersStore?
    private let logger: Logger

    /// Opens the store (applying its migrations) and the provider, wires the domains and
    /// the RPC server, and schedules the provider watch when the provider is Telnyx.
    /// `wrapProvider` lets tests put a provider with injected faults in front. `close()`
    /// the server after `run()` returns (or when it is never run).
    public static func open(
        _ configuration: Configuration,
        clock: @escaping ServiceClock = currentTimestamp,
        metricsFactory: (any MetricsFactory)? = nil,
        wrapProvider: (any NumberProvider) -> any NumberProvider = { $0 },
        logger: Logger = Logger(label: "phone-numbers")
    ) async throws -> PhoneNumbersServer {
        let store: any PhoneNumbersStore
        let pool: DatabasePool
        let postgres: PostgresPhoneNumbersStore?
        switch configuration.store {
        case .sqlite(let path):
            pool = try DatabasePool(path: path)
            store = try await SQLitePhoneNumbersStore.open(pool)
            postgres = nil
        case .postgres(let url, let connections):
            pool = try DatabasePool(path: configuration.providerPath)
            let opened = try await PostgresPhoneNumbersStore.open(url, connections: connections, logger: logger)
            store = opened
            postgres = opened
        }
        let provider: any NumberProvider
        switch configuration.provider {
        case .simulated(let simulated):
            provider = try await SimulatedProvider.open(pool, configuration: simulated)
        case .telnyx(let telnyx):
            provider = TelnyxProvider(configuration: telnyx, logger: logger)
        }
        let metrics = metricsFactory.map { DomainMetrics(factory: $0) } ?? DomainMetrics()
        let app = PhoneNumbersApplication(
            store: store,
            provider: wrapProvider(provider),
            replicaID: configuration.replicaID,
            jobLease: configuration.jobLease,
            clock: clock,
            metrics: metrics,
            providerWatchIntervals: configuration.providerWatchIntervals,
            logger: logger
        )
        if case .telnyx = configuration.provider { try await app.providerWatch.schedule() }
        if postgres == nil { pool.observeCommits { size in metrics.committedBatch(of: size) } }
        let rpcServer = RPCServer(
            configuration: configuration.rpc,
            services: app.rpcServices,
            metricsFactory: metricsFactory,
            logger: logger
        )
        return PhoneNumbersServer(app: app, rpcServer: rpcServer, store: store, pool: pool, postgres: postgres, logger: logger)
    }

    private init(
        app: PhoneNumbersApplication,
        rpcServer: RPCServer,
        store: any PhoneNumbersStore,
        pool: DatabasePool,
        postgres: PostgresPhoneNumbersStore?,
        logger: Logger
    ) {
        self.app = app
        self.rpcServer = rpcServer
        self.store = store
        self.pool = pool
        self.postgres = postgres
        self.logger = logger
    }

    /// Serves until a graceful shutdown, which stops in order: the RPC side drains first,
    /// then the job runner, the change feed and the sampler stop.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: app.sampler), .init(service: app.changeFeed), .init(service: app.jobs), .init(service: rpcServer),
                ],
                logger: logger
            )
        )
        try await withGracefulShutdownHandler {
            try await group.run()
        } onGracefulShutdown: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// The service's methods, for transports beside PNRPC (the Connect gateway): the RPC
    /// server's router, so its drain ends their streams too.
    public var router: RPCRouter { rpcServer.router }

    /// Lets go of the store's connections (PostgreSQL); call once `run()` returned.
    public func close() async {
        await postgres?.close()
    }
}
