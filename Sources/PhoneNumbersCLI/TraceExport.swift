import Logging
import OTel
import RPCCore
import ServiceLifecycle
import Tracing

/// Tracing for `serve`: with a collector endpoint, swift-otel's OTLP/HTTP exporter
/// becomes the process's tracer (W3C trace context in call metadata); without one, no
/// tracer is bootstrapped and spans cost a no-op.
enum TraceExport {
    /// Bootstraps the tracer for `endpoint`; returns the exporter to run, or nil when off.
    static func bootstrap(endpoint: String?) throws -> (any Service)? {
        guard let endpoint, !endpoint.isEmpty else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "phone-numbers"
        // Its own messages go through the process's log handler (JSON with --log-format json).
        configuration.diagnosticLogger = .custom(Logger(label: "otel"))
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.endpoint = tracesURL(endpoint)
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        let (tracer, exporter) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        RPCTracing.enable()
        return exporter
    }

    /// `trace_id`, `span_id` and `trace_flags` of the current span, for log lines.
    static let loggingMetadata: Logger.MetadataProvider = OTel.makeLoggingMetadataProvider()

    /// The collector's traces URL: a base endpoint (as `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// gives it) gets `/v1/traces`; a full traces URL is kept.
    static func tracesURL(_ endpoint: String) -> String {
        if endpoint.hasSuffix("/v1/traces") { return endpoint }
        return (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
    }
}
