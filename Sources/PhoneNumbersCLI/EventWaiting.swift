import PhoneNumbersClient
import ProtoBridge

/// Waits for changes through WatchEvents (no polling): opens the watch, performs
/// `action` once the server has started it, and returns at once when the subject it
/// returned is already final; otherwise reports each change of the subject until
/// `isFinal` says it is done. The whole wait is bounded by `--timeout`
/// (DEADLINE_EXCEEDED). When the server goes away (a replica drained or killed), the
/// watch is opened again (on another replica, given several) from the last event seen,
/// so nothing is missed; after three such losses in a row, the wait ends with the error.
func watchChanges(
    _ api: PhoneNumbersConnection,
    _ options: ClientOptions,
    action: () async throws -> (subject: String, isFinal: Bool),
    isFinal: (Event) -> Bool
) async throws -> Event? {
    let deadline = ContinuousClock.now + .milliseconds(Int64(options.timeout * 1000))
    var request = WatchEventsRequest()
    request.accountId = options.account
    var (events, last) = try await startWatch(api, request, until: deadline)
    let (subject, alreadyFinal) = try await action()
    if alreadyFinal { return nil }
    var losses = 0
    while true {
        do {
            while let event = try await events.next() {
                last = max(last, event.sequence)
                losses = 0
                guard event.subjectId == subject else { continue }
                if options.json {
                    print(event.jsonValue.rendered())
                } else {
                    let what = event.kind == "CAMPAIGN_STATE_CHANGED" ? "campaign" : "number"
                    let change = (event.oldState.isEmpty ? "" : event.oldState + " → ") + event.newState
                    print(TerminalText.safe("\(what) \(subject): \(change)\(event.reason.isEmpty ? "" : " — \(event.reason)")"))
                }
                if isFinal(event) { return event }
            }
            throw RPCError(
                code: .unavailable,
                message: "the server ended the event stream before the wait was over",
                reason: .connectionLost
            )
        } catch let error as RPCError where error.code == .unavailable && losses < 3 && ContinuousClock.now < deadline {
            losses += 1
            request.since = last
            (events, last) = try await startWatch(api, request, until: deadline)
        }
    }
}

/// Opens a watch and waits for its WATCH_STARTED; returns the stream and the sequence
/// it starts after.
private func startWatch(
    _ api: PhoneNumbersConnection,
    _ request: WatchEventsRequest,
    until deadline: ContinuousClock.Instant
) async throws -> (RPCResponseStream<Event>.AsyncIterator, Int64) {
    let remaining = max(deadline - ContinuousClock.now, .milliseconds(1))
    var events = api.events.watchEvents(request, options: CallOptions(timeout: remaining)).makeAsyncIterator()
    guard let started = try await events.next(), started.kind == "WATCH_STARTED" else {
        throw RPCError(code: .internal, message: "the event stream did not start", reason: .watchNotStarted)
    }
    return (events, max(started.sequence, request.since))
}
