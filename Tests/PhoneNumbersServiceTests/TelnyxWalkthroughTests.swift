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

    /// An HTTP call to the emulator: its status and body, bounded by `timeout` seconds.
    static func http(_ method: String, _ url: String, body: String? = nil, timeout: TimeInterval = 10) async throws -> (Int, [String: Any])
    {
        let (status, data) = try await httpBytes(method, url, body: body, timeout: timeout)
        return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// An HTTP call to the emulator: its status and raw body.
    static func httpBytes(_ method: String, _ url: String, body: String? = nil, timeout: TimeInterval = 10) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        request.setValue("Bearer KEY-emulator", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// The JSON object a step printed or answered.
    static func object(_ data: Data, _ context: @autoclosure () -> String = "") throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(context())")
    }

    /// Polls `url` (each step named, bounded) until `done` holds for its JSON, up to 10 s.
    static func poll(_ name: String, _ url: String, until done: @escaping @Sendable ([String: Any]) -> Bool) async throws -> Data {
        try await step(name, within: .seconds(30)) {
            var last = Data()
            for _ in 0..<100 {
                last = try await httpBytes("GET", url).1
                if done((try? object(last)) ?? [:]) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return last
        }
    }

    @Test("add → READY, the PIN is Telnyx's external_pin, a carrier's port-out is authorized, delete releases it at Telnyx, no drift")
    func walkthrough() async throws {
        let emulator = try await step("start telnyx-emulator") { try await EmulatorProcess() }
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
        try await step("serve --provider telnyx answers") { try await server.waitServing() }
        let credentials =
            try JSONSerialization.jsonObject(with: Data(contentsOf: server.data.appendingPathComponent("demo-credentials.json")))
            as! [String: String]
        /// One CLI command as a named step; the server's log is in the failure when it fails.
        @Sendable func run(_ arguments: [String], as role: String = "owner_token") async throws -> Executable.Output {
            let environment = server.environment.merging(["PHONE_NUMBERS_TOKEN": credentials[role]!]) { $1 }
            return try await step("phone-numbers \(arguments.joined(separator: " "))") {
                try await Executable.run(arguments, environment: environment, timeout: .seconds(30))
            }
        }
        func json(_ output: Executable.Output) throws -> [String: Any] {
            try Self.object(Data(output.stdout.utf8), "\(output.stdout)\(output.stderr)\nserver log: \(server.log.suffix(2000))")
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
        let held = try Self.object(
            try await step("the emulator lists the number") {
                try await Self.httpBytes(
                    "GET",
                    "\(base)/v2/phone_numbers?filter%5Bphone_number%5D=\(e164.replacingOccurrences(of: "+", with: "%2B"))"
                ).1
            }
        )
        #expect(((held["data"] as? [[String: Any]])?.first?["external_pin"] as? String) == pin)

        let asked = try Self.object(
            try await step("a carrier asks the emulator for a port-out") {
                try await Self.httpBytes(
                    "POST",
                    "\(base)/emulator/portouts",
                    body: #"{"phone_number": "\#(e164)", "pin": "\#(pin)", "carrier": "Acme"}"#
                ).1
            }
        )
        let request = try #require(asked["id"] as? String)
        let decided = try Self.object(
            try await Self.poll("the port-out is decided", "\(base)/emulator/portouts/\(request)") { $0["status"] as? String != "pending" }
        )
        #expect(decided["status"] as? String == "authorized", "\(decided)\nserver log: \(server.log.suffix(2000))")
        let shown = try json(try await run(["numbers", "show", id, "--json"]))
        #expect(shown["status"] as? String == "NUMBER_STATUS_RELEASED")

        let second = try await run(["numbers", "add", "--area-code", "510", "--use-case", useCase, "--wait"], as: "admin_token")
        #expect(second.stdout.contains("READY"), "\(second.stdout)\(second.stderr)")
        let listed = try json(try await run(["numbers", "list", "--json"]))
        let secondID = try #require((listed["numbers"] as? [[String: Any]])?.first { $0["id"] as? String != id }?["id"] as? String)
        let deleted = try await run(["numbers", "delete", secondID], as: "admin_token")
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let remaining = try Self.object(
            try await Self.poll("the deleted number is released at the emulator", "\(base)/v2/phone_numbers") {
                ($0["data"] as? [Any])?.isEmpty == true
            }
        )
        #expect((remaining["data"] as? [Any])?.isEmpty == true, "the deleted number was released at the provider: \(remaining)")
        let drift = try await run(["provider", "reconcile"], as: "operator_token")
        #expect(drift.stdout.contains("no drift"), "\(drift.stdout)\(drift.stderr)")
    }
}
