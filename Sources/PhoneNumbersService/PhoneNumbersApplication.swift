import Logging
import RPCCore

/// The service assembled: its domains over a store and a provider, the job runner
/// that carries on their background work, and the RPC services to serve.
public struct PhoneNumbersApplication: Sendable {
    public let accounts: AccountsDomain
    public let registration: RegistrationDomain
    public let numbers: NumbersDomain
    public let campaigns: CampaignsDomain
    public let events: EventsDomain
    public let jobs: JobRunner
    public let authenticator: Authenticator
    /// Wakes watchers (WatchNumber, WatchEvents) after changes commit.
    public let signals: AccountSignals
    /// Wakes them after other replicas' changes; run it (a `Service`) beside `jobs`.
    public let changeFeed: ChangeFeed
    /// The service's metrics (`phone_numbers_…`).
    public let metrics: DomainMetrics
    /// Samples the store for the gauges; run it (a `Service`) beside `jobs`.
    public let sampler: MetricsSampler
    /// Answers the provider's port-out requests and reconciles numbers, periodically;
    /// `schedule()` it once at start.
    public let providerWatch: ProviderWatch

    /// Wires the domains; run `jobs` (a `Service`) beside the RPC server.
    ///
    /// `clock` is the service's time (token expiry); tests move it instead of sleeping.
    /// `replicaID` names this replica on the job leases it holds: keep it across restarts;
    /// `jobLease` is how long they last without renewal.
    public init(
        store baseStore: any PhoneNumbersStore,
        provider baseProvider: any NumberProvider,
        replicaID: String = Identifiers.make("replica"),
        jobLease: Duration = .seconds(30),
        clock: @escaping ServiceClock = currentTimestamp,
        metrics: DomainMetrics = DomainMetrics(),
        providerWatchIntervals: (portOuts: Duration, reconciliation: Duration) = (.seconds(60), .seconds(3600)),
        logger: Logger = Logger(label: "phone-numbers")
    ) {
        // Every store transaction and provider call is measured, whichever store and provider.
        let store = InstrumentedStore(base: baseStore, metrics: metrics)
        let provider = InstrumentedProvider(base: baseProvider, metrics: metrics)
        self.metrics = metrics
        sampler = MetricsSampler(store: store, metrics: metrics, clock: clock, interval: .seconds(10), logger: logger)
        let jobs = JobRunner(store: store, leaseDuration: jobLease, owner: replicaID, metrics: metrics, logger: logger)
        self.jobs = jobs
        let principals = PrincipalCache()
        authenticator = Authenticator(store: store, cache: principals, clock: clock, metrics: metrics, logger: logger)
        accounts = AccountsDomain(store: store, principals: principals, clock: clock)
        registration = RegistrationDomain(store: store, provider: provider, jobs: jobs, logger: logger)
        let signals = AccountSignals()
        self.signals = signals
        changeFeed = ChangeFeed(store: store, signals: signals)
        let lifecycle = NumberLifecycle(
            store: store,
            provider: provider,
            signals: signals,
            jobs: jobs,
            logger: logger,
            listener: SingleUseLaunches(metrics: metrics),
            metrics: metrics
        )
        numbers = NumbersDomain(store: store, provider: provider, signals: signals, lifecycle: lifecycle, logger: logger)
        campaigns = CampaignsDomain(store: store, signals: signals, jobs: jobs, metrics: metrics, logger: logger)
        events = EventsDomain(store: store, signals: signals, metrics: metrics)
        providerWatch = ProviderWatch(
            numbers: numbers,
            portOutInterval: providerWatchIntervals.portOuts,
            reconcileInterval: providerWatchIntervals.reconciliation
        )
        registration.registerJobs()
        lifecycle.registerJobs()
        providerWatch.registerJobs()
    }

    /// The RPC services of the phone numbers API.
    public var rpcServices: [any RPCService] {
        [
            AccountsAPI(domain: accounts, authenticator: authenticator),
            RegistrationAPI(domain: registration, authenticator: authenticator),
            AreaCodesAPI(authenticator: authenticator, provider: numbers.provider),
            NumbersAPI(domain: numbers, providerWatch: providerWatch, authenticator: authenticator),
            CampaignsAPI(domain: campaigns, authenticator: authenticator),
            EventsAPI(domain: events, authenticator: authenticator),
        ]
    }
}
