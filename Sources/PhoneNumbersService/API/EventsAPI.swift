import PhoneNumbersProto
import RPCCore

/// `phonenumbers.v1.Events`: the live event log and the audit trail.
struct EventsAPI: EventsService {
    let domain: EventsDomain
    let authenticator: Authenticator

    func watchEvents(request: WatchEventsRequest, context: ServerContext, responses: ResponseStreamWriter<Event>) async throws {
        let principal = try await authenticator.authenticate(context)
        let events = try await domain.watch(principal, accountID: request.accountId, since: request.since, fromStart: request.fromStart)
        let accountID = request.accountId
        try await authenticator.whileCredentialHolds(
            context,
            stillAllowed: { _ = try AccessPolicy.readableAccount(for: $0, requested: accountID) }
        ) {
            for try await event in events {
                try await responses.write(Mapping.event(event))
            }
        }
    }

    func listAuditEvents(request: ListAuditEventsRequest, context: ServerContext) async throws -> ListAuditEventsResponse {
        let principal = try await authenticator.authenticate(context)
        let (entries, next) = try await domain.audit(
            principal,
            accountID: request.accountId,
            action: request.action,
            subjectID: request.subjectId,
            pageSize: Int(request.pageSize),
            pageToken: request.pageToken
        )
        var response = ListAuditEventsResponse()
        response.events = entries.map(Mapping.audit)
        response.nextPageToken = next
        return response
    }
}
