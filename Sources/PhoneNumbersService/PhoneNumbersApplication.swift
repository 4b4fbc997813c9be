import Logging
import RPCCore

/// The service assembled: its domains over a store and a provider, the job runner
/// that carries on their background work, and the RPC services to serve.
public struct PhoneNumbersApplication: Sendable {
    public let accounts: AccountsDomain
    public let registration: RegistrationDomain
    public let numbers: NumbersDomain
    public let jobs: JobRunner
    public let authenticator: Authenticator

    /// Wires the domains; run `jobs` (a `Service`) beside the RPC server.
    public init(store: any PhoneNumbersStore, provider: any NumberProvider, logger: Logger = Logger(label: "phone-numbers")) {
        let jobs = JobRunner(store: store, logger: logger)
        self.jobs = jobs
        authenticator = Authenticator(store: store)
        accounts = AccountsDomain(store: store)
        registration = RegistrationDomain(store: store, provider: provider, jobs: jobs, logger: logger)
        numbers = NumbersDomain(store: store, provider: provider, events: NumberEvents(), jobs: jobs, logger: logger)
        registration.registerJobs()
        numbers.registerJobs()
    }

    /// The RPC services of the phone numbers API.
    public var rpcServices: [any RPCService] {
        [
            AccountsAPI(domain: accounts, authenticator: authenticator),
            RegistrationAPI(domain: registration, authenticator: authenticator),
            AreaCodesAPI(authenticator: authenticator),
            NumbersAPI(domain: numbers, authenticator: authenticator),
        ]
    }
}
