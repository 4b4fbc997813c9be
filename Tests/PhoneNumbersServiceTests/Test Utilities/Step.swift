import Foundation
import Synchronization

/// Runs one named step of a long test and fails with the step's name once `limit` passes.
///
/// A test's overall time limit says only that the test was slow; this says which step
/// waited. When the limit passes the body is cancelled but not awaited (an uncancellable
/// wait, such as a child process's exit, would hold the test), and the test fails at once.
func step<T: Sendable>(
    _ name: String,
    within limit: Duration = .seconds(60),
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = StepRace<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.begin(continuation)
        race.add(
            Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                race.finish(.failure(TestFailure("step “\(name)” did not finish within \(limit)")))
            }
        )
        race.add(
            Task {
                do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
        )
    }
}

/// The body and the timer of a `step`: the first to finish resumes the test and cancels the other.
private final class StepRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
        var tasks: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Keeps `task` to cancel when the race ends, or cancels it now if it already has.
    func add(_ task: Task<Void, Never>) {
        let ended = state.withLock { state in
            if !state.finished { state.tasks.append(task) }
            return state.finished
        }
        if ended { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let ending = state.withLock { state -> (CheckedContinuation<T, any Error>, [Task<Void, Never>])? in
            guard !state.finished, let continuation = state.continuation else { return nil }
            state.finished = true
            defer { state.tasks = [] }
            return (continuation, state.tasks)
        }
        guard let (continuation, tasks) = ending else { return }
        for task in tasks { task.cancel() }
        continuation.resume(with: result)
    }
}
