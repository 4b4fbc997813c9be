import InMemoryTracing
import PhoneNumbersClient
import Testing
import Tracing

/// The process's tracer in tests: bootstrapped once (the tracing system is process-wide);
/// each test reads only the spans of its own trace.
enum TestTracing {
    static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
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
            let refused = try await trace {
                await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") { try await texter.numbers.addNumber(add) }
            }
            return (answered, refused)
        }
        try checkAnswered(tracer.finishedSpans.filter { $0.traceID == answered })
        checkRefused(tracer.finishedSpans.filter { $0.traceID == refused })
    }

    private let name = "phonenumbers.v1.Numbers/AddNumber"

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
