import Foundation
import PhoneNumbersClient
import Storage

/// The checks after the last restart.
enum Verifier {
    struct Report {
        var numbers = 0
        var campaigns = 0
        var missing: [String] = []
        var overLimit = 0
    }

    /// Sends every unanswered AddNumber and CreateCampaign again with its request id;
    /// returns how many purchases or campaigns exist twice (must be 0).
    static func retryUnanswered(_ setup: Setup, _ journal: Journal, port: Int) async throws -> Int {
        for pending in await journal.pendingAdds {
            let api = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: pending.tenant.adminToken)
            var request = AddNumberRequest()
            request.areaCode = pending.areaCode
            request.useCaseId = pending.tenant.useCaseID
            request.name = pending.name
            request.requestId = pending.requestID
            if let number = try? await api.numbers.addNumber(request, options: CallOptions(timeout: .seconds(5))) {
                let again = try await api.numbers.addNumber(request, options: CallOptions(timeout: .seconds(5)))
                if again.id != number.id { return 1 }
            }
            await api.close()
        }
        for pending in await journal.pendingCreates {
            let api = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: pending.tenant.adminToken)
            var request = CreateCampaignRequest()
            request.name = pending.name
            var sender = DedicatedSender()
            sender.numberId = pending.numberID
            request.dedicated = sender
            request.requestId = pending.requestID
            if let first = try? await api.campaigns.createCampaign(request, options: CallOptions(timeout: .seconds(5))) {
                let again = try await api.campaigns.createCampaign(request, options: CallOptions(timeout: .seconds(5)))
                if again.id != first.id { return 1 }
            }
            await api.close()
        }
        return 0
    }

    /// Waits until nothing is provisioning or launching and no job is left; returns how
    /// many numbers, campaigns and jobs are still busy.
    static func settle(_ setup: Setup, port: Int, operatorToken: String, store: StoreInspection) async throws -> Int {
        let op = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: operatorToken)
        defer { Task { await op.close() } }
        var busy = 0
        for _ in 0..<120 {
            busy = 0
            for tenant in setup.tenants {
                var numbers = ListNumbersRequest()
                numbers.accountId = tenant.accountID
                busy += try await op.numbers.listNumbers(numbers).numbers.filter { $0.status == .provisioning }.count
                var campaigns = ListCampaignsRequest()
                campaigns.accountId = tenant.accountID
                campaigns.state = .launching
                busy += try await op.campaigns.listCampaigns(campaigns).campaigns.count
            }
            busy += try await store.jobCount()
            if busy == 0 { return 0 }
            try await Task.sleep(for: .milliseconds(500))
        }
        let jobs = try await store.query("SELECT kind, subject_id, attempts, last_error FROM jobs").map { row in
            "\(try row.get("kind", as: String.self)) \(try row.get("subject_id", as: String.self)) attempts \(try row.get("attempts", as: Int.self)): \(try row.get("last_error", as: String.self))"
        }
        let rows = try await store.query(
            "SELECT id, status, kind, e164 FROM numbers WHERE status IN ('RESERVING', 'PROVISIONING') UNION ALL SELECT id, state, sender_kind, number_id FROM campaigns WHERE state = 'LAUNCHING'"
        ).map {
            "\(try $0.get("id", as: String.self)) \(try $0.get("status", as: String.self)) \(try $0.get("kind", as: String.self)) \($0["e164"] as String? ?? "")"
        }
        print("still busy:\n  " + (jobs + rows).joined(separator: "\n  "))
        return busy
    }

    static func check(_ setup: Setup, _ journal: Journal, port: Int, operatorToken: String) async throws -> Report {
        let op = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: operatorToken)
        defer { Task { await op.close() } }
        var report = Report()
        var stored: [String: DedicatedNumber] = [:]
        var storedCampaigns: [String: Campaign] = [:]
        for tenant in setup.tenants {
            var numbers = ListNumbersRequest()
            numbers.accountId = tenant.accountID
            numbers.includeReleased = true
            let all = try await op.numbers.listNumbers(numbers).numbers
            for number in all { stored[number.id] = number }
            if all.filter({ $0.status != .released }).count > 5 { report.overLimit += 1 }
            var campaigns = ListCampaignsRequest()
            campaigns.accountId = tenant.accountID
            for campaign in try await op.campaigns.listCampaigns(campaigns).campaigns { storedCampaigns[campaign.id] = campaign }
        }
        for (id, facts) in await journal.numbers {
            report.numbers += 1
            guard let number = stored[id] else {
                report.missing.append("number \(id) is gone")
                continue
            }
            if facts.uncertain { continue }
            if facts.deleted, number.status != .released {
                report.missing.append("number \(id) was deleted but is \(number.status.protoName)")
            }
            if !facts.deleted, number.name != facts.name {
                report.missing.append("number \(id) is named \(number.name), not \(facts.name)")
            }
        }
        for (id, facts) in await journal.campaigns {
            report.campaigns += 1
            guard let campaign = storedCampaigns[id] else {
                report.missing.append("campaign \(id) is gone")
                continue
            }
            // A single-use launch answers LAUNCHING, then goes ACTIVE (or back to DRAFT if it could not get a number).
            let allowed = facts.state == "LAUNCHING" ? ["ACTIVE", "DRAFT"] : [facts.state]
            if !facts.uncertain, !allowed.contains(where: { campaign.state.protoName.hasSuffix($0) }) {
                report.missing.append("campaign \(id) is \(campaign.state.protoName), not \(facts.state)")
            }
        }
        return report
    }

}
