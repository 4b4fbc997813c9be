/// Why the provider refused or failed.
public enum ProviderError: Error, Sendable, Hashable {
    /// No number is available in the area code.
    case noInventory(areaCode: String)
    /// A failure worth retrying (timeouts, rate limits, outages).
    case transient(String)
    /// A final refusal, with a reason a person can act on.
    case permanent(String)
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
    /// Provisions `e164` for the 10DLC use case `useCaseID`.
    func provision(e164: String, useCaseID: String) async throws(ProviderError)
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
}
