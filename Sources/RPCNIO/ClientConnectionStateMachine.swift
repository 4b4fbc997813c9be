import RPCCore

/// The rules of one client connection, without I/O: call ids, the server's concurrent call
/// limit (calls wait for the server's SETTINGS, and beyond its limit in a queue), GOAWAY (which calls were not processed and are
/// safe to send again), closing once the last call ends after a GOAWAY, and what a call
/// left behind by a lost connection is told. `ClientConnectionHandler` feeds it events and
/// carries out its answers; the unit tests drive it with no socket.
///
/// `Call` is what the handler keeps for a call sent (its continuation and deadline timer),
/// `Queued` what it keeps for one waiting for a free slot. Both live here, so a call leaves
/// in one place and is handed back to the handler to be answered.
struct ClientConnectionStateMachine<Call, Queued> {
    enum Phase: Equatable {
        case open
        /// The server sent GOAWAY: no new calls; the connection closes when the last ends.
        case goneAway
        case closed
    }

    private(set) var phase = Phase.open
    /// How many calls the server runs at once on this connection (its SETTINGS).
    private(set) var maxConcurrentCalls: Int
    /// Calls wait until the server's SETTINGS say how many it takes: a server with a
    /// lower limit than the default would otherwise refuse the first ones.
    private(set) var settingsKnown = false
    private var nextCallID: UInt64 = 1
    private var calls = CallTable<Call>()
    private var queue: [Queued] = []
    /// Why the connection is closing, when the runtime knows better than "lost": calls
    /// still pending fail with it.
    private(set) var closeReason: RPCError?

    /// A connection just opened; `maxConcurrentCalls` holds until the server's SETTINGS.
    init(maxConcurrentCalls: Int = 100) {
        self.maxConcurrentCalls = maxConcurrentCalls
    }

    var callsInFlight: Int { calls.count }
    var callsQueued: Int { queue.count }

    // MARK: Starting calls

    enum StartAction {
        /// Send it now with this call id (then `callSent`).
        case send(callID: UInt64)
        /// Every slot is taken: keep it waiting (`enqueue`).
        case wait
        /// The connection takes no more calls; the call was not sent (safe to retry).
        case refuse(RPCError)
    }

    /// A caller wants to start a call.
    mutating func startRequested() -> StartAction {
        guard phase == .open else { return .refuse(closeReason ?? .notSent) }
        guard settingsKnown, calls.count < maxConcurrentCalls, queue.isEmpty else { return .wait }
        return .send(callID: takeCallID())
    }

    /// The call given `callID` by `startRequested` or `nextToStart` was written.
    mutating func callSent(_ callID: UInt64, _ call: Call) {
        calls.add(callID, call)
    }

    mutating func enqueue(_ queued: Queued) {
        queue.append(queued)
    }

    /// Takes a waiting call out of the queue (cancelled or past its deadline before it was sent).
    mutating func removeQueued(where matches: (Queued) -> Bool) -> Queued? {
        guard let index = queue.firstIndex(where: matches) else { return nil }
        return queue.remove(at: index)
    }

    /// The next waiting call that may be sent now, with its call id; `nil` when no slot is
    /// free or nothing waits.
    mutating func nextToStart() -> (callID: UInt64, queued: Queued)? {
        guard phase == .open, settingsKnown, calls.count < maxConcurrentCalls, !queue.isEmpty else { return nil }
        return (takeCallID(), queue.removeFirst())
    }

    private mutating func takeCallID() -> UInt64 {
        defer { nextCallID += 1 }
        return nextCallID
    }

    // MARK: Calls ending

    /// Whether call `callID` is in flight, and what the handler keeps for it.
    func call(_ callID: UInt64) -> Call? { calls[callID] }

    /// A call ended (its END arrived, its deadline passed, the caller cancelled): hands it
    /// back, `nil` when it had already ended. After it, send the calls `nextToStart` gives
    /// and close when `shouldClose`.
    mutating func callEnded(_ callID: UInt64) -> Call? {
        calls.removeValue(for: callID)
    }

    /// After a GOAWAY, the connection closes once no call is left.
    var shouldClose: Bool { phase == .goneAway && calls.isEmpty }

    /// What a GOAWAY ends: calls above `lastCallID` were not processed, waiting calls were
    /// never sent (both safe to retry).
    struct GoAway {
        var notProcessed: [Call]
        var notSent: [Queued]
    }

    mutating func goAwayReceived(lastCallID: UInt64) -> GoAway {
        if phase == .open { phase = .goneAway }
        let ids = calls.ids.filter { $0 > lastCallID }
        let notProcessed = ids.compactMap { calls.removeValue(for: $0) }
        let notSent = queue
        queue.removeAll()
        return GoAway(notProcessed: notProcessed, notSent: notSent)
    }

    /// The server's SETTINGS: its concurrent call limit (0 keeps ours). Calls waiting for
    /// them may go (`nextToStart`).
    mutating func settingsReceived(maxConcurrentCalls: Int) {
        settingsKnown = true
        if maxConcurrentCalls > 0 { self.maxConcurrentCalls = maxConcurrentCalls }
    }

    // MARK: Closing

    /// The runtime learned why the connection is failing (a TLS handshake, a server that is
    /// not PNRPC); the first reason given is what pending calls are told.
    mutating func failing(because reason: RPCError) {
        if closeReason == nil { closeReason = reason }
    }

    /// What the connection's end leaves: calls sent (told `lost`, or the close reason)
    /// and calls never sent (told `notSent`, or the close reason).
    struct Closed {
        var sent: [Call]
        var sentError: RPCError
        var waiting: [Queued]
        var waitingError: RPCError
    }

    mutating func connectionClosed() -> Closed {
        phase = .closed
        let sent = calls.sortedByID.map(\.value)
        calls.removeAll()
        let waiting = queue
        queue.removeAll()
        return Closed(sent: sent, sentError: closeReason ?? .connectionLost, waiting: waiting, waitingError: closeReason ?? .notSent)
    }
}
