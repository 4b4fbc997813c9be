import NIOCore
import ProtoBridge
import RPCProto

/// Reads the two frames of every call straight from the bytes of their bodies, without
/// protobuf-c and the conversion of its C structure: the REQUEST a server reads and the
/// successful END a client reads. Only the fields such a frame carries are read (REQUEST:
/// type, call id, method, metadata, timeout, payload; END: type, call id, metadata, payload
/// and an empty status, which is OK); a REQUEST's method and payload stay views into
/// `body`. A frame with anything else — another type, another field, a status that is not
/// OK, a malformed or unusual encoding (a method that is not ASCII, a string with a NUL),
/// more than 64 metadata entries — is left to `FrameCodec.decode`, which reads every frame
/// and names what is wrong. `DirectFrameDecoderTests` holds the two readers equal wherever
/// this one answers.
enum DirectFrameDecoder {
    /// At most this many metadata entries are read here (the server's metadata limit
    /// refuses far fewer bytes anyway).
    static let maxEntries = 64

    /// The REQUEST frame in `body`, or `nil` when the general decoder must read it.
    static func request(_ body: ByteBuffer) -> RequestFrame? {
        let read = body.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return reader.fields(of: .request)
        }
        guard let read else { return nil }
        func slice(_ range: Range<Int>) -> ByteBuffer {
            body.getSlice(at: body.readerIndex + range.lowerBound, length: range.count)!
        }
        return RequestFrame(
            callID: read.callID,
            method: slice(read.method),
            metadata: read.metadata,
            timeoutMicros: read.timeoutMicros,
            payload: slice(read.payload)
        )
    }

    /// An END frame with status OK: its call id, trailers and response message (a view
    /// into the bytes read, not a copy).
    struct SuccessfulEnd: Equatable {
        var callID: UInt64
        var metadata: [WireMetadataEntry]
        var payload: ByteBuffer
    }

    /// The END frame with status OK in `body`, or `nil` when the general decoder must read it.
    static func successfulEnd(_ body: ByteBuffer) -> SuccessfulEnd? {
        let read = body.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            return reader.fields(of: .end)
        }
        guard let read, read.okStatus else { return nil }
        return SuccessfulEnd(
            callID: read.callID,
            metadata: read.metadata,
            payload: body.getSlice(at: body.readerIndex + read.payload.lowerBound, length: read.payload.count)!
        )
    }

    /// What the reader found: the method and payload as ranges of the body's bytes.
    private struct Fields {
        var callID: UInt64 = 0
        var method = 0..<0
        var metadata: [WireMetadataEntry] = []
        var timeoutMicros: UInt64 = 0
        var payload = 0..<0
        /// An END's status was there and empty: OK.
        var okStatus = false
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        /// The fields of a frame of `type` (`.request` or `.end`).
        mutating func fields(of type: WireFrameType) -> Fields? {
            var frame = Fields()
            var sawType = false
            while index < bytes.count {
                guard let tag = varint(), tag <= UInt64(UInt32.max) else { return nil }
                switch tag {
                case 1 << 3:
                    guard let found = varint(), found == UInt64(type.rawValue) else { return nil }
                    sawType = true
                case 2 << 3:
                    guard let callID = varint() else { return nil }
                    frame.callID = callID
                case 3 << 3 | 2 where type == .request:
                    guard let method = field(), bytes(in: method).allSatisfy({ $0 != 0 && $0 < 0x80 }) else { return nil }
                    frame.method = method
                case 4 << 3 | 2:
                    guard frame.metadata.count < maxEntries, let entry = entry() else { return nil }
                    frame.metadata.append(entry)
                case 5 << 3 where type == .request:
                    guard let timeout = varint() else { return nil }
                    frame.timeoutMicros = timeout
                case 6 << 3 | 2:
                    guard let payload = field() else { return nil }
                    frame.payload = payload
                case 7 << 3 | 2 where type == .end:
                    guard let status = field(), status.isEmpty else { return nil }
                    frame.okStatus = true
                default:
                    return nil
                }
            }
            return sawType ? frame : nil
        }

        /// A metadata entry: key (1) and value (2), strings.
        private mutating func entry() -> WireMetadataEntry? {
            guard let body = field() else { return nil }
            var inner = Reader(bytes: bytes(in: body))
            var entry = WireMetadataEntry()
            while inner.index < inner.bytes.count {
                switch inner.varint() {
                case 1 << 3 | 2:
                    guard let key = inner.string() else { return nil }
                    entry.key = key
                case 2 << 3 | 2:
                    guard let value = inner.string() else { return nil }
                    entry.value = value
                default:
                    return nil
                }
            }
            return entry
        }

        /// The bytes of `range`, a range this reader found (no `Slice`: its generic
        /// accessors are not specialized on every path).
        func bytes(in range: Range<Int>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: bytes.baseAddress.map { $0 + range.lowerBound }, count: range.count)
        }

        /// Where a length-delimited field's bytes are.
        private mutating func field() -> Range<Int>? {
            guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
            let start = index
            index += Int(length)
            return start..<index
        }

        /// A string field: valid UTF-8 without NUL only (protobuf-c reads strings as C
        /// strings, cut at the first NUL; such a frame is left to it).
        private mutating func string() -> String? {
            guard let field = field() else { return nil }
            let text = bytes(in: field)
            guard !text.contains(0) else { return nil }
            return validUTF8String(text)
        }

        /// A varint of at most 10 bytes whose value fits 64 bits; `nil` for anything else.
        private mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                if shift == 63, byte > 1 { return nil }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
    }
}
