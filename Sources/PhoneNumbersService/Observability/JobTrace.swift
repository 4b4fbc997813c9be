import Foundation
import RPCCore
import Tracing

/// A job remembers the trace of the call that created it, as the tracer's own carrier
/// (W3C `traceparent`/`tracestate` with swift-otel) in a small JSON object, so the span
/// of each run links to that call.
public enum JobTrace {
    /// The current context, injected and encoded ("" when there is nothing to carry).
    public static func current() -> String {
        guard RPCTracing.isEnabled, let context = ServiceContext.current else { return "" }
        var carrier: [String: String] = [:]
        InstrumentationSystem.tracer.inject(context, into: &carrier, using: DictionaryInjector())
        guard !carrier.isEmpty, let data = try? JSONEncoder().encode(carrier) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The context `encoded` carries, if any.
    static func context(_ encoded: String) -> ServiceContext? {
        guard !encoded.isEmpty, let carrier = try? JSONDecoder().decode([String: String].self, from: Data(encoded.utf8)) else { return nil }
        var context = ServiceContext.topLevel
        InstrumentationSystem.tracer.extract(carrier, into: &context, using: DictionaryExtractor())
        return context
    }
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
