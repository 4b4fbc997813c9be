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
/// loop while idle: it sleeps until the next job is due or it is woken.
public final class JobRunner: Service, Sendable {
    private let store: any PhoneNumbersStore
    private let handlers = Mutex<[JobKind: JobHandler]>([:])
    private let running = Mutex<Set<String>>([])
    private let wakeup = Wakeup()
    private let stopping = Atomic<Bool>(false)
    private let maxConcurrentJobs: Int
    private let metrics: DomainMetrics
    private let logger: Logger

    public init(
        store: any PhoneNumbersStore,
        maxConcurrentJobs: Int = 256,
        metrics: DomainMetrics = DomainMetrics(),
        logger: Logger = Logger(label: "phone-numbers.jobs")
    ) {
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
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.load(ordering: .acquiring), !Task.isCancelled {
                    let next = await startDueJobs(in: &group)
                    let wait = next.map { Duration.milliseconds(max(1, min($0 - currentTimestamp(), 5_000))) } ?? .seconds(5)
                    await wakeup.wait(timeout: wait)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.wakeup.signal()
        }
    }

    /// Starts what is due; returns when the next job not yet started is due.
    private func startDueJobs(in group: inout DiscardingTaskGroup) async -> Timestamp? {
        do {
            let now = currentTimestamp()
            let due = try await store.read { try $0.dueJobs(at: now, limit: 256) }
            for job in due {
                let key = "\(job.kind.rawValue)/\(job.subjectID)"
                let start = running.withLock { running -> Bool in
                    guard running.count < maxConcurrentJobs, !running.contains(key) else { return false }
                    running.insert(key)
                    return true
                }
                guard start, let handler = handlers.withLock({ $0[job.kind] }) else { continue }
                group.addTask {
                    await self.execute(job, handler)
                    _ = self.running.withLock { $0.remove(key) }
                    self.wakeup.signal()
                }
            }
            let runningCount = running.withLock { $0.count }
            if due.count > runningCount, runningCount >= maxConcurrentJobs { return nil }
            return try await store.read { try $0.nextJobTime() }
        } catch {
            logger.error("job scan failed", metadata: ["error": "\(error)"])
            return currentTimestamp() + 1_000
        }
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
        let rescheduled = next
        do {
            try await store.write { try $0.upsert(rescheduled) }
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
