import NIOCore

/// One message of a Connect stream: a flags byte, a 4-byte big-endian length, the bytes.
public struct ConnectEnvelope: Sendable, Equatable {
    /// Set on the last message of a response stream (the end-of-stream JSON).
    public static let endStreamFlag: UInt8 = 0x02
    /// Set when the payload is compressed (never sent; refused when received).
    public static let compressedFlag: UInt8 = 0x01

    public var flags: UInt8
    public var payload: [UInt8]

    public init(flags: UInt8 = 0, payload: [UInt8]) {
        self.flags = flags
        self.payload = payload
    }

    /// Appends the framed envelope to `buffer`.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(flags)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
    }

    /// The framed envelope in a buffer of its own.
    public var framed: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(5 + payload.count)
        write(into: &buffer)
        return buffer
    }

    /// Reads one whole envelope from the front of `buffer`; `nil` (and nothing consumed)
    /// when it does not hold one yet.
    public static func read(from buffer: inout ByteBuffer) -> ConnectEnvelope? {
        guard let flags = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self),
            buffer.readableBytes >= 5 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        return ConnectEnvelope(flags: flags, payload: buffer.readBytes(length: Int(length)) ?? [])
    }
}
