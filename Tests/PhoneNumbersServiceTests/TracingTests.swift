import Foundation
import Hummingbird
import InMemoryTracing
import PhoneNumbersClient
import RPCCore
import Synchronization
import Testing
import Tracing

/// The process's tracer in tests: bootstrapped once (the tracing system is process-wide);
/// each test reads only the spans of its own trace.
enum TestTracing {
    static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        RPCTracing.enable()
        return tracer
    }()
}

@Suite("traces", .timeLimit(.minutes(2)))
struct TracingTests {
    /// The trace id of a root span around `body`.
    private func trace(of body: @Sendable () async throws -> Void) async throws -> String {
        try await withSpan("test", ofKind: .internal) { span in
            try await body()
            return span.context.inMemorySpanContext?.traceID ?? ""
        }
    }

    @Test("a call from the client library joins the caller's trace: client span, server span, then store and provider spans")
    func oneTraceAcrossClientAndServer() async throws {
        let tracer = TestTracing.tracer
        let (answered, refused) = try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var request = AddNumberRequest()
            request.areaCode = "415"
            request.useCaseId = tenant.approvedUseCase
            let add = request
            let admin = tenant.admin
            let texter = tenant.texter
            let answered = try await trace { _ = try await admin.numbers.addNumber(add) }
            // The provisioning job runs later, in its own trace, linked to the call that created it.
            for _ in 0..<250 where Self.jobLinked(to: answered, in: tracer.finishedSpans) == nil {
                try await Task.sleep(for: .milliseconds(20))
            }
            let refused = try await trace {
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await texter.numbers.addNumber(add) }
            }
            return (answered, refused)
        }
        try checkAnswered(tracer.finishedSpans.filter { $0.traceID == answered })
        let job = Self.jobLinked(to: answered, in: tracer.finishedSpans)
        #expect(job != nil, "the provisioning job's span links to the AddNumber call")
        #expect(job?.traceID != answered, "in a trace of its own")
        checkRefused(tracer.finishedSpans.filter { $0.traceID == refused })
    }

    @Test("a call run in process (as the Connect gateway runs its calls) gets the same server span, through the call executor")
    func inProcessCallsAreTraced() async throws {
        let tracer = TestTracing.tracer
        let answered = try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let admin = PhoneNumbersConnection(rpc: InProcessConnection(router: harness.router, token: tenant.tokens[.admin]))
            var request = AddNumberRequest()
            request.areaCode = "415"
            request.useCaseId = tenant.approvedUseCase
            let add = request
            return try await trace { _ = try await admin.numbers.addNumber(add) }
        }
        try checkAnswered(tracer.finishedSpans.filter { $0.traceID == answered })
    }

    private let name = "phonenumbers.v1.Numbers/AddNumber"

    /// The provisioning job span linked to a span of `traceID`.
    private static func jobLinked(to traceID: String, in spans: [FinishedInMemorySpan]) -> FinishedInMemorySpan? {
        spans.first { span in
            span.operationName == "job PROVISION_NUMBER" && span.links.contains { $0.context.inMemorySpanContext?.traceID == traceID }
        }
    }

    private func checkAnswered(_ spans: [FinishedInMemorySpan]) throws {
        let names = spans.map(\.operationName)
        let client = try #require(spans.first { $0.operationName == name && $0.kind == .client }, "\(names)")
        let server = try #require(spans.first { $0.operationName == name && $0.kind == .server }, "\(names)")
        #expect(server.parentSpanID == client.spanID, "the server span continues the client's")
        #expect(server.attributes["rpc.system"]?.toSpanAttribute() == .string("pnrpc"))
        #expect(server.attributes["rpc.pnrpc.status_code"]?.toSpanAttribute() == .string("OK"))
        let writes = spans.filter { $0.operationName == "store.write" && $0.parentSpanID == server.spanID }
        #expect(!writes.isEmpty, "store transactions under the server span: \(names)")
        let reserve = spans.first { $0.operationName == "provider.reserve_number" }
        #expect(reserve?.parentSpanID == server.spanID, "the provider call under the server span: \(names)")
    }

    /// A refused call records its status on both sides.
    private func checkRefused(_ spans: [FinishedInMemorySpan]) {
        let failed = spans.filter { $0.operationName == name }
        var errors = 0
        for span in failed {
            if let status = span.status, case .error = status.code { errors += 1 }
            #expect(span.attributes["rpc.pnrpc.reason"]?.toSpanAttribute() == .string("ROLE_NOT_ALLOWED"))
        }
        #expect(failed.count == 2 && errors == 2, "client and server spans of the refused call")
    }
}

/// A stand-in OpenTelemetry collector: counts the OTLP/HTTP trace exports it receives.
final class FakeCollector: Sendable {
    let exports = Mutex<[(contentType: String, bytes: Int)]>([])
    let port = Mutex<Int?>(nil)

    func run() async throws {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            self.exports.withLock { $0.append((request.headers[.contentType] ?? "", body.readableBytes)) }
            // An empty ExportTraceServiceResponse: all accepted.
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"])
        }
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.port.withLock { $0 = channel.localAddress?.port } }
        )
        try await application.run()
    }
}

@Suite("trace export", .timeLimit(.minutes(2)))
struct TraceExportTests {
    @Test("serve --otel-endpoint exports the spans of calls over OTLP/HTTP (protobuf) to the collector")
    func exportsToTheCollector() async throws {
        let collector = FakeCollector()
        let running = Task { try await collector.run() }
        defer { running.cancel() }
        var collectorPort: Int?
        for _ in 0..<500 where collectorPort == nil {
            collectorPort = collector.port.withLock { $0 }
            if collectorPort == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let port = try #require(collectorPort)
        let server = try Executable.Server(
            arguments: ["--demo", "--otel-endpoint", "http://127.0.0.1:\(port)", "--log-format", "json"],
            logLevel: "info",
            environment: ["OTEL_BSP_SCHEDULE_DELAY": "200"]
        )
        defer { server.stop() }
        try await server.waitServing()
        let credentials =
            try server.demoCredentials()
        var admin = server.environment
        admin["PHONE_NUMBERS_TOKEN"] = credentials["admin_token"]!
        let listed = try await Executable.run(["numbers", "list"], environment: admin)
        #expect(listed.status == 0, "\(listed.stderr)")
        var exports: [(contentType: String, bytes: Int)] = []
        for _ in 0..<200 where exports.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            exports = collector.exports.withLock { $0 }
        }
        #expect(!exports.isEmpty, "no OTLP export reached the collector")
        #expect(exports.allSatisfy { $0.contentType.hasPrefix("application/x-protobuf") && $0.bytes > 0 }, "\(exports)")
        // Log lines written inside a call's span carry its ids (AddNumber logs "number reserved").
        var add = ["numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!]
        add += ["--request-id", "trace-1"]
        let added = try await Executable.run(add, environment: admin)
        #expect(added.status == 0, "\(added.stderr)")
        server.stop()
        let log = server.log
        let reserved = log.split(separator: "\n").first { $0.contains(#""message":"number reserved""#) }.map(String.init) ?? ""
        let line = try JSONSerialization.jsonObject(with: Data(reserved.utf8)) as? [String: Any]
        #expect((line?["trace_id"] as? String)?.count == 32 && (line?["span_id"] as? String)?.count == 16, "\(reserved)")
    }
}
