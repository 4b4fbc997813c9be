import Foundation
import HTTPTypes
import OpenAPIRuntime
import TelnyxAPI

/// The emulated operations, on the server side of the generated description.
struct EmulatedAPI: APIProtocol {
    let emulator: TelnyxEmulator

    private func withState<T>(_ body: (inout EmulatorState, TelnyxEmulator.Behaviour, Int64) throws -> T) rethrows -> T {
        let behaviour = emulator.behaviour.withLock { $0 }
        let now = emulator.now
        return try emulator.state.withLock { try body(&$0, behaviour, now) }
    }

    private static func iso(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).ISO8601Format(
            .iso8601.year().month().day().time(includingFractionalSeconds: true)
        )
    }

    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// Telnyx's error body, for statuses the description leaves to `4XX` or doesn't list.
    private static func failure(_ code: String, _ title: String, _ detail: String) -> UndocumentedPayload {
        let body = errorBody(code: code, title: title, detail: detail)
        return UndocumentedPayload(headerFields: [.contentType: "application/json"], body: HTTPBody(body))
    }

    // MARK: Inventory and reservations

    func listAvailablePhoneNumbers(
        _ input: Operations.ListAvailablePhoneNumbers.Input
    ) async throws -> Operations.ListAvailablePhoneNumbers.Output {
        let filter = input.query.filter
        let areaCode = filter?.nationalDestinationCode ?? ""
        let limit = max(1, min(filter?.limit ?? 20, 100))
        let free = withState { state, behaviour, _ in Array(state.free(areaCode, behaviour: behaviour).prefix(limit)) }
        let data = free.map { e164 in
            Components.Schemas.AvailablePhoneNumber(
                bestEffort: false,
                features: [.init(name: "sms"), .init(name: "voice")],
                phoneNumber: e164,
                quickship: true,
                recordType: .availablePhoneNumber,
                regionInformation: [.init(regionName: areaCode, regionType: .rateCenter)],
                reservable: true,
                vanityFormat: ""
            )
        }
        return .ok(.init(body: .json(.init(data: data, meta: .init(bestEffortResults: 0, totalResults: data.count)))))
    }

    func createNumberReservation(
        _ input: Operations.CreateNumberReservation.Input
    ) async throws -> Operations.CreateNumberReservation.Output {
        guard case .json(let request) = input.body, let e164 = request.phoneNumbers?.first?.phoneNumber else {
            return .unprocessableContent(
                .init(body: .json(.init(errors: [.init(code: "10015", detail: "phone_numbers is required", title: "Invalid request")])))
            )
        }
        let made = withState { state, behaviour, now -> EmulatorState.Reservation? in
            let areaCode = String(e164.dropFirst(2).prefix(3))
            guard state.free(areaCode, behaviour: behaviour).contains(e164) else { return nil }
            let reservation = EmulatorState.Reservation(
                id: UUID().uuidString.lowercased(),
                e164: e164,
                customerReference: request.customerReference ?? "",
                expiresAt: now + behaviour.reservationLifetime.milliseconds,
                createdAt: now
            )
            state.reservations[reservation.id] = reservation
            return reservation
        }
        guard let made else {
            return .unprocessableContent(
                .init(
                    body: .json(
                        .init(errors: [.init(code: "85001", detail: "\(e164) is no longer available", title: "Number unavailable")])
                    )
                )
            )
        }
        return .ok(.init(body: .json(.init(data: Self.reservation(made)))))
    }

    private static func reservation(_ reservation: EmulatorState.Reservation) -> Components.Schemas.NumberReservation {
        .init(
            createdAt: date(reservation.createdAt),
            customerReference: reservation.customerReference,
            id: reservation.id,
            phoneNumbers: [
                .init(
                    createdAt: date(reservation.createdAt),
                    expiredAt: date(reservation.expiresAt),
                    id: reservation.id,
                    phoneNumber: reservation.e164,
                    recordType: "reserved_phone_number",
                    status: .success,
                    updatedAt: date(reservation.createdAt)
                )
            ],
            recordType: "number_reservation",
            status: .success,
            updatedAt: date(reservation.createdAt)
        )
    }

    func retrieveNumberReservation(
        _ input: Operations.RetrieveNumberReservation.Input
    ) async throws -> Operations.RetrieveNumberReservation.Output {
        guard let found = withState({ state, _, _ in state.reservations[input.path.numberReservationId] }) else {
            return .notFound(
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "no such reservation", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.reservation(found)))))
    }

    // MARK: Orders

    private static func order(_ order: EmulatorState.Order) -> Components.Schemas.NumberOrderWithPhoneNumbers {
        .init(
            connectionId: "",
            createdAt: date(order.createdAt),
            customerReference: order.customerReference,
            id: order.id,
            messagingProfileId: order.messagingProfileID,
            phoneNumbers: order.e164s.map {
                .init(id: order.id, phoneNumber: $0, recordType: "number_order_phone_number", status: .init(rawValue: order.status))
            },
            phoneNumbersCount: order.e164s.count,
            recordType: "number_order",
            requirementsMet: true,
            status: .init(rawValue: order.status),
            updatedAt: date(order.createdAt)
        )
    }

    func listNumberOrders(_ input: Operations.ListNumberOrders.Input) async throws -> Operations.ListNumberOrders.Output {
        let reference = input.query.filter?.customerReference
        let orders = withState { state, _, _ in
            state.orders.values.filter { reference == nil || $0.customerReference == reference }.sorted { $0.createdAt < $1.createdAt }
        }
        let data = orders.map { order in
            Components.Schemas.NumberOrder(
                connectionId: "",
                createdAt: Self.date(order.createdAt),
                customerReference: order.customerReference,
                id: order.id,
                messagingProfileId: order.messagingProfileID,
                phoneNumbers: order.e164s.map { .init(id: order.id, phoneNumber: $0) },
                phoneNumbersCount: order.e164s.count,
                recordType: "number_order",
                requirementsMet: true,
                status: .init(rawValue: order.status),
                updatedAt: Self.date(order.createdAt)
            )
        }
        return .ok(
            .init(
                body: .json(
                    .init(data: data, meta: .init(pageNumber: 1, pageSize: max(1, data.count), totalPages: 1, totalResults: data.count))
                )
            )
        )
    }

    func createNumberOrder(_ input: Operations.CreateNumberOrder.Input) async throws -> Operations.CreateNumberOrder.Output {
        guard case .json(let request) = input.body, let numbers = request.phoneNumbers, !numbers.isEmpty else {
            return .unprocessableContent(
                .init(body: .json(.init(errors: [.init(code: "10015", detail: "phone_numbers is required", title: "Invalid request")])))
            )
        }
        let placed = withState { state, _, now -> EmulatorState.Order? in
            let reference = request.customerReference ?? ""
            // An order takes numbers reserved under its reference, or free ones.
            for number in numbers {
                let heldByOther = state.reservations.values.contains { $0.e164 == number.phoneNumber && $0.customerReference != reference }
                let owned = state.numbers.values.contains { $0.e164 == number.phoneNumber }
                if heldByOther || owned || state.retired.contains(number.phoneNumber) { return nil }
            }
            let order = EmulatorState.Order(
                id: UUID().uuidString.lowercased(),
                customerReference: reference,
                messagingProfileID: request.messagingProfileId ?? "",
                e164s: numbers.map(\.phoneNumber),
                createdAt: now,
                status: "pending"
            )
            state.orders[order.id] = order
            state.ordersPlaced[reference, default: 0] += 1
            return order
        }
        guard let placed else {
            return .unprocessableContent(
                .init(
                    body: .json(
                        .init(errors: [.init(code: "85001", detail: "a number of the order is not available", title: "Number unavailable")])
                    )
                )
            )
        }
        return .ok(.init(body: .json(.init(data: Self.order(placed)))))
    }

    func retrieveNumberOrder(_ input: Operations.RetrieveNumberOrder.Input) async throws -> Operations.RetrieveNumberOrder.Output {
        guard let found = withState({ state, _, _ in state.orders[input.path.numberOrderId] }) else {
            return .notFound(
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "no such order", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.order(found)))))
    }

    // MARK: Numbers

    private static func detailed(_ number: EmulatorState.Number) -> Components.Schemas.PhoneNumberDetailed {
        .init(
            countryIsoAlpha2: "US",
            createdAt: date(number.createdAt),
            customerReference: number.customerReference,
            deletionLockEnabled: false,
            // Required (string or null) by the description; the generated encoder leaves
            // nil out, so an unset PIN is sent as "".
            externalPin: number.externalPIN,
            id: number.id,
            messagingProfileId: number.messagingProfileID.isEmpty ? nil : number.messagingProfileID,
            phoneNumber: number.e164,
            phoneNumberType: .local,
            purchasedAt: iso(number.createdAt),
            recordType: "phone_number",
            status: .active,
            tags: [],
            updatedAt: iso(number.createdAt)
        )
    }

    func listPhoneNumbers(_ input: Operations.ListPhoneNumbers.Input) async throws -> Operations.ListPhoneNumbers.Output {
        let filter = input.query.filter
        let size = max(1, min(input.query.page?.size ?? 20, 250))
        let page = max(1, input.query.page?.number ?? 1)
        let all = withState { state, _, _ in
            state.numbers.values
                .filter { number in
                    (filter?.phoneNumber.map { number.e164.contains($0) } ?? true)
                        && (filter?.customerReference.map { number.customerReference == $0 } ?? true)
                }
                .sorted { $0.e164 < $1.e164 }
        }
        let slice = all.dropFirst((page - 1) * size).prefix(size)
        let totalPages = max(1, (all.count + size - 1) / size)
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: slice.map(Self.detailed),
                        meta: .init(pageNumber: page, pageSize: size, totalPages: totalPages, totalResults: all.count)
                    )
                )
            )
        )
    }

    private func number(_ id: String) -> EmulatorState.Number? { withState { state, _, _ in state.numbers[id] } }

    func retrievePhoneNumber(_ input: Operations.RetrievePhoneNumber.Input) async throws -> Operations.RetrievePhoneNumber.Output {
        guard let found = number(input.path.id) else {
            return .notFound(
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "no such number", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.detailed(found)))))
    }

    func updatePhoneNumber(_ input: Operations.UpdatePhoneNumber.Input) async throws -> Operations.UpdatePhoneNumber.Output {
        guard case .json(let request) = input.body else {
            return .badRequest(.init(body: .json(.init(errors: [.init(code: "10015", detail: "JSON only", title: "Invalid request")]))))
        }
        let updated = withState { state, _, _ -> EmulatorState.Number? in
            guard var found = state.numbers[input.path.id] else { return nil }
            if let pin = request.externalPin { found.externalPIN = pin }
            if let reference = request.customerReference { found.customerReference = reference }
            state.numbers[found.id] = found
            return found
        }
        guard let updated else {
            return .notFound(
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "no such number", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.detailed(updated)))))
    }

    func deletePhoneNumber(_ input: Operations.DeletePhoneNumber.Input) async throws -> Operations.DeletePhoneNumber.Output {
        let removed = withState { state, _, _ -> EmulatorState.Number? in
            guard let found = state.numbers.removeValue(forKey: input.path.id) else { return nil }
            if state.assignments[found.e164] != nil { state.assignments[found.e164] = nil }
            state.retired.insert(found.e164)
            return found
        }
        guard let removed else {
            return .notFound(
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "no such number", title: "Resource not found")])))
            )
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: .init(
                            createdAt: Self.iso(removed.createdAt),
                            customerReference: removed.customerReference,
                            id: removed.id,
                            phoneNumber: removed.e164,
                            phoneNumberType: .local,
                            purchasedAt: Self.iso(removed.createdAt),
                            recordType: "phone_number",
                            status: .deleted,
                            tags: []
                        )
                    )
                )
            )
        )
    }

    private static func messaging(_ number: EmulatorState.Number) -> Components.Schemas.PhoneNumberWithMessagingSettings {
        .init(
            countryCode: "US",
            createdAt: date(number.createdAt),
            id: number.id,
            messagingProfileId: number.messagingProfileID,
            phoneNumber: number.e164,
            recordType: .messagingSettings,
            trafficType: "A2P",
            _type: .longcode,
            updatedAt: date(number.createdAt)
        )
    }

    func getPhoneNumberMessagingSettings(
        _ input: Operations.GetPhoneNumberMessagingSettings.Input
    ) async throws
        -> Operations.GetPhoneNumberMessagingSettings.Output
    {
        guard let found = number(input.path.id) else {
            return .clientError(
                statusCode: 404,
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "the number was not found.", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.messaging(found)))))
    }

    func updatePhoneNumberMessagingSettings(
        _ input: Operations.UpdatePhoneNumberMessagingSettings.Input
    ) async throws
        -> Operations.UpdatePhoneNumberMessagingSettings.Output
    {
        guard case .json(let request) = input.body else {
            return .clientError(
                statusCode: 415,
                .init(body: .json(.init(errors: [.init(code: "10015", detail: "JSON only", title: "Invalid request")])))
            )
        }
        let updated = withState { state, _, _ -> EmulatorState.Number? in
            guard var found = state.numbers[input.path.id] else { return nil }
            if let profile = request.messagingProfileId { found.messagingProfileID = profile }
            state.numbers[found.id] = found
            return found
        }
        guard let updated else {
            return .clientError(
                statusCode: 404,
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "the number was not found.", title: "Resource not found")])))
            )
        }
        return .ok(.init(body: .json(.init(data: Self.messaging(updated)))))
    }

    func createMessagingProfile(_ input: Operations.CreateMessagingProfile.Input) async throws -> Operations.CreateMessagingProfile.Output {
        .undocumented(statusCode: 501, Self.failure("10000", "Not emulated", "create messaging profiles in the portal"))
    }

    // MARK: 10DLC

    func createBrandPost(_ input: Operations.CreateBrandPost.Input) async throws -> Operations.CreateBrandPost.Output {
        .undocumented(statusCode: 501, Self.failure("10000", "Not emulated", "register brands in the portal"))
    }

    func getBrand(_ input: Operations.GetBrand.Input) async throws -> Operations.GetBrand.Output {
        guard let brand = withState({ state, _, _ in state.brands[input.path.brandId] }) else {
            return .clientError(
                statusCode: 404,
                .init(body: .json(.init(errors: [.init(code: "10005", detail: "the brand was not found.", title: "Resource not found")])))
            )
        }
        var value = Components.Schemas.TelnyxBrand(
            brandRelationship: .init(value1: .basicAccount),
            country: "US",
            displayName: "Emulated brand",
            email: "brand@example.com",
            entityType: .init(value1: .privateProfit),
            vertical: "TECHNOLOGY"
        )
        value.brandId = input.path.brandId
        value.status = .init(rawValue: brand.status)
        value.identityStatus = brand.identity.flatMap { .init(rawValue: $0) }
        if brand.status == "REGISTRATION_FAILED" { value.failureReasons = "The EIN does not match the legal name (emulated)." }
        return .ok(.init(body: .json(.init(value1: value, value2: .init(assignedCampaignsCount: 0)))))
    }

    func postCampaign(_ input: Operations.PostCampaign.Input) async throws -> Operations.PostCampaign.Output {
        .undocumented(statusCode: 501, Self.failure("10000", "Not emulated", "register campaigns in the portal"))
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        guard let status = withState({ state, _, _ in state.campaigns[input.path.campaignId] }) else {
            return .clientError(
                statusCode: 404,
                .init(
                    body: .json(.init(errors: [.init(code: "10005", detail: "the campaign was not found.", title: "Resource not found")]))
                )
            )
        }
        var campaign = Components.Schemas.TelnyxCampaignCSP(
            brandId: "B-EMULATED",
            campaignId: input.path.campaignId,
            cspId: "CSP-EMULATED",
            description: "Emulated campaign",
            mock: true,
            subUsecases: [],
            termsAndConditions: true,
            usecase: "MIXED"
        )
        campaign.campaignStatus = .init(rawValue: status)
        return .ok(.init(body: .json(campaign)))
    }

    private static func assignment(_ assignment: EmulatorState.Assignment) -> Components.Schemas.PhoneNumberCampaign {
        .init(
            assignmentStatus: .init(rawValue: assignment.status),
            campaignId: assignment.campaignID,
            createdAt: iso(assignment.createdAt),
            failureReasons: assignment.failureReasons,
            phoneNumber: assignment.e164,
            updatedAt: iso(assignment.createdAt)
        )
    }

    func createPhoneNumberCampaign(
        _ input: Operations.CreatePhoneNumberCampaign.Input
    ) async throws -> Operations.CreatePhoneNumberCampaign.Output {
        guard case .json(let request) = input.body else {
            return .clientError(
                statusCode: 415,
                .init(body: .json(.init(errors: [.init(code: "10015", detail: "JSON only", title: "Invalid request")])))
            )
        }
        let made = withState { state, _, now -> EmulatorState.Assignment? in
            guard state.numbers.values.contains(where: { $0.e164 == request.phoneNumber }) else { return nil }
            if let existing = state.assignments[request.phoneNumber] { return existing }
            let assignment = EmulatorState.Assignment(
                e164: request.phoneNumber,
                campaignID: request.campaignId,
                createdAt: now,
                status: "PENDING_ASSIGNMENT"
            )
            state.assignments[request.phoneNumber] = assignment
            return assignment
        }
        guard let made else {
            return .clientError(
                statusCode: 404,
                .init(
                    body: .json(
                        .init(errors: [.init(code: "10005", detail: "the phone number was not found.", title: "Resource not found")])
                    )
                )
            )
        }
        return .ok(.init(body: .json(Self.assignment(made))))
    }

    func getSinglePhoneNumberCampaign(
        _ input: Operations.GetSinglePhoneNumberCampaign.Input
    ) async throws
        -> Operations.GetSinglePhoneNumberCampaign.Output
    {
        guard let found = withState({ state, _, _ in state.assignments[input.path.phoneNumber] }) else {
            return .clientError(
                statusCode: 404,
                .init(
                    body: .json(.init(errors: [.init(code: "10005", detail: "the assignment was not found.", title: "Resource not found")]))
                )
            )
        }
        return .ok(.init(body: .json(Self.assignment(found))))
    }

    func deletePhoneNumberCampaign(
        _ input: Operations.DeletePhoneNumberCampaign.Input
    ) async throws -> Operations.DeletePhoneNumberCampaign.Output {
        guard var found = withState({ state, _, _ in state.assignments.removeValue(forKey: input.path.phoneNumber) }) else {
            return .clientError(
                statusCode: 404,
                .init(
                    body: .json(.init(errors: [.init(code: "10005", detail: "the assignment was not found.", title: "Resource not found")]))
                )
            )
        }
        found.status = "PENDING_UNASSIGNMENT"
        return .ok(.init(body: .json(Self.assignment(found))))
    }

    // MARK: Port-outs

    private static func details(_ portOut: EmulatorState.PortOut) -> Components.Schemas.PortoutDetails {
        .init(
            alreadyPorted: false,
            carrierName: portOut.carrier,
            createdAt: iso(portOut.createdAt),
            currentCarrier: "telnyx",
            hostMessaging: false,
            id: portOut.id,
            insertedAt: iso(portOut.createdAt),
            phoneNumbers: portOut.e164s,
            reason: portOut.reason,
            recordType: "portout",
            status: .init(rawValue: portOut.status),
            supportKey: "PO_\(portOut.id.prefix(6))",
            updatedAt: iso(portOut.createdAt)
        )
    }

    func listPortoutRequest(_ input: Operations.ListPortoutRequest.Input) async throws -> Operations.ListPortoutRequest.Output {
        let status = input.query.filter?.status?.rawValue
        let found = withState { state, _, _ in
            state.portOuts.values.filter { status == nil || $0.status == status }.sorted { $0.createdAt < $1.createdAt }
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        data: found.map(Self.details),
                        meta: .init(pageNumber: 1, pageSize: Double(max(1, found.count)), totalPages: 1, totalResults: Double(found.count))
                    )
                )
            )
        )
    }

    func findPortoutRequest(_ input: Operations.FindPortoutRequest.Input) async throws -> Operations.FindPortoutRequest.Output {
        guard let found = withState({ state, _, _ in state.portOuts[input.path.id] }) else { return .notFound(.init()) }
        return .ok(.init(body: .json(.init(data: Self.details(found)))))
    }

    func updatePortoutStatus(_ input: Operations.UpdatePortoutStatus.Input) async throws -> Operations.UpdatePortoutStatus.Output {
        guard case .json(let request) = input.body else { return .unprocessableContent(.init()) }
        let updated = withState { state, _, _ -> EmulatorState.PortOut? in
            guard var found = state.portOuts[input.path.id], found.status == "pending" else { return nil }
            found.status = input.path.status.rawValue
            found.reason = input.path.status == .authorized ? nil : request.reason
            state.portOuts[found.id] = found
            if input.path.status == .authorized {
                // The number leaves with the gaining carrier.
                state.numbers = state.numbers.filter { !found.e164s.contains($0.value.e164) }
            }
            return found
        }
        guard let updated else { return .unprocessableContent(.init()) }
        return .ok(.init(body: .json(.init(data: Self.details(updated)))))
    }
}
