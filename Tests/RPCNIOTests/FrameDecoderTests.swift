import NIOCore
import NIOTestUtils
import Testing

@testable import RPCNIO

extension InboundUnit: Equatable {
    public static func == (lhs: InboundUnit, rhs: InboundUnit) -> Bool {
        switch (lhs, rhs) {
        case (.preface(let a), .preface(let b)): return a == b
        case (.frame(let a), .frame(let b)): return a == b
        default: return false
        }
    }
}

@Suite("frame decoder", .timeLimit(.minutes(2)))
struct FrameDecoderTests {
    private let preface = ByteBuffer(bytes: Array("PNRPC".utf8) + [0, 0, 1])

    private func framed(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    @Test("decodes frames fed byte by byte and in odd chunks")
    func dripFed() throws {
        var input = framed([1, 2, 3])
        var second = framed(Array(repeating: 7, count: 1000))
        input.writeBuffer(&second)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (input, [.frame(ByteBuffer(bytes: [1, 2, 3])), .frame(ByteBuffer(bytes: Array(repeating: 7, count: 1000)))]),
                (framed([9]), [.frame(ByteBuffer(bytes: [9]))]),
            ],
            decoderFactory: { FrameDecoder(maxFrameSize: 4096, expectingPreface: false) }
        )
    }

    @Test("decodes the preface and a frame delivered one byte at a time, and in chunks of 3")
    func prefaceDripFed() throws {
        var all = preface
        var frame = framed([1, 2, 3, 4, 5])
        all.writeBuffer(&frame)
        for chunk in [1, 3] {
            let processor = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameSize: 64))
            var units: [InboundUnit] = []
            var input = all
            while input.readableBytes > 0 {
                let piece = input.readSlice(length: min(chunk, input.readableBytes))!
                try processor.process(buffer: piece) { units.append($0) }
            }
            #expect(units == [.preface(version: 1), .frame(ByteBuffer(bytes: [1, 2, 3, 4, 5]))])
        }
    }

    @Test("a length over the maximum fails as soon as the length is read")
    func tooLarge() throws {
        var decoder = FrameDecoder(maxFrameSize: 100)
        var buffer = preface
        buffer.writeInteger(UInt32(101))
        #expect(try decoder.decode(buffer: &buffer) == .preface(version: 1))
        #expect(throws: ConnectionError.frameTooLarge(length: 101, limit: 100)) { try decoder.decode(buffer: &buffer) }
    }

    @Test("a zero length is refused")
    func zeroLength() throws {
        var decoder = FrameDecoder(maxFrameSize: 100)
        var buffer = preface
        buffer.writeInteger(UInt32(0))
        _ = try decoder.decode(buffer: &buffer)
        #expect(throws: ConnectionError.emptyFrame) { try decoder.decode(buffer: &buffer) }
    }

    @Test("a wrong preface is refused on its first differing byte")
    func wrongPreface() throws {
        var decoder = FrameDecoder(maxFrameSize: 100)
        var http = ByteBuffer(string: "G")
        #expect(throws: ConnectionError.badPreface(.http)) { try decoder.decode(buffer: &http) }
        var decoder2 = FrameDecoder(maxFrameSize: 100)
        var tls = ByteBuffer(bytes: [0x16, 0x03, 0x01])
        #expect(throws: ConnectionError.badPreface(.tls)) { try decoder2.decode(buffer: &tls) }
        var decoder3 = FrameDecoder(maxFrameSize: 100)
        var partial = ByteBuffer(bytes: Array("PNR".utf8))
        #expect(try decoder3.decode(buffer: &partial) == nil)
    }
}
