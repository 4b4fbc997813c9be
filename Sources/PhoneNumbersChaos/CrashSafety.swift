import Foundation
import PhoneNumbersClient
import Storage

/// Drives a `phone-numbers serve` process with concurrent clients, kills it with
/// SIGKILL at random moments, restarts it, and finally checks that everything that was
/// answered OK is stored with its effect, that limits held, that no work is stuck, that
/// idempotent retries created nothing twice, and that the database is intact.
@main
struct Drills {
    static func main() async throws {
        let arguments = Arguments(CommandLine.arguments)
        switch arguments.mode {
        case "soak": try await Soak.run(arguments)
        default: try await CrashSafety.run(arguments)
        }
    }
}

/// `crash`: SIGKILL under load, restart, verify.
enum CrashSafety {
    static func run(_ arguments: Arguments) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pn-crash-\(UUID().uuidString)").path
        let server = ServerProcess(executable: arguments.executable, data: data, port: arguments.port)
        try await server.start()
        print("server: \(arguments.executable) on 127.0.0.1:\(arguments.port), data \(data)")
        let operatorToken = try String(contentsOfFile: data + "/operator-token", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let setup = try await Setup.make(port: arguments.port, operatorToken: operatorToken, accounts: arguments.workers)
        let journal = Journal()

        for round in 1...arguments.kills {
            let deadline = ContinuousClock.now + .milliseconds(Int.random(in: 300...2_500))
            await withTaskGroup(of: Void.self) { group in
                for tenant in setup.tenants {
                    group.addTask {
                        await Worker(tenant: tenant, relay: setup.relay, port: arguments.port, journal: journal).run(until: deadline)
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: deadline - .milliseconds(Int.random(in: 0...250)), clock: .continuous)
                    server.kill()
                }
            }
            try await server.start()
            print("round \(round): killed and restarted; \(await journal.summary())")
        }

        print("retrying unanswered calls with their request ids…")
        let duplicates = try await Verifier.retryUnanswered(setup, journal, port: arguments.port)
        print("waiting for background work to finish…")
        let stuck = try await Verifier.settle(
            setup,
            port: arguments.port,
            operatorToken: operatorToken,
            database: data + "/phone-numbers.sqlite"
        )
        let report = try await Verifier.check(setup, journal, port: arguments.port, operatorToken: operatorToken)
        server.stop()
        let (integrity, orphans) = try await Verifier.integrity(data + "/phone-numbers.sqlite")

        print(
            """

            crash-safety report
              kills (SIGKILL) and restarts:        \(arguments.kills)
              calls answered OK:                   \(await journal.okCount)
              calls unanswered (connection lost):  \(await journal.unansweredCount)
              refusals (typed errors):             \(await journal.refusedCount)
              numbers checked / campaigns checked: \(report.numbers) / \(report.campaigns)
              acknowledged effects missing:        \(report.missing.count)\(report.missing.isEmpty ? "" : " " + report.missing.prefix(5).joined(separator: "; "))
              accounts over 5 numbers:             \(report.overLimit)
              stuck PROVISIONING / LAUNCHING / jobs: \(stuck)
              provider numbers with no held number: \(orphans)
              duplicates from idempotent retries:  \(duplicates)
              PRAGMA integrity_check:              \(integrity)
            """
        )
        let ok = report.missing.isEmpty && report.overLimit == 0 && stuck == 0 && duplicates == 0 && orphans == 0 && integrity == "ok"
        print(ok ? "PASS" : "FAIL")
        try? FileManager.default.removeItem(atPath: data)
        exit(ok ? 0 : 1)
    }
}

struct Arguments {
    var mode = "crash"
    var executable = ".build/debug/phone-numbers"
    var port = 7460
    var kills = 20
    var workers = 6
    var seconds = 60
    var connections = 32
    /// The server's operators' HTTP port (0: off), for a Prometheus to scrape.
    var httpPort = 0

    init(_ arguments: [String]) {
        var index = 1
        if arguments.count > 1, !arguments[1].hasPrefix("--") {
            mode = arguments[1]
            index = 2
        }
        while index + 1 < arguments.count {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--executable": executable = value
            case "--port": port = Int(value) ?? port
            case "--kills": kills = Int(value) ?? kills
            case "--workers": workers = Int(value) ?? workers
            case "--seconds": seconds = Int(value) ?? seconds
            case "--connections": connections = Int(value) ?? connections
            case "--http-port": httpPort = Int(value) ?? httpPort
            default: break
            }
            index += 2
        }
    }
}

/// The server under test, as a child process.
final class ServerProcess: @unchecked Sendable {
    let executable: String
    let data: String
    let port: Int
    let httpPort: Int
    private var process: Process?

    init(executable: String, data: String, port: Int, httpPort: Int = 0) {
        self.executable = executable
        self.data = data
        self.port = port
        self.httpPort = httpPort
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "serve", "--data", data, "--port", "\(port)", "--provisioning-delay", "300ms", "--vetting-delay", "50ms", "--log-level",
                "error",
                // The drills release and add numbers all the time: aged numbers come back after 2 s.
                "--number-aging", "2s",
                "--inventory", "100", "--drain-grace", "1s",
            ] + (httpPort > 0 ? ["--http-port", "\(httpPort)"] : [])
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let health = PhoneNumbersConnection(host: "127.0.0.1", port: port, token: nil)
        defer { Task { await health.close() } }
        for _ in 0..<200 {
            if (try? await health.health.check(HealthCheckRequest(), options: CallOptions(timeout: .milliseconds(500))))?.status == .serving
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChaosError("the server did not start")
    }

    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

struct ChaosError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
