import AsyncHTTPClient
import Foundation
import NIOCore
import Storage
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The command line's fixes from use, through the real executable.
@Suite("the phone-numbers command line", .serialized, .timeLimit(.minutes(3)))
struct CommandLineTests {
    private func demo() async throws -> (Executable.Server, [String: String], [String: String]) {
        try #require(FileManager.default.isExecutableFile(atPath: Executable.url.path), "build the executable first (swift build)")
        let server = try Executable.Server(arguments: ["--demo", "--provisioning-delay", "100ms"])
        try await server.waitServing()
        let credentials =
            try server.demoCredentials()
        var admin = server.environment
        admin["PHONE_NUMBERS_TOKEN"] = credentials["admin_token"]!
        return (server, admin, credentials)
    }

    @Test("the README's token walk-through: issue with an expiry, list, revoke, and the next call is refused")
    func tokenWalkthrough() async throws {
        let (server, _, credentials) = try await demo()
        defer { server.stop() }
        func run(_ arguments: [String], as token: String) async throws -> Executable.Output {
            var environment = server.environment
            environment["PHONE_NUMBERS_TOKEN"] = token
            return try await Executable.run(arguments, environment: environment, timeout: .seconds(20))
        }
        let owner = credentials["owner_token"]!
        let members = try await run(["members", "list", "--json"], as: owner)
        let memberList = try JSONSerialization.jsonObject(with: Data(members.stdout.utf8)) as? [String: Any]
        let texter = try #require(
            (memberList?["members"] as? [[String: Any]])?.first { $0["role"] as? String == "ROLE_TEXTER" }?["id"] as? String
        )
        let issued = try await run(
            ["tokens", "issue", "--account", credentials["account_id"]!, "--member", texter, "--expires-in", "90d"],
            as: credentials["operator_token"]!
        )
        #expect(issued.status == 0, "\(issued.stderr)")
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("pn_"))
        let whoami = try await run(["whoami", "--json"], as: token)
        let me = try JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any]
        let id = try #require(me?["tokenId"] as? String)
        let listed = try await run(["tokens", "list"], as: owner)
        let row = listed.stdout.split(separator: "\n").first { $0.hasPrefix(id) }.map(String.init) ?? ""
        #expect(row.contains("valid") && !row.contains("never"), "listed with its expiry: \(listed.stdout)")
        #expect(!listed.stdout.contains(token), "never the secret")
        let revoked = try await run(["tokens", "revoke", id], as: owner)
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked"), "\(revoked.stdout)\(revoked.stderr)")
        let refused = try await run(["numbers", "list"], as: token)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("UNAUTHENTICATED (TOKEN_REVOKED)"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(token))

        // An expiry of nothing is not "never": 0s, and what rounds to 0 ms, are refused before anything is issued.
        for expiry in ["0s", "0ms", "0.4ms"] {
            let zero = try await run(
                ["tokens", "issue", "--account", credentials["account_id"]!, "--member", texter, "--expires-in", expiry],
                as: credentials["operator_token"]!
            )
            #expect(zero.status == 1, "\(expiry): \(zero.stdout)")
            #expect(zero.stderr.contains("INVALID_ARGUMENT (INVALID_EXPIRY)"), "\(expiry): \(zero.stderr)")
        }
        let after = try await run(["tokens", "list"], as: owner)
        #expect(
            after.stdout.split(separator: "\n").count == listed.stdout.split(separator: "\n").count,
            "nothing was issued: \(after.stdout)"
        )
    }

    @Test("serve --http-port serves /metrics, /healthz and /readyz; --log-format json writes one parseable object per line, no secrets")
    func operationsSide() async throws {
        let httpPort = try Executable.freePort()
        let server = try Executable.Server(
            arguments: ["--demo", "--provisioning-delay", "100ms", "--http-port", "\(httpPort)", "--log-format", "json"],
            logLevel: "info"
        )
        defer { server.stop() }
        try await server.waitServing()
        let credentials =
            try server.demoCredentials()
        var admin = server.environment
        admin["PHONE_NUMBERS_TOKEN"] = credentials["admin_token"]!
        let listed = try await Executable.run(["numbers", "list"], environment: admin)
        #expect(listed.status == 0, "\(listed.stderr)")
        func get(_ path: String) async throws -> (Int, String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        #expect(try await get("/healthz") == (200, "ok\n"))
        #expect(try await get("/readyz") == (200, "ready\n"))
        let (status, metrics) = try await get("/metrics")
        #expect(status == 200)
        #expect(
            metrics.contains(#"pnrpc_server_calls_finished_total{service="phonenumbers.v1.Numbers",method="ListNumbers",code="OK"} 1"#),
            "\(metrics.prefix(2000))"
        )
        server.stop()
        let log = server.log
        let lines = log.split(separator: "\n")
        #expect(lines.count >= 3, "\(log)")
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
        }
        #expect(log.contains(#""message":"operations HTTP listening""#))
        for secret in credentials.values where secret.hasPrefix("pn_") { #expect(!log.contains(secret), "a token was logged") }
    }

    @Test("/readyz turns 503 `draining` as soon as SIGTERM starts the drain, while /healthz still answers")
    func readinessDuringDrain() async throws {
        let httpPort = try Executable.freePort()
        let server = try Executable.Server(arguments: ["--demo", "--http-port", "\(httpPort)", "--drain-grace", "20s"])
        defer { server.stop() }
        try await server.waitServing()
        let credentials =
            try server.demoCredentials()
        func get(_ path: String) async throws -> (Int, String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        #expect(try await get("/readyz") == (200, "ready\n"))
        // A unary call in flight holds the drain open: a rename waiting for the database,
        // which another process holds in a write transaction for 3 s.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(3); c.execute('COMMIT')",
            server.data.appendingPathComponent("phone-numbers.sqlite").path,
        ]
        let held = Pipe()
        holder.standardOutput = held
        try Executable.launch(holder)
        defer { if holder.isRunning { holder.terminate() } }
        let holding = try await Executable.offPool { String(decoding: held.fileHandleForReading.availableData, as: UTF8.self) }
        #expect(holding.contains("held"), "\(holding)")
        let writer = Process()
        writer.executableURL = Executable.url
        writer.arguments = [
            "use-cases", "submit", "--type", "CHARITY", "--description", "d", "--sample", "s", "--sample", "t", "--opt-in",
            "Opt-in on our web form.",
        ]
        writer.environment = ProcessInfo.processInfo.environment.merging(server.environment) { $1 }
            .merging(["PHONE_NUMBERS_TOKEN": credentials["admin_token"]!]) { $1 }
        writer.standardOutput = Pipe()
        writer.standardError = Pipe()
        try Executable.launch(writer)
        defer { if writer.isRunning { writer.terminate() } }
        // Until the call is in flight at the server (bounded: 10 s).
        var inFlight = false
        for _ in 0..<500 where !inFlight {
            inFlight = try await get("/metrics").1.contains(#"pnrpc_server_calls_in_flight 1"#)
            if !inFlight { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(inFlight, "the write never reached the server")
        kill(server.process.processIdentifier, SIGTERM)
        var ready = try await get("/readyz")
        for _ in 0..<100 where ready.0 == 200 {
            try await Task.sleep(for: .milliseconds(20))
            ready = try await get("/readyz")
        }
        #expect(ready == (503, "not ready: draining\n"))
        #expect(try await get("/healthz") == (200, "ok\n"))
    }

    @Test(
        "SIGTERM with the page's HTTP WatchEvents stream and a PNRPC watch open: both end UNAVAILABLE (DRAINING), the server exits, its data directory is free"
    )
    func drainEndsStreams() async throws {
        let httpPort = try Executable.freePort()
        // A grace period longer than the test's patience: a stream that held the drain would show.
        let server = try Executable.Server(arguments: ["--demo", "--http-port", "\(httpPort)", "--drain-grace", "120s"])
        defer { server.stop() }
        try await server.waitServing()
        let credentials =
            try server.demoCredentials()
        let token = credentials["admin_token"]!

        let watcher = Process()
        watcher.executableURL = Executable.url
        watcher.arguments = ["events", "watch", "--from-start"]
        watcher.environment = ProcessInfo.processInfo.environment.merging(server.environment) { $1 }
            .merging(["PHONE_NUMBERS_TOKEN": token]) { $1 }
        let output = Pipe()
        let errors = Pipe()
        watcher.standardOutput = output
        watcher.standardError = errors
        try Executable.launch(watcher)
        defer { if watcher.isRunning { watcher.terminate() } }
        let started = try await Executable.offPool { String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
        #expect(!started.isEmpty)

        // The page's stream: WatchEvents over HTTP in Connect's streaming JSON form.
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)/phonenumbers.v1.Events/WatchEvents")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/connect+json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let body: [UInt8] = Array("{}".utf8)
        request.body = .bytes(ByteBuffer(bytes: [0, 0, 0, 0, UInt8(body.count)] + body))
        let response = try await ConnectCaller.http.execute(request, timeout: .seconds(60))
        #expect(response.status == .ok)

        kill(server.process.processIdentifier, SIGTERM)
        let streamed = try await response.body.collect(upTo: 1 << 20)
        let text = String(buffer: streamed)
        #expect(text.contains("\"unavailable\"") && text.contains("DRAINING"), "\(text)")

        let watched = try await Executable.offPool { () -> (Int32, String) in
            watcher.waitUntilExit()
            return (watcher.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        #expect(watched.0 == 1 && watched.1.contains("UNAVAILABLE (DRAINING)"), "\(watched)")

        // The server exits (long before its grace period), and a new one takes the same data directory.
        let exited = try await Executable.offPool { () -> Bool in
            for _ in 0..<600 where server.process.isRunning { usleep(50_000) }
            return !server.process.isRunning
        }
        #expect(exited, "the server was still running 30 s after SIGTERM: \(server.log.suffix(2000))")
        let again = try Executable.Server(arguments: ["--demo"], data: server.data)
        defer { again.stop() }
        try await again.waitServing()
    }

    @Test("serve --demo's hint names the server it started and its page, not the default port")
    func demoHintNamesTheServer() async throws {
        let httpPort = try Executable.freePort()
        let server = try Executable.Server(arguments: ["--demo", "--http-port", "\(httpPort)"])
        defer { server.stop() }
        try await server.waitServing()
        var output = server.output
        for _ in 0..<250 where !output.contains("phone-numbers numbers add") {
            try await Task.sleep(for: .milliseconds(20))
            output = server.output
        }
        #expect(output.contains("export PHONE_NUMBERS_SERVER=127.0.0.1:\(server.port)"), "\(output)")
        #expect(output.contains("http://127.0.0.1:\(httpPort)/"), "\(output)")
    }

    @Test("numbers list --csv exports every number as RFC 4180 CSV; a name cannot become a spreadsheet formula")
    func csvExport() async throws {
        let (server, admin, credentials) = try await demo()
        defer { server.stop() }
        let useCase = credentials["approved_use_case_id"]!
        for (code, name) in [("415", "Ballot, \"chase\""), ("510", "=HYPERLINK(\"x\")")] {
            let added = try await Executable.run(
                ["numbers", "add", "--area-code", code, "--use-case", useCase, "--name", name],
                environment: admin
            )
            #expect(added.status == 0, "\(added.stderr)")
        }
        let csv = try await Executable.run(["numbers", "list", "--csv"], environment: admin)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first?.hasPrefix("id,e164,areaCode,state,name,useCaseId,status") == true, "\(csv.stdout)")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains(#""Ballot, ""chase""""#) }, "\(csv.stdout)")
        #expect(lines.contains { $0.contains(#""'=HYPERLINK(""x"")""#) }, "\(csv.stdout)")
        let both = try await Executable.run(["numbers", "list", "--csv", "--json"], environment: admin)
        #expect(both.status == 64)

        // A number's history: its own audit entries and those of the campaigns created on it, oldest first.
        let id = try #require(lines[1].split(separator: ",").first.map(String.init))
        _ = try await Executable.run(["numbers", "rename", id, "--name", "Renamed"], environment: admin)
        _ = try await Executable.run(["campaigns", "create", "--name", "GOTV", "--number", id], environment: admin)
        let history = try await Executable.run(["numbers", "history", id], environment: admin)
        #expect(history.status == 0, "\(history.stderr)")
        let actions = history.stdout.split(separator: "\n").dropFirst().compactMap {
            $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
        }
        #expect(Array(actions.prefix(1)) == ["NUMBER_ADDED"], "\(history.stdout)")
        #expect(actions.contains("NUMBER_RENAMED") && actions.contains("CAMPAIGN_CREATED"), "\(history.stdout)")
        let json = try await Executable.run(["numbers", "history", id, "--json"], environment: admin)
        let events = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["events"] as? [[String: Any]]
        #expect((events?.count ?? 0) >= 3, "\(json.stdout)")
    }

    @Test("a second server on the same data directory is refused, naming the first")
    func dataDirectoryLock() async throws {
        let (server, _, _) = try await demo()
        defer { server.stop() }
        let second = try await Executable.run(
            ["serve", "--data", server.data.path, "--port", "0"],
            environment: [:],
            timeout: .seconds(20)
        )
        #expect(second.status == 64)
        #expect(second.stderr.contains("in use by another server (process \(server.process.processIdentifier))"), "\(second.stderr)")
        #expect(!second.stderr.contains("Usage"), "one line, no usage text: \(second.stderr)")
    }

    @Test("replicas on --database with the simulated provider and no shared --provider-file are refused in one line")
    func replicasNeedOneProvider() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pn-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let refused = try await Executable.run(
            ["serve", "--data", data.path, "--port", "0", "--database", "postgres://user:password@127.0.0.1:1/db"],
            environment: [:],
            timeout: .seconds(20)
        )
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("replicas on --database need one provider"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("Usage"), "\(refused.stderr)")
        let link = try await Executable.run(
            ["serve", "--data", data.path, "--port", "0", "--http-port", "0", "--support-url", "javascript:alert(1)"],
            environment: [:],
            timeout: .seconds(20)
        )
        #expect(link.status == 64 && link.stderr.contains("is not an https:, http: or mailto: link"), "\(link)")
    }

    @Test("a port another program holds is refused in one line naming the listener and the address, for PNRPC and for HTTP")
    func busyPort() async throws {
        let (server, _, _) = try await demo()
        defer { server.stop() }
        func serve(_ ports: [String]) async throws -> Executable.Output {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("pn-busy-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: data) }
            return try await Executable.run(["serve", "--data", data.path] + ports, environment: [:], timeout: .seconds(20))
        }
        let rpc = try await serve(["--port", "\(server.port)"])
        #expect(rpc.status == 1)
        #expect(
            rpc.stderr.hasSuffix("\nError: cannot listen on 127.0.0.1:\(server.port) for PNRPC: address already in use\n"),
            "\(rpc.stderr)"
        )
        let http = try await serve(["--port", "0", "--http-port", "\(server.port)"])
        #expect(http.status == 1)
        #expect(
            http.stderr.hasSuffix(
                "\nError: cannot listen on 127.0.0.1:\(server.port) for the operations HTTP side: address already in use\n"
            ),
            "\(http.stderr)"
        )
    }

    @Test("a retried add --wait returns at once; --wait --json ends with the final object; --timeout bounds a wait")
    func waitingIsBounded() async throws {
        let (server, admin, credentials) = try await demo()
        defer { server.stop() }
        let add = [
            "numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!, "--request-id", "k1", "--wait",
        ]
        let first = try await Executable.run(add, environment: admin)
        #expect(first.status == 0, "\(first.stderr)")
        let retried = try await Executable.run(add + ["--json"], environment: admin, timeout: .seconds(15))
        #expect(retried.status == 0, "\(retried.stderr)")
        // One JSON object per line: the number as added, each change, the number as it ended.
        let lines = retried.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && lines.allSatisfy { $0 != nil }, "NDJSON: \(retried.stdout)")
        #expect(lines.last??["status"] as? String == "NUMBER_STATUS_READY", "\(retried.stdout)")

        let slow = try Executable.Server(arguments: ["--demo", "--provisioning-delay", "60s"])
        defer { slow.stop() }
        try await slow.waitServing()
        let slowCredentials =
            try slow.demoCredentials()
        var slowAdmin = slow.environment
        slowAdmin["PHONE_NUMBERS_TOKEN"] = slowCredentials["admin_token"]!
        let bounded = try await Executable.run(
            ["numbers", "add", "--area-code", "415", "--use-case", slowCredentials["approved_use_case_id"]!, "--wait", "--timeout", "1"],
            environment: slowAdmin,
            timeout: .seconds(20)
        )
        #expect(bounded.status == 3, "added, still provisioning: \(bounded)")
        #expect(
            bounded.stderr.contains("DEADLINE_EXCEEDED") && bounded.stderr.contains("was added and is still provisioning"),
            "\(bounded.stderr)"
        )
        let printed = try #require(
            bounded.stdout.firstRange(of: #/request id (cli-[0-9a-f-]+)/#).map {
                String(bounded.stdout[$0].dropFirst("request id ".count))
            },
            "the request id is printed: \(bounded.stdout)"
        )
        let boundedJSON = try await Executable.run(
            [
                "numbers", "add", "--area-code", "415", "--use-case", slowCredentials["approved_use_case_id"]!, "--request-id", printed,
                "--wait",
                "--timeout", "1", "--json",
            ],
            environment: slowAdmin,
            timeout: .seconds(20)
        )
        #expect(boundedJSON.status == 3)
        let errorLine = boundedJSON.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let timeoutError = (try? JSONSerialization.jsonObject(with: Data(errorLine.utf8)) as? [String: Any])?["error"] as? [String: Any]
        let numberID = (timeoutError?["metadata"] as? [String: String])?["number_id"]
        #expect(numberID?.hasPrefix("num_") == true, "the error names the number: \(boundedJSON.stdout)")
        // Run again with the printed request id: the same number, not a second one.
        let listed = try await Executable.run(["numbers", "list", "--json"], environment: slowAdmin)
        let numbers = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["numbers"] as? [[String: Any]]
        #expect(numbers?.count == 1, "\(listed.stdout)")

        // The server goes away mid-wait: exit 2, at once.
        let waiting = Process()
        waiting.executableURL = Executable.url
        waiting.arguments = [
            "numbers", "add", "--area-code", "510", "--use-case", slowCredentials["approved_use_case_id"]!, "--wait", "--timeout", "60",
        ]
        waiting.environment = ProcessInfo.processInfo.environment.merging(slowAdmin) { $1 }
        let out = Pipe()
        waiting.standardOutput = out
        waiting.standardError = Pipe()
        try Executable.launch(waiting)
        let reader = out.fileHandleForReading
        let started = try await Executable.offPool { String(decoding: reader.availableData, as: UTF8.self) }
        #expect(started.contains("provisioning started"), "\(started)")
        kill(slow.process.processIdentifier, SIGKILL)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            waiting.terminate()
        }
        let status = try await Executable.offPool { () -> Int32 in
            waiting.waitUntilExit()
            return waiting.terminationStatus
        }
        watchdog.cancel()
        #expect(status == 2)
    }

    @Test("campaigns create refuses --number with single-use flags; show prints a table with ISO 8601 times and no unset fields")
    func createAndShow() async throws {
        let (server, admin, credentials) = try await demo()
        defer { server.stop() }
        let both = try await Executable.run(
            ["campaigns", "create", "--name", "X", "--number", "num_1", "--use-case", credentials["approved_use_case_id"]!],
            environment: admin
        )
        #expect(both.status == 64)
        #expect(both.stderr.contains("Give one or the other"), "\(both.stderr)")
        let added = try await Executable.run(
            ["numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!, "--json"],
            environment: admin
        )
        let id = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? String)
        let shown = try await Executable.run(["numbers", "show", id], environment: admin)
        #expect(shown.status == 0)
        let createdLine = try #require(shown.stdout.split(separator: "\n").first { $0.hasPrefix("created") })
        #expect(
            createdLine.range(of: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"#, options: .regularExpression) != nil,
            "\(shown.stdout)"
        )
        #expect(!shown.stdout.contains("releasedAt") && !shown.stdout.contains("released "), "unset times are left out: \(shown.stdout)")
        #expect(!shown.stdout.contains("NUMBER_STATUS_"), "status names are short in tables: \(shown.stdout)")
    }

    @Test("events watch delivers each line into a pipe as it happens")
    func streamingIsLineBuffered() async throws {
        let (server, admin, _) = try await demo()
        defer { server.stop() }
        let process = Process()
        process.executableURL = Executable.url
        process.arguments = ["events", "watch"]
        process.environment = ProcessInfo.processInfo.environment.merging(admin) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try Executable.launch(process)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(15))
            process.terminate()
        }
        let reader = out.fileHandleForReading
        let line = try await Executable.offPool { () -> String in
            var bytes: [UInt8] = []
            while true {
                let chunk = reader.readData(ofLength: 1)
                guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        timeout.cancel()
        #expect(line.hasPrefix("watching from sequence"), "got '\(line)' before the process ended")
    }

    @Test(
        "a malformed PHONE_NUMBERS_SERVER is refused like a malformed --server; errors in --json are JSON; unreachable is one line, exit 2"
    )
    func serverAddressAndErrors() async throws {
        let bad = try await Executable.run(
            ["numbers", "list"],
            environment: ["PHONE_NUMBERS_SERVER": "nonsense", "PHONE_NUMBERS_TOKEN": "pn_x"]
        )
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.contains("PHONE_NUMBERS_SERVER='nonsense' is not HOST:PORT"))
        let flag = try await Executable.run(["numbers", "list", "--server", "nonsense"], environment: [:])
        #expect(flag.status == 64)

        let unreachable = try await Executable.run(
            ["numbers", "list"],
            environment: ["PHONE_NUMBERS_SERVER": "127.0.0.1:1", "PHONE_NUMBERS_TOKEN": "pn_x"]
        )
        #expect(unreachable.status == 2)
        #expect(
            unreachable.stderr.contains("cannot reach the server at 127.0.0.1:1 (could not connect to 127.0.0.1:1: connection refused)"),
            "\(unreachable.stderr)"
        )
        #expect(unreachable.stderr.split(separator: "\n").count == 1)

        let (server, admin, _) = try await demo()
        defer { server.stop() }
        let missing = try await Executable.run(["numbers", "show", "num_missing", "--json"], environment: admin)
        #expect(missing.status == 1)
        let error = (try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "NOT_FOUND" && error?["reason"] as? String == "NUMBER_NOT_FOUND", "\(missing.stdout)")
        let badEnum = try await Executable.run(["campaigns", "list", "--state", "sideways"], environment: admin)
        #expect(badEnum.status == 64)
        #expect(badEnum.stderr.contains("campaigns list"), "\(badEnum.stderr)")
        // A negative value is a value, refused by the server for what it is, not "Missing value".
        let since = try await Executable.run(["events", "watch", "--since", "-1"], environment: admin)
        #expect(since.status == 1 && since.stderr.contains("INVALID_ARGUMENT (INVALID_SINCE)"), "\(since)")
        let areaCode = try await Executable.run(["numbers", "add", "--area-code", "-1", "--use-case", "uc_x"], environment: admin)
        #expect(areaCode.status == 1 && areaCode.stderr.contains("INVALID_ARGUMENT (INVALID_AREA_CODE)"), "\(areaCode)")
        let help = try await Executable.run(["numbers", "add", "--help"], environment: [:])
        let own = try #require(help.stdout.range(of: "--area-code"))
        let connection = try #require(help.stdout.range(of: "--server"))
        #expect(own.lowerBound < connection.lowerBound)
    }

    @Test("text from the server never drives the terminal: control characters print escaped; wide characters keep columns aligned")
    func terminalSafeOutput() async throws {
        let (server, admin, credentials) = try await demo()
        defer { server.stop() }
        let added = try await Executable.run(
            [
                "numbers", "add", "--area-code", "415", "--use-case", credentials["approved_use_case_id"]!, "--name", "🎉 Rally", "--wait",
                "--json",
            ],
            environment: admin
        )
        // One compact object per line: the number as added, each change, then the number as it ended.
        let final = added.stdout.split(separator: "\n").last.map(String.init) ?? added.stdout
        let number = try #require(try JSONSerialization.jsonObject(with: Data(final.utf8)) as? [String: Any], "\(added.stdout)")
        let created = try await Executable.run(
            ["campaigns", "create", "--name", "GOTV", "--number", number["id"] as! String],
            environment: admin
        )
        #expect(created.status == 0, "\(created.stderr)")
        // A name stored before names were checked, as an older version could have.
        let pool = try DatabasePool(path: server.data.appendingPathComponent("phone-numbers.sqlite").path)
        try await pool.write { try $0.execute("UPDATE campaigns SET name = 'ctl' || char(27) || '[2Jx'") }
        let listed = try await Executable.run(["campaigns", "list"], environment: admin)
        #expect(!listed.stdout.contains("\u{1B}"))
        #expect(listed.stdout.contains("ctl\\u{1b}[2Jx"), "\(listed.stdout)")
        let numbers = try await Executable.run(["numbers", "list"], environment: admin)
        let lines = numbers.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        let row = try #require(lines.first { $0.contains("Rally") })
        // The USE CASE column starts at the same terminal column in the header and the row.
        func column(_ line: String, of text: String) -> Int? {
            guard let range = line.range(of: text) else { return nil }
            return line[..<range.lowerBound].reduce(0) { $0 + ($1.unicodeScalars.first!.properties.isEmojiPresentation ? 2 : 1) }
        }
        #expect(column(header, of: "USE CASE") == column(row, of: credentials["approved_use_case_id"]!), "\(numbers.stdout)")
    }
}
