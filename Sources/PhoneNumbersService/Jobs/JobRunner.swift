import Logging
import RPCCore
import ServiceLifecycle
import Synchronization
import Tracing

/// What running a job came to.
public enum JobOutcome: Sendable, Equatable {
    /// Finished: the handler deleted or replaced its job row in its final transaction.
    case done
    /// Try again after `delay`; `error` is kept on the job.
    case retry(after: Duration, error: String)
    /// Not a failure: the job waits on someone else (a provider's order or assignment)
    /// and looks again after `delay`; its attempts are not counted, `note` is kept on it.
    case waiting(after: Duration, note: String)
}

/// Runs a job; must be idempotent (a crash can make it run again).
public typealias JobHandler = @Sendable (JobRecord) async -> JobOutcome

/// Runs durable jobs when they are due: at start (resuming what a crash interrupted),
/// when woken after new work is committed, and when a retry's time comes. No polling
/// loop while idle: it sleeps until the next job is due or it is woken (at most 5 s).
///
/// Several runners (replicas on one database) share the jobs: each claims due jobs with
/// a lease, renews the leases of what it runs, and frees them when it stops; a runner
/// that dies keeps its jobs only until their leases end, then another takes them over.
public final class JobRunner: Service, Sendable {
    /// How long a claimed job stays this runner's without a renewal.
    public let leaseDuration: Duration
    /// This runner's name on the leases it holds: the replica's, the same across its
    /// restarts, so a restarted replica takes back at once what it held when it died.
    public let owner: String
    private let store: any PhoneNumbersStore
    private let handlers = Mutex<[JobKind: JobHandler]>([:])
    /// The jobs running here, by kind and subject, each with the next run of the same job
    /// when one was claimed while it ran (its handler scheduled a next step at once).
    private let running = Mutex<[String: JobRecord?]>([:])
    private let wakeup = Wakeup()
    private let stopping = Atomic<Bool>(false)
    private let maxConcurrentJobs: Int
    private let metrics: DomainMetrics
    private let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        maxConcurrentJobs: Int = 256,
        leaseDuration: Duration = .seconds(30),
        owner: String = Identifiers.make("runner"),
        metrics: DomainMetrics = DomainMetrics(),
        logger: Logger = Logger(label: "phone-numbers.jobs")
    ) {
        self.leaseDuration = leaseDuration
        self.owner = owner
        self.metrics = metrics
        self.store = store
        self.maxConcurrentJobs = maxConcurrentJobs
        self.logger = logger
    }

    /// Sets the handler of a kind of job.
    public func register(_ kind: JobKind, _ handler: @escaping JobHandler) {
        handlers.withLock { $0[kind] = handler }
    }

    /// Looks for due jobs now (call after committing new ones).
    public func wake() {
        wakeup.signal()
    }

    public func run() async throws {
        // What this replica held when it last stopped (it died) is free again.
        let owner = self.owner
        do {
            try await store.writeQueue { try $0.releaseLeases(owner: owner) }
        } catch {
            logger.error("could not free the previous run's job leases", metadata: ["error": "\(error)"])
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.renewLeases() }
                while !stopping.load(ordering: .acquiring), !Task.isCancelled {
                    let next = await startDueJobs(in: &group)
                    let wait = next.map { Duration.milliseconds(max(1, min($0 - currentTimestamp(), 5_000))) } ?? .seconds(5)
                    await wakeup.wait(timeout: wait)
                }
                group.cancelAll()
            }
            // Stopped on purpose: what was interrupted is free for another runner at once.
            // (A runner that dies keeps its leases until they end.)
            if stopping.load(ordering: .acquiring) {
                try? await store.writeQueue { try $0.releaseLeases(owner: owner) }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.wakeup.signal()
        }
    }

    /// Keeps the leases of running jobs from ending, every third of a lease.
    private func renewLeases() async {
        let owner = self.owner
        while !Task.isCancelled {
            try? await Task.sleep(for: leaseDuration / 3)
            guard !Task.isCancelled, !running.withLock({ $0.isEmpty }) else { continue }
            let until = currentTimestamp() + leaseDuration.milliseconds
            do {
                try await store.writeQueue { try $0.renewLeases(owner: owner, until: until) }
            } catch {
                logger.error("could not renew job leases", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Starts what is due; returns when the next job not yet started is due.
    private func startDueJobs(in group: inout DiscardingTaskGroup) async -> Timestamp? {
        do {
            let now = currentTimestamp()
            let capacity = min(256, maxConcurrentJobs - running.withLock { $0.count })
            let (owner, leaseUntil) = (self.owner, now + leaseDuration.milliseconds)
            let kinds = handlers.withLock { Array($0.keys) }
            let due =
                capacity > 0 && !kinds.isEmpty
                ? try await store.writeQueue {
                    try $0.claimDueJobs(kinds: kinds, at: now, owner: owner, leaseUntil: leaseUntil, limit: capacity)
                } : []
            for job in due {
                let key = "\(job.kind.rawValue)/\(job.subjectID)"
                guard let handler = handlers.withLock({ $0[job.kind] }) else { continue }
                // Claimed while its previous run ends: it runs right after, under the lease it holds.
                let start = running.withLock { running -> Bool in
                    guard running[key] == nil else {
                        running.updateValue(job, forKey: key)
                        return false
                    }
                    running.updateValue(nil, forKey: key)
                    return true
                }
                guard start else { continue }
                group.addTask {
                    var next: JobRecord? = job
                    while let current = next {
                        await self.execute(current, handler)
                        // A claim made while the run ended may be of the job that run just
                        // finished (deleted it, rescheduled it, or its lease lapsed and was
                        // taken again here): run again only what is still there and ours.
                        next = nil
                        while let waiting = self.takeWaiting(key) {
                            if await self.stillHeld(waiting) {
                                next = waiting
                                break
                            }
                        }
                    }
                    self.wakeup.signal()
                }
            }
            if capacity <= 0 { return nil }  // full: woken when a job ends
            return try await store.read { try $0.nextJobTime() }
        } catch {
            logger.error("job scan failed", metadata: ["error": "\(error)"])
            return currentTimestamp() + 1_000
        }
    }

    /// The claim of `key` made while its run ended, marking it running again; or nil,
    /// and `key` no longer running.
    private func takeWaiting(_ key: String) -> JobRecord? {
        running.withLock { running -> JobRecord? in
            guard let waiting = running[key] ?? nil else {
                running.removeValue(forKey: key)
                return nil
            }
            running.updateValue(nil, forKey: key)
            return waiting
        }
    }

    /// Whether `job` still exists with this runner's lease (false also when the store
    /// cannot say: the job, if still due, is claimed again by the next scan).
    private func stillHeld(_ job: JobRecord) async -> Bool {
        let owner = self.owner
        return (try? await store.read { try $0.holdsLease(kind: job.kind, subjectID: job.subjectID, owner: owner) }) ?? false
    }

    /// Runs the handler, in a span of its own linked to the call that created the job.
    private func run(_ job: JobRecord, _ handler: JobHandler) async -> JobOutcome {
        guard RPCTracing.isEnabled else { return await handler(job) }
        return await withSpan("job \(job.kind.rawValue)", context: .topLevel, ofKind: .internal) { span in
            span.attributes["job.kind"] = job.kind.rawValue
            span.attributes["job.attempts"] = job.attempts
            if let origin = JobTrace.context(job.traceContext) { span.addLink(SpanLink(context: origin, attributes: [:])) }
            return await handler(job)
        }
    }

    private func execute(_ job: JobRecord, _ handler: JobHandler) async {
        let outcome = await run(job, handler)
        var next = job
        switch outcome {
        case .done:
            metrics.jobRan(job.kind, outcome: "done")
            return
        case .retry(let delay, let error):
            metrics.jobRan(job.kind, outcome: "retry")
            next.attempts += 1
            next.runAt = currentTimestamp() + delay.milliseconds
            next.lastError = error
            logger.notice(
                "job will retry",
                metadata: [
                    "job.kind": "\(job.kind.rawValue)", "job.subject": "\(job.subjectID)", "job.attempts": "\(next.attempts)",
                    "error": "\(error)",
                ]
            )
        case .waiting(let delay, let note):
            metrics.jobRan(job.kind, outcome: "waiting")
            next.runAt = currentTimestamp() + delay.milliseconds
            next.lastError = note
        }
        guard !Task.isCancelled else { return }
        let (rescheduled, owner) = (next, self.owner)
        do {
            let stillHeld = try await store.writeQueue { try $0.reschedule(rescheduled, leasedBy: owner) }
            if !stillHeld {
                logger.debug("job not rescheduled: its lease passed to another runner", metadata: ["job.kind": "\(job.kind.rawValue)"])
            }
        } catch {
            logger.error("could not reschedule job", metadata: ["job.kind": "\(job.kind.rawValue)", "error": "\(error)"])
        }
    }
}

/// Exponential backoff for job retries: 1 s, 2 s, 4 s … capped at 5 minutes.
public func retryBackoff(attempt: Int) -> Duration {
    .seconds(min(300, 1 << min(attempt, 9)))
}

/// One waiter at a time sleeps until signalled or until a timeout.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
    }
}
