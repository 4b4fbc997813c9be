import NIOCore
import RPCCore
import RPCProto
import Testing

@testable import RPCNIO

/// The server connection's rules, driven without a socket: every limit, call ids, ping
/// policing, drain and its `last_call_id`, the timeouts, and closing in every phase.
@Suite("server connection state machine")
struct ServerConnectionStateMachineTests {
    typealias Machine = ServerConnectionStateMachine<String>

    private static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private static let limits = Machine.Limits(
        maxConcurrentCalls: 2,
        maxPingsPerWindow: 3,
        pingWindow: .seconds(10),
        idleTimeout: .seconds(300),
        frameReadTimeout: .seconds(10)
    )

    /// A machine past the preface.
    private static func serving() -> Machine {
        var machine = Machine(limits: limits, now: t0)
        #expect(machine.prefaceReceived(version: Preface.version) == .answer)
        machine.bytesProcessed(now: t0, partialFrameRemains: false)
        return machine
    }

    private static func start(_ id: UInt64, on machine: inout Machine) {
        guard case .admit = machine.requestReceived(callID: id) else {
            Issue.record("call \(id) was not admitted")
            return
        }
        machine.callStarted(id: id, "call \(id)")
    }

    private func reason(_ action: Machine.RequestAction) -> RuntimeReason? {
        switch action {
        case .refuse(let error): return error.runtimeReason
        case .close(let error): return error.status.runtimeReason
        case .admit, .ignore: return nil
        }
    }

    // MARK: Preface

    @Test("the preface of our version starts serving; another version closes; a second preface is ignored")
    func preface() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        #expect(machine.phase == .awaitingPreface)
        #expect(machine.prefaceReceived(version: Preface.version + 1) == .close(.unsupportedVersion(Preface.version + 1)))
        #expect(machine.phase == .awaitingPreface)
        #expect(machine.prefaceReceived(version: Preface.version) == .answer)
        #expect(machine.phase == .serving)
        #expect(machine.prefaceReceived(version: Preface.version) == .ignore)
    }

    @Test("no call is taken before the preface")
    func noCallBeforePreface() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        guard case .ignore = machine.requestReceived(callID: 1) else {
            Issue.record("a request before the preface was not ignored")
            return
        }
    }

    // MARK: Call ids and limits

    @Test("call ids must increase: a repeated or smaller id closes the connection")
    func callIDsIncrease() {
        var machine = Self.serving()
        Self.start(5, on: &machine)
        #expect(reason(machine.requestReceived(callID: 5)) == .callIdNotIncreasing)
        #expect(reason(machine.requestReceived(callID: 3)) == .callIdNotIncreasing)
        #expect(machine.lastCallID == 5)
    }

    @Test("beyond the concurrent call limit a call is refused, and admitted again once one ends")
    func concurrentCallLimit() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        Self.start(2, on: &machine)
        let refused = machine.requestReceived(callID: 3)
        #expect(reason(refused) == .tooManyConcurrentCalls)
        if case .refuse(let error) = refused {
            #expect(error.code == .resourceExhausted)
            #expect(error.details?.metadata["limit"] == "2")
        }
        #expect(machine.lastCallID == 3, "a refused id is used up")
        #expect(machine.callEnded(1, now: Self.t0)?.call == "call 1")
        Self.start(4, on: &machine)
        #expect(machine.callsInFlight == 2)
    }

    @Test("a call ends once: a late answer or a second cancel finds nothing")
    func callEndsOnce() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        #expect(machine.callEnded(1, now: Self.t0)?.call == "call 1")
        #expect(machine.callEnded(1, now: Self.t0) == nil)
        #expect(machine.callEnded(99, now: Self.t0) == nil)
        #expect(machine.callsInFlight == 0)
    }

    @Test("what the handler keeps per call can be changed while it is in flight")
    func updateCalls() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        Self.start(2, on: &machine)
        machine.updateCall(1) { $0 += " streaming" }
        machine.updateCall(7) { $0 = "never" }
        machine.updateEachCall { $0 += "!" }
        #expect(machine.isInFlight(1) && machine.isInFlight(2) && !machine.isInFlight(7))
        #expect(machine.callEnded(1, now: Self.t0)?.call == "call 1 streaming!")
        #expect(machine.callEnded(2, now: Self.t0)?.call == "call 2!")
    }

    // MARK: Pings

    @Test("more pings than the window allows close the connection; a new window starts over")
    func pingFlood() {
        var machine = Self.serving()
        for _ in 0..<3 { #expect(machine.pingReceived(now: Self.t0) == .pong) }
        let nextWindow = Self.t0 + .seconds(11)
        for _ in 0..<3 { #expect(machine.pingReceived(now: nextWindow) == .pong) }
        #expect(machine.pingReceived(now: nextWindow + .seconds(1)) == .close(.pingFlood))
    }

    // MARK: Drain

    @Test("drain with calls in flight: GOAWAY names the last call id, new calls are refused as DRAINING, the last call's end closes")
    func drainWithCalls() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        Self.start(2, on: &machine)
        #expect(machine.drainRequested() == .goAwayAndWait(lastCallID: 2))
        #expect(machine.phase == .draining)
        #expect(machine.drainRequested() == .none)
        #expect(reason(machine.requestReceived(callID: 3)) == .draining)
        #expect(reason(machine.requestReceived(callID: 3)) == .callIdNotIncreasing, "ids are still policed while draining")
        #expect(machine.callEnded(1, now: Self.t0)?.drainComplete == false)
        #expect(machine.callEnded(2, now: Self.t0)?.drainComplete == true)
        #expect(machine.phase == .closed)
    }

    @Test("drain with nothing in flight closes at once after GOAWAY; before the preface it closes without a word")
    func drainIdle() {
        var serving = Self.serving()
        Self.start(4, on: &serving)
        _ = serving.callEnded(4, now: Self.t0)
        #expect(serving.drainRequested() == .goAwayAndClose(lastCallID: 4))
        #expect(serving.phase == .closed)

        var fresh = Machine(limits: Self.limits, now: Self.t0)
        #expect(fresh.drainRequested() == .closeNow)
        #expect(fresh.phase == .closed)
    }

    @Test("when the grace period runs out the calls still in flight are handed back, in id order, and the connection closes")
    func graceExpires() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        Self.start(2, on: &machine)
        _ = machine.drainRequested()
        let cut = machine.graceExpired()
        #expect(cut.map(\.id) == [1, 2])
        #expect(cut.map(\.call) == ["call 1", "call 2"])
        #expect(machine.phase == .closed)
        #expect(machine.callsInFlight == 0)
        #expect(machine.callEnded(1, now: Self.t0) == nil, "a late answer after the grace finds nothing")
        #expect(machine.graceExpired().isEmpty)
    }

    @Test("a grace timer that fires after the drain completed does nothing")
    func graceAfterDrainCompleted() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        _ = machine.drainRequested()
        _ = machine.callEnded(1, now: Self.t0)
        #expect(machine.graceExpired().isEmpty)
    }

    // MARK: Closing because of an error, in every phase

    @Test("closing before the preface sends our preface first; a bad preface is answered in the peer's terms")
    func closeBeforePreface() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        guard case .goAway(let last, let status, let prefaceFirst, let calls) = machine.closing(because: .frameReadTimeout) else {
            Issue.record("no GOAWAY")
            return
        }
        #expect(last == 0 && prefaceFirst && calls.isEmpty)
        #expect(status.runtimeReason == .frameReadTimeout)

        var http = Machine(limits: Self.limits, now: Self.t0)
        guard case .rejectPreface(.http) = http.closing(because: .badPreface(.http)) else {
            Issue.record("a bad preface was not rejected in the peer's terms")
            return
        }
        #expect(http.phase == .closed)
    }

    @Test("closing while serving or draining hands back every call and names the last call id; closing twice does nothing")
    func closeWhileServingOrDraining() {
        for drainFirst in [false, true] {
            var machine = Self.serving()
            Self.start(1, on: &machine)
            Self.start(3, on: &machine)
            if drainFirst { _ = machine.drainRequested() }
            guard case .goAway(let last, let status, let prefaceFirst, let calls) = machine.closing(because: .pingFlood) else {
                Issue.record("no GOAWAY")
                return
            }
            #expect(last == 3 && !prefaceFirst)
            #expect(calls.map(\.id) == [1, 3])
            #expect(status.runtimeReason == .pingFlood)
            #expect(machine.phase == .closed)
            guard case .none = machine.closing(because: .idleTimeout) else {
                Issue.record("closed twice")
                return
            }
            guard case .ignore = machine.requestReceived(callID: 9) else {
                Issue.record("a closed connection took a call")
                return
            }
        }
    }

    @Test("the channel going away hands back every call")
    func connectionClosed() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        #expect(machine.connectionClosed().map(\.id) == [1])
        #expect(machine.phase == .closed)
        #expect(machine.housekeeping(now: Self.t0) == .stop)
    }

    // MARK: Timeouts

    @Test("a preface or frame begun and not finished within the frame-read timeout closes the connection")
    func frameReadTimeout() {
        var waiting = Machine(limits: Self.limits, now: Self.t0)
        #expect(waiting.firstHousekeeping == Self.t0 + .seconds(10))
        #expect(waiting.housekeeping(now: Self.t0 + .seconds(5)) == .again(at: Self.t0 + .seconds(10)))
        #expect(waiting.housekeeping(now: Self.t0 + .seconds(10)) == .close(.frameReadTimeout))

        var machine = Self.serving()
        machine.bytesProcessed(now: Self.t0 + .seconds(1), partialFrameRemains: true)
        machine.bytesProcessed(now: Self.t0 + .seconds(8), partialFrameRemains: true)
        #expect(
            machine.housekeeping(now: Self.t0 + .seconds(10)) == .again(at: Self.t0 + .seconds(11)),
            "the clock runs from the frame's first bytes"
        )
        #expect(machine.housekeeping(now: Self.t0 + .seconds(11)) == .close(.frameReadTimeout))
    }

    @Test("a connection idle past the timeout closes, but not while a call runs; a call's end counts as activity")
    func idleTimeout() {
        var machine = Self.serving()
        #expect(machine.housekeeping(now: Self.t0 + .seconds(299)) == .again(at: Self.t0 + .seconds(300)))
        Self.start(1, on: &machine)
        if case .close = machine.housekeeping(now: Self.t0 + .seconds(400)) {
            Issue.record("closed as idle with a call in flight")
        }
        _ = machine.callEnded(1, now: Self.t0 + .seconds(400))
        #expect(machine.housekeeping(now: Self.t0 + .seconds(699)) == .again(at: Self.t0 + .seconds(700)))
        #expect(machine.housekeeping(now: Self.t0 + .seconds(700)) == .close(.idleTimeout))
    }

    @Test("housekeeping never reschedules sooner than 50 ms ahead")
    func housekeepingFloor() {
        var machine = Self.serving()
        Self.start(1, on: &machine)
        #expect(machine.housekeeping(now: Self.t0 + .seconds(400)) == .again(at: Self.t0 + .seconds(400) + .milliseconds(50)))
    }

    // MARK: Request bytes

    private func entry(_ key: String, _ value: String) -> WireMetadataEntry {
        var entry = WireMetadataEntry()
        entry.key = key
        entry.value = value
        return entry
    }

    @Test("a request's own bytes are checked against the metadata and message limits")
    func requestBytes() {
        let limits = ServerLimits(maxMessageSize: 10, maxMetadataSize: 64)
        var frame = WireFrame(type: .request, callID: 1)
        frame.payload = Array(repeating: 0, count: 10)
        #expect(limits.refusal(of: RequestFrame(frame), metadata: Metadata(wire: frame.metadata)) == nil)

        frame.payload = Array(repeating: 0, count: 11)
        #expect(limits.refusal(of: RequestFrame(frame), metadata: Metadata(wire: frame.metadata))?.runtimeReason == .messageTooLarge)

        frame.payload = []
        frame.metadata = [entry("Upper", "x")]
        #expect(limits.refusal(of: RequestFrame(frame), metadata: Metadata(wire: frame.metadata))?.runtimeReason == .invalidMetadata)

        frame.metadata = [entry("big", String(repeating: "v", count: 64))]
        #expect(limits.refusal(of: RequestFrame(frame), metadata: Metadata(wire: frame.metadata))?.runtimeReason == .metadataTooLarge)
    }
}
