import PhoneNumbersClient

/// Waits for changes through WatchEvents (no polling): opens the watch, performs
/// `action` once the server has started it, then reports each change of the subject
/// `action` returned until `isFinal` says it is done.
func watchChanges(
    _ api: PhoneNumbersConnection, account: String, json: Bool, action: () async throws -> String, isFinal: (Event) -> Bool
) async throws -> Event? {
    var request = WatchEventsRequest()
    request.accountId = account
    var events = api.events.watchEvents(request).makeAsyncIterator()
    guard let started = try await events.next(), started.kind == "WATCH_STARTED" else {
        throw RPCError(code: .internal, message: "the event stream did not start", reason: "WATCH_NOT_STARTED")
    }
    let subject = try await action()
    while let event = try await events.next() {
        guard event.subjectId == subject else { continue }
        print(json ? event.jsonValue.rendered() : "\(event.kind == "CAMPAIGN_STATE_CHANGED" ? "campaign" : "number") \(subject): \(event.oldState.isEmpty ? "" : event.oldState + " → ")\(event.newState)\(event.reason.isEmpty ? "" : " — \(event.reason)")")
        if isFinal(event) { return event }
    }
    return nil
}
