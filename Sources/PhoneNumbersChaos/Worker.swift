import Foundation
import PhoneNumbersClient

/// One client working one account: adds, renames and deletes numbers, creates,
/// launches and archives campaigns, and relays wrong port-out PINs, recording outcomes.
struct Worker: Sendable {
    let tenant: Tenant
    let relay: String
    let port: Int
    let journal: Journal

    private static let areaCodes = ["415", "510", "312", "617", "303", "720"]

    func run(until deadline: ContinuousClock.Instant) async {
        let api = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: tenant.adminToken)
        let relayAPI = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: relay)
        let options = CallOptions(timeout: .seconds(3))
        while ContinuousClock.now < deadline {
            let numbers = await journal.numbers.filter { $0.value.accountID == tenant.accountID && !$0.value.deleted }.map(\.key)
            let campaigns = await journal.campaigns.filter { $0.value.accountID == tenant.accountID }
            switch Int.random(in: 0..<100) {
            case 0..<30:
                var request = AddNumberRequest()
                request.areaCode = Self.areaCodes.randomElement()!
                request.useCaseId = tenant.useCaseID
                request.name = "n\(Int.random(in: 0..<1000))"
                request.requestId = UUID().uuidString
                do {
                    let number = try await api.numbers.addNumber(request, options: options)
                    await journal.added(number.id, account: tenant.accountID, name: number.name)
                } catch {
                    await journal.note(error)
                    if error.isUnanswered {
                        await journal.unansweredAdd(
                            .init(tenant: tenant, requestID: request.requestId, areaCode: request.areaCode, name: request.name)
                        )
                    } else {
                        await journal.refused()
                    }
                }
            case 30..<45:
                guard let id = numbers.randomElement() else { continue }
                var request = RenameNumberRequest()
                request.numberId = id
                request.name = "r\(Int.random(in: 0..<1000))"
                await outcome(number: id) {
                    _ = try await api.numbers.renameNumber(request, options: options)
                } ok: {
                    await journal.renamed(id, to: request.name)
                }
            case 45..<55:
                guard let id = numbers.randomElement() else { continue }
                var request = DeleteNumberRequest()
                request.numberId = id
                await outcome(number: id) {
                    _ = try await api.numbers.deleteNumber(request, options: options)
                } ok: {
                    await journal.deleted(id)
                }
            case 55..<70:
                guard let id = numbers.randomElement() else { continue }
                var request = CreateCampaignRequest()
                request.name = "c\(Int.random(in: 0..<1000))"
                var sender = DedicatedSender()
                sender.numberId = id
                request.dedicated = sender
                request.requestId = UUID().uuidString
                do {
                    let campaign = try await api.campaigns.createCampaign(request, options: options)
                    await journal.created(campaign.id, account: tenant.accountID)
                } catch {
                    await journal.note(error)
                    if error.isUnanswered {
                        await journal.unansweredCreate(
                            .init(tenant: tenant, requestID: request.requestId, numberID: id, name: request.name)
                        )
                    } else {
                        await journal.refused()
                    }
                }
            case 70..<85:
                guard let (id, _) = campaigns.filter({ $0.value.state == "DRAFT" }).randomElement() else { continue }
                var request = CampaignRequest()
                request.campaignId = id
                await outcome(campaign: id) {
                    _ = try await api.campaigns.launchCampaign(request, options: options)
                } ok: {
                    await journal.campaign(id, is: "ACTIVE")
                }
            case 85..<90:
                // A single-use campaign: LAUNCHING until its number is provisioned.
                var request = CreateCampaignRequest()
                request.name = "s\(Int.random(in: 0..<1000))"
                var sender = SingleUseSender()
                sender.useCaseId = tenant.useCaseID
                sender.preferredAreaCodes = ["212", Self.areaCodes.randomElement()!]
                request.singleUse = sender
                do {
                    let campaign = try await api.campaigns.createCampaign(request, options: options)
                    await journal.created(campaign.id, account: tenant.accountID)
                    var launch = CampaignRequest()
                    launch.campaignId = campaign.id
                    await outcome(campaign: campaign.id) {
                        _ = try await api.campaigns.launchCampaign(launch, options: options)
                    } ok: {
                        await journal.campaign(campaign.id, is: "LAUNCHING")
                    }
                } catch {
                    await journal.note(error)
                    if error.isUnanswered { await journal.unanswered() } else { await journal.refused() }
                }
            case 90..<95:
                guard let (id, _) = campaigns.filter({ $0.value.state != "ARCHIVED" }).randomElement() else { continue }
                var request = CampaignRequest()
                request.campaignId = id
                await outcome(campaign: id) {
                    _ = try await api.campaigns.archiveCampaign(request, options: options)
                } ok: {
                    await journal.campaign(id, is: "ARCHIVED")
                }
            default:
                var request = RequestPortOutRequest()
                request.e164 = "+14155550100"
                request.pin = "00000000"
                request.gainingCarrier = "Chaos Wireless"
                await outcome {
                    _ = try await relayAPI.numbers.requestPortOut(request, options: options)
                } ok: {
                }
            }
        }
        await api.close()
        await relayAPI.close()
    }

    private func outcome(number: String? = nil, campaign: String? = nil, _ call: () async throws -> Void, ok: () async -> Void) async {
        do {
            try await call()
            await ok()
        } catch {
            await journal.note(error)
            if (error as? RPCError)?.isUnanswered ?? true {
                await journal.unanswered(number: number, campaign: campaign)
            } else {
                await journal.refused()
            }
        }
    }
}

extension RPCError {
    /// The server may or may not have processed the call.
    var isUnanswered: Bool {
        code == .unavailable || code == .deadlineExceeded || code == .cancelled
    }
}
