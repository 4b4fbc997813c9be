import PhoneNumbersClient

/// A number's history from the audit trail: the entries about the number and about every
/// campaign that was created on it, oldest first. (The page builds the same from the same
/// two calls.)
enum NumberHistory {
    static func entries(of numberID: String, _ api: PhoneNumbersConnection, _ client: ClientOptions) async throws -> [AuditEvent] {
        var number: GetNumberRequest = client.request()
        number.numberId = numberID
        _ = try await api.numbers.getNumber(number, options: client.callOptions)  // NOT_FOUND for another account's
        var campaigns: ListCampaignsRequest = client.request()
        campaigns.numberId = numberID
        let subjects = [numberID] + (try await api.campaigns.listCampaigns(campaigns, options: client.callOptions)).campaigns.map(\.id)
        var entries: [AuditEvent] = []
        for subject in subjects {
            var page: ListAuditEventsRequest = client.request()
            page.subjectId = subject
            page.pageSize = 500
            repeat {
                let answer = try await api.events.listAuditEvents(page, options: client.callOptions)
                entries += answer.events
                page.pageToken = answer.nextPageToken
            } while !page.pageToken.isEmpty
        }
        return entries.sorted { ($0.atMs, $0.id) < ($1.atMs, $1.id) }
    }
}
