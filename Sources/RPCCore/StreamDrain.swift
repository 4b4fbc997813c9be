import Synchronization

/// Tells open server streams that the server is draining. A stream can run for hours (a
/// watch), so a drain that waited for it would never end: every transport runs its
/// streams through `CallExecutor`, which ends each with UNAVAILABLE `DRAINING` as soon as
/// `begin()` is called (unary calls finish as usual, within the drain's grace period).
/// One per router (`RPCRouter.streamDrain`), shared by PNRPC, the Connect gateway and
/// in-process callers.
public final class StreamDrain: Sendable {
    private struct State {
        var draining = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the drain began.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Begins the drain: every stream running or started from now on ends. Idempotent.
    public func begin() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.draining = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the drain began, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.draining || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// The status a stream ends with when the drain ends it.
    public static let ended = RPCError(
        code: .unavailable,
        message: "the server is draining: the stream ended; open it again (on another server, or once this one is back)",
        reason: .draining
    )
}
