import Foundation
import Testing

/// The README's walk-through, run as a newcomer would: the real `phone-numbers`
/// executable as a server process and as the command line.
@Suite("README walk-through with the phone-numbers executable", .timeLimit(.minutes(2)))
struct DemoWalkthroughTests {
    private static let executable = Executable.url

    @discardableResult
    private func run(_ arguments: [String], environment: [String: String]) async throws -> Executable.Output {
        try await Executable.run(arguments, environment: environment)
    }

    @Test("serve --demo, then a READY number in a few commands")
    func walkthrough() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the executable first (swift build)")
        let server = try Executable.Server(arguments: ["--demo", "--provisioning-delay", "200ms"])
        defer { server.stop() }
        let data = server.data
        let environment = server.environment
        try await server.waitServing()

        for (file, mode) in [("", 0o700), ("operator-token", 0o600), ("phone-numbers.sqlite", 0o600), ("demo-credentials.json", 0o600)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent(file).path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(file) is \(String(describing: attributes[.posixPermissions]))")
        }
        let credentialsURL = data.appendingPathComponent("demo-credentials.json")
        let attributes = try FileManager.default.attributesOfItem(atPath: credentialsURL.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let credentials = try JSONSerialization.jsonObject(with: Data(contentsOf: credentialsURL)) as! [String: String]
        for key in [
            "account_id", "owner_token", "admin_token", "texter_token", "operator_token", "approved_use_case_id", "pending_use_case_id",
        ] {
            #expect(credentials[key]?.isEmpty == false, "\(key)")
        }
        var admin = environment
        admin["PHONE_NUMBERS_TOKEN"] = credentials["admin_token"]!

        let useCases = try await run(["use-cases", "list"], environment: admin)
        #expect(useCases.status == 0)
        #expect(useCases.stdout.contains("APPROVED") && useCases.stdout.contains("PENDING"))

        let added = try await run(
            [
                "numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!, "--name", "Ballot chase",
                "--wait",
            ],
            environment: admin
        )
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("READY"))

        let listed = try await run(["numbers", "list", "--json"], environment: admin)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
        let numbers = json["numbers"] as! [[String: Any]]
        #expect(numbers.count == 1)
        #expect(numbers.first?["status"] as? String == "NUMBER_STATUS_READY")
        #expect(numbers.first?["name"] as? String == "Ballot chase")

        let refused = try await run(
            ["numbers", "add", "--area-code", "603", "--use-case", credentials["approved_use_case_id"]!],
            environment: admin
        )
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("FAILED_PRECONDITION (AREA_CODE_NOT_OFFERED)"))
        let pending = try await run(
            ["numbers", "add", "--area-code", "415", "--use-case", credentials["pending_use_case_id"]!],
            environment: admin
        )
        #expect(pending.stderr.contains("USE_CASE_NOT_APPROVED"))

        var texter = environment
        texter["PHONE_NUMBERS_TOKEN"] = credentials["texter_token"]!
        let denied = try await run(
            ["numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!],
            environment: texter
        )
        #expect(denied.stderr.contains("PERMISSION_DENIED (ROLE_NOT_ALLOWED)"))

        for secret in [credentials["admin_token"]!, credentials["operator_token"]!] {
            #expect(!added.stdout.contains(secret) && !added.stderr.contains(secret) && !listed.stdout.contains(secret))
        }
    }
}
