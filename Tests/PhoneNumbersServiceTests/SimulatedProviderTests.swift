import Foundation
import PhoneNumbersService
import SimulatedProvider
import Storage
import Synchronization
import Testing

@Suite("simulated provider", .timeLimit(.minutes(2)))
struct SimulatedProviderTests {
    /// A provider on its own database file, removed when the test ends.
    private func provider(inventory: Int = 2, aging: Duration = .zero, clock: ManualClock = ManualClock()) async throws -> SimulatedProvider
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pn-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cleanup.directories.append(directory)
        let pool = try DatabasePool(path: directory.appendingPathComponent("provider.sqlite").path)
        var configuration = SimulatedProviderConfiguration(inventoryPerAreaCode: inventory, provisioningDelay: .zero, numberAging: aging)
        configuration.now = { clock.now }
        return try await SimulatedProvider.open(pool, configuration: configuration)
    }

    private let cleanup = Cleanup()

    /// Removes the test's files when the test's suite instance goes away.
    final class Cleanup: @unchecked Sendable {
        var directories: [URL] = []
        deinit { for directory in directories { try? FileManager.default.removeItem(at: directory) } }
    }

    @Test("reservations are idempotent by key and inventory is finite")
    func reservations() async throws {
        let provider = try await provider()
        let first = try await provider.reserveNumber(areaCode: "415", reservationKey: "a")
        #expect(try await provider.reserveNumber(areaCode: "415", reservationKey: "a") == first)
        let second = try await provider.reserveNumber(areaCode: "415", reservationKey: "b")
        #expect(second != first)
        await #expect(throws: ProviderError.noInventory(areaCode: "415")) {
            try await provider.reserveNumber(areaCode: "415", reservationKey: "c")
        }
        await #expect(throws: ProviderError.noInventory(areaCode: "212")) {
            try await provider.reserveNumber(areaCode: "212", reservationKey: "d")
        }
    }

    /// Regression (found by the crash-safety drill): a release retried after a crash once
    /// released the number again after it had been handed to another reservation.
    @Test("a retried release never releases a number that now belongs to another reservation")
    func releaseIsKeyed() async throws {
        let provider = try await provider(inventory: 1)
        let number = try await provider.reserveNumber(areaCode: "415", reservationKey: "old")
        try await provider.release(e164: number, reservationKey: "old")
        #expect(try await provider.reserveNumber(areaCode: "415", reservationKey: "new") == number)
        try await provider.release(e164: number, reservationKey: "old")  // the retry
        await #expect(throws: ProviderError.noInventory(areaCode: "415")) {
            try await provider.reserveNumber(areaCode: "415", reservationKey: "third")
        }
    }

    @Test("a released number ages before it is reissued; its inventory says so; a retried release changes nothing")
    func aging() async throws {
        let clock = ManualClock()
        let provider = try await provider(inventory: 1, aging: .seconds(45 * 86_400), clock: clock)
        let number = try await provider.reserveNumber(areaCode: "415", reservationKey: "old")
        try await provider.release(e164: number, reservationKey: "old")
        try await provider.release(e164: number, reservationKey: "old")
        #expect(try await provider.areaCodesWithInventory(["415", "510"]) == ["510"])
        await #expect(throws: ProviderError.noInventory(areaCode: "415")) {
            try await provider.reserveNumber(areaCode: "415", reservationKey: "new")
        }
        clock.advance(by: 45 * 86_400_000 - 1)
        #expect(try await provider.areaCodesWithInventory(["415"]).isEmpty)
        clock.advance(by: 1)
        #expect(try await provider.areaCodesWithInventory(["415"]) == ["415"])
        #expect(try await provider.reserveNumber(areaCode: "415", reservationKey: "new") == number)
    }
}

/// A clock for the simulated provider that moves only when told.
final class ManualClock: Sendable {
    private let milliseconds = Mutex<Timestamp>(1_800_000_000_000)

    var now: Timestamp { milliseconds.withLock { $0 } }

    func advance(by delta: Timestamp) { milliseconds.withLock { $0 += delta } }
}
