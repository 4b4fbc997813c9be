import NIOCore
import RPCCore

/// Writes the frames of every call — a client's REQUEST, a server's successful END —
/// straight into the outbound buffer, in the protobuf encoding protobuf-c gives the same
/// `pnrpc.v1.Frame` (fields in number order, defaults left out), without building the
/// envelope as values first. `DirectFrameEncoderTests` holds the two encodings byte for
/// byte equal.
enum DirectFrameEncoder {
    /// The fields a call's frames carry; the rest of the envelope stays at its defaults.
    struct Fields {
        var type: WireFrameKind
        var callID: UInt64
        var method: String = ""
        var metadata: Metadata = [:]
        var timeoutMicros: UInt64 = 0
        var payload: [UInt8] = []
        /// An empty `Status` (OK): every END that succeeded carries one.
        var okStatus = false
    }

    /// The frame types written here, with their wire values.
    enum WireFrameKind: UInt8 {
        case request = 1
        case end = 3
    }

    // Tags: field number << 3 | wire type (0 varint, 2 length-delimited).
    private static let typeTag: UInt8 = 1 << 3
    private static let callIDTag: UInt8 = 2 << 3
    private static let methodTag: UInt8 = 3 << 3 | 2
    private static let metadataTag: UInt8 = 4 << 3 | 2
    private static let timeoutTag: UInt8 = 5 << 3
    private static let payloadTag: UInt8 = 6 << 3 | 2
    private static let statusTag: UInt8 = 7 << 3 | 2
    private static let keyTag: UInt8 = 1 << 3 | 2
    private static let valueTag: UInt8 = 2 << 3 | 2

    /// The length-prefixed frame with `fields`, in a buffer of its own.
    static func encode(_ fields: Fields, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 4 + bodySize(fields))
        encode(fields, into: &buffer)
        return buffer
    }

    /// Appends the length-prefixed frame with `fields` to `buffer`.
    static func encode(_ fields: Fields, into buffer: inout ByteBuffer) {
        let bodySize = bodySize(fields)
        buffer.reserveCapacity(minimumWritableBytes: 4 + bodySize)
        buffer.writeInteger(UInt32(bodySize))
        writeVarintField(UInt64(fields.type.rawValue), tag: typeTag, into: &buffer)
        writeVarintField(fields.callID, tag: callIDTag, into: &buffer)
        writeString(fields.method, tag: methodTag, into: &buffer)
        for entry in fields.metadata {
            buffer.writeInteger(metadataTag)
            writeVarint(UInt64(entrySize(entry.key, entry.value)), into: &buffer)
            writeString(entry.key, tag: keyTag, into: &buffer)
            writeString(entry.value, tag: valueTag, into: &buffer)
        }
        writeVarintField(fields.timeoutMicros, tag: timeoutTag, into: &buffer)
        if !fields.payload.isEmpty {
            buffer.writeInteger(payloadTag)
            writeVarint(UInt64(fields.payload.count), into: &buffer)
            buffer.writeBytes(fields.payload)
        }
        if fields.okStatus {
            // Code OK (0) and no message are defaults, left out: an empty message.
            buffer.writeInteger(statusTag)
            buffer.writeInteger(UInt8(0))
        }
    }

    /// The size of the frame's body (without the length prefix).
    private static func bodySize(_ fields: Fields) -> Int {
        var entriesSize = 0
        for entry in fields.metadata {
            let size = entrySize(entry.key, entry.value)
            entriesSize += 1 + varintSize(UInt64(size)) + size
        }
        return varintFieldSize(UInt64(fields.type.rawValue)) + varintFieldSize(fields.callID) + stringFieldSize(fields.method)
            + entriesSize + varintFieldSize(fields.timeoutMicros) + bytesFieldSize(fields.payload.count) + (fields.okStatus ? 2 : 0)
    }

    private static func entrySize(_ key: String, _ value: String) -> Int {
        stringFieldSize(key) + stringFieldSize(value)
    }

    private static func varintFieldSize(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varintSize(value)
    }

    private static func stringFieldSize(_ string: String) -> Int {
        bytesFieldSize(string.utf8.count)
    }

    private static func bytesFieldSize(_ count: Int) -> Int {
        count == 0 ? 0 : 1 + varintSize(UInt64(count)) + count
    }

    private static func varintSize(_ value: UInt64) -> Int {
        var value = value
        var size = 1
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
    }

    private static func writeVarintField(_ value: UInt64, tag: UInt8, into buffer: inout ByteBuffer) {
        guard value != 0 else { return }
        buffer.writeInteger(tag)
        writeVarint(value, into: &buffer)
    }

    private static func writeString(_ string: String, tag: UInt8, into buffer: inout ByteBuffer) {
        let count = string.utf8.count
        guard count > 0 else { return }
        buffer.writeInteger(tag)
        writeVarint(UInt64(count), into: &buffer)
        buffer.writeString(string)
    }

    private static func writeVarint(_ value: UInt64, into buffer: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.writeInteger(UInt8(value))
    }
}
