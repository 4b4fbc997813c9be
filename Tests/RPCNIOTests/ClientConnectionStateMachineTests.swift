import RPCCore
import Testing

@testable import RPCNIO

/// The client connection's rules, driven without a socket: call ids, the server's call
/// limit and the queue beyond it, GOAWAY in every phase, and what a lost connection tells
/// the calls it leaves behind.
@Suite("client connection state machine")
struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionStateMachine<String, String>

    /// A connection whose server announced `maxConcurrentCalls`.
    private func announced(maxConcurrentCalls: Int = 100) -> Machine {
        var machine = Machine()
        machine.settingsReceived(maxConcurrentCalls: maxConcurrentCalls)
        return machine
    }

    /// Starts a call and sends it at once, or queues it; returns the id it was sent with.
    @discardableResult
    private func start(_ name: String, on machine: inout Machine) -> UInt64? {
        switch machine.startRequested() {
        case .send(let id):
            machine.callSent(id, name)
            return id
        case .wait:
            machine.enqueue(name)
            return nil
        case .refuse(let error):
            Issue.record("\(name) refused: \(error)")
            return nil
        }
    }

    private func sendWaiting(on machine: inout Machine) -> [String] {
        var sent: [String] = []
        while let next = machine.nextToStart() {
            machine.callSent(next.callID, next.queued)
            sent.append("\(next.queued)#\(next.callID)")
        }
        return sent
    }

    @Test("call ids start at 1 and increase, also for calls that waited")
    func callIDs() {
        var machine = announced(maxConcurrentCalls: 2)
        #expect(start("a", on: &machine) == 1)
        #expect(start("b", on: &machine) == 2)
        #expect(start("c", on: &machine) == nil)
        #expect(machine.callEnded(1) == "a")
        #expect(sendWaiting(on: &machine) == ["c#3"])
        #expect(start("d", on: &machine) == nil)
    }

    @Test("until the server's SETTINGS arrive calls wait; then as many go as they allow, in order")
    func waitForSettings() {
        var machine = Machine()
        #expect(start("a", on: &machine) == nil)
        #expect(start("b", on: &machine) == nil)
        #expect(start("c", on: &machine) == nil)
        #expect(sendWaiting(on: &machine).isEmpty)
        machine.settingsReceived(maxConcurrentCalls: 2)
        #expect(sendWaiting(on: &machine) == ["a#1", "b#2"])
        #expect(machine.callsQueued == 1)
    }

    @Test("beyond the server's limit calls wait in order, and SETTINGS raising the limit sends them")
    func queueAndSettings() {
        var machine = announced(maxConcurrentCalls: 1)
        start("a", on: &machine)
        start("b", on: &machine)
        start("c", on: &machine)
        #expect(machine.callsInFlight == 1 && machine.callsQueued == 2)
        #expect(sendWaiting(on: &machine).isEmpty)
        machine.settingsReceived(maxConcurrentCalls: 0)
        #expect(machine.maxConcurrentCalls == 1, "0 keeps the limit")
        machine.settingsReceived(maxConcurrentCalls: 3)
        #expect(sendWaiting(on: &machine) == ["b#2", "c#3"])
        #expect(machine.callsQueued == 0)
    }

    @Test("a waiting call can leave the queue (cancelled, past its deadline) and is never sent")
    func removeWaiting() {
        var machine = announced(maxConcurrentCalls: 1)
        start("a", on: &machine)
        start("b", on: &machine)
        start("c", on: &machine)
        #expect(machine.removeQueued { $0 == "b" } == "b")
        #expect(machine.removeQueued { $0 == "b" } == nil)
        _ = machine.callEnded(1)
        #expect(sendWaiting(on: &machine) == ["c#2"])
    }

    @Test("a call ends once: a late END after the deadline finds nothing")
    func endsOnce() {
        var machine = announced()
        start("a", on: &machine)
        #expect(machine.call(1) == "a")
        #expect(machine.callEnded(1) == "a")
        #expect(machine.callEnded(1) == nil)
        #expect(machine.call(1) == nil)
    }

    @Test("GOAWAY: calls above last_call_id were not processed, waiting calls were not sent, the rest run on; then it closes")
    func goAway() {
        var machine = announced(maxConcurrentCalls: 3)
        for name in ["a", "b", "c", "d"] { start(name, on: &machine) }
        let ended = machine.goAwayReceived(lastCallID: 1)
        #expect(ended.notProcessed == ["b", "c"])
        #expect(ended.notSent == ["d"])
        #expect(machine.phase == .goneAway)
        #expect(!machine.shouldClose, "call 1 is still running")
        guard case .refuse(let error) = machine.startRequested() else {
            Issue.record("a call was taken after GOAWAY")
            return
        }
        #expect(error.runtimeReason == .notSent && error.isSafeToRetry)
        #expect(machine.callEnded(1) == "a")
        #expect(machine.shouldClose)
    }

    @Test("a second GOAWAY with a lower last_call_id ends more calls; GOAWAY with nothing in flight closes at once")
    func goAwayTwiceAndIdle() {
        var machine = announced()
        for name in ["a", "b", "c"] { start(name, on: &machine) }
        #expect(machine.goAwayReceived(lastCallID: 3).notProcessed.isEmpty)
        #expect(machine.goAwayReceived(lastCallID: 1).notProcessed == ["b", "c"])

        var idle = announced()
        _ = idle.goAwayReceived(lastCallID: 0)
        #expect(idle.shouldClose)
    }

    @Test("a lost connection: calls sent may have been processed, calls waiting were not sent")
    func connectionLost() {
        var machine = announced(maxConcurrentCalls: 1)
        start("a", on: &machine)
        start("b", on: &machine)
        let closed = machine.connectionClosed()
        #expect(closed.sent == ["a"] && closed.waiting == ["b"])
        #expect(closed.sentError.runtimeReason == .connectionLost && !closed.sentError.isSafeToRetry)
        #expect(closed.waitingError.runtimeReason == .notSent && closed.waitingError.isSafeToRetry)
        #expect(machine.phase == .closed)
        guard case .refuse = machine.startRequested() else {
            Issue.record("a closed connection took a call")
            return
        }
    }

    @Test("a GOAWAY or SETTINGS after the connection closed changes nothing")
    func framesAfterClose() {
        var machine = announced()
        start("a", on: &machine)
        _ = machine.connectionClosed()
        let late = machine.goAwayReceived(lastCallID: 0)
        #expect(late.notProcessed.isEmpty && late.notSent.isEmpty)
        #expect(machine.phase == .closed)
        machine.settingsReceived(maxConcurrentCalls: 5)
        #expect(machine.nextToStart() == nil)
    }

    @Test(
        "when the runtime knows why the connection fails (TLS, not a PNRPC server), every pending call is told that; the first reason wins"
    )
    func closeReason() {
        var machine = announced()
        start("a", on: &machine)
        let tls = RPCError(code: .unavailable, message: "handshake", reason: .tlsHandshakeFailed)
        machine.failing(because: tls)
        machine.failing(because: RPCError(code: .unavailable, message: "later", reason: .badServerPreface))
        let closed = machine.connectionClosed()
        #expect(closed.sentError.runtimeReason == .tlsHandshakeFailed)
        #expect(closed.waitingError.runtimeReason == .tlsHandshakeFailed)
        guard case .refuse(let error) = machine.startRequested() else {
            Issue.record("a closed connection took a call")
            return
        }
        #expect(error.runtimeReason == .tlsHandshakeFailed)
    }
}
