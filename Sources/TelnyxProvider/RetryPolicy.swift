/// When a call to the provider is tried again: rate limits (429) and server failures
/// (5xx, time-outs, lost connections) with exponential backoff and full jitter, honouring
/// `Retry-After`, within a total budget of waiting. A value: decided without I/O.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included.
    public var maxAttempts: Int
    /// The first backoff's upper bound; doubled each retry.
    public var baseDelay: Duration
    /// No single wait is longer.
    public var maxDelay: Duration
    /// The waits of one call add up to at most this; then the failure is reported.
    public var budget: Duration

    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(10),
        budget: Duration = .seconds(20)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.budget = budget
    }

    /// What failed, as far as retrying is concerned.
    public enum Failure: Sendable, Equatable {
        /// An HTTP status, with the `Retry-After` seconds the provider sent, if any.
        case status(Int, retryAfterSeconds: Int?)
        /// No answer: the connection failed or the time limit passed.
        case noAnswer
    }

    /// The wait before try `attempt + 1` (attempt 1 is the first try), or nil to give up.
    /// `waited` is what this call has waited so far; `idempotent` says whether the request
    /// may be sent twice (a POST is retried only when the provider said it did nothing: 429).
    /// `random` picks in 0..<1 (for jitter).
    public func delay(
        after failure: Failure,
        attempt: Int,
        waited: Duration,
        idempotent: Bool,
        random: () -> Double = { Double.random(in: 0..<1) }
    ) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let wait: Duration
        switch failure {
        case .status(429, let retryAfter?):
            wait = min(.seconds(retryAfter), maxDelay)
        case .status(429, nil):
            wait = jittered(attempt, random)
        case .status(let code, _) where (500...599).contains(code) && idempotent:
            wait = jittered(attempt, random)
        case .noAnswer where idempotent:
            wait = jittered(attempt, random)
        default:
            return nil
        }
        guard waited + wait <= budget else { return nil }
        return wait
    }

    private func jittered(_ attempt: Int, _ random: () -> Double) -> Duration {
        let cap = min(maxDelay, baseDelay * (1 << min(attempt - 1, 20)))
        return cap * random()
    }

    /// Whether a status is one the retry policy knows as passing (a 429 or a 5xx).
    public static func isTransient(_ status: Int) -> Bool { status == 429 || (500...599).contains(status) }
}
