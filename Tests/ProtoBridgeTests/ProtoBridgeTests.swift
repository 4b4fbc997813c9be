import ProtoBridge
import RPCProto
import RPCTesting
import Testing

@Suite("protobuf-c bridge", .timeLimit(.minutes(2)))
struct ProtoBridgeTests {
    @Test("encodes to the bytes protobuf defines, and decodes them back")
    func knownBytes() throws {
        var frame = WireFrame()
        frame.type = .request
        frame.callId = 1
        frame.method = "/a/b"
        frame.timeoutMicros = 300
        let bytes = frame.serializedBytes()
        // field 1 varint 1; field 2 varint 1; field 3 "/a/b"; field 5 varint 300 (0xAC 0x02)
        #expect(bytes == [0x08, 0x01, 0x10, 0x01, 0x1A, 0x04, 0x2F, 0x61, 0x2F, 0x62, 0x28, 0xAC, 0x02])
        #expect(try WireFrame(serializedBytes: bytes) == frame)
    }

    @Test("round-trips every field kind: nested, repeated, bytes, strings, enums, unicode")
    func roundTrip() throws {
        var frame = WireFrame()
        frame.type = .end
        frame.callId = .max
        frame.metadata = [WireMetadataEntry(), WireMetadataEntry()]
        frame.metadata[0].key = "x-emoji"
        frame.metadata[0].value = "tab\there\r\n 🎉 ünïcødé"
        frame.payload = Array(0...255)
        var status = WireStatus()
        status.code = 9
        status.message = "nope"
        var info = WireErrorInfo()
        info.reason = "SOME_REASON"
        info.metadata = [WireMetadataEntry()]
        status.errorInfo = info
        frame.status = status
        let decoded = try WireFrame(serializedBytes: frame.serializedBytes())
        #expect(decoded == frame)

        var many = ManyPayloads()
        many.names = ["a", "", "ß"]
        many.payloads = [Payload(size: 3), Payload(size: 0)]
        #expect(try ManyPayloads(serializedBytes: many.serializedBytes()) == many)
    }

    @Test("an unknown enum value is kept")
    func unknownEnum() throws {
        let decoded = try WireFrame(serializedBytes: [0x08, 0x63])
        #expect(decoded.type == .unrecognized(99))
        #expect(decoded.serializedBytes() == [0x08, 0x63])
    }

    @Test("malformed bytes are refused")
    func malformed() {
        #expect(throws: ProtoDecodingError.malformed) { try WireFrame(serializedBytes: [0x1A, 0x10, 0x41]) }
        #expect(throws: ProtoDecodingError.malformed) { try WireFrame(serializedBytes: [0xFF, 0xFF, 0xFF]) }
    }

    @Test("invalid UTF-8 in a string field is refused")
    func invalidUTF8() {
        // ManyPayloads.names (field 2) = [0xFF, 0xFE]
        #expect(throws: ProtoDecodingError.invalidUTF8) { try ManyPayloads(serializedBytes: [0x12, 0x02, 0xFF, 0xFE]) }
    }

    @Test("a NUL in a string field is refused, at the top and nested, never cut short")
    func nulInString() throws {
        // ManyPayloads.names (field 2) = "a\0b": protobuf-c would hand over "a".
        #expect(throws: ProtoDecodingError.nulInString) { try ManyPayloads(serializedBytes: [0x12, 0x03, 0x61, 0x00, 0x62]) }
        // WireFrame.status.error_info.reason, two messages deep: written with a marker, then the marker made NUL.
        var frame = WireFrame()
        frame.status = WireStatus()
        frame.status?.errorInfo = WireErrorInfo()
        frame.status?.errorInfo?.reason = "k1~a"
        var bytes = frame.serializedBytes()
        bytes[bytes.firstIndex(of: UInt8(ascii: "~"))!] = 0
        #expect(throws: ProtoDecodingError.nulInString) { try WireFrame(serializedBytes: bytes) }
        // Zero bytes elsewhere (bytes fields, varints) are ordinary.
        var plain = WireFrame()
        plain.payload = [0, 0, 0]
        plain.callId = 0x100
        #expect(try WireFrame(serializedBytes: plain.serializedBytes()) == plain)
    }

    @Test("a string holding a NUL is not encoded cut short: U+FFFD in its place, and a request refuses it")
    func nulOnEncode() throws {
        var many = ManyPayloads()
        many.names = ["a\u{0}b"]
        #expect(many.serializedBytesKeepingStrings() == nil)
        #expect(try ManyPayloads(serializedBytes: many.serializedBytes()).names == ["a\u{FFFD}b"])
        many.names = ["ab"]
        #expect(many.serializedBytesKeepingStrings() == many.serializedBytes())
    }

    @Test("a huge repeated field of empty messages stops at the allocation budget")
    func allocationBudget() {
        // 2 MiB of `0A 00`: one million empty Payloads (field 1 of ManyPayloads).
        let bytes: [UInt8] = (0..<(2 << 20)).map { $0 % 2 == 0 ? 0x0A : 0x00 }
        let error = #expect(throws: ProtoDecodingError.self) { try ManyPayloads(serializedBytes: bytes) }
        guard case .allocationLimitExceeded = error else {
            Issue.record("expected allocationLimitExceeded, got \(String(describing: error))")
            return
        }
        // Within a larger budget the same bytes decode.
        let generous = DecodingLimits(maxMessageSize: 4 << 20, baseAllocationBudget: 256 << 20)
        #expect((try? ManyPayloads(serializedBytes: bytes, limits: generous))?.payloads.count == 1 << 20)
    }

    @Test("a message over the size limit is refused before decoding")
    func sizeLimit() {
        #expect(throws: ProtoDecodingError.messageTooLarge(size: 10, limit: 4)) {
            try Payload(serializedBytes: [UInt8](repeating: 0, count: 10), limits: DecodingLimits(maxMessageSize: 4))
        }
    }

    @Test("deeply nested unknown fields are skipped without recursing")
    func deepNesting() throws {
        // 100,000 levels of field 1 (length-delimited) inside an Empty: stored as unknown bytes.
        var bytes: [UInt8] = []
        for _ in 0..<100_000 {
            bytes = [0x0A] + varint(bytes.count) + bytes
        }
        let limits = DecodingLimits(maxMessageSize: 16 << 20)
        #expect(bytes.count > 300_000)
        #expect(try Empty(serializedBytes: bytes, limits: limits) == Empty())
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    /// docs/PROTOCOL.md, "Unknown and mistyped fields": what is skipped, what is refused.
    @Test("unknown fields are skipped; groups and known fields of the wrong wire type are refused")
    func unknownAndMistypedFields() throws {
        var expected = SimpleRequest()
        expected.responseSize = 5
        let known: [UInt8] = [0x08, 0x05]  // response_size = 5
        // Field 99 as a varint, fixed64, length-delimited and fixed32: a newer client's fields.
        let unknown: [UInt8] =
            [0x98, 0x06, 0x01] + [0x99, 0x06] + Array(repeating: 0, count: 8) + [0x9A, 0x06, 0x02, 0x61, 0x62]
            + [0x9D, 0x06] + Array(repeating: 0, count: 4)
        #expect(try SimpleRequest(serializedBytes: known + unknown) == expected)
        // A group (wire types 3 and 4) of field 99.
        #expect(throws: (any Error).self) { try SimpleRequest(serializedBytes: known + [0x9B, 0x06, 0x9C, 0x06]) }
        // response_size (field 1, an int32) sent length-delimited.
        #expect(throws: (any Error).self) { try SimpleRequest(serializedBytes: [0x0A, 0x01, 0x05]) }
    }
}
