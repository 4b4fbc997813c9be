import RPCCore
import Tracing

/// A store that times its transactions and traces each as a span (`store.read`,
/// `store.write`) under the call or job that runs it: every store, one place.
struct InstrumentedStore: PhoneNumbersStore {
    let base: any PhoneNumbersStore
    let metrics: DomainMetrics

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.readTransactions.record(duration: ContinuousClock.now - start) }
        guard RPCTracing.isEnabled else { return try await base.read(body) }
        return try await withSpan("store.read", ofKind: .client) { _ in try await base.read(body) }
    }

    func writeQueue<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        try await base.writeQueue(body)
    }

    func followChanges(_ changed: @escaping @Sendable (_ accountID: String?) -> Void) async throws {
        try await base.followChanges(changed)
    }

    func write<T: Sendable>(account: String?, _ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.writeTransactions.record(duration: ContinuousClock.now - start) }
        guard RPCTracing.isEnabled else { return try await base.write(account: account, body) }
        return try await withSpan("store.write", ofKind: .client) { _ in
            // The body runs on the store's own thread: it sees the caller's context (jobs record it).
            let context = ServiceContext.current
            return try await base.write(account: account) { tx in try ServiceContext.withValue(context) { try body(tx) } }
        }
    }
}
