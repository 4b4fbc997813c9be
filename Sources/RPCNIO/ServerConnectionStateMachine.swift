import NIOCore
import RPCCore
import RPCProto

/// The rules of one server connection, without I/O: its phase, the calls in flight, call
/// ids, the concurrent call limit, ping policing, drain and the idle and frame-read
/// timeouts. The handler (`ServerConnectionHandler`) feeds it events and carries out the
/// actions it returns; the unit tests drive it with no socket.
///
/// `Call` is what the handler keeps per call (its task, its deadline timer, …). Calls are
/// stored here so that a call leaves in one place, whichever way it ends: every removal
/// hands the call back to the handler, which finishes it the same way each time.
struct ServerConnectionStateMachine<Call> {
    enum Phase: Equatable {
        case awaitingPreface
        case serving
        /// A GOAWAY went out; calls in flight run on, new ones are refused.
        case draining
        case closed
    }

    /// The limits this state machine enforces (the rest of `ServerLimits` is checked on
    /// the bytes of a request, by `ServerLimits.refusal(of:metadata:)`).
    struct Limits {
        var maxConcurrentCalls: Int
        var maxPingsPerWindow: Int
        var pingWindow: TimeAmount
        var idleTimeout: TimeAmount
        var frameReadTimeout: TimeAmount
    }

    let limits: Limits
    private(set) var phase = Phase.awaitingPreface
    /// The highest call id received; a GOAWAY names it as the last one processed.
    private(set) var lastCallID: UInt64 = 0
    private var calls = CallTable<Call>()
    /// When something last happened (bytes received, a call ended): the idle clock.
    private var lastActivity: NIODeadline
    /// Since when a frame (or the preface) has been begun and not finished.
    private var partialSince: NIODeadline?
    private var pingWindowStart: NIODeadline
    private var pingCount = 0

    /// A connection accepted at `now`: its preface is due within the frame-read timeout.
    init(limits: Limits, now: NIODeadline) {
        self.limits = limits
        lastActivity = now
        partialSince = now
        pingWindowStart = now
    }

    /// Calls started and not yet ended.
    var callsInFlight: Int { calls.count }

    /// When the first housekeeping is due.
    var firstHousekeeping: NIODeadline {
        lastActivity + min(limits.frameReadTimeout, limits.idleTimeout)
    }

    // MARK: Reading

    /// Bytes arrived and were decoded as far as they go; `partialFrameRemains` when the
    /// last frame is not complete yet (its frame-read clock keeps running).
    mutating func bytesProcessed(now: NIODeadline, partialFrameRemains: Bool) {
        lastActivity = now
        partialSince = partialFrameRemains ? (partialSince ?? now) : nil
    }

    enum PrefaceAction: Equatable {
        /// Answer with our preface and SETTINGS: the connection serves.
        case answer
        /// The version is not ours: close with this error.
        case close(ConnectionError)
        /// The connection is already closing.
        case ignore
    }

    mutating func prefaceReceived(version: UInt16) -> PrefaceAction {
        guard phase == .awaitingPreface else { return .ignore }
        guard version == Preface.version else { return .close(.unsupportedVersion(version)) }
        phase = .serving
        return .answer
    }

    enum RequestAction {
        /// Check the request itself, route it and start it (`callStarted`), or refuse it.
        case admit
        /// Answer at once with this error; the call never runs.
        case refuse(RPCError)
        /// The client broke the protocol: close the connection.
        case close(ConnectionError)
        /// The connection is closing; nothing is answered.
        case ignore
    }

    /// A REQUEST frame for `callID` arrived. Call ids must increase; a draining
    /// connection refuses new calls (safe to retry elsewhere); at most
    /// `maxConcurrentCalls` run at once.
    mutating func requestReceived(callID: UInt64) -> RequestAction {
        switch phase {
        case .closed, .awaitingPreface:
            return .ignore
        case .serving, .draining:
            break
        }
        guard callID > lastCallID else {
            return .close(
                .protocolViolation(
                    reason: .callIdNotIncreasing,
                    message: "call id \(callID) is not greater than the previous call id \(lastCallID)"
                )
            )
        }
        lastCallID = callID
        if phase == .draining { return .refuse(.draining) }
        guard calls.count < limits.maxConcurrentCalls else {
            return .refuse(
                RPCError(
                    code: .resourceExhausted,
                    message: "more than \(limits.maxConcurrentCalls) calls in flight on this connection",
                    reason: .tooManyConcurrentCalls,
                    metadata: ["limit": "\(limits.maxConcurrentCalls)"]
                )
            )
        }
        return .admit
    }

    /// An admitted call starts running.
    mutating func callStarted(id: UInt64, _ call: Call) {
        precondition(id == lastCallID, "a call starts right after it is admitted")
        calls.add(id, call)
    }

    /// Whether `id` is in flight.
    func isInFlight(_ id: UInt64) -> Bool { calls[id] != nil }

    /// Changes what the handler keeps for call `id`, if it is still in flight.
    mutating func updateCall(_ id: UInt64, _ body: (inout Call) -> Void) {
        calls.update(id, body)
    }

    /// Changes what the handler keeps for every call in flight.
    mutating func updateEachCall(_ body: (inout Call) -> Void) {
        for id in calls.ids { updateCall(id, body) }
    }

    /// A call left the connection: answered, past its deadline or cancelled by the client.
    struct EndedCall {
        let call: Call
        /// The connection was draining and this was its last call: close once flushed.
        let drainComplete: Bool
    }

    /// Call `id` ends (answered, past its deadline, cancelled by the client); `nil` when it
    /// had already ended another way (a late answer, a second cancel).
    mutating func callEnded(_ id: UInt64, now: NIODeadline) -> EndedCall? {
        guard let call = calls.removeValue(for: id) else { return nil }
        lastActivity = now
        let drainComplete = phase == .draining && calls.isEmpty
        if drainComplete { phase = .closed }
        return EndedCall(call: call, drainComplete: drainComplete)
    }

    enum PingAction: Equatable {
        case pong
        case close(ConnectionError)
    }

    /// A PING arrived: at most `maxPingsPerWindow` in each window, else the connection closes.
    mutating func pingReceived(now: NIODeadline) -> PingAction {
        if now - pingWindowStart > limits.pingWindow {
            pingWindowStart = now
            pingCount = 0
        }
        pingCount += 1
        return pingCount > limits.maxPingsPerWindow ? .close(.pingFlood) : .pong
    }

    // MARK: Draining and closing

    enum DrainAction: Equatable {
        /// Nothing was served yet: close without a word.
        case closeNow
        /// Send GOAWAY naming `lastCallID`, then close once flushed (no call is in flight).
        case goAwayAndClose(lastCallID: UInt64)
        /// Send GOAWAY naming `lastCallID` and give the calls in flight the grace period.
        case goAwayAndWait(lastCallID: UInt64)
        /// Already draining or closed.
        case none
    }

    /// The server asked this connection to drain.
    mutating func drainRequested() -> DrainAction {
        switch phase {
        case .awaitingPreface:
            phase = .closed
            return .closeNow
        case .serving:
            if calls.isEmpty {
                phase = .closed
                return .goAwayAndClose(lastCallID: lastCallID)
            }
            phase = .draining
            return .goAwayAndWait(lastCallID: lastCallID)
        case .draining, .closed:
            return .none
        }
    }

    /// The drain's grace period ran out: the calls still in flight, each to be ended as
    /// cut short by the shutdown; the connection closes.
    mutating func graceExpired() -> [(id: UInt64, call: Call)] {
        guard phase == .draining else { return [] }
        phase = .closed
        return removeAllCalls()
    }

    enum CloseAction {
        /// Answer the peer's wrong preface in its own terms, then close.
        case rejectPreface(Preface.PeerGuess)
        /// Send GOAWAY (after our preface when none was sent yet) and close once flushed;
        /// the calls in flight end unanswered.
        case goAway(lastCallID: UInt64, status: RPCError, prefaceFirst: Bool, calls: [(id: UInt64, call: Call)])
        /// Already closed.
        case none
    }

    /// The connection must close because of `error` (hostile or broken input, a timeout).
    mutating func closing(because error: ConnectionError) -> CloseAction {
        let wasAwaitingPreface = phase == .awaitingPreface
        guard phase != .closed else { return .none }
        phase = .closed
        if case .badPreface(let guess) = error { return .rejectPreface(guess) }
        return .goAway(lastCallID: lastCallID, status: error.status, prefaceFirst: wasAwaitingPreface, calls: removeAllCalls())
    }

    /// The channel went away (or an I/O error closed it): the calls in flight end unanswered.
    mutating func connectionClosed() -> [(id: UInt64, call: Call)] {
        phase = .closed
        return removeAllCalls()
    }

    private mutating func removeAllCalls() -> [(id: UInt64, call: Call)] {
        let removed = calls.sortedByID.map { (id: $0.id, call: $0.value) }
        calls.removeAll()
        return removed
    }

    // MARK: Timeouts

    enum HousekeepingAction: Equatable {
        /// Close with `frameReadTimeout` or `idleTimeout`.
        case close(ConnectionError)
        /// Look again at this time.
        case again(at: NIODeadline)
        /// The connection is closed: no more housekeeping.
        case stop
    }

    /// The housekeeping timer fired: a frame begun more than `frameReadTimeout` ago, or a
    /// connection with no call and nothing received for `idleTimeout`, is closed.
    mutating func housekeeping(now: NIODeadline) -> HousekeepingAction {
        guard phase != .closed else { return .stop }
        if let since = partialSince, now - since >= limits.frameReadTimeout {
            return .close(.frameReadTimeout)
        }
        if calls.isEmpty, now - lastActivity >= limits.idleTimeout {
            return .close(.idleTimeout)
        }
        var next = lastActivity + limits.idleTimeout
        if let since = partialSince { next = min(next, since + limits.frameReadTimeout) }
        return .again(at: max(next, now + .milliseconds(50)))
    }
}

extension ServerLimits {
    /// Why a request's own bytes may not run (metadata size and keys, message size);
    /// `nil` when they may.
    func refusal(of frame: RequestFrame, metadata: Metadata) -> RPCError? {
        if metadata.encodedSize > maxMetadataSize {
            return RPCError(
                code: .resourceExhausted,
                message: "request metadata exceeds \(maxMetadataSize) bytes",
                reason: .metadataTooLarge,
                metadata: ["limit": "\(maxMetadataSize)"]
            )
        }
        if !frame.metadata.allSatisfy({ Metadata.isValidKey($0.key) }) {
            return RPCError(code: .invalidArgument, message: "metadata keys must be lowercase ASCII", reason: .invalidMetadata)
        }
        if frame.payload.readableBytes > maxMessageSize {
            return RPCError(
                code: .resourceExhausted,
                message: "request of \(frame.payload.readableBytes) bytes exceeds \(maxMessageSize) bytes",
                reason: .messageTooLarge,
                metadata: ["limit": "\(maxMessageSize)"]
            )
        }
        return nil
    }
}

extension ServerConnectionStateMachine.Limits {
    /// The limits of `limits` this state machine enforces.
    init(_ limits: ServerLimits) {
        self.init(
            maxConcurrentCalls: limits.maxConcurrentCallsPerConnection,
            maxPingsPerWindow: limits.maxPingsPerWindow,
            pingWindow: .nanoseconds(limits.pingWindow.nanoseconds),
            idleTimeout: .nanoseconds(limits.idleTimeout.nanoseconds),
            frameReadTimeout: .nanoseconds(limits.frameReadTimeout.nanoseconds)
        )
    }
}
