import NIOCore
import RPCCore

/// Writes the frame every successful call ends with — END, status OK, the response and the
/// trailers — straight into the outbound buffer, in the protobuf encoding protobuf-c gives
/// the same `pnrpc.v1.Frame` (fields in number order, defaults left out), without building
/// the envelope as values first. `EndFrameEncoderTests` holds the two encodings equal.
enum EndFrameEncoder {
    // Tags: field number << 3 | wire type (0 varint, 2 length-delimited).
    private static let typeTag: UInt8 = 1 << 3
    private static let callIDTag: UInt8 = 2 << 3
    private static let metadataTag: UInt8 = 4 << 3 | 2
    private static let payloadTag: UInt8 = 6 << 3 | 2
    private static let statusTag: UInt8 = 7 << 3 | 2
    private static let keyTag: UInt8 = 1 << 3 | 2
    private static let valueTag: UInt8 = 2 << 3 | 2
    private static let endType: UInt8 = 3

    /// The length-prefixed END frame of call `callID` answered with `payload`.
    static func encodeOK(callID: UInt64, payload: [UInt8], trailers: Metadata, allocator: ByteBufferAllocator) -> ByteBuffer {
        var entriesSize = 0
        for entry in trailers {
            let size = entrySize(entry.key, entry.value)
            entriesSize += 1 + varintSize(UInt64(size)) + size
        }
        let callIDSize = callID == 0 ? 0 : 1 + varintSize(callID)
        let payloadSize = payload.isEmpty ? 0 : 1 + varintSize(UInt64(payload.count)) + payload.count
        let bodySize = 2 + callIDSize + entriesSize + payloadSize + 2
        var buffer = allocator.buffer(capacity: 4 + bodySize)
        buffer.writeInteger(UInt32(bodySize))
        buffer.writeInteger(typeTag)
        buffer.writeInteger(endType)
        if callID != 0 {
            buffer.writeInteger(callIDTag)
            writeVarint(callID, into: &buffer)
        }
        for entry in trailers {
            buffer.writeInteger(metadataTag)
            writeVarint(UInt64(entrySize(entry.key, entry.value)), into: &buffer)
            writeString(entry.key, tag: keyTag, into: &buffer)
            writeString(entry.value, tag: valueTag, into: &buffer)
        }
        if !payload.isEmpty {
            buffer.writeInteger(payloadTag)
            writeVarint(UInt64(payload.count), into: &buffer)
            buffer.writeBytes(payload)
        }
        // An empty Status: code OK (0) and no message are defaults, left out.
        buffer.writeInteger(statusTag)
        buffer.writeInteger(UInt8(0))
        return buffer
    }

    private static func entrySize(_ key: String, _ value: String) -> Int {
        stringFieldSize(key) + stringFieldSize(value)
    }

    private static func stringFieldSize(_ string: String) -> Int {
        let count = string.utf8.count
        return count == 0 ? 0 : 1 + varintSize(UInt64(count)) + count
    }

    private static func writeString(_ string: String, tag: UInt8, into buffer: inout ByteBuffer) {
        let count = string.utf8.count
        guard count > 0 else { return }
        buffer.writeInteger(tag)
        writeVarint(UInt64(count), into: &buffer)
        buffer.writeString(string)
    }

    static func varintSize(_ value: UInt64) -> Int {
        var value = value
        var size = 1
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
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
