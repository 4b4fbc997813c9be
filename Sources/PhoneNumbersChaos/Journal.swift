import PhoneNumbersClient

/// What the clients were told, to check against what the server stored.
actor Journal {
    struct NumberFacts {
        let accountID: String
        var name: String
        var deleted = false
        /// An unanswered call touched it after its last answered one: its details are unknown.
        var uncertain = false
    }

    struct CampaignFacts {
        let accountID: String
        var state: String
        var uncertain = false
    }

    struct PendingAdd: Sendable {
        let tenant: Tenant
        let requestID: String
        let areaCode: String
        let name: String
    }

    struct PendingCreate: Sendable {
        let tenant: Tenant
        let requestID: String
        let numberID: String
        let name: String
    }

    private(set) var numbers: [String: NumberFacts] = [:]
    private(set) var campaigns: [String: CampaignFacts] = [:]
    private(set) var pendingAdds: [PendingAdd] = []
    private(set) var pendingCreates: [PendingCreate] = []
    private(set) var okCount = 0
    private(set) var unansweredCount = 0
    private(set) var refusedCount = 0
    /// Calls that did not answer OK, by status code and reason (or how the call was lost).
    private(set) var errors: [String: Int] = [:]

    /// Counts a failed call under its code and reason.
    func note(_ error: any Error) {
        let key =
            if let error = error as? RPCError {
                error.reason.map { "\(error.code.name) \($0)" } ?? error.code.name
            } else {
                "\(type(of: error))"
            }
        errors[key, default: 0] += 1
    }

    /// The most frequent failures, most frequent first.
    func topErrors(_ count: Int) -> String {
        errors.sorted { $0.value > $1.value }.prefix(count).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    func added(_ id: String, account: String, name: String) {
        okCount += 1
        if numbers[id] == nil { numbers[id] = NumberFacts(accountID: account, name: name) }
    }

    func renamed(_ id: String, to name: String) {
        okCount += 1
        numbers[id]?.name = name
    }

    func deleted(_ id: String) {
        okCount += 1
        numbers[id]?.deleted = true
    }

    func created(_ id: String, account: String) {
        okCount += 1
        if campaigns[id] == nil { campaigns[id] = CampaignFacts(accountID: account, state: "DRAFT") }
    }

    func campaign(_ id: String, is state: String) {
        okCount += 1
        campaigns[id]?.state = state
    }

    func refused() { refusedCount += 1 }

    func unanswered(number: String? = nil, campaign: String? = nil) {
        unansweredCount += 1
        if let number { numbers[number]?.uncertain = true }
        if let campaign { campaigns[campaign]?.uncertain = true }
    }

    func unansweredAdd(_ pending: PendingAdd) {
        unansweredCount += 1
        pendingAdds.append(pending)
    }

    func unansweredCreate(_ pending: PendingCreate) {
        unansweredCount += 1
        pendingCreates.append(pending)
    }

    func summary() -> String {
        "\(okCount) answered OK, \(unansweredCount) unanswered, \(refusedCount) refused"
    }
}
