import NIOCore
import RPCCore
import RPCProto
import RPCTesting
import Testing

@testable import RPCNIO

/// The REQUEST and END frames written by hand are byte for byte the ones protobuf-c packs
/// from the envelope's values, so every reader of `pnrpc.v1.Frame` reads them the same.
@Suite("frames written straight into the buffer")
struct DirectFrameEncoderTests {
    static let callIDs: [UInt64] = [1, 127, 128, 16_383, 16_384, 1 << 35, .max]
    static let payloadSizes = [0, 1, 127, 128, 300, 16_384, 70_000]
    static let trailers: [Metadata] = [
        [:],
        ["x-echo-trailing": "v"],
        ["a": "", "empty-value": ""],
        ["retry-after-ms": "1500", "x-long": String(repeating: "é", count: 200)],
    ]

    @Test("an OK END equals protobuf-c's encoding for every call id, payload size and trailers", arguments: callIDs)
    func endSameBytes(callID: UInt64) {
        for size in Self.payloadSizes {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for trailers in Self.trailers {
                let fields = DirectFrameEncoder.Fields(type: .end, callID: callID, metadata: trailers, payload: payload, okStatus: true)
                let byHand = DirectFrameEncoder.encode(fields, allocator: ByteBufferAllocator())
                let byProtobufC = FrameCodec.encode(
                    .end(callID: callID, result: .success(payload), metadata: trailers),
                    allocator: ByteBufferAllocator()
                )
                #expect(byHand == byProtobufC, "call \(callID), \(size) bytes, \(trailers.count) trailers")
            }
        }
    }

    @Test("a REQUEST equals protobuf-c's encoding for every call id, timeout, payload size and metadata", arguments: callIDs)
    func requestSameBytes(callID: UInt64) {
        for timeout: UInt64 in [0, 1, 5_000_000, 366 * 86_400 * 1_000_000] {
            for size in Self.payloadSizes {
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                for metadata in Self.trailers {
                    let method = "/pnrpc.testing.v1.TestService/Echo"
                    let fields = DirectFrameEncoder.Fields(
                        type: .request,
                        callID: callID,
                        method: method,
                        metadata: metadata,
                        timeoutMicros: timeout,
                        payload: payload
                    )
                    var frame = WireFrame(type: .request, callID: callID)
                    frame.method = method
                    frame.metadata = metadata.wireEntries
                    frame.timeoutMicros = timeout
                    frame.payload = payload
                    let byHand = DirectFrameEncoder.encode(fields, allocator: ByteBufferAllocator())
                    #expect(
                        byHand == FrameCodec.encode(frame, allocator: ByteBufferAllocator()),
                        "call \(callID), timeout \(timeout), \(size) bytes"
                    )
                }
            }
        }
    }

    @Test(
        "a REQUEST whose message is packed in place equals the one written from the message's bytes, also when the message packs to nothing",
        arguments: payloadSizes
    )
    func packedRequestSameBytes(size: Int) {
        var message = SimpleRequest()
        message.payload = Payload(size: size)
        for request in [message, SimpleRequest()] {
            var fields = DirectFrameEncoder.Fields(
                type: .request,
                callID: 300,
                method: "/pnrpc.testing.v1.TestService/UnaryCall",
                timeoutMicros: 9
            )
            var fromBytes = fields
            fromBytes.payload = request.serializedBytes()
            var packed = ByteBuffer(bytes: [0xAA])
            RequestFrameOutput.write(&fields, into: &packed) { output in
                var output = output
                request.serialize(into: &output)
            }
            #expect(packed.readInteger(as: UInt8.self) == 0xAA, "written after what the buffer held")
            #expect(packed == DirectFrameEncoder.encode(fromBytes, allocator: ByteBufferAllocator()), "\(size) bytes")
        }
    }

    @Test("read back by the frame decoder as an OK END with the payload and trailers")
    func readsBack() throws {
        var buffer = DirectFrameEncoder.encode(
            .init(type: .end, callID: 42, metadata: ["x-echo-trailing": "yes"], payload: [1, 2, 3], okStatus: true),
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
