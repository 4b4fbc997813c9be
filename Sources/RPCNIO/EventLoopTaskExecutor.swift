import NIOCore

/// A task executor that runs jobs on one event loop, so a call's handler starts,
/// and resumes after awaiting, on its connection's loop: no hop to the cooperative
/// pool and back on the hot path. Handlers must not block (SQLite work runs elsewhere).
/// Clients use one too (`RPCClient.preferredTaskExecutor`).
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
