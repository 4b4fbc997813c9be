import Logging
import Metrics
import NIOCore
import NIOExtras
import RPCCore
import RPCProto

/// Serves one PNRPC connection: decodes frames, runs each call's handler as a task on this
/// connection's event loop, and answers with END frames.
///
/// The rules (phase, call ids, limits, ping policing, drain, timeouts) live in
/// `ServerConnectionStateMachine`; this handler feeds it the channel's events and carries
/// out what it decides. Everything here runs on the channel's event loop. A misbehaving
/// peer only ever closes its own connection (with a GOAWAY that says why).
final class ServerConnectionHandler: ChannelDuplexHandler, ResponseSink {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the handler keeps for a call in flight.
    struct InFlightCall {
        let method: String
        let metrics: ServerMetrics.Method
        let started: NIODeadline
        var task: Task<Void, Never>?
        var deadlineTimer: Scheduled<Void>?
        /// A streaming handler waiting for the channel to become writable.
        var writable: EventLoopPromise<Void>?
    }

    /// How a call ended, which decides what the client is told.
    private enum Outcome {
        /// The handler returned: END with its result and trailers.
        case answered(Result<[UInt8], RPCError>, trailers: Metadata)
        /// The deadline passed first: END with DEADLINE_EXCEEDED.
        case deadlineExceeded
        /// The client cancelled it: nothing is sent.
        case cancelledByClient
        /// The drain's grace period ran out: END with UNAVAILABLE, SERVER_SHUTDOWN.
        case shutDown
        /// The connection closed under it: nothing can be sent.
        case connectionClosed

        var error: RPCError? {
            switch self {
            case .answered(let result, _): return result.error
            case .deadlineExceeded: return .deadlineExceeded
            case .cancelledByClient: return RPCError(code: .cancelled, message: "cancelled by the client")
            case .shutDown: return .serverShutdown
            case .connectionClosed: return .connectionLost
            }
        }
    }

    private let router: RPCRouter
    private let metrics: ServerMetrics
    /// A method this connection served, with its metrics.
    private final class ServedMethod {
        /// The bytes of its path, as a buffer of their own (a view would keep a whole read
        /// buffer alive).
        let path: ByteBuffer
        let handler: RPCMethodHandler
        let metrics: ServerMetrics.Method

        init(path: String, handler: RPCMethodHandler, metrics: ServerMetrics.Method) {
            self.path = ByteBuffer(string: path)
            self.handler = handler
            self.metrics = metrics
        }
    }

    /// The methods this connection served, by the bytes of their paths: one lookup per call
    /// instead of the router's and the metrics', and no `String` made (known methods only:
    /// bounded).
    private var served: [ByteBuffer: ServedMethod] = [:]
    /// The method of the last call: a connection mostly calls one method again and again,
    /// and comparing its path costs less than hashing it.
    private var lastServed: ServedMethod?
    private let limits: ServerLimits
    private let drainGracePeriod: Duration
    private let executor: EventLoopTaskExecutor
    /// The connection's logger, with `rpc.peer` once the peer is known.
    private var logger: Logger { facts.logger }
    #if DEBUG
    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var state: ServerConnectionStateMachine<InFlightCall>
    /// Successful END frames written since the last flush, in one buffer.
    private var batch = OutboundBatch()
    #else
    // Without run-time exclusivity checks in release builds (the debug builds, where the
    // tests run, keep them): only this handler touches these, on its event loop, and no
    // access to one runs code that could touch it again (promises are completed and the
    // batch written after the change that took them out).
    @exclusivity(unchecked) private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    @exclusivity(unchecked) private var state: ServerConnectionStateMachine<InFlightCall>
    @exclusivity(unchecked) private var batch = OutboundBatch()
    #endif
    /// Set from `handlerAdded` to `handlerRemoved`; nothing may hold the handler after that.
    private var context: ChannelHandlerContext!
    private var eventLoop: (any EventLoop)?
    /// A loop-bound reference for closures that run later on the loop. Made on demand, never
    /// stored: a stored one would be a reference cycle that leaks every connection.
    private var loopSelf: NIOLoopBound<ServerConnectionHandler>? {
        eventLoop.map { NIOLoopBound(self, eventLoop: $0) }
    }
    /// Calls started and not yet ended (observed by the connection replay's invariants).
    var callsInFlight: Int { state.callsInFlight }
    /// The channel's allocator, kept at `handlerAdded` (asking the channel costs a reference count per frame).
    private var allocator = ByteBufferAllocator()
    private var flushPending = false
    private var flushScheduled = false
    /// The inline call running now, until its response is written (`appendResponse`): its
    /// id and where its handler puts trailers (not the whole context: a copy of that costs
    /// a reference count per field).
    private var inlineCall: (id: UInt64, trailers: ResponseMetadata)?
    /// The trailers of the inline calls, one after another (no allocation per call; a
    /// context kept past its call adds nothing to a later one).
    private let inlineTrailers = TrailerStorage()
    /// Between a read and the end of its burst (`channelReadComplete`, which flushes):
    /// answers written meanwhile need no flush of their own scheduled.
    private var reading = false
    /// The frame being handled is the last whole one of its read: an answer written now
    /// goes out at once (`OutboundBatch.append(peerWaits:)`), before the call's bookkeeping.
    private var handlingLastOfRead = false
    private var readHeld = false
    private var housekeeping: Scheduled<Void>?
    private var graceTimer: Scheduled<Void>?
    /// What every call's context shares (peer, logger, limits), made again once the peer is known.
    private var facts: ConnectionFacts
    private var logLimiter = RepeatedLogLimiter()

    /// `ip:port`, or `[ip]:port` for IPv6.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return address?.description ?? "unknown" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }

    /// `metrics` nil: counted nowhere (tests, the connection replay).
    init(
        router: RPCRouter,
        metrics: ServerMetrics? = nil,
        limits: ServerLimits,
        drainGracePeriod: Duration,
        executor: EventLoopTaskExecutor,
        logger: Logger
    ) {
        self.router = router
        self.metrics = metrics ?? ServerMetrics(router: router, factory: NOOPMetricsHandler.instance)
        self.limits = limits
        self.drainGracePeriod = drainGracePeriod
        self.executor = executor
        self.processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: limits.maxFrameSize))
        self.state = ServerConnectionStateMachine(limits: .init(limits), now: .now())
        self.facts = ConnectionFacts(peer: "unknown", logger: logger, decodingLimits: limits.decoding)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
        self.context = context
        self.eventLoop = context.eventLoop
        let peer = Self.describe(context.channel.remoteAddress)
        var logger = facts.logger
        logger[metadataKey: "rpc.peer"] = "\(peer)"
        facts = ConnectionFacts(peer: peer, logger: logger, decodingLimits: limits.decoding)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        state = ServerConnectionStateMachine(limits: state.limits, now: .now())
        scheduleHousekeeping(at: state.firstHousekeeping)
        metrics.connectionsAccepted.increment()
        metrics.connectionsOpen.increment()
        logger.debug("connection opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        housekeeping?.cancel()
        graceTimer?.cancel()
        for (id, call) in state.connectionClosed() {
            finish(id, call, .connectionClosed)
        }
        metrics.connectionsOpen.decrement()
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state.phase != .closed else { return }
        reading = true
        let buffer = unwrapInboundIn(data)
        metrics.bytesReceived.increment(by: Int64(buffer.readableBytes))
        do {
            try processor.process(buffer: buffer) { unit in
                self.handlingLastOfRead = self.processor.unprocessedBytes == 0
                try self.handle(unit)
            }
        } catch let error as ConnectionError {
            fail(error)
        } catch {
            fail(.malformedFrame(String(describing: error)))
        }
        handlingLastOfRead = false
        state.bytesProcessed(now: .now(), partialFrameRemains: processor.unprocessedBytes > 0)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        batch.burstEnded()
        flushIfPending()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // Backpressure: a peer that does not read its answers is not read from either.
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if readHeld {
                readHeld = false
                context.read()
            }
            // Taken out first, completed after: what waits on them runs outside the change
            // to `state`.
            var waiting: [EventLoopPromise<Void>] = []
            state.updateEachCall { call in
                if let writable = call.writable { waiting.append(writable) }
                call.writable = nil
            }
            for writable in waiting { writable.succeed() }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            beginDrain()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Frames

    private func handle(_ unit: InboundUnit) throws {
        switch unit {
        case .preface(let version):
            switch state.prefaceReceived(version: version) {
            case .answer:
                var buffer = allocator.buffer(capacity: Preface.length)
                Preface.write(into: &buffer)
                write(buffer)
                send(.settings(limits))
            case .close(let error):
                throw error
            case .ignore:
                break
            }
        case .frame(let body):
            guard state.phase != .closed else { return }
            if let request = DirectFrameDecoder.request(body) {
                try handleRequest(request)
                return
            }
            let frame = try FrameCodec.decode(body, limits: limits.frameDecoding)
            switch frame.type {
            case .request:
                try handleRequest(RequestFrame(frame))
            case .cancel:
                end(frame.callId, .cancelledByClient)
            case .ping:
                switch state.pingReceived(now: .now()) {
                case .pong:
                    var pong = WireFrame(type: .pong, callID: 0)
                    pong.pingData = frame.pingData
                    send(pong)
                case .close(let error):
                    logger.warning("closing connection: ping flood", metadata: ["limit": "\(limits.maxPingsPerWindow)"])
                    throw error
                }
            case .pong:
                break
            default:
                throw ConnectionError.protocolViolation(
                    reason: .unexpectedFrame,
                    message: "a client may not send frames of type \(frame.type.rawValue)"
                )
            }
        }
    }

    private func handleRequest(_ frame: RequestFrame) throws {
        let id = frame.callID
        switch state.requestReceived(callID: id) {
        case .admit:
            break
        case .refuse(let error):
            refuse(id, frame.methodName, error)
            return
        case .close(let error):
            throw error
        case .ignore:
            return
        }
        let metadata = Metadata(wire: frame.metadata)
        if let error = limits.refusal(of: frame, metadata: metadata) {
            refuse(id, frame.methodName, error)
            return
        }
        let method: ServedMethod
        if let last = lastServed, last.path == frame.method {
            method = last
        } else if let known = served[frame.method] {
            method = known
            lastServed = known
        } else {
            let name = frame.methodName
            switch router.route(name) {
            case .success(let handler):
                method = ServedMethod(path: name, handler: handler, metrics: metrics.method(name))
                served[method.path] = method
                lastServed = method
            case .failure(let error):
                refuse(id, name, error)
                return
            }
        }
        method.metrics.started.increment()
        // The served method goes on as one reference: its fields, read where they are used,
        // are borrowed from it instead of counted once more per call.
        if let inline = method.handler.inline {
            answerInline(id: id, frame: frame, metadata: metadata, method: method, inline: inline)
        } else {
            start(id: id, frame: frame, metadata: metadata, method: method)
        }
    }

    /// A warning that a hostile or careless client could repeat per call: at most a
    /// few per kind and window on this connection, then a count of those left out.
    private func warnLimited(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        guard case .write(let suppressed) = logLimiter.decide(message.description, now: NIODeadline.now().uptimeNanoseconds) else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["log.suppressed"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }

    /// The context a handler sees for call `id`, with trailers of its own unless given.
    private func makeContext(
        _ id: UInt64,
        _ frame: RequestFrame,
        _ metadata: Metadata,
        _ method: MethodDescriptor,
        trailers: ResponseMetadata? = nil
    ) -> ServerContext {
        let timeoutMicros = min(frame.timeoutMicros, Self.longestTimeoutMicros)
        let deadline = timeoutMicros > 0 ? ContinuousClock.now + .microseconds(Int64(timeoutMicros)) : nil
        return ServerContext(
            method: method,
            callID: id,
            metadata: metadata,
            deadline: deadline,
            connection: facts,
            trailers: trailers ?? ResponseMetadata()
        )
    }

    /// Timeouts beyond a year are taken as a year.
    private static let longestTimeoutMicros: UInt64 = 366 * 86_400 * 1_000_000

    /// Runs an inline handler as the request is read and answers at once: no task, no
    /// entry among the calls in flight (it has ended before anything else can happen).
    private func answerInline(
        id: UInt64,
        frame: RequestFrame,
        metadata: Metadata,
        method: ServedMethod,
        inline: @Sendable (UnsafeRawBufferPointer, ServerContext, inout ResponseOutput) throws -> Void
    ) {
        let started = NIODeadline.now()
        inlineTrailers.begin(call: id)
        let context = makeContext(id, frame, metadata, method.handler.descriptor, trailers: ResponseMetadata(inlineTrailers, call: id))
        inlineCall = (id, context.responseMetadata)
        let error = frame.payload.withUnsafeReadableBytes { request in
            CallExecutor.runInline(inline, method: method.handler.descriptor, request: request, context: context, sink: self)
        }
        if inlineCall != nil {
            // Failed, or a message that encoded nothing: answered here.
            inlineCall = nil
            answer(id, error.map { .failure($0) } ?? .success([]), trailers: context.responseMetadata.current)
        }
        logCall(id, method: method.handler.descriptor.path, metrics: method.metrics, started: started, error)
    }

    /// The inline call's response, as protobuf-c packs it: its END is written around it,
    /// straight into the outbound buffer.
    func appendResponse(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard let (id, trailers) = inlineCall else { return }
        inlineCall = nil
        answerOK(id, trailers: trailers.current, payloadCount: count, fill)
    }

    private func start(
        id: UInt64,
        frame: RequestFrame,
        metadata: Metadata,
        method: ServedMethod
    ) {
        let handler = method.handler
        let timeoutMicros = min(frame.timeoutMicros, Self.longestTimeoutMicros)
        let serverContext = makeContext(id, frame, metadata, handler.descriptor)
        metrics.callsInFlight.increment()
        var call = InFlightCall(method: handler.descriptor.path, metrics: method.metrics, started: .now())
        let loopSelf = self.loopSelf!
        if timeoutMicros > 0 {
            call.deadlineTimer = context.eventLoop.scheduleTask(in: .microseconds(Int64(timeoutMicros))) {
                loopSelf.value.end(id, .deadlineExceeded)
            }
        }
        let loop = context.eventLoop
        let writer =
            handler.descriptor.kind == .unary
            ? RawResponseWriter.unary
            : RawResponseWriter { bytes in
                if loop.inEventLoop {
                    try await loopSelf.value.streamMessage(id, bytes).get()
                } else {
                    try await loop.flatSubmit { loopSelf.value.streamMessage(id, bytes) }.get()
                }
            }
        let payload = Array(buffer: frame.payload)
        let drain = router.streamDrain
        // Enqueued on the loop, not started inline (`Task.immediate`): the frames of a read
        // are all decoded first and their handlers then run back to back, which measured
        // faster, and a call cancelled in the same read never runs its handler.
        call.task = Task(executorPreference: executor) {
            let executed = await CallExecutor.run(handler, request: payload, context: serverContext, writer: writer, drain: drain)
            let outcome = Outcome.answered(executed.result, trailers: executed.trailers)
            if loop.inEventLoop {
                loopSelf.value.end(id, outcome)
            } else {
                loop.execute { loopSelf.value.end(id, outcome) }
            }
        }
        state.callStarted(id: id, call)  // before the task runs: it is only enqueued on this loop
    }

    private func streamMessage(_ id: UInt64, _ bytes: [UInt8]) -> EventLoopFuture<Void> {
        guard state.isInFlight(id), state.phase != .closed, let context else {
            return eventLoop!.makeFailedFuture(CancellationError())
        }
        var frame = WireFrame(type: .message, callID: id)
        frame.payload = bytes
        send(frame)
        if context.channel.isWritable {
            return context.eventLoop.makeSucceededVoidFuture()
        }
        flushIfPending()
        let promise = context.eventLoop.makePromise(of: Void.self)
        state.updateCall(id) { $0.writable = promise }
        return promise.futureResult
    }

    /// Call `id` ends, unless it already ended another way.
    private func end(_ id: UInt64, _ outcome: Outcome) {
        guard let ended = state.callEnded(id, now: .now()) else { return }
        finish(id, ended.call, outcome)
        if ended.drainComplete { closeAfterFlush() }
    }

    /// The one way a call is torn down, whichever way it ended: its task, timer and
    /// stream stop, the client is answered when the outcome calls for it, and its
    /// metrics and log line are written.
    private func finish(_ id: UInt64, _ call: InFlightCall, _ outcome: Outcome) {
        call.deadlineTimer?.cancel()
        call.writable?.fail(CancellationError())
        switch outcome {
        case .answered(let result, let trailers):
            answer(id, result, trailers: trailers)
        case .deadlineExceeded, .shutDown:
            call.task?.cancel()
            send(.end(callID: id, result: .failure(outcome.error!), metadata: [:]))
        case .cancelledByClient, .connectionClosed:
            call.task?.cancel()
        }
        metrics.callsInFlight.decrement()
        logCall(id, method: call.method, metrics: call.metrics, started: call.started, outcome.error)
    }

    /// A call answered at once with `error`; its handler never ran.
    private func refuse(_ id: UInt64, _ method: String, _ error: RPCError) {
        if error.code == .resourceExhausted, let reason = error.reason {
            warnLimited("call refused: \(reason)", ["limit": "\(error.details?.metadata["limit"] ?? "")"])
        }
        send(.end(callID: id, result: .failure(error), metadata: [:]))
        metrics.refused(error.reason ?? error.code.name)
        logCall(id, method: method, metrics: metrics.method(method), started: .now(), error)
    }

    /// Every call's metrics and log line (answered, refused, past its deadline, cancelled,
    /// shut down).
    private func logCall(_ id: UInt64, method: String, metrics: ServerMetrics.Method, started: NIODeadline, _ error: RPCError?) {
        let elapsed = NIODeadline.now() - started
        metrics.finished(error?.code ?? .ok).increment()
        metrics.duration.recordNanoseconds(elapsed.nanoseconds)
        let micros = elapsed.nanoseconds / 1000
        logger.debug(
            "call finished",
            metadata: [
                "rpc.method": "\(method)", "rpc.call_id": "\(id)", "rpc.status": "\(error?.code.name ?? "OK")",
                "rpc.reason": "\(error?.reason ?? "")", "rpc.duration_us": "\(micros)",
            ]
        )
    }

    // MARK: Draining, timeouts and closing

    private func beginDrain() {
        switch state.drainRequested() {
        case .closeNow:
            context.close(promise: nil)
        case .goAwayAndClose(let lastCallID):
            sendGoAway(lastCallID)
            closeAfterFlush()
        case .goAwayAndWait(let lastCallID):
            sendGoAway(lastCallID)
            flushIfPending()
            let loopSelf = self.loopSelf!
            graceTimer = context.eventLoop.scheduleTask(in: .nanoseconds(drainGracePeriod.nanoseconds)) {
                loopSelf.value.graceExpired()
            }
        case .none:
            break
        }
    }

    private func sendGoAway(_ lastCallID: UInt64) {
        metrics.goAwaySent(RuntimeReason.draining.rawValue)
        send(.goAway(lastCallID: lastCallID, status: .draining))
    }

    private func graceExpired() {
        for (id, call) in state.graceExpired() {
            finish(id, call, .shutDown)
        }
        closeAfterFlush()
    }

    private func scheduleHousekeeping(at deadline: NIODeadline) {
        let loopSelf = self.loopSelf!
        housekeeping = context.eventLoop.scheduleTask(deadline: deadline) {
            loopSelf.value.runHousekeeping()
        }
    }

    private func runHousekeeping() {
        switch state.housekeeping(now: .now()) {
        case .close(let error):
            if error == .idleTimeout {
                logger.debug("closing connection: idle")
            } else {
                logger.notice("closing connection: frame read timeout")
            }
            fail(error)
        case .again(let deadline):
            scheduleHousekeeping(at: deadline)
        case .stop:
            break
        }
    }

    /// Closes the connection because of `error`, telling the peer why first.
    private func fail(_ error: ConnectionError) {
        switch state.closing(because: error) {
        case .rejectPreface(let guess):
            logger.notice("closing connection: bad preface", metadata: ["peer.guess": "\(guess)"])
            let loopSelf = self.loopSelf!
            context.writeAndFlush(wrapOutboundOut(Preface.rejection(for: guess, allocator: allocator)))
                .whenComplete { _ in loopSelf.value.context?.close(promise: nil) }
        case .goAway(let lastCallID, let status, let prefaceFirst, let calls):
            if prefaceFirst {
                var buffer = allocator.buffer(capacity: Preface.length)
                Preface.write(into: &buffer)
                write(buffer)
            }
            if error != .idleTimeout {
                logger.notice("closing connection", metadata: ["rpc.reason": "\(status.reason ?? "")", "error": "\(status.message)"])
            }
            metrics.goAwaySent(status.reason ?? "UNKNOWN")
            send(.goAway(lastCallID: lastCallID, status: status))
            for (id, call) in calls {
                finish(id, call, .connectionClosed)
            }
            closeAfterFlush()
        case .none:
            break
        }
    }

    private func closeAfterFlush() {
        flushPending = false
        guard let context else { return }
        OutboundBatch.handOver(batch.take(), to: context)
        let loopSelf = self.loopSelf!
        context.writeAndFlush(wrapOutboundOut(allocator.buffer(capacity: 0))).whenComplete { _ in
            loopSelf.value.context?.close(promise: nil)
        }
    }

    // MARK: Writing

    /// Writes a call's END: a success straight into the outbound buffer, a failure through
    /// the envelope's values.
    private func answer(_ id: UInt64, _ result: Result<[UInt8], RPCError>, trailers: Metadata) {
        guard case .success(let payload) = result else {
            send(.end(callID: id, result: result, metadata: trailers))
            return
        }
        payload.withUnsafeBytes { payload in
            answerOK(id, trailers: trailers, payloadCount: payload.count) { $0.copyMemory(from: payload) }
        }
    }

    /// Writes a successful END whose response, `payloadCount` bytes, `writePayload` writes
    /// straight into the outbound buffer.
    private func answerOK(
        _ id: UInt64,
        trailers: Metadata,
        payloadCount: Int,
        _ writePayload: (UnsafeMutableRawBufferPointer) -> Void
    ) {
        guard context != nil else { return }
        let fields = DirectFrameEncoder.Fields(type: .end, callID: id, metadata: trailers, okStatus: true)
        let (bytes, due) = batch.append(allocator: allocator, peerWaits: handlingLastOfRead) {
            DirectFrameEncoder.encode(fields, payloadCount: payloadCount, writePayload: writePayload, into: &$0)
        }
        markFlushNeeded()
        if due { flushIfPending() }
        metrics.bytesSent.increment(by: Int64(bytes))
    }

    private func send(_ frame: WireFrame) {
        guard let context else { return }
        write(FrameCodec.encode(frame, allocator: allocator))
    }

    /// Writes `encoded` after the answers gathered so far.
    private func write(_ encoded: ByteBuffer) {
        guard let context else { return }
        metrics.bytesSent.increment(by: Int64(encoded.readableBytes))
        OutboundBatch.handOver(batch.take(), to: context)
        context.write(wrapOutboundOut(encoded), promise: nil)
        markFlushNeeded()
    }

    /// Coalesces flushes: one per read burst or per batch of completions, not one per response.
    private func markFlushNeeded() {
        flushPending = true
        guard !reading, !flushScheduled else { return }
        flushScheduled = true
        let loopSelf = self.loopSelf!
        context.eventLoop.execute {
            loopSelf.value.flushScheduled = false
            loopSelf.value.batch.burstEnded()
            loopSelf.value.flushIfPending()
        }
    }

    private func flushIfPending() {
        guard flushPending, let context else { return }
        flushPending = false
        OutboundBatch.handOver(batch.take(), to: context)
        context.flush()
    }
}

extension Result where Failure == RPCError {
    var error: RPCError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
