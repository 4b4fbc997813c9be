import AsyncHTTPClient
import Foundation
import NIOCore
import PhoneNumbersClient
import Testing

/// A NUL (U+0000) in any string field is refused with INVALID_ARGUMENT `NUL_IN_STRING` on
/// every transport, and nothing is stored: protobuf-c's strings are C strings, which would
/// end at the NUL (a name stored cut short, an id found by its prefix, two request ids
/// taken for one).
@Suite("NUL in strings", .timeLimit(.minutes(2)))
struct NULInStringTests {
    /// `request` encoded with `marker` (one ASCII character in one of its strings) made NUL:
    /// the bytes a client that carries strings by length would send.
    func withNUL<M: ProtoMessage>(_ request: M, replacing marker: Character) -> [UInt8] {
        var bytes = request.serializedBytes()
        let index = bytes.firstIndex(of: marker.asciiValue!)!
        bytes[index] = 0
        return bytes
    }

    func rawCall<M: ProtoMessage, R: ProtoMessage>(
        _ rpc: any RPCConnectionClient,
        _ method: UnaryMethod<M, R>,
        _ bytes: [UInt8]
    ) async throws -> R {
        try R.decodeResponse(try await rpc.unaryCall(method.descriptor, request: bytes, options: CallOptions()).message)
    }

    @Test("over PNRPC and in process: a NUL on the wire in a name, an id or a request id is NUL_IN_STRING, and nothing changes")
    func onTheWire() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let token = try #require(tenant.tokens[.admin])
            let number = try await tenant.waitFinal(try await tenant.addNumber("415", name: "Ballot chase").id)
            let callers: [(String, PhoneNumbersConnection)] = [
                ("PNRPC", PhoneNumbersConnection(host: "127.0.0.1", port: harness.port, token: token)),
                ("in process", PhoneNumbersConnection(rpc: InProcessConnection(router: harness.router, token: token))),
            ]
            for (name, api) in callers {
                var rename = RenameNumberRequest()
                rename.numberId = number.id
                rename.name = "a~b"
                let error = await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") {
                    try await rawCall(api.rpc, NumbersMethods.renameNumber, withNUL(rename, replacing: "~"))
                }
                #expect(error != nil, "\(name)")
                rename.name = "~"
                await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") {
                    try await rawCall(api.rpc, NumbersMethods.renameNumber, withNUL(rename, replacing: "~"))
                }

                var get = GetNumberRequest()
                get.numberId = number.id + "~; DROP TABLE numbers"
                await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") {
                    try await rawCall(api.rpc, NumbersMethods.getNumber, withNUL(get, replacing: "~"))
                }

                var add = AddNumberRequest()
                add.areaCode = "510"
                add.useCaseId = tenant.approvedUseCase
                add.requestId = "k1~a"
                await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") {
                    try await rawCall(api.rpc, NumbersMethods.addNumber, withNUL(add, replacing: "~"))
                }
            }
            var get = GetNumberRequest()
            get.numberId = number.id
            #expect(try await tenant.admin.numbers.getNumber(get).name == "Ballot chase")
            #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers.count == 1)
        }
    }

    @Test("over Connect JSON: \\u0000 in a string is NUL_IN_STRING with the field's path, and nothing changes")
    func overConnectJSON() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let token = try #require(tenant.tokens[.admin])
            let number = try await tenant.waitFinal(try await tenant.addNumber("415", name: "Ballot chase").id)
            let gateway = ConnectGatewayTests()
            let bodies = [
                ("RenameNumber", #"{"numberId": "\#(number.id)", "name": "a\u0000b"}"#, "name"),
                ("RenameNumber", #"{"numberId": "\#(number.id)", "name": "\u0000"}"#, "name"),
                ("GetNumber", #"{"numberId": "\#(number.id)\u0000; DROP TABLE numbers"}"#, "numberId"),
                ("AddNumber", #"{"areaCode": "510", "useCaseId": "\#(tenant.approvedUseCase)", "requestId": "k1\u0000a"}"#, "requestId"),
            ]
            for (method, body, field) in bodies {
                let answer = try await gateway.post(harness.httpPort, "/phonenumbers.v1.Numbers/\(method)", json: body, token: token)
                #expect(answer.status == 400, "\(method): \(answer.text)")
                #expect(answer.error.code == .invalidArgument)
                #expect(answer.error.reason == "NUL_IN_STRING", "\(answer.text)")
                #expect(answer.error.details?.metadata["field"] == field)
            }
            var get = GetNumberRequest()
            get.numberId = number.id
            #expect(try await tenant.admin.numbers.getNumber(get).name == "Ballot chase")
            #expect(try await tenant.admin.numbers.listNumbers(ListNumbersRequest()).numbers.count == 1)
        }
    }

    @Test("the client library refuses a request holding a NUL before sending it, on every transport and by callback")
    func clientRefuses() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let number = try await tenant.waitFinal(try await tenant.addNumber("415", name: "Ballot chase").id)
            var rename = RenameNumberRequest()
            rename.numberId = number.id
            rename.name = "a\u{0}b"
            await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") { try await tenant.admin.numbers.renameNumber(rename) }
            var watch = WatchNumberRequest()
            watch.numberId = number.id + "\u{0}"
            await expectError(.invalidArgument, "NUL_IN_STRING", domain: "pnrpc") {
                for try await _ in tenant.admin.numbers.watchNumber(watch) {}
            }

            let token = try #require(tenant.tokens[.admin])
            let client = RPCClient(host: "127.0.0.1", port: harness.port)
            defer { Task { await client.close() } }
            var options = CallOptions()
            options.metadata.add("authorization", "Bearer \(token)")
            let result = await withCheckedContinuation { continuation in
                client.startUnary(NumbersMethods.renameNumber, request: rename, options: options) { continuation.resume(returning: $0) }
            }
            guard case .failure(let error) = result else {
                Issue.record("a request holding a NUL was sent by callback")
                return
            }
            #expect(error.reason == "NUL_IN_STRING")
            // The connection is still good for the next call.
            rename.name = "Renamed"
            let renamed = await withCheckedContinuation { continuation in
                client.startUnary(NumbersMethods.renameNumber, request: rename, options: options) { continuation.resume(returning: $0) }
            }
            #expect((try? renamed.get())?.name == "Renamed")
        }
    }
}
