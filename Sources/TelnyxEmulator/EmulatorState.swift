import Foundation

/// What the emulator holds: inventory per area code, reservations, orders, numbers,
/// 10DLC campaign assignments, brands and campaigns, port-out requests. Times are the
/// emulator clock's milliseconds.
struct EmulatorState: Sendable {
    struct Reservation: Sendable {
        var id: String
        var e164: String
        var customerReference: String
        var expiresAt: Int64
        var createdAt: Int64
    }

    struct Order: Sendable {
        var id: String
        var customerReference: String
        var messagingProfileID: String
        var e164s: [String]
        var createdAt: Int64
        var status: String
    }

    struct Number: Sendable {
        var id: String
        var e164: String
        var customerReference: String
        var messagingProfileID: String
        var externalPIN: String
        var createdAt: Int64
    }

    struct Assignment: Sendable {
        var e164: String
        var campaignID: String
        var createdAt: Int64
        var status: String
        var failureReasons: String?
    }

    struct PortOut: Sendable {
        var id: String
        var e164s: [String]
        var carrier: String
        var status: String
        var reason: String?
        var createdAt: Int64
    }

    var reservations: [String: Reservation] = [:]
    var orders: [String: Order] = [:]
    var numbers: [String: Number] = [:]
    var assignments: [String: Assignment] = [:]
    var portOuts: [String: PortOut] = [:]
    /// 10DLC brands by id: status (OK, REGISTRATION_PENDING, REGISTRATION_FAILED) and identity status.
    var brands: [String: (status: String, identity: String?)] = [:]
    /// 10DLC campaigns by id: campaignStatus (TCR_PENDING … MNO_PROVISIONED).
    var campaigns: [String: String] = [:]
    /// Numbers given out once: not offered again (carriers age released numbers).
    var retired: Set<String> = []
    /// Orders placed, by customer reference: how a test sees that nothing was bought twice.
    var ordersPlaced: [String: Int] = [:]
    var nextID = 1

    mutating func makeID(_ prefix: String) -> String {
        defer { nextID += 1 }
        return "\(prefix)-\(String(format: "%08d", nextID))"
    }

    /// Advances what time moves on: orders complete, reservations expire, assignments settle.
    mutating func settle(now: Int64, behaviour: TelnyxEmulator.Behaviour) {
        reservations = reservations.filter { $0.value.expiresAt > now }
        for (id, order) in orders where order.status == "pending" && now - order.createdAt >= behaviour.orderDelay.milliseconds {
            orders[id]!.status = "success"
            for e164 in order.e164s where !numbers.values.contains(where: { $0.e164 == e164 }) {
                let numberID = String(1_000_000_000_000 + nextID)
                nextID += 1
                numbers[numberID] = Number(
                    id: numberID,
                    e164: e164,
                    customerReference: order.customerReference,
                    messagingProfileID: order.messagingProfileID,
                    externalPIN: "",
                    createdAt: now
                )
                reservations = reservations.filter { $0.value.e164 != e164 }
            }
        }
        for (e164, assignment) in assignments
        where assignment.status == "PENDING_ASSIGNMENT" && now - assignment.createdAt >= behaviour.assignmentDelay.milliseconds {
            if behaviour.failAssignmentAreaCodes.contains(String(e164.dropFirst(2).prefix(3))) {
                assignments[e164]!.status = "FAILED_ASSIGNMENT"
                assignments[e164]!.failureReasons = "The carrier rejected the number for this campaign (emulated)."
            } else {
                assignments[e164]!.status = "ASSIGNED"
            }
        }
    }

    /// The numbers of an area code nobody holds, reserved or retired, in order.
    func free(_ areaCode: String, behaviour: TelnyxEmulator.Behaviour) -> [String] {
        guard !behaviour.emptyAreaCodes.contains(areaCode) else { return [] }
        let taken = Set(reservations.values.map(\.e164)).union(numbers.values.map(\.e164)).union(retired)
            .union(orders.values.filter { $0.status == "pending" }.flatMap(\.e164s))
        return (0..<behaviour.inventoryPerAreaCode).map { "+1\(areaCode)55501" + String(format: "%02d", $0) }.filter { !taken.contains($0) }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
