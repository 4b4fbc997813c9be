import Foundation
import Logging
import PhoneNumbersService
import SimulatedProvider
import Storage
import Testing

@testable import PhoneNumbersSQLite

/// A database written by an earlier release keeps working after the upgrade.
@Suite("upgrading a database", .timeLimit(.minutes(2)))
struct UpgradeTests {
    @Test("a single-use launch left mid-reservation before the one number life cycle still completes after 0008")
    func singleUseReservationAcrossTheLifeCycleMigration() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try DatabasePool(path: directory.appendingPathComponent("phone-numbers.sqlite").path)

        // The schema as 0007 left it, and a launch whose reservation job had not run yet:
        // a RESERVING single-use number, its LAUNCHING campaign (212 has no inventory, 510 has),
        // and the job kind that release used.
        let before = Array(Schema.migrations.prefix { $0.id != "0008_one_number_life_cycle" })
        #expect(before.count == 7)
        try await Migrator(before).migrate(pool)
        try await pool.write { db in
            try db.execute("INSERT INTO accounts VALUES ('acc_1', 'Upgrade', 'US', 1)")
            try db.execute(
                """
                INSERT INTO use_cases VALUES ('uc_1', 'acc_1', 'POLITICAL', 'GOTV', '["a","b"]', 'opt in', 'help', '', 'APPROVED', '', 1, 1)
                """
            )
            try db.execute(
                """
                INSERT INTO numbers (id, account_id, e164, area_code, name, use_case_id, status, failure_reason, provisioning_attempts,
                    created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind)
                VALUES ('num_1', 'acc_1', '', '212', 'Flyer', 'uc_1', 'RESERVING', '', 0, 1, 0, 0, 0, 0, 1, 'SINGLE_USE')
                """
            )
            try db.execute(
                """
                INSERT INTO campaigns (id, account_id, name, state, number_id, created_at, updated_at, sender_kind, use_case_id,
                    preferred_area_codes, launched_at)
                VALUES ('cmp_1', 'acc_1', 'Flyer', 'LAUNCHING', 'num_1', 1, 1, 'SINGLE_USE', 'uc_1', '212,510', 1)
                """
            )
            try db.execute("INSERT INTO jobs VALUES ('RESERVE_SINGLE_USE', 'num_1', 0, 0, '')")
        }

        // The upgrade: the store applies 0008, and the service carries on from there.
        let store = try await SQLitePhoneNumbersStore.open(pool)
        let migrated = try await store.read { try $0.number("num_1") }
        #expect(migrated?.areaCodes == ["212", "510"])
        let jobKinds = try await pool.read { db in try db.query("SELECT kind FROM jobs").map { try $0.get("kind", as: String.self) } }
        #expect(jobKinds == ["COMPLETE_RESERVATION"])

        var logger = Logger(label: "test.upgrade")
        logger.logLevel = .critical
        let provider = try await SimulatedProvider.open(pool, configuration: .fast)
        let app = PhoneNumbersApplication(store: store, provider: provider, logger: logger)
        let jobs = Task { try await app.jobs.run() }
        defer { jobs.cancel() }
        var campaign = try await store.read { try $0.campaign("cmp_1") }
        for _ in 0..<500 where campaign?.state == .launching {
            try await Task.sleep(for: .milliseconds(20))
            campaign = try await store.read { try $0.campaign("cmp_1") }
        }
        #expect(campaign?.state == .active, "\(String(describing: campaign))")
        let number = try await store.read { try $0.number("num_1") }
        #expect(number?.status == .ready)
        #expect(number?.areaCode == "510" && number?.e164.hasPrefix("+1510") == true, "\(String(describing: number))")
    }
}
