import Foundation
import PhoneNumbersPostgres
import PhoneNumbersServer
import Storage

/// The drill's store and provider read directly, after the service settled: the store is
/// the SQLite file in the data directory or the PostgreSQL database the replicas share;
/// the simulated provider's numbers are in its SQLite file (the store's own on SQLite).
struct StoreInspection: Sendable {
    /// Which store the drill ran on.
    enum Kind: Sendable {
        case sqlite
        case postgres

        /// The report's label for the store's own health check.
        var integrityLabel: String {
            switch self {
            case .sqlite: "PRAGMA integrity_check:             "
            case .postgres: "event sequences without gaps:       "
            }
        }
    }

    /// What the store is.
    let kind: Kind
    private let store: StoreSQL
    private let provider: DatabasePool
    private let close: @Sendable () async -> Void

    static func sqlite(_ path: String) throws -> StoreInspection {
        let pool = try DatabasePool(path: path, configuration: .init(readers: 1))
        return StoreInspection(kind: .sqlite, store: StoreSQL(pool), provider: pool, close: {})
    }

    static func postgres(_ url: PostgresDatabaseURL, providerFile: String) async throws -> StoreInspection {
        let store = try await PostgresPhoneNumbersStore.open(url, connections: 2)
        return StoreInspection(
            kind: .postgres,
            store: StoreSQL(store),
            provider: try DatabasePool(path: providerFile, configuration: .init(readers: 1)),
            close: { await store.close() }
        )
    }

    /// Rows of a query on the store.
    func query(_ sql: String) async throws -> [Row] {
        try await store.read { try $0.query(sql) }
    }

    /// Rows of a query on the simulated provider's file.
    func queryProvider(_ sql: String) async throws -> [Row] {
        try await provider.read { try $0.query(sql) }
    }

    func finish() async {
        await close()
    }

    /// How many jobs are queued.
    func jobCount() async throws -> Int {
        try await query("SELECT COUNT(*) AS n FROM jobs")[0].get("n", as: Int.self)
    }

    /// What the store itself says about its health: SQLite's `PRAGMA integrity_check`;
    /// on PostgreSQL, the accounts whose event log has a gap or a duplicate (the numbering
    /// several replicas share).
    func integrity() async throws -> String {
        if kind == .sqlite {
            return try await query("PRAGMA integrity_check").first?.get("integrity_check", as: String.self) ?? "no answer"
        }
        let broken = try await query(
            "SELECT COUNT(*) AS n FROM (SELECT account_id FROM events GROUP BY account_id HAVING MAX(sequence) <> COUNT(*) OR MIN(sequence) <> 1) AS t"
        )[0].get("n", as: Int.self)
        return broken == 0 ? "ok" : "\(broken) accounts with gaps in their event sequence"
    }

    /// Provider numbers held by no number (a purchase made twice, or never released;
    /// numbers the provider is ageing after a release are accounted for), and E.164
    /// numbers held by two numbers at once.
    func heldNumbers() async throws -> (orphans: [String], heldTwice: [String]) {
        let held = Set(
            try await query("SELECT e164 FROM numbers WHERE status <> 'RELEASED' AND e164 <> ''").map {
                try $0.get("e164", as: String.self)
            }
        )
        let bought = try await queryProvider(
            "SELECT e164, reservation_key, provisioned FROM simulated_numbers WHERE reservation_key NOT LIKE 'aging:%'"
        )
        let orphans = try bought.filter { !held.contains(try $0.get("e164", as: String.self)) }.map { row in
            row.values.map { "\($0)" }.joined(separator: " ")
        }
        let twice = try await query(
            "SELECT e164 FROM numbers WHERE status <> 'RELEASED' AND e164 <> '' GROUP BY e164 HAVING COUNT(*) > 1"
        ).map { try $0.get("e164", as: String.self) }
        return (orphans, twice)
    }
}
