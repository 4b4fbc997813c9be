/// A store that times its transactions: every store, one place.
struct InstrumentedStore: PhoneNumbersStore {
    let base: any PhoneNumbersStore
    let metrics: DomainMetrics

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.readTransactions.record(duration: ContinuousClock.now - start) }
        return try await base.read(body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.writeTransactions.record(duration: ContinuousClock.now - start) }
        return try await base.write(body)
    }
}
