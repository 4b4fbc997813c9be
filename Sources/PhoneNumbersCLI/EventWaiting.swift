import PhoneNumbersClient
import ProtoBridge

/// Waits for changes through WatchEvents (no polling): opens the watch, performs
/// `action` once the server has started it, and returns at once when the subject it
/// returned is already final; otherwise reports each change of the subject until
/// `isFinal` says it is done. The whole wait is bounded by `--timeout`
/// (DEADLINE_EXCEEDED); a server that goes away ends it with CONNECTION_LOST.
func watchChanges(
    _ api: PhoneNumbersConnection,
    _ options: ClientOptions,
    action: () async throws -> (subject: String, isFinal: Bool),
    isFinal: (Event) -> Bool
) async throws -> Event? {
    var request = WatchEventsRequest()
    request.accountId = options.account
    var events = api.events.watchEvents(request, options: options.callOptions).makeAsyncIterator()
    guard let started = try await events.next(), started.kind == "WATCH_STARTED" else {
        throw RPCError(code: .internal, message: "the event stream did not start", reason: "WATCH_NOT_STARTED")
    }
    let (subject, alreadyFinal) = try await action()
    if alreadyFinal { return nil }
    while let event = try await events.next() {
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
    throw RPCError(code: .unavailable, message: "the server ended the event stream before the wait was over", reason: "CONNECTION_LOST")
}
