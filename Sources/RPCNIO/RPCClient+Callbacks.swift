import RPCCore
import Synchronization

/// Calls without a task or a continuation each, for callers that make many at once (the
/// campaign launcher resolving every sender of a launch): the call is written from the
/// caller's thread (or its event loop) and its end reported by a callback on the client's
/// event loop. Retries, deadlines and metrics are those of `unaryCall`.
extension RPCClient {
    /// Starts a unary call; `completion` runs once, on the client's event loop, with the
    /// response or the call's status. Calls provably not processed are sent again (up to
    /// `maxRetries`, within the deadline), as `unaryCall` does.
    ///
    /// `completion` must not block: other calls' answers wait behind it. Such a call cannot
    /// be cancelled; give it a timeout.
    public func startUnaryCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions = .init(),
        completion: @escaping @Sendable (Result<UnaryResponse<[UInt8]>, RPCError>) -> Void
    ) {
        let start = ContinuousClock.now
        let deadline = options.timeout.map { start + $0 }
        let metrics = self.metrics
        attempt(method, request, options, deadline, attempt: 0) { result in
            metrics.finished(method, result.error?.code ?? .ok, after: ContinuousClock.now - start)
            completion(result)
        }
    }

    /// Starts a unary call with typed messages; see `startUnaryCall(_:request:options:completion:)`.
    /// An undecodable response is INTERNAL, reason `MALFORMED_RESPONSE`.
    public func startUnary<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        request: Request,
        options: CallOptions = .init(),
        completion: @escaping @Sendable (Result<Response, RPCError>) -> Void
    ) {
        startUnaryCall(method.descriptor, request: request.serializedBytes(), options: options) { result in
            completion(result.flatMap { raw in Result { () throws(RPCError) in try Response.decodeResponse(raw.message) } })
        }
    }

    /// Sends every request of `requests` to `method` at once (up to the server's concurrent
    /// call limit; the rest wait their turn on the connection) and returns each call's
    /// result, in the order of `requests`. One suspension for the whole batch.
    public func unaryBatch<Request, Response: Sendable>(
        _ method: UnaryMethod<Request, Response>,
        requests: [Request],
        options: CallOptions = .init()
    ) async -> [Result<Response, RPCError>] {
        guard !requests.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let batch = BatchResults<Response>(count: requests.count) { continuation.resume(returning: $0) }
            for (index, request) in requests.enumerated() {
                startUnary(method, request: request, options: options) { batch.set(index, $0) }
            }
        }
    }

    private func attempt(
        _ method: MethodDescriptor,
        _ request: [UInt8],
        _ options: CallOptions,
        _ deadline: ContinuousClock.Instant?,
        attempt: Int,
        completion: @escaping @Sendable (Result<UnaryResponse<[UInt8]>, RPCError>) -> Void
    ) {
        let retryOrFinish: @Sendable (Result<UnaryResponse<[UInt8]>, RPCError>) -> Void = { [self] result in
            if case .failure(let error) = result, retries(error, method, afterAttempt: attempt, deadline: deadline) {
                self.attempt(method, request, options, deadline, attempt: attempt + 1, completion: completion)
            } else {
                completion(result)
            }
        }
        let outbound = self.outbound(method, request, options, deadline)
        switch nextConnection(deadline: deadline) {
        case .use(let connection):
            connection.unary(outbound, completion: retryOrFinish)
        case .wait(let opening):
            // The connection is being opened: the call goes out when it is.
            opening.whenComplete { result in
                switch result {
                case .success(let connection): connection.unary(outbound, completion: retryOrFinish)
                case .failure(let error): retryOrFinish(.failure(RPCError.from(error)))
                }
            }
        case .fail(let error):
            retryOrFinish(.failure(error))
        }
    }
}

/// The results of a batch as they arrive, handed over once all are in.
private final class BatchResults<Response: Sendable>: Sendable {
    private struct State {
        var results: [Result<Response, RPCError>?]
        var remaining: Int
    }

    private let state: Mutex<State>
    private let done: @Sendable ([Result<Response, RPCError>]) -> Void

    init(count: Int, done: @escaping @Sendable ([Result<Response, RPCError>]) -> Void) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
        self.done = done
    }

    func set(_ index: Int, _ result: Result<Response, RPCError>) {
        let finished: [Result<Response, RPCError>]? = state.withLock { state in
            state.results[index] = result
            state.remaining -= 1
            return state.remaining == 0 ? state.results.map { $0! } : nil
        }
        if let finished { done(finished) }
    }
}
