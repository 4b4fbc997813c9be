import Foundation
import NIOCore
import RPCCore
import RPCProto
import Testing

@testable import RPCNIO

/// Wherever the direct REQUEST reader answers, it answers what protobuf-c reads; it answers
/// for every REQUEST a client sends; and it leaves everything else to protobuf-c.
@Suite("REQUEST and successful END frames read straight from the buffer")
struct DirectFrameDecoderTests {
    private func body(_ frame: WireFrame) -> ByteBuffer {
        var buffer = FrameCodec.encode(frame, allocator: ByteBufferAllocator())
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer
    }

    private func request(callID: UInt64, metadata: Metadata, timeout: UInt64, payload: Int) -> WireFrame {
        var frame = WireFrame(type: .request, callID: callID)
        frame.method = "/pnrpc.testing.v1.TestService/Echo"
        frame.metadata = metadata.wireEntries
        frame.timeoutMicros = timeout
        frame.payload = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
        return frame
    }

    /// The two readers agree on `bytes`: the direct one answers only what protobuf-c reads.
    private func agree(_ bytes: ByteBuffer, _ comment: Comment) {
        guard let direct = DirectFrameDecoder.request(bytes) else { return }
        let general = try? FrameCodec.decode(bytes, limits: ServerLimits().frameDecoding)
        #expect(general?.type == .request, comment)
        #expect(general.map(RequestFrame.init) == direct, comment)
    }

    @Test("every REQUEST a client sends is read directly, equal to protobuf-c's reading")
    func clientRequests() throws {
        for callID: UInt64 in [1, 300, .max] {
            for metadata: Metadata in [[:], ["authorization": "Bearer t", "x-empty": ""], ["k": "é😀"]] {
                for timeout: UInt64 in [0, 5_000_000] {
                    for payload in [0, 1, 200, 70_000] {
                        let frame = request(callID: callID, metadata: metadata, timeout: timeout, payload: payload)
                        let direct = try #require(DirectFrameDecoder.request(body(frame)))
                        #expect(direct == RequestFrame(frame))
                        #expect(direct == RequestFrame(try FrameCodec.decode(body(frame), limits: ServerLimits().frameDecoding)))
                        #expect(direct.payload.readableBytes == payload, "the payload is a view, the frame's own bytes")
                    }
                }
            }
        }
    }

    @Test("other frames, other fields and broken encodings are left to protobuf-c")
    func leftToProtobufC() {
        var ping = WireFrame(type: .ping, callID: 0)
        ping.pingData = 7
        #expect(DirectFrameDecoder.request(body(ping)) == nil)
        #expect(DirectFrameDecoder.request(body(WireFrame(type: .cancel, callID: 3))) == nil)
        var withStatus = request(callID: 1, metadata: [:], timeout: 0, payload: 1)
        withStatus.status = WireStatus()
        #expect(DirectFrameDecoder.request(body(withStatus)) == nil, "a field a REQUEST does not carry")
        let bad: [[UInt8]] = [
            [],  // no type
            [0x08],  // truncated varint
            [0x08, 0x01, 0x1A, 0x02, 0xC3, 0x28],  // method not UTF-8
            [0x08, 0x01, 0x1A, 0x02, 0x61, 0x00],  // a NUL in the method: protobuf-c cuts strings there
            [0x08, 0x01, 0x1A, 0x02, 0xC3, 0xA9],  // a method that is UTF-8 but not ASCII
            [0x08, 0x01, 0x32, 0x05, 0x01],  // payload longer than the frame
            [0x08, 0x01, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],  // call id beyond 64 bits
            [0x08, 0x01, 0x22, 0x02, 0x18, 0x01],  // metadata entry with an unknown field
        ]
        for bytes in bad {
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            #expect(DirectFrameDecoder.request(buffer) == nil, "\(bytes)")
        }
    }

    /// 20,000 random mutations of `seeds` (bytes changed, cut, inserted, fields repeated),
    /// each handed to `check`.
    private func mutations(of seeds: [WireFrame], _ check: (ByteBuffer, Comment) -> Void) {
        var generator = SystemRandomNumberGenerator()
        let seeds = seeds.map { Array(body($0).readableBytesView) }
        for _ in 0..<20_000 {
            var bytes = seeds.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.removeLast(Int.random(in: 0...min(3, bytes.count - 1), using: &generator))
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
                default: bytes += bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))  // fields again: last one wins
                }
                if bytes.isEmpty { bytes = seeds[0].prefix(2).map { $0 } }
            }
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            check(buffer, "\(bytes)")
        }
    }

    @Test("on encodings mutated at random the two readers never disagree")
    func requestMutations() {
        mutations(
            of: [
                request(callID: 9, metadata: ["authorization": "Bearer abc", "x": "y"], timeout: 1000, payload: 40),
                request(callID: 1, metadata: [:], timeout: 0, payload: 0),
            ],
            agree
        )
    }

    /// Where the direct END reader answers, protobuf-c reads an END with status OK and the
    /// same call id, trailers and message.
    private func agreeOnEnd(_ bytes: ByteBuffer, _ comment: Comment) {
        guard let direct = DirectFrameDecoder.successfulEnd(bytes) else { return }
        let general = try? FrameCodec.decode(bytes, limits: ServerLimits().frameDecoding)
        #expect(general?.type == .end, comment)
        #expect((general?.status ?? WireStatus()).error == nil, comment)
        #expect(general.map { .init(callID: $0.callId, metadata: $0.metadata, payload: ByteBuffer(bytes: $0.payload)) } == direct, comment)
    }

    private func end(callID: UInt64, result: Result<[UInt8], RPCError>, trailers: Metadata) -> WireFrame {
        WireFrame.end(callID: callID, result: result, metadata: trailers)
    }

    @Test("every successful END a server sends is read directly, equal to protobuf-c's reading; failures are left to it")
    func serverEnds() throws {
        for callID: UInt64 in [1, 300, .max] {
            for trailers: Metadata in [[:], ["x-took": "3ms", "x-empty": ""]] {
                for payload in [0, 1, 200, 70_000] {
                    let bytes = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
                    let fields = DirectFrameEncoder.Fields(type: .end, callID: callID, metadata: trailers, payload: bytes, okStatus: true)
                    var written = DirectFrameEncoder.encode(fields, allocator: ByteBufferAllocator())
                    written.moveReaderIndex(forwardBy: 4)
                    let direct = try #require(DirectFrameDecoder.successfulEnd(written))
                    #expect(direct == .init(callID: callID, metadata: trailers.wireEntries, payload: ByteBuffer(bytes: bytes)))
                    agreeOnEnd(written, "callID \(callID), payload \(payload)")
                    agreeOnEnd(body(end(callID: callID, result: .success(bytes), trailers: trailers)), "protobuf-c's encoding")
                }
            }
            let failed = end(callID: callID, result: .failure(RPCError(code: .notFound, message: "no")), trailers: [:])
            #expect(DirectFrameDecoder.successfulEnd(body(failed)) == nil, "a status that is not OK")
        }
        #expect(DirectFrameDecoder.successfulEnd(body(request(callID: 1, metadata: [:], timeout: 0, payload: 3))) == nil)
    }

    @Test("on END encodings mutated at random the two readers never disagree")
    func endMutations() {
        mutations(
            of: [
                end(callID: 9, result: .success(Array(repeating: 5, count: 40)), trailers: ["x": "y"]),
                end(callID: 1, result: .success([]), trailers: [:]),
            ],
            agreeOnEnd
        )
    }
}
