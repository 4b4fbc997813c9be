import NIOCore

/// What the byte stream of a connection carries.
enum InboundUnit {
    /// The peer's preface with its protocol version.
    case preface(version: UInt16)
    /// One frame's body (the length prefix removed): an encoded `pnrpc.v1.Frame`.
    case frame(ByteBuffer)
}

/// Splits a connection's bytes into the preface and length-prefixed frames.
///
/// The 4-byte big-endian length is checked against `maxFrameSize` as soon as it is
/// readable, before the body is buffered; zero and oversized lengths are connection
/// errors.
struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = InboundUnit

    private var expectingPreface: Bool
    let maxFrameSize: Int

    init(maxFrameSize: Int, expectingPreface: Bool = true) {
        self.maxFrameSize = maxFrameSize
        self.expectingPreface = expectingPreface
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> InboundUnit? {
        if expectingPreface {
            switch Preface.check(buffer) {
            case .needMoreBytes:
                return nil
            case .invalid(let guess):
                throw ConnectionError.badPreface(guess)
            case .valid(let version):
                buffer.moveReaderIndex(forwardBy: Preface.length)
                expectingPreface = false
                return .preface(version: version)
            }
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length > 0 else { throw ConnectionError.emptyFrame }
        guard Int(length) <= maxFrameSize else { throw ConnectionError.frameTooLarge(length: Int(length), limit: maxFrameSize) }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return .frame(buffer.readSlice(length: Int(length))!)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> InboundUnit? {
        try decode(buffer: &buffer)
    }
}
