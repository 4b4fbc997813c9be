import Foundation
import PhoneNumbersClient
import PhoneNumbersPostgres
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

/// `crash`: SIGKILL under load, restart, verify. With `--database URL` (a PostgreSQL
/// server), `--replicas` replicas share a fresh database on it (and one simulated
/// provider's file); each round SIGKILLs one of them at random while the workers, spread
/// over the replicas, keep calling.
enum CrashSafety {
    static func run(_ arguments: Arguments) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pn-crash-\(UUID().uuidString)").path
        let replicas = try await Replicas.make(arguments, data: data)
        for server in replicas.servers { try await server.start() }
        let ports = replicas.servers.map(\.port)
        print(
            "\(replicas.servers.count) × \(arguments.executable) on ports \(ports.map(String.init).joined(separator: ", ")); \(replicas.store)"
        )
        let operatorToken = try String(contentsOfFile: replicas.servers[0].data + "/operator-token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let setup = try await Setup.make(port: ports[0], operatorToken: operatorToken, accounts: arguments.workers)
        let journal = Journal()

        for round in 1...arguments.kills {
            let deadline = ContinuousClock.now + .milliseconds(Int.random(in: 300...2_500))
            let victim = replicas.servers.randomElement()!
            await withTaskGroup(of: Void.self) { group in
                for (index, tenant) in setup.tenants.enumerated() {
                    let port = ports[index % ports.count]
                    group.addTask {
                        await Worker(tenant: tenant, relay: setup.relay, port: port, journal: journal).run(until: deadline)
                    }
                }
                group.addTask {
                    try? await Task.sleep(until: deadline - .milliseconds(Int.random(in: 0...250)), clock: .continuous)
                    victim.kill()
                }
            }
            try await victim.start()
            print("round \(round): killed and restarted port \(victim.port); \(await journal.summary())")
        }

        print("retrying unanswered calls with their request ids…")
        let duplicates = try await Verifier.retryUnanswered(setup, journal, port: ports[0])
        print("waiting for background work to finish…")
        let inspection = try await replicas.inspect()
        let stuck = try await Verifier.settle(setup, port: ports[0], operatorToken: operatorToken, store: inspection)
        let report = try await Verifier.check(setup, journal, port: ports[0], operatorToken: operatorToken)
        for server in replicas.servers { server.stop() }
        let integrity = try await inspection.integrity()
        let (orphans, heldTwice) = try await inspection.heldNumbers()
        if !orphans.isEmpty { print("provider numbers with no held number:\n  " + orphans.joined(separator: "\n  ")) }
        if !heldTwice.isEmpty { print("numbers held twice:\n  " + heldTwice.joined(separator: "\n  ")) }
        await inspection.finish()

        print(
            """

            crash-safety report (\(replicas.store))
              kills (SIGKILL) and restarts:        \(arguments.kills)\(replicas.servers.count > 1 ? " (one of \(replicas.servers.count) replicas each)" : "")
              calls answered OK:                   \(await journal.okCount)
              calls unanswered (lost, timed out, UNAVAILABLE): \(await journal.unansweredCount)
              refusals (typed errors):             \(await journal.refusedCount)
              most frequent:                       \(await journal.topErrors(6))
              numbers checked / campaigns checked: \(report.numbers) / \(report.campaigns)
              acknowledged effects missing:        \(report.missing.count)\(report.missing.isEmpty ? "" : " " + report.missing.prefix(5).joined(separator: "; "))
              accounts over 5 numbers:             \(report.overLimit)
              stuck PROVISIONING / LAUNCHING / jobs: \(stuck)
              provider numbers with no held number: \(orphans.count)
              numbers held twice:                  \(heldTwice.count)
              duplicates from idempotent retries:  \(duplicates)
              \(inspection.kind.integrityLabel) \(integrity)
            """
        )
        let ok =
            report.missing.isEmpty && report.overLimit == 0 && stuck == 0 && duplicates == 0 && orphans.isEmpty && heldTwice.isEmpty
            && integrity == "ok"
        print(ok ? "PASS" : "FAIL")
        await replicas.remove()
        exit(ok ? 0 : 1)
    }
}

/// The servers of a drill: one on the SQLite file in its data directory, or several
/// replicas on a fresh PostgreSQL database sharing one simulated provider's file.
struct Replicas: Sendable {
    let servers: [ServerProcess]
    /// What the state is kept in, for the report.
    let store: String
    private let data: String
    private let database: (server: PostgresDatabaseURL, name: String)?

    static func make(_ arguments: Arguments, data: String) async throws -> Replicas {
        guard !arguments.database.isEmpty else {
            let server = ServerProcess(executable: arguments.executable, data: data, port: arguments.port)
            return Replicas(servers: [server], store: "SQLite file", data: data, database: nil)
        }
        let server = try PostgresDatabaseURL(arguments.database)
        let name = "pn_crash_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = try await PostgresAdministration.createDatabase(name, at: server)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let servers = (0..<max(1, arguments.replicas)).map { index in
            ServerProcess(
                executable: arguments.executable,
                data: data + "/replica-\(index + 1)",
                port: arguments.port + index,
                extraArguments: ["--database", url.urlString, "--provider-file", data + "/provider.sqlite", "--job-lease", "3s"]
            )
        }
        return Replicas(servers: servers, store: "PostgreSQL, \(servers.count) replicas", data: data, database: (server, name))
    }

    /// Opens the store and the provider's file for the checks.
    func inspect() async throws -> StoreInspection {
        guard let database else { return try StoreInspection.sqlite(data + "/phone-numbers.sqlite") }
        return try await StoreInspection.postgres(database.server.database(database.name), providerFile: data + "/provider.sqlite")
    }

    /// Removes the data directory and the database.
    func remove() async {
        try? FileManager.default.removeItem(atPath: data)
        if let database { try? await PostgresAdministration.dropDatabase(database.name, at: database.server) }
    }
}

struct Arguments {
    var mode = "crash"
    var executable = ".build/debug/phone-numbers"
    var port = 7460
    var kills = 20
    var workers = 6
    /// A PostgreSQL server's URL: the replicas share a fresh database on it.
    var database = ""
    var replicas = 3
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
            case "--database": database = value
            case "--replicas": replicas = Int(value) ?? replicas
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
    /// More `serve` options (the store and provider of a replica).
    let extraArguments: [String]
    private var process: Process?

    init(executable: String, data: String, port: Int, httpPort: Int = 0, extraArguments: [String] = []) {
        self.executable = executable
        self.data = data
        self.port = port
        self.httpPort = httpPort
        self.extraArguments = extraArguments
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
            ] + (httpPort > 0 ? ["--http-port", "\(httpPort)"] : []) + extraArguments
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
