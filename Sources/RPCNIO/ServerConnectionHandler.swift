import Logging
import Metrics
import NIOCore
import NIOExtras
import RPCCore
import RPCProto

/// Serves one PNRPC connection: validates the preface, decodes frames, runs each call's
/// handler as a task on this connection's event loop, and answers with END frames.
///
/// Everything here runs on the channel's event loop. A misbehaving peer only ever
/// closes its own connection (with a GOAWAY that says why).
final class ServerConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct InFlightCall {
        let method: String
        let metrics: ServerMetrics.Method
        let started: NIODeadline
        var task: Task<Void, Never>?
        var deadlineTimer: Scheduled<Void>?
        var writable: EventLoopPromise<Void>?
    }

    private enum Phase {
        case awaitingPreface
        case serving
        case draining
        case closed
    }

    private let router: RPCRouter
    private let metrics: ServerMetrics
    /// This connection's metrics of the methods it served (known methods only: bounded).
    private var methodMetrics: [String: ServerMetrics.Method] = [:]
    private let limits: ServerLimits
    private let drainGracePeriod: Duration
    private let executor: EventLoopTaskExecutor
    private var logger: Logger
    private var processor: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    /// Set from `handlerAdded` to `handlerRemoved`; nothing may hold the handler after that.
    private var context: ChannelHandlerContext!
    private var eventLoop: (any EventLoop)?
    /// A loop-bound reference for closures that run later on the loop. Made on demand, never
    /// stored: a stored one would be a reference cycle that leaks every connection.
    private var loopSelf: NIOLoopBound<ServerConnectionHandler>? {
        eventLoop.map { NIOLoopBound(self, eventLoop: $0) }
    }
    private var phase = Phase.awaitingPreface
    private var calls: [UInt64: InFlightCall] = [:]
    /// Calls started and not yet ended (observed by the connection replay's invariants).
    var callsInFlight: Int { calls.count }
    private var lastCallID: UInt64 = 0
    private var flushPending = false
    private var flushScheduled = false
    private var readHeld = false
    private var lastActivity = NIODeadline.now()
    private var partialSince: NIODeadline? = NIODeadline.now()
    private var housekeeping: Scheduled<Void>?
    private var graceTimer: Scheduled<Void>?
    private var pingWindowStart = NIODeadline.now()
    private var pingCount = 0
    private var peer = "unknown"
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
        self.logger = logger
        self.processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: limits.maxFrameSize))
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
        peer = Self.describe(context.channel.remoteAddress)
        logger[metadataKey: "rpc.peer"] = "\(peer)"
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        lastActivity = .now()
        partialSince = lastActivity
        scheduleHousekeeping(at: lastActivity + .nanoseconds(min(limits.frameReadTimeout, limits.idleTimeout).nanoseconds))
        metrics.connectionsAccepted.increment()
        metrics.connectionsOpen.increment()
        logger.debug("connection opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        housekeeping?.cancel()
        graceTimer?.cancel()
        for (_, call) in calls {
            call.task?.cancel()
            call.deadlineTimer?.cancel()
            call.writable?.fail(ChannelError.ioOnClosedChannel)
        }
        metrics.callsInFlight.decrement(by: Double(calls.count))
        calls.removeAll()
        metrics.connectionsOpen.decrement()
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closed else { return }
        lastActivity = .now()
        let buffer = unwrapInboundIn(data)
        metrics.bytesReceived.increment(by: Int64(buffer.readableBytes))
        do {
            try processor.process(buffer: buffer) { unit in
                try self.handle(unit)
            }
        } catch let error as ConnectionError {
            fail(error)
        } catch {
            fail(.malformedFrame(String(describing: error)))
        }
        partialSince = processor.unprocessedBytes > 0 ? (partialSince ?? lastActivity) : nil
    }

    func channelReadComplete(context: ChannelHandlerContext) {
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
            for id in calls.keys {
                calls[id]?.writable?.succeed()
                calls[id]?.writable = nil
            }
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
        closeNow()
    }

    // MARK: Frames

    private func handle(_ unit: InboundUnit) throws {
        guard phase != .closed else { return }
        switch unit {
        case .preface(let version):
            guard version == Preface.version else { throw ConnectionError.unsupportedVersion(version) }
            var buffer = context.channel.allocator.buffer(capacity: Preface.length)
            Preface.write(into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: nil)
            send(.settings(limits))
            phase = .serving
        case .frame(let body):
            let frame = try FrameCodec.decode(body, limits: limits.frameDecoding)
            switch frame.type {
            case .request:
                try handleRequest(frame)
            case .cancel:
                cancelCall(frame.callId)
            case .ping:
                try policePing()
                var pong = WireFrame(type: .pong, callID: 0)
                pong.pingData = frame.pingData
                send(pong)
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

    private func handleRequest(_ frame: WireFrame) throws {
        let id = frame.callId
        guard id > lastCallID else {
            throw ConnectionError.protocolViolation(
                reason: .callIdNotIncreasing,
                message: "call id \(id) is not greater than the previous call id \(lastCallID)"
            )
        }
        lastCallID = id
        if phase == .draining {
            refuse(id, frame.method, RPCError.draining)
            return
        }
        guard calls.count < limits.maxConcurrentCallsPerConnection else {
            warnLimited("call refused: concurrent call limit", ["limit": "\(limits.maxConcurrentCallsPerConnection)"])
            refuse(
                id,
                frame.method,
                RPCError(
                    code: .resourceExhausted,
                    message: "more than \(limits.maxConcurrentCallsPerConnection) calls in flight on this connection",
                    reason: .tooManyConcurrentCalls,
                    metadata: ["limit": "\(limits.maxConcurrentCallsPerConnection)"]
                )
            )
            return
        }
        let metadata = Metadata(wire: frame.metadata)
        if let error = validate(frame, metadata: metadata) {
            refuse(id, frame.method, error)
            return
        }
        let handler: RPCMethodHandler
        switch router.route(frame.method) {
        case .success(let found): handler = found
        case .failure(let error):
            refuse(id, frame.method, error)
            return
        }
        start(id: id, frame: frame, metadata: metadata, handler: handler)
    }

    /// A warning that a hostile or careless client could repeat per call: at most a
    /// few per kind and window on this connection, then a count of those left out.
    private func warnLimited(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        guard case .write(let suppressed) = logLimiter.decide(message.description, now: NIODeadline.now().uptimeNanoseconds) else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["log.suppressed"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }

    private func validate(_ frame: WireFrame, metadata: Metadata) -> RPCError? {
        if metadata.encodedSize > limits.maxMetadataSize {
            warnLimited("call refused: metadata limit", ["limit": "\(limits.maxMetadataSize)"])
            return RPCError(
                code: .resourceExhausted,
                message: "request metadata exceeds \(limits.maxMetadataSize) bytes",
                reason: .metadataTooLarge,
                metadata: ["limit": "\(limits.maxMetadataSize)"]
            )
        }
        if !frame.metadata.allSatisfy({ Metadata.isValidKey($0.key) }) {
            return RPCError(code: .invalidArgument, message: "metadata keys must be lowercase ASCII", reason: .invalidMetadata)
        }
        if frame.payload.count > limits.maxMessageSize {
            warnLimited("call refused: message size limit", ["limit": "\(limits.maxMessageSize)"])
            return RPCError(
                code: .resourceExhausted,
                message: "request of \(frame.payload.count) bytes exceeds \(limits.maxMessageSize) bytes",
                reason: .messageTooLarge,
                metadata: ["limit": "\(limits.maxMessageSize)"]
            )
        }
        return nil
    }

    private func start(id: UInt64, frame: WireFrame, metadata: Metadata, handler: RPCMethodHandler) {
        let timeoutMicros = min(frame.timeoutMicros, 366 * 86_400 * 1_000_000)
        let deadline = timeoutMicros > 0 ? ContinuousClock.now + .microseconds(Int64(timeoutMicros)) : nil
        let serverContext = ServerContext(
            method: handler.descriptor,
            callID: id,
            metadata: metadata,
            deadline: deadline,
            peer: peer,
            logger: logger,
            decodingLimits: limits.decoding
        )
        let methodMetrics = self.methodMetrics[frame.method] ?? metrics.method(frame.method)
        self.methodMetrics[frame.method] = methodMetrics
        methodMetrics.started.increment()
        metrics.callsInFlight.increment()
        var call = InFlightCall(method: frame.method, metrics: methodMetrics, started: .now())
        let loopSelf = self.loopSelf!
        if timeoutMicros > 0 {
            call.deadlineTimer = context.eventLoop.scheduleTask(in: .microseconds(Int64(timeoutMicros))) {
                loopSelf.value.deadlineExpired(id)
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
        let payload = frame.payload
        // Enqueued on the loop, not started inline (`Task.immediate`): the frames of a read
        // are all decoded first and their handlers then run back to back, which measured
        // faster, and a call cancelled in the same read never runs its handler.
        call.task = Task(executorPreference: executor) {
            let result = await RPCTracing.server(handler.descriptor, metadata: metadata) { () async -> Result<[UInt8], RPCError> in
                do {
                    return .success(try await handler.invoke(payload, serverContext, writer))
                } catch {
                    let converted = RPCError.from(error)
                    if converted.code == .internal, !(error is RPCError) {
                        serverContext.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    return .failure(converted)
                }
            }
            let trailers = serverContext.responseMetadata.current
            if loop.inEventLoop {
                loopSelf.value.complete(id, result, trailers: trailers)
            } else {
                loop.execute { loopSelf.value.complete(id, result, trailers: trailers) }
            }
        }
        calls[id] = call  // before the task runs: it is only enqueued on this loop
    }

    private func streamMessage(_ id: UInt64, _ bytes: [UInt8]) -> EventLoopFuture<Void> {
        guard calls[id] != nil, phase != .closed, let context else {
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
        calls[id]?.writable = promise
        return promise.futureResult
    }

    private func complete(_ id: UInt64, _ result: Result<[UInt8], RPCError>, trailers: Metadata) {
        guard let call = calls.removeValue(forKey: id) else { return }
        call.deadlineTimer?.cancel()
        send(.end(callID: id, result: result, metadata: trailers))
        logCall(id, call, result.error)
        callRemoved()
    }

    private func deadlineExpired(_ id: UInt64) {
        guard let call = calls.removeValue(forKey: id) else { return }
        call.task?.cancel()
        call.writable?.fail(CancellationError())
        send(.end(callID: id, result: .failure(.deadlineExceeded), metadata: [:]))
        logCall(id, call, .deadlineExceeded)
        callRemoved()
    }

    private func cancelCall(_ id: UInt64) {
        guard let call = calls.removeValue(forKey: id) else { return }
        call.task?.cancel()
        call.deadlineTimer?.cancel()
        call.writable?.fail(CancellationError())
        logCall(id, call, RPCError(code: .cancelled, message: "cancelled by the client"))
        callRemoved()
    }

    private func refuse(_ id: UInt64, _ method: String, _ error: RPCError) {
        send(.end(callID: id, result: .failure(error), metadata: [:]))
        metrics.refused(error.reason ?? error.code.name)
        let refused = InFlightCall(method: method, metrics: metrics.method(method), started: .now())
        logCall(id, refused, error)
    }

    private func callRemoved() {
        metrics.callsInFlight.decrement()
        lastActivity = .now()
        if phase == .draining, calls.isEmpty {
            closeAfterFlush()
        }
    }

    /// Every call ends here (answered, refused, past its deadline, cancelled, shut down):
    /// its metrics and its log line.
    private func logCall(_ id: UInt64, _ call: InFlightCall, _ error: RPCError?) {
        let elapsed = NIODeadline.now() - call.started
        call.metrics.finished(error?.code ?? .ok).increment()
        call.metrics.duration.recordNanoseconds(elapsed.nanoseconds)
        let micros = elapsed.nanoseconds / 1000
        logger.debug(
            "call finished",
            metadata: [
                "rpc.method": "\(call.method)", "rpc.call_id": "\(id)", "rpc.status": "\(error?.code.name ?? "OK")",
                "rpc.reason": "\(error?.reason ?? "")", "rpc.duration_us": "\(micros)",
            ]
        )
    }

    private func policePing() throws {
        let now = NIODeadline.now()
        if now - pingWindowStart > .nanoseconds(limits.pingWindow.nanoseconds) {
            pingWindowStart = now
            pingCount = 0
        }
        pingCount += 1
        if pingCount > limits.maxPingsPerWindow {
            logger.warning("closing connection: ping flood", metadata: ["limit": "\(limits.maxPingsPerWindow)"])
            throw ConnectionError.pingFlood
        }
    }

    // MARK: Draining, timeouts and closing

    private func beginDrain() {
        switch phase {
        case .awaitingPreface:
            closeNow()
        case .serving:
            phase = .draining
            metrics.goAwaySent(RuntimeReason.draining.rawValue)
            send(.goAway(lastCallID: lastCallID, status: .draining))
            flushIfPending()
            if calls.isEmpty {
                closeAfterFlush()
                return
            }
            let loopSelf = self.loopSelf!
            graceTimer = context.eventLoop.scheduleTask(in: .nanoseconds(drainGracePeriod.nanoseconds)) {
                loopSelf.value.graceExpired()
            }
        case .draining, .closed:
            break
        }
    }

    private func graceExpired() {
        let shutdown = RPCError(code: .unavailable, message: "the server shut down before the call completed", reason: .serverShutdown)
        for (id, call) in calls {
            call.task?.cancel()
            call.deadlineTimer?.cancel()
            call.writable?.fail(CancellationError())
            send(.end(callID: id, result: .failure(shutdown), metadata: [:]))
            logCall(id, call, shutdown)
        }
        metrics.callsInFlight.decrement(by: Double(calls.count))
        calls.removeAll()
        closeAfterFlush()
    }

    private func scheduleHousekeeping(at deadline: NIODeadline) {
        let loopSelf = self.loopSelf!
        housekeeping = context.eventLoop.scheduleTask(deadline: deadline) {
            loopSelf.value.runHousekeeping()
        }
    }

    private func runHousekeeping() {
        guard phase != .closed else { return }
        let now = NIODeadline.now()
        let frameRead = TimeAmount.nanoseconds(limits.frameReadTimeout.nanoseconds)
        let idle = TimeAmount.nanoseconds(limits.idleTimeout.nanoseconds)
        if let since = partialSince, now - since >= frameRead {
            logger.notice("closing connection: frame read timeout")
            fail(.frameReadTimeout)
            return
        }
        if calls.isEmpty, now - lastActivity >= idle {
            logger.debug("closing connection: idle")
            fail(.idleTimeout)
            return
        }
        var next = lastActivity + idle
        if let since = partialSince { next = min(next, since + frameRead) }
        scheduleHousekeeping(at: max(next, now + .milliseconds(50)))
    }

    /// Closes the connection because of `error`, telling the peer why first.
    private func fail(_ error: ConnectionError) {
        guard phase != .closed else { return }
        if case .badPreface(let guess) = error {
            logger.notice("closing connection: bad preface", metadata: ["peer.guess": "\(guess)"])
            phase = .closed
            context.writeAndFlush(wrapOutboundOut(Preface.rejection(for: guess, allocator: context.channel.allocator)))
                .whenComplete { [loopSelf] _ in loopSelf!.value.closeNow() }
            return
        }
        if phase == .awaitingPreface {
            var buffer = context.channel.allocator.buffer(capacity: Preface.length)
            Preface.write(into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        if case .idleTimeout = error {
        } else {
            logger.notice(
                "closing connection",
                metadata: ["rpc.reason": "\(error.status.reason ?? "")", "error": "\(error.status.message)"]
            )
        }
        metrics.goAwaySent(error.status.reason ?? "UNKNOWN")
        send(.goAway(lastCallID: lastCallID, status: error.status))
        for (_, call) in calls {
            call.task?.cancel()
        }
        closeAfterFlush()
    }

    private func closeAfterFlush() {
        phase = .closed
        flushPending = false
        guard let context else { return }
        let loopSelf = self.loopSelf!
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            loopSelf.value.closeNow()
        }
    }

    private func closeNow() {
        phase = .closed
        context?.close(promise: nil)
    }

    // MARK: Writing

    private func send(_ frame: WireFrame) {
        guard let context else { return }
        let encoded = FrameCodec.encode(frame, allocator: context.channel.allocator)
        metrics.bytesSent.increment(by: Int64(encoded.readableBytes))
        context.write(wrapOutboundOut(encoded), promise: nil)
        markFlushNeeded()
    }

    /// Coalesces flushes: one per read burst or per batch of completions, not one per response.
    private func markFlushNeeded() {
        flushPending = true
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopSelf = self.loopSelf!
        context.eventLoop.execute {
            loopSelf.value.flushScheduled = false
            loopSelf.value.flushIfPending()
        }
    }

    private func flushIfPending() {
        guard flushPending, let context else { return }
        flushPending = false
        context.flush()
    }
}

extension RPCError {
    /// The refusal of a call that arrived after the server began draining; the call was
    /// not processed and is safe to send again elsewhere.
    public static let draining = RPCError(
        code: .unavailable,
        message: "the server is draining and takes no new calls; retry on a new connection",
        reason: .draining
    )
}

extension Result where Failure == RPCError {
    var error: RPCError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
