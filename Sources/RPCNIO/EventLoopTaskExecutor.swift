import NIOCore
import Synchronization

/// A task executor that runs jobs on one event loop, so a call's handler starts,
/// and resumes after awaiting, on its connection's loop: no hop to the cooperative
/// pool and back on the hot path. Handlers must not block (SQLite work runs elsewhere).
/// Clients use one too (`RPCClient.preferredTaskExecutor`); so can any code whose tasks
/// should run on one event loop (`withTaskExecutorPreference(EventLoopTaskExecutor(eventLoop: loop))`).
///
/// Jobs are queued here and run in batches: one loop task drains every job enqueued
/// since the last drain, instead of one loop task (and one allocation) per job.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// The loop every job runs on.
    public let eventLoop: any EventLoop
    private let queue = Mutex(Queue())

    private struct Queue {
        var jobs: [UnownedJob] = []
        var spare: [UnownedJob] = []
        var drainScheduled = false
    }

    /// An executor for `eventLoop`; jobs enqueued from any thread run there, in order.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let scheduleDrain = queue.withLock { queue in
            queue.jobs.append(job)
            guard !queue.drainScheduled else { return false }
            queue.drainScheduled = true
            return true
        }
        if scheduleDrain {
            eventLoop.execute { self.drain() }
        }
    }

    /// Runs the jobs queued so far; jobs they enqueue run in the next drain.
    private func drain() {
        var batch = queue.withLock { queue in
            // The spare buffer (emptied, capacity kept) becomes the queue; the queue, the batch.
            var batch: [UnownedJob] = []
            swap(&batch, &queue.spare)
            swap(&batch, &queue.jobs)
            queue.drainScheduled = false
            return batch
        }
        let executor = asUnownedTaskExecutor()
        for job in batch {
            job.runSynchronously(on: executor)
        }
        batch.removeAll(keepingCapacity: true)
        queue.withLock { queue in
            if queue.spare.capacity < batch.capacity { swap(&queue.spare, &batch) }
        }
    }
}
