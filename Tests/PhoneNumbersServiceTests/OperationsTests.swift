import Foundation
import OperationsHTTP
import PhoneNumbersClient
import Prometheus
import RPCCore
import RPCNIO
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The operators' side: metrics that count what happened, probes that say why not ready.
@Suite("metrics and probes", .timeLimit(.minutes(2)))
struct OperationsTests {
    /// The port an operations server listens on, once it does.
    final class Port: Sendable {
        let value = Mutex<Int?>(nil)
    }

    /// Runs an operations server on a free port for `body`.
    func withOperations(
        registry: PrometheusCollectorRegistry,
        readiness: @escaping @Sendable () async -> Readiness,
        _ body: (Int) async throws -> Void
    ) async throws {
        let listener = try await TestListener.start { onListening in
            OperationsServer(
                host: "127.0.0.1",
                port: 0,
                registry: registry,
                readiness: readiness,
                onListening: onListening,
                logger: .init(label: "test.operations")
            )
        }
        defer { listener.task.cancel() }
        try await body(listener.port)
    }

    func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Whether the exposition has a series named `name` (a histogram's `_bucket`, `_sum`, `_count` included).
    func exposition(_ text: String, has name: String) -> Bool {
        text.split(separator: "\n").contains { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
    }

    /// The value of the sample `name{labels}` in a Prometheus text exposition.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("/metrics after a known sequence of calls: counters, histogram buckets and gauges with the expected values")
    func metricsCountWhatHappened() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415").id)
            #expect(number.status == .ready)
            for _ in 0..<3 { _ = try await tenant.texter.numbers.listNumbers(ListNumbersRequest()) }
            await expectError(.unauthenticated, "INVALID_CREDENTIALS") {
                try await harness.connection("pn_unknown").numbers.listNumbers(ListNumbersRequest())
            }
            await harness.app.sampler.sample()
            _ = try await harness.app.providerWatch.reconcileNow()
            try await withOperations(registry: harness.metrics, readiness: { .ready }) { port in
                let (status, text) = try await get(port, "/metrics")
                let metrics = text
                #expect(sample(text, #"phone_numbers_provider_drift_numbers{side="only_in_service"}"#) == 0)
                #expect(sample(text, #"phone_numbers_provider_drift_numbers{side="only_at_provider"}"#) == 0)
                #expect(status == 200)
                let list = #"service="phonenumbers.v1.Numbers",method="ListNumbers""#
                #expect(sample(text, "pnrpc_server_calls_started_total{\(list)}") == 4)
                #expect(sample(text, "pnrpc_server_calls_finished_total{\(list),code=\"OK\"}") == 3)
                #expect(sample(text, "pnrpc_server_calls_finished_total{\(list),code=\"UNAUTHENTICATED\"}") == 1)
                #expect(sample(text, "pnrpc_server_call_duration_seconds_count{\(list)}") == 4)
                #expect(text.contains("pnrpc_server_call_duration_seconds_bucket{\(list),le="), "histogram buckets")
                #expect(sample(text, "pnrpc_server_calls_in_flight") == 0)
                #expect(sample(text, #"phone_numbers_failed_authentications_total{reason="INVALID_CREDENTIALS"}"#) == 1)
                #expect(sample(text, #"phone_numbers_provisioning_finished_total{outcome="ready"}"#) == 1)
                #expect(sample(text, "phone_numbers_provisioning_duration_seconds_count") == 1)
                #expect(sample(text, #"phone_numbers_provider_calls_total{operation="reserve_number",outcome="ok"}"#) == 1)
                #expect(sample(text, #"phone_numbers_provider_calls_total{operation="provision",outcome="ok"}"#) == 1)
                // At least once: a run that finds the work done (a stale read of due jobs) also ends `done`.
                #expect((sample(text, #"phone_numbers_jobs_run_total{kind="PROVISION_NUMBER",outcome="done"}"#) ?? 0) >= 1)
                #expect(sample(text, #"phone_numbers_numbers{status="READY"}"#) == 1)
                #expect((sample(text, #"phone_numbers_store_transaction_duration_seconds_count{kind="write"}"#) ?? 0) > 0)
                if ServiceHarness.storeKind == "sqlite" {  // SQLite's writer commits in groups; PostgreSQL's writers do not
                    #expect((sample(text, "phone_numbers_store_commit_batch_size_count") ?? 0) > 0, "group commits observed")
                }
                // Every series the dashboard and the alert rules read exists, with that name.
                for file in ["docs/operations/dashboard.json", "docs/operations/alerts.yml"] {
                    let text = try Repository.text(file)
                    let names = Set(
                        text.matches(of: /\b(?:pnrpc|phone_numbers)_[a-z_]+/).map { String($0.output) }
                    )
                    #expect(!names.isEmpty)
                    for name in names {
                        #expect(
                            text.contains(name) && exposition(metrics, has: name),
                            "\(file) reads \(name), which /metrics does not have"
                        )
                    }
                }
                // No label takes an unbounded value: no account, number or token in the exposition.
                #expect(!text.contains(tenant.accountID) && !text.contains(number.e164) && !text.contains("pn_"))
            }
        }
    }

    @Test("/healthz and /readyz answer while the RPC side is saturated")
    func probesUnderLoad() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let health = HealthProvider()
            let store = harness.store!
            try await withOperations(
                registry: harness.metrics,
                readiness: { await Readiness.check(serving: health.status(ofService: "") == .serving) { try await store.read { _ in } } }
            ) { port in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let stop = Port()  // reused as a flag: a value means stop
                    for index in 0..<16 {
                        let api = index % 2 == 0 ? tenant.texter : tenant.admin
                        group.addTask {
                            while stop.value.withLock({ $0 }) == nil { _ = try await api.numbers.listNumbers(ListNumbersRequest()) }
                        }
                    }
                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/readyz")!)
                    request.timeoutInterval = 10
                    for _ in 0..<10 {
                        let (_, ready) = try await URLSession.shared.data(for: request)
                        #expect((ready as? HTTPURLResponse)?.statusCode == 200)
                        #expect(try await get(port, "/healthz").status == 200)
                    }
                    stop.value.withLock { $0 = 1 }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("client metrics: calls finished by method and status code, and their latency")
    func clientMetrics() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let registry = PrometheusCollectorRegistry()
            var metadata = Metadata()
            metadata.add("authorization", "Bearer \(harness.operatorToken)")
            let rpc = RPCClient(
                configuration: ClientConfiguration(host: "127.0.0.1", port: harness.port, defaultMetadata: metadata),
                metricsFactory: PrometheusMetricsFactory(registry: registry)
            )
            var list = ListNumbersRequest()
            list.accountId = tenant.accountID
            _ = try await NumbersClient(rpc).listNumbers(list)
            list.accountId = ""
            await expectError(.invalidArgument, "ACCOUNT_REQUIRED") { try await NumbersClient(rpc).listNumbers(list) }
            await rpc.close()
            let text = registry.emitToString()
            let labels = #"service="phonenumbers.v1.Numbers",method="ListNumbers""#
            #expect(sample(text, "pnrpc_client_calls_finished_total{\(labels),code=\"OK\"}") == 1, "\(text)")
            #expect(sample(text, "pnrpc_client_calls_finished_total{\(labels),code=\"INVALID_ARGUMENT\"}") == 1)
            #expect(sample(text, "pnrpc_client_call_duration_seconds_count{\(labels)}") == 2)
        }
    }

    @Test("/healthz answers; /readyz is 200 when ready and 503 with the reason when draining or the store is unreachable")
    func probes() async throws {
        final class State: Sendable {
            let value = Mutex<(serving: Bool, storeUp: Bool)>((true, true))
        }
        let shared = State()
        struct Unreachable: Error {}
        try await withOperations(
            registry: PrometheusCollectorRegistry(),
            readiness: {
                let (serving, storeUp) = shared.value.withLock { $0 }
                return await Readiness.check(serving: serving) { if !storeUp { throw Unreachable() } }
            }
        ) { port in
            #expect(try await get(port, "/healthz") == (200, "ok\n"))
            #expect(try await get(port, "/readyz") == (200, "ready\n"))
            shared.value.withLock { $0.storeUp = false }
            let unreachable = try await get(port, "/readyz")
            #expect(unreachable.status == 503 && unreachable.body.contains("store unreachable"), "\(unreachable)")
            shared.value.withLock { $0 = (false, true) }
            #expect(try await get(port, "/readyz") == (503, "not ready: draining\n"))
            #expect(try await get(port, "/healthz") == (200, "ok\n"))
        }
    }
}
