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
        var buffer = allocator.buffer(capacity: 4 + bodySize(fields, payloadCount: fields.payload.count))
        encode(fields, into: &buffer)
        return buffer
    }

    /// Appends the length-prefixed frame with `fields` to `buffer`, in one write through a
    /// pointer (a `ByteBuffer` write per field costs a uniqueness and a capacity check each).
    static func encode(_ fields: Fields, into buffer: inout ByteBuffer) {
        fields.payload.withUnsafeBytes { payload in
            encode(fields, payloadCount: payload.count, writePayload: { $0.copyMemory(from: payload) }, into: &buffer)
        }
    }

    /// Appends the frame with `fields` and, in place of `fields.payload`, a payload of
    /// `payloadCount` bytes that `writePayload` writes straight into the buffer (a message
    /// packed there by protobuf-c, with no array in between).
    static func encode(
        _ fields: Fields,
        payloadCount: Int,
        writePayload: (UnsafeMutableRawBufferPointer) -> Void,
        into buffer: inout ByteBuffer
    ) {
        let bodySize = bodySize(fields, payloadCount: payloadCount)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + bodySize) { bytes in
            var out = Output(bytes.baseAddress!)
            out.write(UInt32(bodySize).bigEndian)
            out.varintField(UInt64(fields.type.rawValue), tag: typeTag)
            out.varintField(fields.callID, tag: callIDTag)
            out.string(fields.method, tag: methodTag)
            for entry in fields.metadata {
                out.write(metadataTag)
                out.varint(UInt64(entrySize(entry.key, entry.value)))
                out.string(entry.key, tag: keyTag)
                out.string(entry.value, tag: valueTag)
            }
            out.varintField(fields.timeoutMicros, tag: timeoutTag)
            if payloadCount > 0 {
                out.write(payloadTag)
                out.varint(UInt64(payloadCount))
                out.fill(payloadCount, writePayload)
            }
            if fields.okStatus {
                // Code OK (0) and no message are defaults, left out: an empty message.
                out.write(statusTag)
                out.write(UInt8(0))
            }
            assert(out.count == 4 + bodySize)
            return out.count
        }
    }

    /// The size of the frame's body (without the length prefix).
    private static func bodySize(_ fields: Fields, payloadCount: Int) -> Int {
        var entriesSize = 0
        for entry in fields.metadata {
            let size = entrySize(entry.key, entry.value)
            entriesSize += 1 + varintSize(UInt64(size)) + size
        }
        return varintFieldSize(UInt64(fields.type.rawValue)) + varintFieldSize(fields.callID) + stringFieldSize(fields.method)
            + entriesSize + varintFieldSize(fields.timeoutMicros) + bytesFieldSize(payloadCount) + (fields.okStatus ? 2 : 0)
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
}

/// A cursor writing a frame into memory sized for it by `DirectFrameEncoder.bodySize`.
private struct Output {
    private let base: UnsafeMutableRawPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawPointer) {
        self.base = base
    }

    mutating func write<Value: FixedWidthInteger>(_ value: Value) {
        base.storeBytes(of: value, toByteOffset: count, as: Value.self)
        count += MemoryLayout<Value>.size
    }

    mutating func copy(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Lets `write` fill the next `count` bytes.
    mutating func fill(_ count: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        write(UnsafeMutableRawBufferPointer(start: base + self.count, count: count))
        self.count += count
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            write(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        write(UInt8(value))
    }

    mutating func varintField(_ value: UInt64, tag: UInt8) {
        guard value != 0 else { return }
        write(tag)
        varint(value)
    }

    mutating func string(_ string: String, tag: UInt8) {
        var string = string
        let count = string.utf8.count
        guard count > 0 else { return }
        write(tag)
        varint(UInt64(count))
        string.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
    }
}
