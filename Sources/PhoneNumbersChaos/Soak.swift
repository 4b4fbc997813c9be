import Foundation
import PhoneNumbersClient

/// `soak`: a mixed workload from many connections for a while, reporting calls, errors
/// by code, latency percentiles, and the server's RSS and open descriptors at the start,
/// the middle and the end (they must stay flat).
enum Soak {
    static func run(_ arguments: Arguments) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pn-soak-\(UUID().uuidString)").path
        let server = ServerProcess(executable: arguments.executable, data: data, port: arguments.port, httpPort: arguments.httpPort)
        try await server.start()
        let operatorToken = try String(contentsOfFile: data + "/operator-token", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let setup = try await Setup.make(port: arguments.port, operatorToken: operatorToken, accounts: arguments.connections)
        let stats = Stats()
        // Warm up, then measure the baseline.
        await drive(setup, arguments, until: ContinuousClock.now + .seconds(3), stats: Stats())
        var samples = [ResourceSample.take(pid: server.pid, label: "start")]
        let start = ContinuousClock.now
        let end = start + .seconds(arguments.seconds)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await drive(setup, arguments, until: end, stats: stats) }
            group.addTask {
                // Ten samples across the run: growth shows as a trend, not one point.
                for tenth in 1..<10 {
                    try? await Task.sleep(until: start + .seconds(arguments.seconds) * tenth / 10, clock: .continuous)
                    await stats.record(ResourceSample.take(pid: server.pid, label: "\(tenth * 10)%"))
                }
            }
        }
        samples += await stats.samples
        samples.append(ResourceSample.take(pid: server.pid, label: "end"))
        server.stop()
        try? FileManager.default.removeItem(atPath: data)
        let report = await stats.report(seconds: arguments.seconds)
        print(
            """
            soak: \(arguments.seconds) s, \(arguments.connections) connections, mixed workload
            \(report)
            server resources (anonymous: heap and SQLite page caches; file-backed: the memory-mapped database):
            \(samples.map { "  \($0.label.padding(toLength: 7, withPad: " ", startingAt: 0)) RSS \($0.rssKB / 1024) MiB = anonymous \($0.anonymousKB / 1024) + file-backed \($0.fileKB / 1024), open fds \($0.fds)" }.joined(separator: "\n"))
            """
        )
    }

    static func drive(_ setup: Setup, _ arguments: Arguments, until deadline: ContinuousClock.Instant, stats: Stats) async {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<arguments.connections {
                let tenant = setup.tenants[index % setup.tenants.count]
                group.addTask { await SoakClient(tenant: tenant, port: arguments.port, stats: stats).run(until: deadline) }
            }
        }
    }
}

/// One connection's mixed workload: reads dominate; numbers and campaigns come and go.
struct SoakClient: Sendable {
    let tenant: Tenant
    let port: Int
    let stats: Stats

    func run(until deadline: ContinuousClock.Instant) async {
        let api = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: tenant.adminToken)
        let options = CallOptions(timeout: .seconds(10))
        var numberID = ""
        var campaignID = ""
        while ContinuousClock.now < deadline {
            let roll = Int.random(in: 0..<100)
            let started = ContinuousClock.now
            var code = "OK"
            do {
                switch roll {
                case 0..<40:
                    _ = try await api.numbers.listNumbers(ListNumbersRequest(), options: options)
                case 40..<60 where !numberID.isEmpty:
                    var request = GetNumberRequest()
                    request.numberId = numberID
                    _ = try await api.numbers.getNumber(request, options: options)
                case 60..<75 where !campaignID.isEmpty:
                    var request = ResolveSenderRequest()
                    request.campaignId = campaignID
                    request.contact = "+1212555\(String(format: "%04d", Int.random(in: 0..<10000)))"
                    _ = try await api.campaigns.resolveSender(request, options: options)
                case 75..<85:
                    _ = try await api.health.check(HealthCheckRequest(), options: options)
                default:
                    if numberID.isEmpty {
                        var request = AddNumberRequest()
                        request.areaCode = "415"
                        request.useCaseId = tenant.useCaseID
                        request.requestId = UUID().uuidString
                        numberID = try await api.numbers.addNumber(request, options: options).id
                    } else if campaignID.isEmpty {
                        var request = CreateCampaignRequest()
                        request.name = "soak"
                        var sender = DedicatedSender()
                        sender.numberId = numberID
                        request.dedicated = sender
                        let campaign = try await api.campaigns.createCampaign(request, options: options)
                        var launch = CampaignRequest()
                        launch.campaignId = campaign.id
                        if (try? await api.campaigns.launchCampaign(launch, options: options)) != nil { campaignID = campaign.id }
                    } else {
                        var archive = CampaignRequest()
                        archive.campaignId = campaignID
                        _ = try await api.campaigns.archiveCampaign(archive, options: options)
                        var delete = DeleteNumberRequest()
                        delete.numberId = numberID
                        _ = try await api.numbers.deleteNumber(delete, options: options)
                        numberID = ""
                        campaignID = ""
                    }
                }
            } catch {
                code = "\(error.code.name) \(error.reason ?? "")"
                if code.hasPrefix("FAILED_PRECONDITION NUMBER_LIMIT_REACHED") { numberID = "" }
            }
            await stats.record(code: code, latency: ContinuousClock.now - started)
        }
        await api.close()
    }
}

/// Calls, outcomes and latencies.
actor Stats {
    private var latencies: [Duration] = []
    private var codes: [String: Int] = [:]
    private(set) var samples: [ResourceSample] = []

    func record(code: String, latency: Duration) {
        latencies.append(latency)
        codes[code, default: 0] += 1
    }

    func record(_ sample: ResourceSample) { samples.append(sample) }

    func report(seconds: Int) -> String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return String(format: "%.2f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000)
        }
        let outcomes = codes.sorted { $0.value > $1.value }.map { "  \($0.key): \($0.value)" }.joined(separator: "\n")
        return """
            calls: \(sorted.count) (\(sorted.count / max(1, seconds))/s), p50 \(percentile(0.5)), p99 \(percentile(0.99)), p99.9 \(percentile(0.999))
            outcomes:
            \(outcomes)
            """
    }
}

/// The server's resident memory (all, anonymous, file-backed) and open file
/// descriptors, from /proc.
struct ResourceSample: Sendable {
    let label: String
    let rssKB: Int
    let anonymousKB: Int
    let fileKB: Int
    let fds: Int

    static func take(pid: Int32, label: String) -> ResourceSample {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func kilobytes(_ field: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(field + ":") }.flatMap { line in
                Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            } ?? 0
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        return ResourceSample(
            label: label,
            rssKB: kilobytes("VmRSS"),
            anonymousKB: kilobytes("RssAnon"),
            fileKB: kilobytes("RssFile"),
            fds: fds
        )
    }
}
