/// Why the provider refused or failed.
public enum ProviderError: Error, Sendable, Hashable {
    /// No number is available in the area code.
    case noInventory(areaCode: String)
    /// A failure worth retrying (timeouts, rate limits, outages).
    case transient(String)
    /// A final refusal, with a reason a person can act on.
    case permanent(String)
    /// A final refusal of this number itself (the carrier will not register it): trying it
    /// again cannot help; the number must be replaced.
    case numberUnusable(String)
}

/// The carrier/number provider: inventory, 10DLC provisioning, the port-out PIN
/// system, and brand and use case vetting. The built-in `SimulatedProvider` implements
/// it; a real provider plugs in the same way.
///
/// Calls must be idempotent: the service retries after crashes and timeouts.
public protocol NumberProvider: Sendable {
    /// Reserves a number in `areaCode`, or returns the one already reserved under
    /// `reservationKey`. Returns it in E.164.
    func reserveNumber(areaCode: String, reservationKey: String) async throws(ProviderError) -> String
    /// Which of `areaCodes` have numbers to reserve now (for the area-code list).
    func areaCodesWithInventory(_ areaCodes: [String]) async throws(ProviderError) -> Set<String>
    /// Cancels the reservation made under `reservationKey`, if any.
    func cancelReservation(reservationKey: String) async throws(ProviderError)
    /// Takes provisioning `e164` (reserved under `reservationKey`) for the 10DLC use case
    /// `useCaseID` one step further: buys the number if it is not bought yet, assigns it
    /// to the use case's campaign, and reports whether it is provisioned or what the
    /// provider is still doing. Called again until it answers `.provisioned`; each call
    /// first looks at what the provider already did, so a call repeated after a crash
    /// never buys or assigns twice.
    func provision(e164: String, reservationKey: String, useCaseID: String) async throws(ProviderError) -> ProvisioningProgress
    /// Sets the port-out PIN that protects `e164`.
    func setPortOutPIN(e164: String, pin: String) async throws(ProviderError)
    /// The port-out PIN of `e164`.
    func portOutPIN(e164: String) async throws(ProviderError) -> String
    /// Releases `e164`, reserved under `reservationKey`, back to the provider. Keyed by
    /// the reservation so that a retried release never releases the number again after
    /// the provider has handed it to another reservation.
    func release(e164: String, reservationKey: String) async throws(ProviderError)
    /// Vets a submitted brand; returns its new status and, on failure, why.
    func vetBrand(_ brand: BrandRecord) async throws(ProviderError) -> (BrandRecord.Status, String)
    /// Advances a use case's vetting by one step (PENDING → REGISTERED → APPROVED, or FAILED).
    func vetUseCase(_ useCase: UseCaseRecord, brand: BrandRecord) async throws(ProviderError) -> (UseCaseRecord.Status, String)
    /// Whether the operator may set vetting statuses directly (simulation only).
    var allowsDirectStatusChanges: Bool { get }
    /// Port-out requests for the service's numbers: those waiting for its answer, and those
    /// the provider refused itself for a wrong PIN (`answeredByProvider`), which the service
    /// records as attempts. Providers that relay each request through `RequestPortOut`
    /// instead answer none.
    func pendingPortOuts() async throws(ProviderError) -> [ProviderPortOut]
    /// Authorizes or rejects a pending port-out request, with the reason the service gives.
    func answerPortOut(_ request: ProviderPortOut, authorize: Bool, reason: String) async throws(ProviderError)
    /// Every number the provider holds for this service, with the key it was reserved
    /// under: what reconciliation compares with the service's numbers.
    func heldNumbers() async throws(ProviderError) -> [ProviderHeldNumber]
    /// The provider's 10DLC campaign for a use case (the one its numbers are assigned to),
    /// or nil when the provider has none for it: shown with the use case and its numbers.
    func tenDLCCampaignID(forUseCase useCaseID: String) -> String?
}

/// How far provisioning a number has come.
public enum ProvisioningProgress: Sendable, Equatable {
    /// The number can text for its use case.
    case provisioned
    /// The provider is still working (an order or a campaign assignment is pending);
    /// ask again after `after`. `stage` says what is pending, for logs and the job row.
    case pending(stage: String, after: Duration)
}

/// A carrier's request to port numbers away, as the provider reports it.
public struct ProviderPortOut: Sendable, Hashable {
    /// The provider's id of the request.
    public var id: String
    /// The numbers it would take, in E.164.
    public var numbers: [String]
    /// The carrier that would gain them.
    public var gainingCarrier: String
    /// Whether the PIN the gaining carrier gave matched the number's port-out PIN,
    /// as the provider checked it.
    public var pinMatched: Bool
    /// The provider refused it itself (a wrong PIN): the service records the attempt, and
    /// answers nothing.
    public var answeredByProvider: Bool

    public init(id: String, numbers: [String], gainingCarrier: String, pinMatched: Bool, answeredByProvider: Bool = false) {
        self.id = id
        self.numbers = numbers
        self.gainingCarrier = gainingCarrier
        self.pinMatched = pinMatched
        self.answeredByProvider = answeredByProvider
    }
}

/// A number the provider holds for the service.
public struct ProviderHeldNumber: Sendable, Hashable {
    /// The number in E.164.
    public var e164: String
    /// The key it was reserved and bought under (the service's number id), or empty
    /// when the provider has none.
    public var reservationKey: String

    public init(e164: String, reservationKey: String) {
        self.e164 = e164
        self.reservationKey = reservationKey
    }
}

extension NumberProvider {
    /// None: port-outs reach the service through `RequestPortOut`.
    public func pendingPortOuts() async throws(ProviderError) -> [ProviderPortOut] { [] }
    /// Nothing to answer when no request is ever pending.
    public func answerPortOut(_ request: ProviderPortOut, authorize: Bool, reason: String) async throws(ProviderError) {}
}
