import NIOCore
import ProtoBridge
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
        startCallbackCall(method, options: options) { step in
            switch step {
            case .pack(var output):
                request.withUnsafeBytes { bytes in
                    output.appendSerialized(count: bytes.count) { $0.copyMemory(from: bytes) }
                }
            case .end(let result):
                completion(result.map { UnaryResponse(message: Array($0.message.readableBytesView), metadata: $0.metadata) })
            }
        }
    }

    /// Starts a call whose one closure packs its request (at every attempt) and takes its
    /// result; see `startUnaryCall`.
    @usableFromInline
    func startCallbackCall(_ method: MethodDescriptor, options: CallOptions, _ steps: @escaping @Sendable (CallbackStep) -> Void) {
        attempt(CallbackCall(self, method, options, steps))
    }

    /// Starts a unary call with typed messages; see `startUnaryCall(_:request:options:completion:)`.
    /// An undecodable response is INTERNAL, reason `MALFORMED_RESPONSE`.
    ///
    /// Inlinable so that encoding, decoding and the completion are compiled for the caller's
    /// message types (generic code would look up type metadata on every call). The request
    /// is packed by protobuf-c straight into the outbound buffer, on the client's event loop.
    @inlinable
    public func startUnary<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        request: Request,
        options: CallOptions = .init(),
        completion: @escaping @Sendable (Result<Response, RPCError>) -> Void
    ) {
        startCallbackCall(method.descriptor, options: options) { step in
            switch step {
            case .pack(var output):
                request.serialize(into: &output)
            case .end(.success(let raw)):
                do throws(RPCError) {
                    let response = try raw.message.withUnsafeReadableBytes { bytes throws(RPCError) in
                        try Response.decodeResponse(bytes)
                    }
                    completion(.success(response))
                } catch {
                    completion(.failure(error))
                }
            case .end(.failure(let error)):
                completion(.failure(error))
            }
        }
    }

    /// Sends every request of `requests` to `method` at once (up to the server's concurrent
    /// call limit; the rest wait their turn on the connection) and returns each call's
    /// result, in the order of `requests`. One suspension for the whole batch.
    @inlinable
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

    /// Sends `call` (again, for a retry) on the connection, once it is open.
    fileprivate func attempt(_ call: CallbackCall) {
        let outbound = self.outbound(call.method, .packed(call), call.options, call.deadline)
        switch nextConnection(deadline: call.deadline) {
        case .use(let connection):
            connection.unary(outbound, call)
        case .wait(let opening):
            // The connection is being opened: the call goes out when it is.
            opening.whenComplete { result in
                switch result {
                case .success(let connection): connection.unary(outbound, call)
                case .failure(let error): call.ended(.failure(RPCError.from(error)))
                }
            }
        case .fail(let error):
            call.ended(.failure(error))
        }
    }
}

/// What the one closure of a call by callback is asked to do; it is compiled for the
/// caller's message types (`startUnary` is inlinable).
@usableFromInline
enum CallbackStep {
    /// Pack the request into the frame being written (at every attempt).
    case pack(RequestFrameOutput)
    /// The call ended (after its last attempt): report the result.
    case end(Result<UnaryResponse<ByteBuffer>, RPCError>)
}

/// A unary call started with a callback: its attempts and its end in one object, which is
/// also its handle on the connection; its request and its completion live in one closure
/// (`CallbackStep`). Such a call cannot be cancelled; it is touched by one attempt at a time.
final class CallbackCall: CallHandle, @unchecked Sendable {
    let client: RPCClient
    let method: MethodDescriptor
    let options: CallOptions
    let started = NIODeadline.now()
    let deadline: ContinuousClock.Instant?
    private let steps: @Sendable (CallbackStep) -> Void
    /// Attempts made before the current one.
    private var attempts = 0

    init(_ client: RPCClient, _ method: MethodDescriptor, _ options: CallOptions, _ steps: @escaping @Sendable (CallbackStep) -> Void) {
        self.client = client
        self.method = method
        self.options = options
        self.steps = steps
        deadline = options.timeout.map { ContinuousClock.now + $0 }
    }

    /// Packs the request into the REQUEST frame being written.
    func packRequest(_ output: RequestFrameOutput) {
        steps(.pack(output))
    }

    /// The current attempt ended with `result`: a call the server provably did not process
    /// is sent again (within `maxRetries` and the deadline), any other result ends the call.
    func ended(_ result: Result<UnaryResponse<ByteBuffer>, RPCError>) {
        if case .failure(let error) = result, client.retries(error, method, afterAttempt: attempts, deadline: deadline) {
            attempts += 1
            id = nil
            client.attempt(self)
            return
        }
        // Timed before the completion and counted after it: a completion that starts the
        // next call sends it first.
        let ended = NIODeadline.now()
        steps(.end(result))
        client.metrics.finished(method, result.error?.code ?? .ok, startedAt: started, endedAt: ended)
    }
}

/// The results of a batch as they arrive, handed over once all are in (inlinable with
/// `unaryBatch`, so compiled for the caller's response type).
@usableFromInline
final class BatchResults<Response: Sendable>: Sendable {
    @usableFromInline
    struct State {
        @usableFromInline var results: [Result<Response, RPCError>?]
        @usableFromInline var remaining: Int

        @inlinable
        init(results: [Result<Response, RPCError>?], remaining: Int) {
            self.results = results
            self.remaining = remaining
        }
    }

    @usableFromInline let state: Mutex<State>
    @usableFromInline let done: @Sendable ([Result<Response, RPCError>]) -> Void

    @inlinable
    init(count: Int, done: @escaping @Sendable ([Result<Response, RPCError>]) -> Void) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
        self.done = done
    }

    @inlinable
    func set(_ index: Int, _ result: Result<Response, RPCError>) {
        let finished: [Result<Response, RPCError>]? = state.withLock { state in
            state.results[index] = result
            state.remaining -= 1
            return state.remaining == 0 ? state.results.map { $0! } : nil
        }
        if let finished { done(finished) }
    }
}
