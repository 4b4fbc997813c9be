import NIOCore
import RPCCore
import RPCProto
import Testing

@testable import RPCNIO

/// The END frame written by hand is byte for byte the one protobuf-c packs from the
/// envelope's values, so every reader of `pnrpc.v1.Frame` reads it the same.
@Suite("END frames written straight into the buffer")
struct EndFrameEncoderTests {
    static let callIDs: [UInt64] = [1, 127, 128, 16_383, 16_384, 1 << 35, .max]
    static let payloadSizes = [0, 1, 127, 128, 300, 16_384, 70_000]
    static let trailers: [Metadata] = [
        [:],
        ["x-echo-trailing": "v"],
        ["a": "", "empty-value": ""],
        ["retry-after-ms": "1500", "x-long": String(repeating: "é", count: 200)],
    ]

    @Test("equal to protobuf-c's encoding for every call id, payload size and trailers", arguments: callIDs)
    func sameBytes(callID: UInt64) {
        for size in Self.payloadSizes {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for trailers in Self.trailers {
                let byHand = EndFrameEncoder.encodeOK(callID: callID, payload: payload, trailers: trailers, allocator: ByteBufferAllocator())
                let byProtobufC = FrameCodec.encode(
                    .end(callID: callID, result: .success(payload), metadata: trailers),
                    allocator: ByteBufferAllocator()
                )
                #expect(byHand == byProtobufC, "call \(callID), \(size) bytes, \(trailers.count) trailers")
            }
        }
    }

    @Test("read back by the frame decoder as an OK END with the payload and trailers")
    func readsBack() throws {
        var buffer = EndFrameEncoder.encodeOK(
            callID: 42,
            payload: [1, 2, 3],
            trailers: ["x-echo-trailing": "yes"],
            allocator: ByteBufferAllocator()
        )
        let length = buffer.readInteger(as: UInt32.self)
        #expect(length.map(Int.init) == buffer.readableBytes)
        let frame = try FrameCodec.decode(buffer, limits: .init())
        #expect(frame.type == .end && frame.callId == 42 && frame.payload == [1, 2, 3])
        #expect((frame.status ?? WireStatus()).error == nil)
        #expect(Metadata(wire: frame.metadata)["x-echo-trailing"] == "yes")
    }
}
