import ProtoBridge
import RPCProto
import RPCTesting
import Testing

/// The generated proto3 JSON readers, without I/O: what they accept, what they refuse
/// and where they say the fault is.
@Suite("proto3 JSON readers")
struct JSONMappingTests {
    func frame(_ fields: [(String, JSONValue)]) throws(JSONMappingError) -> WireFrame {
        try WireFrame(json: .object(fields))
    }

    @Test("every field type reads its proto3 JSON forms, and a message round-trips through its JSON")
    func readsEachType() throws {
        let read = try frame([
            ("type", .string("FRAME_TYPE_REQUEST")),
            ("call_id", .string("18446744073709551615")),
            ("method", .string("/x.Y/Z")),
            ("metadata", .array([.object([("key", .string("authorization")), ("value", .string("Bearer t"))])])),
            ("timeoutMicros", .integer(1_500_000)),
            ("payload", .string("AAEC/w")),
            ("status", .object([("code", .integer(5)), ("errorInfo", .object([("reason", .string("NOPE"))]))])),
        ])
        #expect(read.type == .request)
        #expect(read.callId == UInt64.max)
        #expect(read.method == "/x.Y/Z")
        #expect(read.metadata.map(\.key) == ["authorization"])
        #expect(read.timeoutMicros == 1_500_000)
        #expect(read.payload == [0, 1, 2, 255])
        #expect(read.status?.code == 5 && read.status?.errorInfo?.reason == "NOPE")
        #expect(try WireFrame(json: read.jsonValue) == read)

        // Enums by number; null is the default; an empty object is the default message.
        let byNumber = try frame([("type", .integer(3)), ("method", .null), ("metadata", .null)])
        #expect(byNumber.type == .end && byNumber.method.isEmpty && byNumber.metadata.isEmpty)
        #expect(try WireFrame(json: .object([])) == WireFrame())

        var request = SimpleRequest()
        request.responseSize = -7
        request.reportDeadline = true
        request.payload = Payload()
        request.payload?.body = Array("hello".utf8)
        #expect(try SimpleRequest(json: request.jsonValue) == request)
    }

    @Test("unknown fields, wrong types and out-of-range values are refused with the field's path")
    func refusals() {
        let cases: [(JSONValue, String, String)] = [
            (.object([("nope", .integer(1))]), "nope", "unknown field"),
            (.array([]), "", "expected an object"),
            (.object([("method", .integer(1))]), "method", "expected a string"),
            (.object([("callId", .string("-1"))]), "callId", "expected an integer"),
            (.object([("callId", .double(1.5))]), "callId", "expected an integer"),
            (.object([("status", .object([("code", .string("2147483648"))]))]), "status.code", "expected an integer"),
            (.object([("type", .string("FRAME_TYPE_TELEPORT"))]), "type", "expected one of"),
            (.object([("payload", .string("not base64!"))]), "payload", "expected base64"),
            (.object([("metadata", .object([]))]), "metadata", "expected an array"),
            (.object([("metadata", .array([.object([("key", .bool(true))])]))]), "metadata.0.key", "expected a string"),
            (.object([("status", .object([("errorInfo", .object([("extra", .null)]))]))]), "status.errorInfo.extra", "unknown field"),
        ]
        for (json, path, problem) in cases {
            #expect {
                try WireFrame(json: json)
            } throws: { error in
                guard let error = error as? JSONMappingError else { return false }
                return error.path == path && error.problem.hasPrefix(problem)
            }
        }
        #expect(throws: JSONMappingError.self) { try SimpleRequest(json: .object([("reportDeadline", .string("true"))])) }
    }

    @Test("base64 in the standard and URL-safe alphabets, padded or not; anything else is not base64")
    func base64() {
        #expect(JSONValue.bytes(base64: "") == [])
        #expect(JSONValue.bytes(base64: "aGk=") == Array("hi".utf8))
        #expect(JSONValue.bytes(base64: "aGk") == Array("hi".utf8))
        #expect(JSONValue.bytes(base64: "-_8") == [0xFB, 0xFF])
        #expect(JSONValue.bytes(base64: "+/8=") == [0xFB, 0xFF])
        #expect(JSONValue.bytes(base64: JSONValue.base64([0, 1, 2, 3, 254, 255])) == [0, 1, 2, 3, 254, 255])
        #expect(JSONValue.bytes(base64: "a") == nil)
        #expect(JSONValue.bytes(base64: "aG=k") == nil)
        #expect(JSONValue.bytes(base64: "a b") == nil)
    }
}
