import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// docs/PROVIDERS.md's walk-through with the real executables: `telnyx-emulator`, then
/// `serve --provider telnyx` against it, from add to READY, port-out and delete.
@Suite("serve --provider telnyx against telnyx-emulator", .serialized, .timeLimit(.minutes(3)))
struct TelnyxWalkthroughTests {
    static let emulatorURL = Repository.root.appendingPathComponent(".build/debug/telnyx-emulator")

    /// An HTTP call to the emulator: its status and body.
    static func http(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer KEY-emulator", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    @Test("add → READY, the PIN is Telnyx's external_pin, a carrier's port-out is authorized, delete releases it at Telnyx, no drift")
    func walkthrough() async throws {
        let emulator = try await EmulatorProcess()
        defer { emulator.stop() }
        let base = emulator.base
        let server = try Executable.Server(
            arguments: [
                "--demo", "--provider", "telnyx", "--telnyx-url", "\(base)/v2", "--telnyx-messaging-profile", "MP1",
                "--telnyx-campaign", "*=CAMP1", "--telnyx-poll-interval", "100ms", "--port-out-watch-interval", "200ms",
            ],
            environment: ["TELNYX_API_KEY": "KEY-emulator"]
        )
        defer { server.stop() }
        try await server.waitServing()
        let credentials =
            try JSONSerialization.jsonObject(with: Data(contentsOf: server.data.appendingPathComponent("demo-credentials.json")))
            as! [String: String]
        func run(_ arguments: [String], as role: String = "owner_token") async throws -> Executable.Output {
            var environment = server.environment
            environment["PHONE_NUMBERS_TOKEN"] = credentials[role]!
            return try await Executable.run(arguments, environment: environment, timeout: .seconds(30))
        }
        func json(_ output: Executable.Output) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)\(output.stderr)")
        }
        let useCases = try json(try await run(["use-cases", "list", "--json"]))
        let useCase = try #require(
            (useCases["useCases"] as? [[String: Any]])?.first { $0["status"] as? String == "USE_CASE_STATUS_APPROVED" }?["id"] as? String
        )
        let added = try await run(["numbers", "add", "--area-code", "415", "--use-case", useCase, "--wait"], as: "admin_token")
        #expect(added.status == 0 && added.stdout.contains("PROVISIONING → READY"), "\(added.stdout)\(added.stderr)")
        let numbers = try json(try await run(["numbers", "list", "--json"]))
        let number = try #require((numbers["numbers"] as? [[String: Any]])?.first)
        let id = try #require(number["id"] as? String)
        let e164 = try #require(number["e164"] as? String)

        let pin = try await run(["numbers", "port-out", "pin", id]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (_, held) = try await Self.http(
            "GET",
            "\(base)/v2/phone_numbers?filter%5Bphone_number%5D=\(e164.replacingOccurrences(of: "+", with: "%2B"))"
        )
        #expect(((held["data"] as? [[String: Any]])?.first?["external_pin"] as? String) == pin)

        let (_, asked) = try await Self.http(
            "POST",
            "\(base)/emulator/portouts",
            body: #"{"phone_number": "\#(e164)", "pin": "\#(pin)", "carrier": "Acme"}"#
        )
        let request = try #require(asked["id"] as? String)
        var status = ""
        for _ in 0..<100 {
            status = (try await Self.http("GET", "\(base)/emulator/portouts/\(request)")).1["status"] as? String ?? ""
            if status != "pending" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "authorized")
        let shown = try json(try await run(["numbers", "show", id, "--json"]))
        #expect(shown["status"] as? String == "NUMBER_STATUS_RELEASED")

        let second = try await run(["numbers", "add", "--area-code", "510", "--use-case", useCase, "--wait"], as: "admin_token")
        #expect(second.stdout.contains("READY"), "\(second.stdout)\(second.stderr)")
        let secondID = try #require(
            ((try json(try await run(["numbers", "list", "--json"])))["numbers"] as? [[String: Any]])?.first { $0["id"] as? String != id }?[
                "id"
            ]
                as? String
        )
        let deleted = try await run(["numbers", "delete", secondID], as: "admin_token")
        #expect(deleted.status == 0, "\(deleted.stderr)")
        var remaining = -1
        for _ in 0..<100 {
            remaining = ((try await Self.http("GET", "\(base)/v2/phone_numbers")).1["data"] as? [Any])?.count ?? -1
            if remaining == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(remaining == 0, "the deleted number was released at the provider")
        let drift = try await run(["provider", "reconcile"], as: "operator_token")
        #expect(drift.stdout.contains("no drift"), "\(drift.stdout)\(drift.stderr)")
    }
}
