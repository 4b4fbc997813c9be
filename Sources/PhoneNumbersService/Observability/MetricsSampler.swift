import Logging
import ServiceLifecycle

/// Samples what the store holds for the gauges (numbers by status, jobs due, the age
/// of the oldest due job) every `interval`; run it beside the jobs.
public struct MetricsSampler: Service {
    let store: any PhoneNumbersStore
    let metrics: DomainMetrics
    let clock: ServiceClock
    let interval: Duration
    let logger: Logger

    public func run() async throws {
        // A shutdown ends the wait between samples at once.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sample()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One sample, now.
    public func sample() async {
        let now = clock()
        do {
            let (numbers, due) = try await store.read { tx in (try tx.numberCountsByStatus(), try tx.jobBacklog(at: now)) }
            let age = due.oldestRunAt.map { Duration.milliseconds(max(0, now - $0)) } ?? .zero
            metrics.sampled(numbers: numbers, jobsDue: due.count, oldestDueAge: age)
        } catch {
            logger.warning("could not sample metrics", metadata: ["error": "\(error)"])
        }
    }
}
