import AsyncHTTPClient
import ConnectGateway
import Foundation
import NIOCore
import NIOHTTP1
import PhoneNumbersClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Connect gateway over real HTTP: the forms of its answers, its limits, and hostile
/// clients that must leave PNRPC, the gateway and the page serving. (The service suites
/// run through it too: `PHONE_NUMBERS_TEST_TRANSPORT=connect`.)
@Suite("Connect gateway over HTTP", .timeLimit(.minutes(2)))
struct ConnectGatewayTests {
    /// One HTTP answer, read whole.
    struct Answer {
        let status: Int
        let contentType: String
        let body: [UInt8]
        var json: JSONValue? { JSONText.parse(body) }
        var error: RPCError { ConnectError.error(from: json, httpStatus: status) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A POST to the listener at `port`.
    func post(
        _ port: Int,
        _ path: String,
        _ body: [UInt8],
        contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await ConnectCaller.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type") ?? "",
            body: Array(buffer: bytes)
        )
    }

    func post(_ port: Int, _ path: String, json: String, token: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        try await post(port, path, Array(json.utf8), headers: (token.map { [("Authorization", "Bearer \($0)")] } ?? []) + headers)
    }

    func get(_ port: Int, _ path: String) async throws -> Answer {
        let response = try await ConnectCaller.http.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
            timeout: .seconds(30)
        )
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type") ?? "",
            body: Array(buffer: bytes)
        )
    }

    /// Runs a listener with its own gateway `limits` over `harness`'s service for `body`.
    func withGateway(_ harness: ServiceHarness, _ limits: ConnectGateway.Limits, _ body: (Int) async throws -> Void) async throws {
        let listener = try await TestListener.start(router: harness.router, limits: limits, logger: .init(label: "test.gateway"))
        defer { listener.task.cancel() }
        try await body(listener.port)
    }

    @Test("X-Forwarded-For counts clients apart only from a trusted proxy: a guesser behind it locks out itself, not its neighbours")
    func trustedProxies() async throws {
        try await ServiceHarness.with { harness in
            func guess(_ port: Int, from client: String) async throws -> String {
                let answer = try await post(
                    port,
                    "/phonenumbers.v1.AreaCodes/ListAreaCodes",
                    json: "{}",
                    token: "pn_guess",
                    headers: [("X-Forwarded-For", "198.51.100.7, \(client)")]
                )
                return answer.error.reason ?? answer.text
            }
            // Trusted: each forwarded client has its own count.
            let trusted = try await TestListener.start(
                router: harness.router,
                proxies: TrustedProxies(["127.0.0.1"]),
                logger: .init(label: "test.gateway")
            )
            defer { trusted.task.cancel() }
            for _ in 0..<20 { #expect(try await guess(trusted.port, from: "203.0.113.9") == "INVALID_CREDENTIALS") }
            #expect(try await guess(trusted.port, from: "203.0.113.9") == "TOO_MANY_FAILED_AUTHENTICATIONS")
            #expect(try await guess(trusted.port, from: "203.0.113.10") == "INVALID_CREDENTIALS", "a neighbour behind the proxy")
            // Not trusted (the default): the header is ignored, and every request counts as the proxy's address.
            let untrusted = try await TestListener.start(router: harness.router, logger: .init(label: "test.gateway"))
            defer { untrusted.task.cancel() }
            for index in 0..<20 {
                #expect(try await guess(untrusted.port, from: "203.0.113.\(20 + index)") == "INVALID_CREDENTIALS")
            }
            #expect(try await guess(untrusted.port, from: "203.0.113.99") == "TOO_MANY_FAILED_AUTHENTICATIONS")
        }
    }

    @Test("a unary call answers proto3 JSON; its errors are Connect errors with the stable reason and Connect's HTTP status")
    func unaryFormsAndErrors() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let useCase = tenant.approvedUseCase
            let token = try #require(tenant.tokens[.admin])
            let port = harness.httpPort
            let added = try await post(
                port,
                "/phonenumbers.v1.Numbers/AddNumber",
                json: #"{"areaCode": "415", "name": "Ballot chase", "use_case_id": "\#(useCase)"}"#,
                token: token
            )
            #expect(added.status == 200)
            #expect(added.contentType == "application/json")
            let number = try DedicatedNumber(json: try #require(added.json))
            #expect(number.areaCode == "415" && number.name == "Ballot chase" && number.status == .provisioning)
            #expect(added.text.contains(#""status":"NUMBER_STATUS_PROVISIONING""#))
            #expect(added.text.contains(#""createdAtMs":""#), "64-bit integers are strings in proto3 JSON")

            // The domain's errors, as Connect carries them.
            let empty = try await post(
                port,
                "/phonenumbers.v1.Numbers/AddNumber",
                json: #"{"areaCode": "212", "useCaseId": "\#(useCase)"}"#,
                token: token
            )
            #expect(empty.status == 429)
            #expect(empty.error.code == .resourceExhausted)
            #expect(empty.error.reason == "NO_NUMBERS_AVAILABLE")
            #expect(empty.error.details?.metadata["area_code"] == "212")
            #expect(empty.text.contains(#""code":"resource_exhausted""#) && empty.text.contains(#""type":"google.rpc.ErrorInfo""#))
            let anonymous = try await post(port, "/phonenumbers.v1.Numbers/ListNumbers", json: "{}")
            #expect(anonymous.status == 401 && anonymous.error.reason == "INVALID_CREDENTIALS")
            let texter = try await post(
                port,
                "/phonenumbers.v1.Numbers/DeleteNumber",
                json: #"{"numberId": "\#(number.id)"}"#,
                token: tenant.tokens[.texter]
            )
            #expect(texter.status == 403 && texter.error.code == .permissionDenied)
            let missing = try await post(port, "/phonenumbers.v1.Numbers/GetNumber", json: #"{"numberId": "num_nope"}"#, token: token)
            #expect(missing.status == 404 && missing.error.code == .notFound)

            // What the gateway itself refuses: each typed, nothing created.
            let cases: [(String, [(String, String)], Int, String)] = [
                ("{not json", [], 400, "MALFORMED_JSON"),
                (#"{"areaCod": "415"}"#, [], 400, "INVALID_JSON_FIELD"),
                (#"{"areaCode": 415}"#, [], 400, "INVALID_JSON_FIELD"),
                (#"{"areaCode": "415", "name": ["x"]}"#, [], 400, "INVALID_JSON_FIELD"),
                ("[]", [], 400, "INVALID_JSON_FIELD"),
                (#"{"areaCode": "415"}"#, [("Connect-Timeout-Ms", "soon")], 400, "INVALID_TIMEOUT"),
                (#"{"areaCode": "415"}"#, [("Connect-Protocol-Version", "2")], 400, "UNSUPPORTED_VERSION"),
            ]
            for (body, headers, status, reason) in cases {
                let answer = try await post(port, "/phonenumbers.v1.Numbers/AddNumber", json: body, token: token, headers: headers)
                #expect(answer.status == status, "\(body)")
                #expect(answer.error.reason == reason, "\(body): \(answer.text)")
                #expect(answer.error.code == .invalidArgument)
            }
            let gzip = try await post(
                port,
                "/phonenumbers.v1.Numbers/AddNumber",
                json: "{}",
                token: token,
                headers: [("Content-Encoding", "gzip")]
            )
            #expect(gzip.status == 501 && gzip.error.code == .unimplemented && gzip.error.reason == "UNSUPPORTED_COMPRESSION")
            let field = try await post(port, "/phonenumbers.v1.Numbers/AddNumber", json: #"{"areaCode": "415", "name": 7}"#, token: token)
            #expect(field.error.details?.metadata["field"] == "name")
            let wrongType = try await post(
                port,
                "/phonenumbers.v1.Numbers/ListNumbers",
                Array("{}".utf8),
                contentType: "text/plain",
                headers: [("Authorization", "Bearer \(token)")]
            )
            #expect(wrongType.status == 415 && wrongType.error.reason == "UNSUPPORTED_CONTENT_TYPE")
            let unknown = try await post(port, "/phonenumbers.v1.Numbers/Teleport", json: "{}", token: token)
            #expect(unknown.status == 404 && unknown.error.code == .unimplemented && unknown.error.reason == "UNKNOWN_METHOD")
            let numbers = try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers
            #expect(numbers.map(\.id) == [number.id])

            // application/proto: the protobuf encoding, same handlers.
            let proto = try await post(
                port,
                "/phonenumbers.v1.Numbers/ListNumbers",
                ListNumbersRequest().serializedBytes(),
                contentType: "application/proto",
                headers: [("Authorization", "Bearer \(token)")]
            )
            #expect(proto.status == 200 && proto.contentType == "application/proto")
            #expect(try ListNumbersResponse(serializedBytes: proto.body).numbers.map(\.id) == [number.id])
        }
    }

    @Test("a server stream delivers each change in Connect envelopes and ends cleanly; a deadline ends it with deadline_exceeded")
    func streams() async throws {
        try await ServiceHarness.with(.init(provisioningDelay: .milliseconds(300))) { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.addNumber("415")
            let port = harness.httpPort
            // WatchNumber: PROVISIONING … READY, then the end of the stream without an error.
            var request = WatchNumberRequest()
            request.numberId = number.id
            let body = ConnectEnvelope(payload: Array(request.jsonValue.rendered().utf8)).framed
            let answer = try await post(
                port,
                "/phonenumbers.v1.Numbers/WatchNumber",
                Array(buffer: body),
                contentType: "application/connect+json",
                headers: [("Authorization", "Bearer \(tenant.tokens[.admin]!)")]
            )
            #expect(answer.status == 200 && answer.contentType == "application/connect+json")
            var buffer = ByteBuffer(bytes: answer.body)
            var envelopes: [ConnectEnvelope] = []
            while let envelope = ConnectEnvelope.read(from: &buffer) { envelopes.append(envelope) }
            #expect(buffer.readableBytes == 0)
            let last = try #require(envelopes.last)
            #expect(last.flags == ConnectEnvelope.endStreamFlag)
            #expect(JSONText.parse(last.payload) == .object([]))
            let statuses = try envelopes.dropLast().map { try DedicatedNumber(json: JSONText.parse($0.payload) ?? .null).status }
            #expect(statuses.last == .ready)
            #expect(envelopes.dropLast().allSatisfy { $0.flags == 0 })

            // A deadline ends an endless stream in its end message.
            let watch = try await post(
                port,
                "/phonenumbers.v1.Events/WatchEvents",
                Array(buffer: ConnectEnvelope(payload: Array("{}".utf8)).framed),
                contentType: "application/connect+json",
                headers: [("Authorization", "Bearer \(tenant.tokens[.admin]!)"), ("Connect-Timeout-Ms", "300")]
            )
            var watched = ByteBuffer(bytes: watch.body)
            var last2: ConnectEnvelope?
            while let envelope = ConnectEnvelope.read(from: &watched) { last2 = envelope }
            let end = try #require(last2)
            #expect(end.flags == ConnectEnvelope.endStreamFlag)
            guard case .object(let fields)? = JSONText.parse(end.payload), let error = fields.first(where: { $0.0 == "error" })?.1 else {
                Issue.record("no error in \(String(decoding: end.payload, as: UTF8.self))")
                return
            }
            #expect(ConnectError.error(from: error, httpStatus: 200).code == .deadlineExceeded)

            // A stream request that is not one envelope is refused in the end message.
            let broken = try await post(
                port,
                "/phonenumbers.v1.Events/WatchEvents",
                Array("{}".utf8),
                contentType: "application/connect+json",
                headers: [("Authorization", "Bearer \(tenant.tokens[.admin]!)")]
            )
            var brokenBuffer = ByteBuffer(bytes: broken.body)
            let brokenEnd = try #require(ConnectEnvelope.read(from: &brokenBuffer))
            #expect(String(decoding: brokenEnd.payload, as: UTF8.self).contains("MALFORMED_ENVELOPE"))
        }
    }

    @Test(
        "calls per client are bounded; a huge body, a slow body and hundreds of idle connections leave PNRPC, the gateway and the page serving"
    )
    func hostileClients() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let limits = ConnectGateway.Limits(maxBodySize: 64 << 10, maxCallsPerClient: 2, bodyReadTimeout: .milliseconds(500))
            try await withGateway(harness, limits) { port in
                let token = try #require(tenant.tokens[.admin])
                // A body over the limit: RESOURCE_EXHAUSTED, MESSAGE_TOO_LARGE.
                let huge = try await post(port, "/phonenumbers.v1.Numbers/ListNumbers", [UInt8](repeating: 0x20, count: 200 << 10))
                #expect(huge.status == 429 && huge.error.reason == "MESSAGE_TOO_LARGE")

                // Two open streams from this host; a third call is refused until one ends.
                let envelope = ConnectEnvelope(payload: Array("{}".utf8)).framed
                let watchers = try (0..<2).map { _ in try RawSocket(port: port) }
                for watcher in watchers {
                    try watcher.send(
                        "POST /phonenumbers.v1.Events/WatchEvents HTTP/1.1\r\nHost: x\r\nContent-Type: application/connect+json\r\n"
                            + "Authorization: Bearer \(token)\r\nContent-Length: \(envelope.readableBytes)\r\n\r\n"
                    )
                    try watcher.send(Array(buffer: envelope))
                    let opened = try await Task.detached { try watcher.receive(seconds: 5) }.value
                    #expect(opened.contains("WATCH_STARTED"), "\(opened)")
                }
                let third = try await post(port, "/phonenumbers.v1.Numbers/ListNumbers", json: "{}", token: token)
                #expect(third.status == 429 && third.error.reason == "TOO_MANY_CONCURRENT_CALLS")
                #expect(third.error.details?.metadata["limit"] == "2")
                // A watcher that hangs up gives its slot back at once, with no event to come.
                watchers[0].close()
                var freed = false
                for _ in 0..<100 where !freed {
                    freed = try await post(port, "/phonenumbers.v1.Numbers/ListNumbers", json: "{}", token: token).status == 200
                    if !freed { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(freed, "a slot is given back when a stream's client goes away")
                watchers[1].close()

                // A slow body: headers, a few bytes, then nothing. The call ends at the read limit.
                let slow = try RawSocket(port: port)
                try slow.send(
                    "POST /phonenumbers.v1.Numbers/ListNumbers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
                )
                // Hundreds of idle connections.
                let idle = try (0..<300).map { _ in try RawSocket(port: port) }
                let slowAnswer = try await Task.detached { try slow.receive(seconds: 5) }.value
                #expect(slowAnswer.hasPrefix("HTTP/1.1 504"), "\(slowAnswer)")
                #expect(slowAnswer.contains("BODY_READ_TIMEOUT"))

                // Meanwhile everything serves.
                #expect(try await get(port, "/").status == 200)
                #expect(try await get(port, "/healthz").status == 200)
                #expect(try await post(port, "/phonenumbers.v1.Numbers/ListNumbers", json: "{}", token: token).status == 200)
                #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers.isEmpty)
                for socket in idle { socket.close() }
                slow.close()
            }
        }
    }

    @Test("a duplicate JSON key is refused with its path; other methods than POST get a Connect error; echoed values are cut")
    func strictRequests() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let token = try #require(tenant.tokens[.admin])
            let port = harness.httpPort
            let duplicate = try await post(
                port,
                "/phonenumbers.v1.Numbers/GetNumber",
                json: #"{"numberId": "num_a", "numberId": "num_b"}"#,
                token: token
            )
            #expect(duplicate.status == 400 && duplicate.error.reason == "INVALID_JSON_FIELD", "\(duplicate.text)")
            #expect(duplicate.error.details?.metadata["field"] == "numberId")
            let nested = try await post(
                port,
                "/phonenumbers.v1.Campaigns/CreateCampaign",
                json: #"{"name": "x", "dedicated": {"numberId": "a", "numberId": "b"}}"#,
                token: token
            )
            #expect(nested.error.details?.metadata["field"] == "dedicated.numberId", "\(nested.text)")

            for method in [NIOHTTP1.HTTPMethod.GET, .PUT, .OPTIONS, .DELETE] {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/phonenumbers.v1.Numbers/ListNumbers")
                request.method = method
                let response = try await ConnectCaller.http.execute(request, timeout: .seconds(10))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(response.status.code == 405, "\(method)")
                #expect(response.headers.first(name: "Allow") == "POST")
                let error = ConnectError.error(from: JSONText.parse(Array(body.utf8)), httpStatus: 405)
                #expect(error.code == .unimplemented && error.message.contains("POST"), "\(method): \(body)")
            }

            let huge = String(repeating: "9", count: 1 << 20)
            let echoed = try await post(
                port,
                "/phonenumbers.v1.Numbers/AddNumber",
                json: #"{"areaCode": "\#(huge)", "useCaseId": "\#(tenant.approvedUseCase)"}"#,
                token: token
            )
            #expect(echoed.error.reason == "INVALID_AREA_CODE")
            #expect(echoed.body.count < 4_096, "an error of \(echoed.body.count) bytes")
        }
    }

    @Test("a 100 KB token and a malformed request head get a Connect error body, not an empty 400; the listener serves on")
    func unparsableRequests() async throws {
        try await ServiceHarness.with { harness in
            let port = harness.httpPort
            let huge = try await post(
                port,
                "/phonenumbers.v1.Numbers/ListNumbers",
                json: "{}",
                token: "pn_" + String(repeating: "x", count: 100_000)
            )
            #expect(huge.status == 431, "\(huge.status) \(huge.text)")
            #expect(huge.error.code == .resourceExhausted && huge.error.reason == "METADATA_TOO_LARGE", "\(huge.text)")
            let socket = try RawSocket(port: port)
            try socket.send("POST /phonenumbers.v1.Numbers/ListNumbers HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
            let answer = try socket.receive(seconds: 5)
            #expect(answer.hasPrefix("HTTP/1.1 400") && answer.contains("MALFORMED_HTTP"), "\(answer)")
            #expect(try await get(port, "/healthz").status == 200)
        }
    }

    @Test("the page's files are served with their types and a strict content security policy")
    func pageFiles() async throws {
        try await ServiceHarness.with { harness in
            for (path, type) in [
                ("/", "text/html"), ("/index.html", "text/html"), ("/page.js", "text/javascript"), ("/page.css", "text/css"),
            ] {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.httpPort)\(path)")
                request.method = .GET
                let response = try await ConnectCaller.http.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 200)
                #expect(response.headers.first(name: "Content-Type")?.hasPrefix(type) == true)
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            let html = try await get(harness.httpPort, "/").text
            #expect(html.contains("Create a dedicated phone number") && html.contains("Dedicated Phone Numbers"))
            #expect(html.contains(#"aria-live="assertive""#))
        }
    }
}

/// A blocking TCP socket on loopback, for clients that misbehave below HTTP libraries.
final class RawSocket: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect failed: \(errno)") }
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw TestFailure("write failed") }
    }

    /// What arrives within `seconds` (until the peer closes or a pause).
    func receive(seconds: Int) throws -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 { break }
            received += chunk[0..<count]
            if String(decoding: received, as: UTF8.self).contains("}") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}

/// The gateway's pieces without I/O: envelopes, error bodies, code names.
@Suite("Connect pieces")
struct ConnectPiecesTests {
    @Test("an envelope is read only once whole; several in one buffer come out in order")
    func envelopes() {
        var buffer = ByteBuffer()
        ConnectEnvelope(payload: Array("{\"a\":1}".utf8)).write(into: &buffer)
        ConnectEnvelope(flags: ConnectEnvelope.endStreamFlag, payload: Array("{}".utf8)).write(into: &buffer)
        var partial = buffer.getSlice(at: 0, length: 9)!
        #expect(ConnectEnvelope.read(from: &partial) == nil)
        #expect(partial.readableBytes == 9, "nothing is consumed from a partial envelope")
        #expect(ConnectEnvelope.read(from: &buffer) == ConnectEnvelope(payload: Array("{\"a\":1}".utf8)))
        #expect(ConnectEnvelope.read(from: &buffer)?.flags == ConnectEnvelope.endStreamFlag)
        #expect(ConnectEnvelope.read(from: &buffer) == nil)
    }

    @Test("an error survives its Connect JSON form: code, message, reason, domain and metadata")
    func errorRoundTrip() {
        let error = RPCError(
            code: .failedPrecondition,
            message: "number +14155550100 is used by active campaigns: GOTV (ACTIVE)",
            details: ErrorDetails(
                reason: "NUMBER_IN_USE",
                domain: "phonenumbers.v1",
                metadata: ["campaign_names": "GOTV", "campaign_ids": "cmp_1"]
            )
        )
        let json = ConnectError.json(error)
        #expect(ConnectError.error(from: json, httpStatus: 400) == error)
        #expect(json.rendered().contains(#""code":"failed_precondition""#))
        #expect(ConnectError.error(from: nil, httpStatus: 503).code == .unavailable)
        #expect(ConnectError.error(from: .object([("code", .string("teleported"))]), httpStatus: 418).code == .unknown)
    }

    @Test("every status code has Connect's name and HTTP status, and names read back")
    func codes() {
        #expect(StatusCode.cancelled.connectName == "canceled")
        #expect(StatusCode.invalidArgument.connectName == "invalid_argument")
        let statuses: [StatusCode: Int] = [
            .cancelled: 499, .unknown: 500, .invalidArgument: 400, .deadlineExceeded: 504, .notFound: 404, .alreadyExists: 409,
            .permissionDenied: 403, .resourceExhausted: 429, .failedPrecondition: 400, .aborted: 409, .outOfRange: 400,
            .unimplemented: 501, .internal: 500, .unavailable: 503, .dataLoss: 500, .unauthenticated: 401,
        ]
        for code in StatusCode.allCases where code != .ok {
            #expect(code.connectHTTPStatus == statuses[code], "\(code)")
            #expect(StatusCode(connectName: code.connectName) == code)
        }
        #expect(StatusCode(connectName: "ok") == nil)
    }
}
