import RPCCore

/// One attempt at a server-streaming call: its messages, and what to tell the caller's
/// bookkeeping when the attempt is answered or refused.
struct StreamAttempt: Sendable {
    let messages: AsyncThrowingStream<[UInt8], any Error>
    var answered: @Sendable () -> Void = {}
}

/// A server stream whose call is opened again while nothing was received and each
/// failure says the call provably was not processed: at most `maxRetries` times and
/// never past `deadline`. `attempt` opens one attempt (it may throw, e.g. when no
/// connection can be made); `refused` hears each failure that may be retried elsewhere.
func retryingStream(
    maxRetries: Int,
    deadline: ContinuousClock.Instant?,
    refused: @escaping @Sendable (RPCError) -> Void = { _ in },
    _ attempt: @escaping @Sendable () async throws -> StreamAttempt
) -> AsyncThrowingStream<[UInt8], any Error> {
    let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
    let task = Task {
        var attempts = 0
        var received = false
        while true {
            do {
                let current = try await attempt()
                for try await message in current.messages {
                    if !received { current.answered() }
                    received = true
                    continuation.yield(message)
                }
                continuation.finish()
                return
            } catch {
                let error = RPCError.from(error)
                if error.isSafeToRetry { refused(error) }
                let passed = deadline.map { ContinuousClock.now >= $0 } ?? false
                if !received, error.isSafeToRetry, attempts < maxRetries, !passed {
                    attempts += 1
                    continue
                }
                continuation.finish(throwing: error)
                return
            }
        }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}
