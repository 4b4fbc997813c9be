import Metrics

/// The service's own metrics (`phone_numbers_…`), made from one factory so that a test
/// reads exactly its own service's. Labels take bounded values only: operations, job
/// kinds, statuses, outcomes and reasons from fixed sets; never an account, a number or
/// a token.
public final class DomainMetrics: Sendable {
    let factory: any MetricsFactory
    let readTransactions: Timer
    let writeTransactions: Timer
    let watchers: Meter
    let eventsDelivered: Counter
    let commitBatches: Recorder

    /// Metrics made from `factory` (the process-wide one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        readTransactions = Timer(
            label: "phone_numbers_store_transaction_duration_seconds",
            dimensions: [("kind", "read")],
            factory: factory
        )
        writeTransactions = Timer(
            label: "phone_numbers_store_transaction_duration_seconds",
            dimensions: [("kind", "write")],
            factory: factory
        )
        watchers = Meter(label: "phone_numbers_event_watchers", factory: factory)
        eventsDelivered = Counter(label: "phone_numbers_events_delivered_total", factory: factory)
        commitBatches = Recorder(label: "phone_numbers_store_commit_batch_size", factory: factory)
    }

    private func count(_ label: String, _ dimensions: [(String, String)] = []) {
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }

    private func time(_ label: String, _ dimensions: [(String, String)] = [], _ duration: Duration) {
        Timer(label: label, dimensions: dimensions, factory: factory).record(duration: duration)
    }

    /// A group commit wrote `size` transactions with one fsync (stores that batch).
    public func committedBatch(of size: Int) {
        commitBatches.record(size)
    }

    /// A provider call (`reserve_number`, `provision`, …) and how it ended (`ok`,
    /// `no_inventory`, `transient`, `permanent`).
    func providerCall(_ operation: String, outcome: String, duration: Duration) {
        count("phone_numbers_provider_calls_total", [("operation", operation), ("outcome", outcome)])
        time("phone_numbers_provider_call_duration_seconds", [("operation", operation)], duration)
    }

    /// Provisioning ended READY (with the time from PROVISIONING to READY) or FAILED.
    func provisioningFinished(ready: Bool, after duration: Duration) {
        count("phone_numbers_provisioning_finished_total", [("outcome", ready ? "ready" : "failed")])
        if ready { time("phone_numbers_provisioning_duration_seconds", [], duration) }
    }

    /// A job ran and finished (`done`) or was rescheduled (`retry`).
    func jobRan(_ kind: JobKind, outcome: String) {
        count("phone_numbers_jobs_run_total", [("kind", kind.rawValue), ("outcome", outcome)])
    }

    /// A campaign launched, by sender kind.
    func campaignLaunched(_ sender: NumberRecord.Kind) {
        count("phone_numbers_campaigns_launched_total", [("sender", sender.rawValue)])
    }

    /// A single-use launch ended: ACTIVE after `duration`, or back in DRAFT.
    func singleUseLaunchFinished(active: Bool, after duration: Duration) {
        count("phone_numbers_single_use_launches_finished_total", [("outcome", active ? "active" : "failed")])
        if active { time("phone_numbers_single_use_launch_duration_seconds", [], duration) }
    }

    /// A refused authentication, by reason (INVALID_CREDENTIALS, TOKEN_EXPIRED, …).
    func authenticationFailed(_ reason: String) {
        count("phone_numbers_failed_authentications_total", [("reason", reason)])
    }

    /// An address reached the failed-authentication limit.
    func authenticationLockout() {
        count("phone_numbers_authentication_lockouts_total")
    }

    /// A relayed port-out request, by outcome (APPROVED, PIN_MISMATCH, LOCKED, NUMBER_IN_USE).
    func portOut(_ outcome: PortOutOutcome) {
        count("phone_numbers_port_out_requests_total", [("outcome", outcome.rawValue)])
    }

    /// What the last reconciliation found, by side.
    func providerDrift(onlyAtProvider: Int, onlyInService: Int) {
        Gauge(label: "phone_numbers_provider_drift_numbers", dimensions: [("side", "only_at_provider")], factory: factory)
            .record(onlyAtProvider)
        Gauge(label: "phone_numbers_provider_drift_numbers", dimensions: [("side", "only_in_service")], factory: factory)
            .record(onlyInService)
    }

    /// What the sampler saw: numbers by status, jobs due and the age of the oldest.
    func sampled(numbers: [NumberRecord.Status: Int], jobsDue: Int, oldestDueAge: Duration) {
        for status in NumberRecord.Status.allCases {
            Gauge(label: "phone_numbers_numbers", dimensions: [("status", status.rawValue)], factory: factory)
                .record(numbers[status] ?? 0)
        }
        Gauge(label: "phone_numbers_jobs_due", factory: factory).record(jobsDue)
        Gauge(label: "phone_numbers_oldest_due_job_age_seconds", factory: factory)
            .record(Double(oldestDueAge.components.seconds) + Double(oldestDueAge.components.attoseconds) / 1e18)
    }
}
