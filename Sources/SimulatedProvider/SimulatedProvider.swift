import Foundation
import PhoneNumbersService
import Storage

/// How the simulated provider behaves.
public struct SimulatedProviderConfiguration: Sendable {
    /// Numbers per area code (at most 100: `+1 NPA 555 0100` to `0199`).
    public var inventoryPerAreaCode: Int
    /// Area codes with no inventory, like the hard-to-get codes of the field.
    public var emptyAreaCodes: Set<String>
    /// How long provisioning a number takes.
    public var provisioningDelay: Duration
    /// How long each vetting step (brand, use case) takes.
    public var vettingDelay: Duration
    /// Area codes whose numbers fail provisioning (a permanent carrier rejection).
    public var failProvisioningAreaCodes: Set<String>
    /// Provisioning attempts per number that fail with a transient error before one succeeds.
    public var transientFailuresPerNumber: Int
    /// Extra latency of every call.
    public var callLatency: Duration
    /// How long a released number is held back before it is offered again, as carriers
    /// age numbers, so one holder's contacts don't reach the next.
    public var numberAging: Duration
    /// The provider's clock, in milliseconds since the epoch (tests move it by hand).
    public var now: @Sendable () -> Timestamp = { currentTimestamp() }

    /// The defaults: 20 numbers per area code, none in 202, 206, 207, 212, 406 and 907,
    /// 2 s provisioning, 2 s per vetting step, no injected failures, released numbers
    /// aged 45 days.
    public init(
        inventoryPerAreaCode: Int = 20,
        emptyAreaCodes: Set<String> = ["202", "206", "207", "212", "406", "907"],
        provisioningDelay: Duration = .seconds(2),
        vettingDelay: Duration = .seconds(2),
        failProvisioningAreaCodes: Set<String> = [],
        transientFailuresPerNumber: Int = 0,
        callLatency: Duration = .zero,
        numberAging: Duration = .seconds(45 * 86_400)
    ) {
        self.numberAging = numberAging
        self.inventoryPerAreaCode = min(100, max(0, inventoryPerAreaCode))
        self.emptyAreaCodes = emptyAreaCodes
        self.provisioningDelay = provisioningDelay
        self.vettingDelay = vettingDelay
        self.failProvisioningAreaCodes = failProvisioningAreaCodes
        self.transientFailuresPerNumber = transientFailuresPerNumber
        self.callLatency = callLatency
    }
}

/// A provider that behaves like a real one, in this process: finite inventory per
/// area code, provisioning that takes time and can fail, a PIN system, and vetting
/// with deterministic outcomes. Its state lives in its own tables of the service's
/// database, so it survives restarts with the service.
///
/// Vetting outcomes: a brand whose EIN is 000000000 FAILS; one whose legal name
/// contains "unverified" is UNVERIFIED; others are REGISTERED. A use case whose
/// opt-in text is empty FAILS; others go PENDING → REGISTERED → APPROVED.
public struct SimulatedProvider: NumberProvider {
    private let pool: DatabasePool
    private let configuration: SimulatedProviderConfiguration

    /// Opens the provider's tables in `pool`.
    public static func open(_ pool: DatabasePool, configuration: SimulatedProviderConfiguration) async throws -> SimulatedProvider {
        try await Migrator(migrations, table: "simulated_provider_migrations").migrate(pool)
        return SimulatedProvider(pool: pool, configuration: configuration)
    }

    private static let migrations: [Migrator.Migration] = [
        .init(
            "0001_inventory",
            """
            CREATE TABLE simulated_numbers (
                e164 TEXT PRIMARY KEY,
                area_code TEXT NOT NULL,
                reservation_key TEXT NOT NULL UNIQUE,
                use_case_id TEXT NOT NULL DEFAULT '',
                provisioned INTEGER NOT NULL DEFAULT 0,
                provision_attempts INTEGER NOT NULL DEFAULT 0,
                pin TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX simulated_numbers_by_area_code ON simulated_numbers(area_code);
            """
        ),
        .init(
            "0002_aging",
            // A released number stays (reservation key prefixed `aging:`) until `aged_until`.
            "ALTER TABLE simulated_numbers ADD COLUMN aged_until INTEGER NOT NULL DEFAULT 0;"
        ),
    ]

    public var allowsDirectStatusChanges: Bool { true }

    private func latency() async {
        if configuration.callLatency > .zero { try? await Task.sleep(for: configuration.callLatency) }
    }

    private func storage<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(ProviderError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as ProviderError {
            throw error
        } catch {
            throw .transient("simulated provider storage: \(error)")
        }
    }

    public func reserveNumber(areaCode: String, reservationKey: String) async throws(ProviderError) -> String {
        await latency()
        let inventory = inventory(areaCode)
        return try await storage { database in
            if let existing = try database.queryOne("SELECT e164 FROM simulated_numbers WHERE reservation_key = ?", [reservationKey]) {
                return try existing.get("e164", as: String.self)
            }
            try database.execute(
                "DELETE FROM simulated_numbers WHERE area_code = ? AND aged_until > 0 AND aged_until <= ?",
                [areaCode, configuration.now()]
            )
            let taken = Set(
                try database.query("SELECT e164 FROM simulated_numbers WHERE area_code = ?", [areaCode]).map {
                    try $0.get("e164", as: String.self)
                }
            )
            guard let free = (0..<inventory).lazy.map({ Self.fictionalNumber(areaCode, $0) }).first(where: { !taken.contains($0) }) else {
                throw ProviderError.noInventory(areaCode: areaCode)
            }
            try database.execute(
                "INSERT INTO simulated_numbers (e164, area_code, reservation_key) VALUES (?, ?, ?)",
                [free, areaCode, reservationKey]
            )
            return free
        }
    }

    private func inventory(_ areaCode: String) -> Int {
        configuration.emptyAreaCodes.contains(areaCode) ? 0 : configuration.inventoryPerAreaCode
    }

    public func areaCodesWithInventory(_ areaCodes: [String]) async throws(ProviderError) -> Set<String> {
        await latency()
        let stocked = areaCodes.filter { inventory($0) > 0 }
        guard !stocked.isEmpty else { return [] }
        let now = configuration.now()
        let taken = try await storage { database -> [String: Int] in
            var counts: [String: Int] = [:]
            for row in try database.query(
                "SELECT area_code, COUNT(*) AS n FROM simulated_numbers WHERE aged_until = 0 OR aged_until > ? GROUP BY area_code",
                [now]
            ) {
                counts[try row.get("area_code", as: String.self)] = try row.get("n", as: Int.self)
            }
            return counts
        }
        return Set(stocked.filter { (taken[$0] ?? 0) < inventory($0) })
    }

    /// `+1 AREA 555-01NN`, the range set aside for fiction: never a real subscriber.
    static func fictionalNumber(_ areaCode: String, _ index: Int) -> String {
        "+1\(areaCode)55501" + (index < 10 ? "0\(index)" : "\(index)")
    }

    public func cancelReservation(reservationKey: String) async throws(ProviderError) {
        try await storage {
            try $0.execute("DELETE FROM simulated_numbers WHERE reservation_key = ? AND provisioned = 0", [reservationKey])
        }
    }

    public func provision(e164: String, reservationKey: String, useCaseID: String) async throws(ProviderError) -> ProvisioningProgress {
        await latency()
        let attempts = try await storage { database -> Int in
            try database.execute("UPDATE simulated_numbers SET provision_attempts = provision_attempts + 1 WHERE e164 = ?", [e164])
            guard let row = try database.queryOne("SELECT provision_attempts FROM simulated_numbers WHERE e164 = ?", [e164]) else {
                throw ProviderError.noInventory(areaCode: String(e164.dropFirst(2).prefix(3)))
            }
            return try row.get("provision_attempts", as: Int.self)
        }
        do {
            try await Task.sleep(for: configuration.provisioningDelay)
        } catch {
            throw .transient("provisioning was interrupted")
        }
        if attempts <= configuration.transientFailuresPerNumber {
            throw .transient("the carrier's provisioning API timed out (attempt \(attempts))")
        }
        if configuration.failProvisioningAreaCodes.contains(String(e164.dropFirst(2).prefix(3))) {
            throw .numberUnusable(
                "the carrier rejected the 10DLC registration of this number; delete it and add one in another area code, or contact support"
            )
        }
        try await storage {
            try $0.execute("UPDATE simulated_numbers SET provisioned = 1, use_case_id = ? WHERE e164 = ?", [useCaseID, e164])
        }
        return .provisioned
    }

    /// One simulated campaign per use case: `CSIM` and the use case id's first 8 hex digits,
    /// upper-cased (the shape of a TCR campaign id).
    public func tenDLCCampaignID(forUseCase useCaseID: String) -> String? {
        let digits = useCaseID.drop { $0 != "_" }.dropFirst().prefix(8)
        return digits.isEmpty ? nil : "CSIM" + digits.uppercased()
    }

    public func heldNumbers() async throws(ProviderError) -> [ProviderHeldNumber] {
        try await storage { database in
            try database.query("SELECT e164, reservation_key FROM simulated_numbers WHERE aged_until = 0 ORDER BY e164", []).map {
                ProviderHeldNumber(
                    e164: try $0.get("e164", as: String.self),
                    reservationKey: try $0.get("reservation_key", as: String.self)
                )
            }
        }
    }

    public func setPortOutPIN(e164: String, pin: String) async throws(ProviderError) {
        await latency()
        try await storage { database in
            try database.execute("UPDATE simulated_numbers SET pin = ? WHERE e164 = ?", [pin, e164])
            guard database.changes == 1 else { throw ProviderError.permanent("unknown number \(e164)") }
        }
    }

    public func portOutPIN(e164: String) async throws(ProviderError) -> String {
        await latency()
        return try await storage { database in
            guard let row = try database.queryOne("SELECT pin FROM simulated_numbers WHERE e164 = ?", [e164]) else {
                throw ProviderError.permanent("unknown number \(e164)")
            }
            return try row.get("pin", as: String.self)
        }
    }

    public func release(e164: String, reservationKey: String) async throws(ProviderError) {
        await latency()
        let aging = configuration.numberAging.milliseconds
        try await storage { database in
            guard aging > 0 else {
                try database.execute("DELETE FROM simulated_numbers WHERE e164 = ? AND reservation_key = ?", [e164, reservationKey])
                return
            }
            try database.execute(
                """
                UPDATE simulated_numbers SET reservation_key = 'aging:' || reservation_key, aged_until = ?, provisioned = 0, pin = '', use_case_id = ''
                WHERE e164 = ? AND reservation_key = ?
                """,
                [configuration.now() + aging, e164, reservationKey]
            )
        }
    }

    public func vetBrand(_ brand: BrandRecord) async throws(ProviderError) -> (BrandRecord.Status, String) {
        try? await Task.sleep(for: configuration.vettingDelay)
        if brand.ein == "000000000" { return (.failed, "the EIN was not found in the IRS records") }
        if brand.legalName.lowercased().contains("unverified") { return (.unverified, "the brand could not be verified automatically") }
        return (.registered, "")
    }

    public func vetUseCase(_ useCase: UseCaseRecord, brand: BrandRecord) async throws(ProviderError) -> (UseCaseRecord.Status, String) {
        try? await Task.sleep(for: configuration.vettingDelay)
        if useCase.optInText.trimmingCharacters(in: .whitespaces).isEmpty {
            return (.failed, "the use case needs opt-in wording that says how contacts agree to receive messages")
        }
        return useCase.status == .pending ? (.registered, "") : (.approved, "")
    }
}
