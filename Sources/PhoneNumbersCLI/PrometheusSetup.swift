import Metrics
import Prometheus

/// The process's metrics: a Prometheus registry behind swift-metrics, with latency
/// buckets fine enough for calls that take microseconds.
enum PrometheusSetup {
    /// Call durations from 50 µs to 10 s.
    static let callBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    /// Bootstraps the process-wide metrics system once; returns the registry `/metrics` serves.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = callBuckets
        factory.valueHistogramBuckets["phone_numbers_store_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
