import Foundation
import PhoneNumbersClient
import PhoneNumbersPostgres

/// Real `phone-numbers serve` processes sharing one fresh PostgreSQL database and one
/// `telnyx-emulator` process (the provider every replica talks to), for one test.
final class Cluster: @unchecked Sendable {
    let replicas: [Executable.Server]
    let emulatorBase: String
    /// The demo's tokens and use cases (`demo-credentials.json` of the first replica).
    let credentials: [String: String]
    private let emulator: EmulatorProcess

    /// Whether the suite has a PostgreSQL server to run clusters on.
    static var available: Bool { ServiceHarness.storeKind == "postgres" }

    /// Starts `count` replicas (the first with `--demo`, the others once it serves),
    /// runs `body`, then stops everything and drops the database.
    static func with<T>(replicas count: Int, orderDelay: Int = 0, _ body: (Cluster) async throws -> T) async throws -> T {
        let url = try await TestPostgres.create("pn_cluster")
        let emulator: EmulatorProcess
        do {
            emulator = try await EmulatorProcess(orderDelay: orderDelay)
        } catch {
            await TestPostgres.drop(url)
            throw error
        }
        var replicas: [Executable.Server] = []
        func stopAll() async {
            for replica in replicas { replica.stop() }
            emulator.stop()
            await TestPostgres.drop(url)
        }
        do {
            let base = emulator.base
            let arguments = [
                "--database", "\(url.urlString)", "--provider", "telnyx", "--telnyx-url", "\(base)/v2", "--telnyx-messaging-profile", "MP1",
                "--telnyx-campaign", "*=CAMP1", "--telnyx-poll-interval", "100ms", "--job-lease", "2s", "--database-connections", "4",
            ]
            let environment = ["TELNYX_API_KEY": "KEY-emulator"]
            replicas.append(try Executable.Server(arguments: arguments + ["--demo"], environment: environment))
            try await replicas[0].waitServing()
            for _ in 1..<count { replicas.append(try Executable.Server(arguments: arguments, environment: environment)) }
            for replica in replicas { try await replica.waitServing() }
            let credentials =
                try JSONSerialization.jsonObject(with: Data(contentsOf: replicas[0].data.appendingPathComponent("demo-credentials.json")))
                as? [String: String] ?? [:]
            let cluster = Cluster(
                replicas: replicas,
                emulatorBase: base,
                credentials: credentials,
                emulator: emulator
            )
            let result = try await body(cluster)
            await stopAll()
            return result
        } catch {
            await stopAll()
            throw error
        }
    }

    private init(
        replicas: [Executable.Server],
        emulatorBase: String,
        credentials: [String: String],
        emulator: EmulatorProcess
    ) {
        self.replicas = replicas
        self.emulatorBase = emulatorBase
        self.credentials = credentials
        self.emulator = emulator
    }

    /// A client of replica `index` with the demo's token `role`.
    func connection(_ index: Int, as role: String = "admin_token") -> PhoneNumbersConnection {
        PhoneNumbersConnection(host: "127.0.0.1", port: replicas[index].port, token: credentials[role])
    }

    /// A client of the replicas `indexes`, spreading its calls over them.
    func connection(replicas indexes: [Int], as role: String = "admin_token") -> PhoneNumbersConnection {
        PhoneNumbersConnection(endpoints: indexes.map { ("127.0.0.1", replicas[$0].port) }, token: credentials[role])
    }

    /// The numbers the provider holds (bought or on order), by E.164.
    func heldAtProvider() async throws -> [String] {
        let (_, body) = try await TelnyxWalkthroughTests.http("GET", "\(emulatorBase)/v2/phone_numbers?page%5Bsize%5D=250")
        return ((body["data"] as? [[String: Any]]) ?? []).compactMap { $0["phone_number"] as? String }
    }
}
