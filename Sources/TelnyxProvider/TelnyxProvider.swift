import AsyncHTTPClient
import Foundation
import Logging
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import PhoneNumbersService
import Synchronization
import TelnyxAPI

/// The service's provider interface over the Telnyx API (docs/PROVIDERS.md).
///
/// - Reserve: the first SMS-capable local number of the area code, held with a
///   number reservation whose `customer_reference` is the service's number id.
/// - Provision, one step per call, each looked up before it is done again:
///   the order (found by `customer_reference`, placed only when there is none, so a
///   crash between placing and recording never buys twice), then the messaging profile,
///   then the 10DLC campaign assignment, polled until ASSIGNED or FAILED_ASSIGNMENT.
/// - Release: unassign from the campaign, then delete the number, and only while the
///   provider holds it under the same `customer_reference`.
/// - Port-out PIN: the number's `external_pin`. Port-out requests: the pending ones are
///   answered with `authorized` or `rejected-pending` and the service's reason.
public struct TelnyxProvider: NumberProvider {
    private let api: TelnyxAPI.Client
    private let configuration: TelnyxConfiguration
    private let logger: Logger
    /// What this process remembers, starting with its reservations by the service's key: a retried reservation
    /// returns the same number. (A hold lost in a crash expires by itself in 30 minutes
    /// and costs nothing; only orders buy, and those are looked up by key.)
    private let state = AdapterState()

    public init(configuration: TelnyxConfiguration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let transport = AsyncHTTPClientTransport(
            configuration: .init(client: httpClient, timeout: .nanoseconds(Int64(configuration.requestTimeout.nanoseconds)))
        )
        api = TelnyxAPI.Client(
            serverURL: configuration.baseURL,
            transport: transport,
            middlewares: [TelnyxMiddleware(apiKey: configuration.apiKey, retry: configuration.retry, logger: logger)]
        )
    }

    public var allowsDirectStatusChanges: Bool { false }

    /// Runs one API call, mapping every failure onto the service's provider errors.
    private func call<T>(_ body: () async throws -> T) async throws(ProviderError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.providerError(error)
        }
    }

    static func providerError(_ error: any Error) -> ProviderError {
        if let error = error as? ProviderError { return error }
        let http = (error as? ClientError)?.underlyingError as? TelnyxHTTPError ?? error as? TelnyxHTTPError
        guard let http else { return .transient("Telnyx answered something unexpected: \(error)") }
        switch http.status {
        case 0, 408, 429, 500...599: return .transient(http.description)
        case 401, 403: return .permanent("Telnyx refused the API key (\(http.detail)); check TELNYX_API_KEY_FILE")
        default: return .permanent("Telnyx: \(http.detail)")
        }
    }

    private static func isNotFound(_ error: any Error) -> Bool {
        ((error as? ClientError)?.underlyingError as? TelnyxHTTPError)?.status == 404
    }

    // MARK: Inventory and reservations

    private func available(_ areaCode: String, limit: Int) async throws(ProviderError) -> [String] {
        try await call {
            let response = try await api.listAvailablePhoneNumbers(
                query: .init(
                    filter: .init(
                        countryCode: "US",
                        features: [.sms],
                        limit: limit,
                        nationalDestinationCode: areaCode,
                        phoneNumberType: .local
                    )
                )
            )
            return try response.ok.body.json.data?.compactMap(\.phoneNumber) ?? []
        }
    }

    /// Concurrent reservations under one key share one attempt (one hold, one number).
    public func reserveNumber(areaCode: String, reservationKey: String) async throws(ProviderError) -> String {
        if let held = state.reservations.withLock({ $0[reservationKey] }) { return held }
        let task = state.inFlight.withLock { inFlight in
            if let running = inFlight["\(reservationKey)/\(areaCode)"] { return running }
            let started = Task { () async throws -> String in try await reserveOnce(areaCode: areaCode, reservationKey: reservationKey) }
            inFlight["\(reservationKey)/\(areaCode)"] = started
            return started
        }
        defer { _ = state.inFlight.withLock { $0.removeValue(forKey: "\(reservationKey)/\(areaCode)") } }
        do {
            return try await task.value
        } catch {
            throw Self.providerError(error)
        }
    }

    private func reserveOnce(areaCode: String, reservationKey: String) async throws(ProviderError) -> String {
        if let held = state.reservations.withLock({ $0[reservationKey] }) { return held }
        let candidates = try await available(areaCode, limit: 5)
        guard !candidates.isEmpty else {
            _ = state.inventory.withLock { $0.removeValue(forKey: areaCode) }
            throw .noInventory(areaCode: areaCode)
        }
        var lastRefusal = ""
        for candidate in candidates {
            do {
                let response = try await api.createNumberReservation(
                    body: .json(.init(customerReference: reservationKey, phoneNumbers: [.init(phoneNumber: candidate)]))
                )
                let reservation = try response.ok.body.json.data
                guard reservation?.status != .failure, reservation?.phoneNumbers?.first?.status != .failure else {
                    lastRefusal = reservation?.phoneNumbers?.first?.errors ?? "reservation failed"
                    continue
                }
                state.reservations.withLock { $0[reservationKey] = candidate }
                return candidate
            } catch {
                let mapped = Self.providerError(error)
                // Taken by someone else between the search and the hold: try the next one.
                if case .permanent(let why) = mapped {
                    lastRefusal = why
                    continue
                }
                throw mapped
            }
        }
        logger.notice("no reservable number in the area code", metadata: ["area_code": "\(areaCode)", "reason": "\(lastRefusal)"])
        throw .noInventory(areaCode: areaCode)
    }

    /// One search per area code (at most 8 at once), each answer kept for
    /// `TelnyxConfiguration.inventoryCacheLifetime`: listing every area code must not
    /// send hundreds of calls each time.
    public func areaCodesWithInventory(_ areaCodes: [String]) async throws(ProviderError) -> Set<String> {
        let now = ContinuousClock.now
        var known = state.inventory.withLock { cache in
            cache.filter { $0.value.until > now }.mapValues(\.stocked)
        }
        let missing = areaCodes.filter { known[$0] == nil }
        do {
            try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                var next = missing.makeIterator()
                func addNext() {
                    guard let areaCode = next.next() else { return }
                    group.addTask { (areaCode, try await !available(areaCode, limit: 1).isEmpty) }
                }
                for _ in 0..<8 { addNext() }
                while let (areaCode, stocked) = try await group.next() {
                    known[areaCode] = stocked
                    let until = ContinuousClock.now + configuration.inventoryCacheLifetime
                    state.inventory.withLock { $0[areaCode] = (stocked, until) }
                    addNext()
                }
            }
        } catch {
            throw Self.providerError(error)
        }
        return Set(areaCodes.filter { known[$0] == true })
    }

    /// Nothing to cancel at Telnyx's API: an unused hold expires after 30 minutes.
    public func cancelReservation(reservationKey: String) async throws(ProviderError) {
        _ = state.reservations.withLock { $0.removeValue(forKey: reservationKey) }
    }

    // MARK: Provisioning

    public func provision(e164: String, reservationKey: String, useCaseID: String) async throws(ProviderError) -> ProvisioningProgress {
        // The service recorded the reservation before provisioning: no retry will ask for it again.
        _ = state.reservations.withLock { $0.removeValue(forKey: reservationKey) }
        guard let campaignID = configuration.campaigns[useCaseID] ?? configuration.campaigns["*"] else {
            throw .permanent(
                "use case \(useCaseID) has no Telnyx 10DLC campaign: start the service with --telnyx-campaign \(useCaseID)=<campaign id>, then retry provisioning"
            )
        }
        // 1. The order: adopted if one was placed under this key, else placed now.
        let order = try await call { () async throws -> Components.Schemas.NumberOrder? in
            let response = try await api.listNumberOrders(query: .init(filter: .init(customerReference: reservationKey)))
            return try response.ok.body.json.data?.first { order in order.phoneNumbers?.contains { $0.phoneNumber == e164 } ?? true }
        }
        switch order?.status {
        case nil:
            try await call {
                _ = try await api.createNumberOrder(
                    body: .json(
                        .init(
                            customerReference: reservationKey,
                            messagingProfileId: configuration.messagingProfileID,
                            phoneNumbers: [.init(phoneNumber: e164)]
                        )
                    )
                ).ok
            }
            logger.info("number ordered", metadata: ["number.e164": "\(e164)", "number.id": "\(reservationKey)"])
            return .pending(stage: "number order pending", after: configuration.pollInterval)
        case .pending:
            return .pending(stage: "number order pending", after: configuration.pollInterval)
        case .failure:
            throw .permanent("Telnyx could not complete the number order for \(e164); the reservation may have expired")
        case .success:
            break
        }
        // 2. The messaging profile, then 3. the campaign assignment.
        let assignment = try await assignment(e164)
        guard let assignment else {
            guard let number = try await phoneNumber(e164, key: reservationKey) else {
                return .pending(stage: "number not yet active", after: configuration.pollInterval)
            }
            if number.messagingProfileId != configuration.messagingProfileID {
                try await call {
                    _ = try await api.updatePhoneNumberMessagingSettings(
                        path: .init(id: number.id),
                        body: .json(.init(messagingProfileId: configuration.messagingProfileID))
                    ).ok
                }
            }
            try await call {
                _ = try await api.createPhoneNumberCampaign(body: .json(.init(campaignId: campaignID, phoneNumber: e164))).ok
            }
            return .pending(stage: "10DLC campaign assignment pending", after: configuration.pollInterval)
        }
        switch TelnyxStatuses.assignment(assignment.assignmentStatus) {
        case .assigned:
            return .provisioned
        case .pending:
            return .pending(stage: "10DLC campaign assignment pending", after: configuration.pollInterval)
        case .failed:
            // The failed assignment is removed so that RetryProvisioning assigns afresh.
            do {
                _ = try await api.deletePhoneNumberCampaign(path: .init(phoneNumber: e164)).ok
            } catch {
                logger.notice("could not remove a failed campaign assignment", metadata: ["number.e164": "\(e164)", "error": "\(error)"])
            }
            throw .permanent("the 10DLC campaign assignment failed: \(assignment.failureReasons ?? "no reason given")")
        }
    }

    private func assignment(_ e164: String) async throws(ProviderError) -> Components.Schemas.PhoneNumberCampaign? {
        do {
            return try await api.getSinglePhoneNumberCampaign(path: .init(phoneNumber: e164)).ok.body.json
        } catch  where Self.isNotFound(error) {
            return nil
        } catch {
            throw Self.providerError(error)
        }
    }

    /// The number as Telnyx holds it for this key, or nil.
    private func phoneNumber(_ e164: String, key: String?) async throws(ProviderError) -> Components.Schemas.PhoneNumberDetailed? {
        try await call {
            let response = try await api.listPhoneNumbers(query: .init(filter: .init(phoneNumber: e164)))
            let found = try response.ok.body.json.data.first { $0.phoneNumber == e164 }
            guard let found, key == nil || found.customerReference == key else { return nil }
            return found
        }
    }

    // MARK: Port-out PIN and release

    public func setPortOutPIN(e164: String, pin: String) async throws(ProviderError) {
        guard let number = try await phoneNumber(e164, key: nil) else { throw .permanent("Telnyx does not hold \(e164)") }
        try await call { _ = try await api.updatePhoneNumber(path: .init(id: number.id), body: .json(.init(externalPin: pin))).ok }
    }

    public func portOutPIN(e164: String) async throws(ProviderError) -> String {
        // The number's listing carries `external_pin`: no second call.
        guard let number = try await phoneNumber(e164, key: nil) else { throw .permanent("Telnyx does not hold \(e164)") }
        return number.externalPin ?? ""
    }

    public func release(e164: String, reservationKey: String) async throws(ProviderError) {
        _ = state.reservations.withLock { $0.removeValue(forKey: reservationKey) }
        // Held under another key (or not at all): someone else's now; nothing to do.
        guard let number = try await phoneNumber(e164, key: reservationKey) else { return }
        if try await assignment(e164) != nil {
            do {
                _ = try await api.deletePhoneNumberCampaign(path: .init(phoneNumber: e164)).ok
            } catch  where Self.isNotFound(error) {
            } catch {
                throw Self.providerError(error)
            }
        }
        do {
            _ = try await api.deletePhoneNumber(path: .init(id: number.id)).ok
        } catch  where Self.isNotFound(error) {
        } catch {
            throw Self.providerError(error)
        }
        logger.info("number released at Telnyx", metadata: ["number.e164": "\(e164)", "number.id": "\(reservationKey)"])
    }

    // MARK: Vetting (brands and campaigns are registered in the Telnyx portal; their status is read here)

    public func vetBrand(_ brand: BrandRecord) async throws(ProviderError) -> (BrandRecord.Status, String) {
        guard let brandID = configuration.brands[brand.accountID] ?? configuration.brands["*"] else {
            return (.pending, "waiting for the Telnyx brand of account \(brand.accountID): --telnyx-brand \(brand.accountID)=<brand id>")
        }
        let found = try await call { try await api.getBrand(path: .init(brandId: brandID)).ok.body.json.value1 }
        return TelnyxStatuses.brand(status: found.status?.rawValue, identity: found.identityStatus?.rawValue, reasons: found.failureReasons)
    }

    public func vetUseCase(_ useCase: UseCaseRecord, brand: BrandRecord) async throws(ProviderError) -> (UseCaseRecord.Status, String) {
        guard let campaignID = configuration.campaigns[useCase.id] ?? configuration.campaigns["*"] else {
            return (
                useCase.status, "waiting for the Telnyx campaign of use case \(useCase.id): --telnyx-campaign \(useCase.id)=<campaign id>"
            )
        }
        let campaign = try await call { try await api.getCampaign(path: .init(campaignId: campaignID)).ok.body.json }
        let (status, reason) = TelnyxStatuses.campaign(campaign.campaignStatus?.rawValue)
        return (status ?? useCase.status, reason)
    }

    // MARK: Port-out requests and reconciliation

    /// Telnyx compares the gaining carrier's PIN with `external_pin` before a request
    /// reaches `pending`: pending ones matched, and `rejected` ones (Telnyx's own refusal;
    /// the service's answers are `rejected-pending`) did not.
    public func pendingPortOuts() async throws(ProviderError) -> [ProviderPortOut] {
        var found: [ProviderPortOut] = []
        for matched in [true, false] {
            found += try await call {
                let response = try await api.listPortoutRequest(query: .init(filter: .init(status: matched ? .pending : .rejected)))
                return try (response.ok.body.json.data ?? []).compactMap { request in
                    guard let id = request.id, let numbers = request.phoneNumbers, !numbers.isEmpty else { return nil }
                    return ProviderPortOut(
                        id: id,
                        numbers: numbers,
                        gainingCarrier: request.carrierName ?? "",
                        pinMatched: matched,
                        answeredByProvider: !matched
                    )
                }
            }
        }
        return found
    }

    public func answerPortOut(_ request: ProviderPortOut, authorize: Bool, reason: String) async throws(ProviderError) {
        try await call {
            _ = try await api.updatePortoutStatus(
                path: .init(id: request.id, status: authorize ? .authorized : .rejectedPending),
                body: .json(.init(reason: authorize ? "Authorized by the number's owner service." : reason))
            ).ok
        }
    }

    /// The campaign `--telnyx-campaign` names for the use case (or for every use case, `*`).
    public func tenDLCCampaignID(forUseCase useCaseID: String) -> String? {
        configuration.campaigns[useCaseID] ?? configuration.campaigns["*"]
    }

    public func heldNumbers() async throws(ProviderError) -> [ProviderHeldNumber] {
        var held: [ProviderHeldNumber] = []
        var page = 1
        while page <= 200 {
            let (numbers, totalPages) = try await call { () async throws -> ([Components.Schemas.PhoneNumberDetailed], Int) in
                let response = try await api.listPhoneNumbers(query: .init(page: .init(number: page, size: 250)))
                let body = try response.ok.body.json
                return (body.data, body.meta.totalPages ?? 1)
            }
            held += numbers.map { ProviderHeldNumber(e164: $0.phoneNumber, reservationKey: $0.customerReference ?? "") }
            guard page < totalPages else { break }
            page += 1
        }
        return held
    }
}

/// What this process remembers between calls: its reservations by key, the ones under
/// way, and the inventory answers it may reuse.
final class AdapterState: Sendable {
    /// The numbers this process reserved, by key.
    let reservations = Mutex<[String: String]>([:])
    /// Reservations under way, by key and area code.
    let inFlight = Mutex<[String: Task<String, any Error>]>([:])
    /// Whether an area code had numbers, and until when that answer is kept.
    let inventory = Mutex<[String: (stocked: Bool, until: ContinuousClock.Instant)]>([:])
}
