import NIOCore
import NIOSSL
import ProtoBridge
import RPCCore
import RPCProto

/// A call a client is waiting on; touched only on its connection's event loop.
final class CallHandle: @unchecked Sendable {
    var id: UInt64?
    var cancelled = false
}

/// Who receives the answer of a call.
enum PendingCall {
    /// Resumed exactly once: the call is removed from the handler's tables before.
    case unary(UnsafeContinuation<UnaryResponse<[UInt8]>, any Error>)
    case stream(AsyncThrowingStream<[UInt8], any Error>.Continuation)

    func fail(_ error: RPCError) {
        switch self {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation): continuation.finish(throwing: error)
        }
    }
}

/// What a client sends to start a call.
struct OutboundCall {
    let method: MethodDescriptor
    let payload: [UInt8]
    let metadata: Metadata
    /// When the caller stops waiting; `nil` for no limit.
    let deadline: ContinuousClock.Instant?

    /// The time left until the deadline, at least a microsecond.
    var timeRemaining: Duration? {
        deadline.map { max($0 - ContinuousClock.now, .microseconds(1)) }
    }
}

/// The client side of one PNRPC connection: assigns call ids, writes REQUEST frames,
/// matches END and MESSAGE frames to their callers, enforces client-side deadlines
/// and turns GOAWAY and connection loss into errors that say whether a retry is safe.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private let frameLimits: DecodingLimits
    /// Set from `handlerAdded` to `handlerRemoved`.
    private var context: ChannelHandlerContext!
    private var eventLoop: (any EventLoop)?
    /// Made on demand, never stored (a stored one would be a reference cycle).
    private var loopSelf: NIOLoopBound<ClientConnectionHandler>? {
        eventLoop.map { NIOLoopBound(self, eventLoop: $0) }
    }
    private var calls: [UInt64: (call: PendingCall, timer: Scheduled<Void>?)] = [:]
    /// Calls waiting for a free slot under the server's `max_concurrent_calls`.
    private var queue: [(handle: CallHandle, call: PendingCall, outbound: OutboundCall, timer: Scheduled<Void>?)] = []
    private var maxConcurrentCalls = 100
    private var nextCallID: UInt64 = 1
    private var nextPing: UInt64 = 1
    private var pings: [UInt64: EventLoopPromise<Void>] = [:]
    private var open = true
    /// Why the connection is closing, when the runtime knows better than "lost": calls
    /// still pending fail with it.
    private var closeReason: RPCError?
    private var goneAway = false
    private var flushScheduled = false
    /// Cleared once called at close: it refers back to the connection that holds this handler.
    private var onUnusable: @Sendable () -> Void

    init(maxFrameSize: Int, onUnusable: @escaping @Sendable () -> Void) {
        processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: maxFrameSize))
        frameLimits = DecodingLimits(maxMessageSize: maxFrameSize)
        self.onUnusable = onUnusable
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        eventLoop = context.eventLoop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Preface.length)
        Preface.write(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        open = false
        markUnusable()
        let lost =
            closeReason
            ?? RPCError(
                code: .unavailable,
                message: "the connection was lost before the call completed; it may have been processed",
                reason: .connectionLost
            )
        failAll(lost) { _ in true }
        for entry in queue {
            entry.timer?.cancel()
            entry.call.fail(closeReason ?? .notSent)
        }
        queue.removeAll()
        for (_, ping) in pings { ping.fail(lost) }
        pings.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if closeReason == nil, error is NIOSSLError || error is BoringSSLError {
            // Nothing reaches a handler before both sides accept the TLS handshake.
            closeReason = RPCError(
                code: .unavailable,
                message:
                    "the TLS handshake failed (\(error)); nothing was processed. Check the CA, the server name and, for mutual TLS, the client certificate",
                reason: .tlsHandshakeFailed
            )
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try processor.process(buffer: unwrapInboundIn(data)) { unit in
                try self.handle(unit)
            }
        } catch ConnectionError.badPreface(let guess) {
            // The server answered with something other than PNRPC: nothing was processed.
            closeReason =
                guess == .tls
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
            context.close(promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }

    // MARK: Calls

    func start(_ handle: CallHandle, _ call: PendingCall, _ outbound: OutboundCall) {
        if handle.cancelled {
            call.fail(RPCError(code: .cancelled, message: "the call was cancelled", reason: .cancelled))
            return
        }
        guard open, !goneAway else {
            call.fail(closeReason ?? .notSent)
            return
        }
        if calls.count >= maxConcurrentCalls {
            var timer: Scheduled<Void>?
            if let remaining = outbound.timeRemaining {
                let loopSelf = self.loopSelf!
                timer = context.eventLoop.scheduleTask(in: .nanoseconds(remaining.nanoseconds)) {
                    loopSelf.value.dropQueued(handle, with: .deadlineExceeded)
                }
            }
            queue.append((handle, call, outbound, timer))
            return
        }
        send(handle, call, outbound)
    }

    private func send(_ handle: CallHandle, _ call: PendingCall, _ outbound: OutboundCall) {
        let id = nextCallID
        nextCallID += 1
        handle.id = id
        var frame = WireFrame(type: .request, callID: id)
        frame.method = outbound.method.path
        frame.metadata = outbound.metadata.wireEntries
        frame.payload = outbound.payload
        var timer: Scheduled<Void>?
        if let remaining = outbound.timeRemaining {
            let micros = max(1, remaining.nanoseconds / 1000)
            frame.timeoutMicros = UInt64(micros)
            let loopSelf = self.loopSelf!
            timer = context.eventLoop.scheduleTask(in: .microseconds(micros)) {
                loopSelf.value.finish(id, with: .deadlineExceeded, sendCancel: true)
            }
        }
        calls[id] = (call, timer)
        send(frame)
    }

    func cancel(_ handle: CallHandle) {
        guard let id = handle.id else {
            handle.cancelled = true
            dropQueued(handle, with: RPCError(code: .cancelled, message: "the call was cancelled", reason: .cancelled))
            return
        }
        finish(id, with: RPCError(code: .cancelled, message: "the call was cancelled", reason: .cancelled), sendCancel: true)
    }

    func ping() -> EventLoopFuture<Void> {
        guard open, let context else { return eventLoop!.makeFailedFuture(RPCError.notSent) }
        let id = nextPing
        nextPing += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        pings[id] = promise
        var frame = WireFrame(type: .ping, callID: 0)
        frame.pingData = id
        send(frame)
        return promise.futureResult
    }

    private func dropQueued(_ handle: CallHandle, with error: RPCError) {
        guard let index = queue.firstIndex(where: { $0.handle === handle }) else { return }
        let entry = queue.remove(at: index)
        entry.timer?.cancel()
        entry.call.fail(error)
    }

    /// Starts queued calls while slots are free.
    private func startQueued() {
        while open, !goneAway, calls.count < maxConcurrentCalls, !queue.isEmpty {
            let entry = queue.removeFirst()
            entry.timer?.cancel()
            send(entry.handle, entry.call, entry.outbound)
        }
    }

    private func finish(_ id: UInt64, with error: RPCError, sendCancel: Bool) {
        guard let entry = calls.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.call.fail(error)
        if sendCancel, open {
            send(WireFrame(type: .cancel, callID: id))
        }
        closeIfDone()
    }

    private func failAll(_ error: RPCError, where include: (UInt64) -> Bool) {
        for (id, entry) in calls where include(id) {
            calls[id] = nil
            entry.timer?.cancel()
            entry.call.fail(error)
        }
    }

    private func closeIfDone() {
        startQueued()
        if goneAway, calls.isEmpty, open {
            context.close(promise: nil)
        }
    }

    private func markUnusable() {
        onUnusable()
        if !open { onUnusable = {} }
    }

    // MARK: Frames

    private func handle(_ unit: InboundUnit) throws {
        switch unit {
        case .preface(let version):
            guard version == Preface.version else { throw ConnectionError.unsupportedVersion(version) }
        case .frame(let body):
            let frame = try FrameCodec.decode(body, limits: frameLimits)
            switch frame.type {
            case .end:
                guard let entry = calls.removeValue(forKey: frame.callId) else { return }
                entry.timer?.cancel()
                if let error = (frame.status ?? WireStatus()).error {
                    entry.call.fail(error)
                } else {
                    switch entry.call {
                    case .unary(let continuation):
                        continuation.resume(returning: UnaryResponse(message: frame.payload, metadata: Metadata(wire: frame.metadata)))
                    case .stream(let continuation): continuation.finish()
                    }
                }
                closeIfDone()
            case .message:
                if case .stream(let continuation) = calls[frame.callId]?.call {
                    continuation.yield(frame.payload)
                }
            case .goaway:
                goneAway = true
                markUnusable()
                failAll(.notProcessed) { $0 > frame.lastCallId }
                for entry in queue {
                    entry.timer?.cancel()
                    entry.call.fail(.notSent)
                }
                queue.removeAll()
                closeIfDone()
            case .ping:
                var pong = WireFrame(type: .pong, callID: 0)
                pong.pingData = frame.pingData
                send(pong)
            case .pong:
                pings.removeValue(forKey: frame.pingData)?.succeed()
            case .settings:
                if let settings = frame.settings, settings.maxConcurrentCalls > 0 {
                    maxConcurrentCalls = Int(settings.maxConcurrentCalls)
                    startQueued()
                }
            default:
                throw ConnectionError.protocolViolation(reason: .unexpectedFrame, message: "unexpected frame from the server")
            }
        }
    }

    private func send(_ frame: WireFrame) {
        guard let context else { return }
        context.write(wrapOutboundOut(FrameCodec.encode(frame, allocator: context.channel.allocator)), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopSelf = self.loopSelf!
        context.eventLoop.execute {
            loopSelf.value.flushScheduled = false
            loopSelf.value.context?.flush()
        }
    }
}

extension RPCError {
    /// A call the client never sent (the connection was closing); safe to retry.
    static let notSent = RPCError(code: .unavailable, message: "the connection is closing; the call was not sent", reason: .notSent)
    /// A call the server announced it did not process (GOAWAY); safe to retry.
    static let notProcessed = RPCError(
        code: .unavailable,
        message: "the server went away without processing the call",
        reason: .notProcessed
    )
}
