import NIOCore
import NIOSSL
import ProtoBridge
import RPCCore
import RPCProto

/// A call a client is waiting on; touched only on its connection's event loop.
class CallHandle: @unchecked Sendable {
    var id: UInt64?
    var cancelled = false
}

/// Who receives the answer of a call.
enum PendingCall {
    /// Resumed exactly once: the call is removed from the handler's tables before.
    case unary(UnsafeContinuation<UnaryResponse<[UInt8]>, any Error>)
    case stream(StreamReceiver)
    /// A unary call started without a task (`RPCClient.startUnaryCall`): told once per
    /// attempt, on the connection's event loop.
    case callback(CallbackCall)

    /// The call's answer: a unary call's response (a view into the bytes read: a callback
    /// decodes it in place, an async caller gets a copy); a stream ends.
    func succeed(_ response: UnaryResponse<ByteBuffer>) {
        switch self {
        case .unary(let continuation):
            continuation.resume(returning: UnaryResponse(message: Array(response.message.readableBytesView), metadata: response.metadata))
        case .stream(let receiver): receiver.continuation.finish()
        case .callback(let call): call.ended(.success(response))
        }
    }

    func fail(_ error: RPCError) {
        switch self {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let receiver): receiver.continuation.finish(throwing: error)
        case .callback(let call): call.ended(.failure(error))
        }
    }
}

/// The receiving end of a server-streaming call, in a box of its own: the stream's
/// continuation is a type of the concurrency library whose layout is not known here, and
/// inside `PendingCall` it would make every copy and destruction of a call go through
/// run-time type metadata.
final class StreamReceiver: Sendable {
    let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation) {
        self.continuation = continuation
    }
}

/// What a client sends to start a call.
struct OutboundCall {
    let method: MethodDescriptor
    let payload: OutboundPayload
    let metadata: Metadata
    /// When the caller stops waiting; `nil` for no limit.
    let deadline: ContinuousClock.Instant?

    /// The time left until the deadline, at least a microsecond.
    var timeRemaining: Duration? {
        deadline.map { max($0 - ContinuousClock.now, .microseconds(1)) }
    }
}

/// A request's payload: bytes the caller encoded, or a message its call packs straight into
/// the outbound buffer as the frame is written (a call by callback: no array in between).
enum OutboundPayload {
    case bytes([UInt8])
    case packed(CallbackCall)
}

/// The client side of one PNRPC connection: writes REQUEST frames, matches END and
/// MESSAGE frames to their callers, enforces client-side deadlines and turns GOAWAY and
/// connection loss into errors that say whether a retry is safe.
///
/// The rules (call ids, the server's call limit and the queue beyond it, GOAWAY, closing)
/// live in `ClientConnectionStateMachine`; this handler carries out what it decides.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A call sent and not yet answered.
    struct SentCall {
        let call: PendingCall
        let timer: Scheduled<Void>?

        /// Ends the call with `error`, its deadline timer stopped.
        func fail(_ error: RPCError) {
            timer?.cancel()
            call.fail(error)
        }
    }

    /// A call waiting for a free slot under the server's `max_concurrent_calls`.
    struct WaitingCall {
        let handle: CallHandle
        let call: PendingCall
        let outbound: OutboundCall
        let timer: Scheduled<Void>?

        /// Ends the call, never sent, with `error`; its deadline timer stopped.
        func fail(_ error: RPCError) {
            timer?.cancel()
            call.fail(error)
        }
    }

    #if DEBUG
    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var state = ClientConnectionStateMachine<SentCall, WaitingCall>()
    /// REQUEST frames written since the last flush, in one buffer.
    private var batch = OutboundBatch()
    #else
    // Without run-time exclusivity checks in release builds (the debug builds, where the
    // tests run, keep them): only this handler touches these, on its event loop, and no
    // access to one runs code that could touch it again (calls are told their end and the
    // batch written after the change that took them out).
    @exclusivity(unchecked) private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    @exclusivity(unchecked) private var state = ClientConnectionStateMachine<SentCall, WaitingCall>()
    @exclusivity(unchecked) private var batch = OutboundBatch()
    #endif
    private let frameLimits: DecodingLimits
    /// Set from `handlerAdded` to `handlerRemoved`.
    private var context: ChannelHandlerContext!
    private var eventLoop: (any EventLoop)?
    /// Made on demand, never stored (a stored one would be a reference cycle).
    private var loopSelf: NIOLoopBound<ClientConnectionHandler>? {
        eventLoop.map { NIOLoopBound(self, eventLoop: $0) }
    }
    private var nextPing: UInt64 = 1
    private var pings: [UInt64: EventLoopPromise<Void>] = [:]
    /// The channel's allocator, kept at `handlerAdded` (asking the channel costs a reference count per frame).
    private var allocator = ByteBufferAllocator()
    private var flushScheduled = false
    /// Something was written since the last flush.
    private var flushNeeded = false
    /// Between a read and the end of its burst (`channelReadComplete`, which flushes): calls
    /// started meanwhile (from the completions of those answered) need no flush scheduled.
    private var reading = false
    /// The frame being handled is the last whole one of its read: a request its completion
    /// writes goes out at once (`OutboundBatch.append(peerWaits:)`), before the ended call's
    /// bookkeeping.
    private var handlingLastOfRead = false
    /// Cleared once called at close: it refers back to the connection that holds this handler.
    private var onUnusable: @Sendable () -> Void

    init(maxFrameSize: Int, onUnusable: @escaping @Sendable () -> Void) {
        processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: maxFrameSize))
        frameLimits = DecodingLimits(maxMessageSize: maxFrameSize)
        self.onUnusable = onUnusable
    }

    func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
        self.context = context
        eventLoop = context.eventLoop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = allocator.buffer(capacity: Preface.length)
        Preface.write(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let closed = state.connectionClosed()
        markUnusable()
        for sent in closed.sent {
            sent.fail(closed.sentError)
        }
        for waiting in closed.waiting {
            waiting.fail(closed.waitingError)
        }
        for (_, ping) in pings { ping.fail(closed.sentError) }
        pings.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is BoringSSLError {
            // Nothing reaches a handler before both sides accept the TLS handshake.
            state.failing(
                because: RPCError(
                    code: .unavailable,
                    message:
                        "the TLS handshake failed (\(error)); nothing was processed. Check the CA, the server name and, for mutual TLS, the client certificate",
                    reason: .tlsHandshakeFailed
                )
            )
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        do {
            defer { handlingLastOfRead = false }
            try processor.process(buffer: unwrapInboundIn(data)) { unit in
                self.handlingLastOfRead = self.processor.unprocessedBytes == 0
                try self.handle(unit)
            }
        } catch ConnectionError.badPreface(let guess) {
            // The server answered with something other than PNRPC: nothing was processed.
            state.failing(
                because: guess == .tls
                    ? RPCError(
                        code: .unavailable,
                        message: "the server speaks TLS and this client does not use it; configure TLS (--tls or --tls-ca)",
                        reason: .serverRequiresTls
                    )
                    : RPCError(
                        code: .unavailable,
                        message: "the server did not answer with a PNRPC preface; is this a PNRPC port?",
                        reason: .badServerPreface
                    )
            )
            context.close(promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        batch.burstEnded()
        if flushNeeded { flushNow() }
        context.fireChannelReadComplete()
    }

    // MARK: Calls

    func start(_ handle: CallHandle, _ call: PendingCall, _ outbound: OutboundCall) {
        if handle.cancelled {
            call.fail(.cancelledByCaller)
            return
        }
        switch state.startRequested() {
        case .send(let id):
            send(id, handle, call, outbound)
        case .wait:
            var timer: Scheduled<Void>?
            if let remaining = outbound.timeRemaining {
                let loopSelf = self.loopSelf!
                timer = context.eventLoop.scheduleTask(in: .nanoseconds(remaining.nanoseconds)) {
                    loopSelf.value.dropWaiting(handle, with: .deadlineExceeded)
                }
            }
            state.enqueue(WaitingCall(handle: handle, call: call, outbound: outbound, timer: timer))
        case .refuse(let error):
            call.fail(error)
        }
    }

    private func send(_ id: UInt64, _ handle: CallHandle, _ call: PendingCall, _ outbound: OutboundCall) {
        handle.id = id
        var request = DirectFrameEncoder.Fields(
            type: .request,
            callID: id,
            method: outbound.method.path,
            metadata: outbound.metadata
        )
        var timer: Scheduled<Void>?
        if let remaining = outbound.timeRemaining {
            let micros = max(1, remaining.nanoseconds / 1000)
            request.timeoutMicros = UInt64(micros)
            let loopSelf = self.loopSelf!
            timer = context.eventLoop.scheduleTask(in: .microseconds(micros)) {
                loopSelf.value.end(id, with: .deadlineExceeded, sendCancel: true)
            }
        }
        state.callSent(id, SentCall(call: call, timer: timer))
        // The server waits for this request if it follows from the last answer of a read
        // or nothing else waits for a flush: it goes out at once (`OutboundBatch`).
        let peerWaits = handlingLastOfRead || (!reading && !flushNeeded)
        let due: Bool
        switch outbound.payload {
        case .bytes(let bytes):
            request.payload = bytes
            due = batch.append(allocator: allocator, peerWaits: peerWaits) { DirectFrameEncoder.encode(request, into: &$0) }.due
        case .packed(let call):
            var packed = true
            due =
                batch.append(allocator: allocator, peerWaits: peerWaits) {
                    packed = RequestFrameOutput.write(&request, into: &$0, packedBy: call.packRequest)
                }.due
            if !packed {
                end(id, with: .nulInString(what: "request", field: nil), sendCancel: false)
                return
            }
        }
        if due {
            flushNow()
        } else {
            scheduleFlush()
        }
    }

    func cancel(_ handle: CallHandle) {
        guard let id = handle.id else {
            handle.cancelled = true
            dropWaiting(handle, with: .cancelledByCaller)
            return
        }
        end(id, with: .cancelledByCaller, sendCancel: true)
    }

    func ping() -> EventLoopFuture<Void> {
        guard state.phase != .closed, let context else { return eventLoop!.makeFailedFuture(RPCError.notSent) }
        let id = nextPing
        nextPing += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        pings[id] = promise
        var frame = WireFrame(type: .ping, callID: 0)
        frame.pingData = id
        send(frame)
        return promise.futureResult
    }

    private func dropWaiting(_ handle: CallHandle, with error: RPCError) {
        guard let waiting = state.removeQueued(where: { $0.handle === handle }) else { return }
        waiting.fail(error)
    }

    /// Call `id` ends without an answer from the server (deadline, cancelled by the caller).
    private func end(_ id: UInt64, with error: RPCError, sendCancel: Bool) {
        guard let sent = state.callEnded(id) else { return }
        sent.fail(error)
        if sendCancel, state.phase != .closed {
            send(WireFrame(type: .cancel, callID: id))
        }
        callsChanged()
    }

    /// Sends waiting calls while slots are free, and closes a gone-away connection once
    /// its last call ended.
    private func callsChanged() {
        while let next = state.nextToStart() {
            next.queued.timer?.cancel()
            send(next.callID, next.queued.handle, next.queued.call, next.queued.outbound)
        }
        if state.shouldClose {
            context.close(promise: nil)
        }
    }

    private func markUnusable() {
        onUnusable()
        if state.phase == .closed { onUnusable = {} }
    }

    // MARK: Frames

    private func handle(_ unit: InboundUnit) throws {
        switch unit {
        case .preface(let version):
            guard version == Preface.version else { throw ConnectionError.unsupportedVersion(version) }
        case .frame(let body):
            if let end = DirectFrameDecoder.successfulEnd(body) {
                callEnded(end.callID, .success(UnaryResponse(message: end.payload, metadata: Metadata(wire: end.metadata))))
                return
            }
            let frame = try FrameCodec.decode(body, limits: frameLimits)
            switch frame.type {
            case .end:
                if let error = (frame.status ?? WireStatus()).error {
                    callEnded(frame.callId, .failure(error))
                } else {
                    callEnded(
                        frame.callId,
                        .success(UnaryResponse(message: ByteBuffer(bytes: frame.payload), metadata: Metadata(wire: frame.metadata)))
                    )
                }
            case .message:
                if case .stream(let receiver) = state.call(frame.callId)?.call {
                    receiver.continuation.yield(frame.payload)
                }
            case .goaway:
                let ended = state.goAwayReceived(lastCallID: frame.lastCallId)
                markUnusable()
                for sent in ended.notProcessed {
                    sent.fail(.notProcessed)
                }
                for waiting in ended.notSent {
                    waiting.fail(.notSent)
                }
                callsChanged()
            case .ping:
                var pong = WireFrame(type: .pong, callID: 0)
                pong.pingData = frame.pingData
                send(pong)
            case .pong:
                pings.removeValue(forKey: frame.pingData)?.succeed()
            case .settings:
                state.settingsReceived(maxConcurrentCalls: Int(frame.settings?.maxConcurrentCalls ?? 0))
                callsChanged()
            default:
                throw ConnectionError.protocolViolation(reason: .unexpectedFrame, message: "unexpected frame from the server")
            }
        }
    }

    /// The server ended call `id` with `result` (an END for a call no longer waiting is ignored).
    private func callEnded(_ id: UInt64, _ result: Result<UnaryResponse<ByteBuffer>, RPCError>) {
        guard let sent = state.callEnded(id) else { return }
        sent.timer?.cancel()
        switch result {
        case .success(let response): sent.call.succeed(response)
        case .failure(let error): sent.call.fail(error)
        }
        callsChanged()
    }

    private func send(_ frame: WireFrame) {
        guard let context else { return }
        write(FrameCodec.encode(frame, allocator: allocator))
    }

    /// Writes `encoded` after the requests gathered so far.
    private func write(_ encoded: ByteBuffer) {
        guard let context else { return }
        OutboundBatch.handOver(batch.take(), to: context)
        context.write(wrapOutboundOut(encoded), promise: nil)
        scheduleFlush()
    }

    /// One flush for everything written before the loop's next turn.
    private func scheduleFlush() {
        flushNeeded = true
        guard !reading, !flushScheduled, let context else { return }
        flushScheduled = true
        let loopSelf = self.loopSelf!
        context.eventLoop.execute {
            loopSelf.value.flushScheduled = false
            loopSelf.value.batch.burstEnded()
            loopSelf.value.flushNow()
        }
    }

    private func flushNow() {
        guard let context else { return }
        flushNeeded = false
        OutboundBatch.handOver(batch.take(), to: context)
        context.flush()
    }
}
