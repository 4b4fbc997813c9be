import NIOCore
import ProtoBridge
import RPCCore
import RPCProto

extension ByteBuffer: ProtoOutput {
    /// Appends `count` bytes written by `fill`.
    public mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { buffer in
            fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
            return count
        }
    }
}

/// Frames to and from bytes: a 4-byte big-endian length, then an encoded `pnrpc.v1.Frame`.
enum FrameCodec {
    static func write(_ frame: WireFrame, into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        frame.serialize(into: &buffer)
        buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
    }

    static func encode(_ frame: WireFrame, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 32 + frame.payload.count + frame.method.utf8.count)
        write(frame, into: &buffer)
        return buffer
    }

    static func decode(_ body: ByteBuffer, limits: DecodingLimits) throws(ConnectionError) -> WireFrame {
        let result = body.withUnsafeReadableBytes { bytes in
            Result { () throws(ProtoDecodingError) in try WireFrame(serializedBytes: bytes, limits: limits) }
        }
        switch result {
        case .success(let frame): return frame
        case .failure(let error): throw .malformedFrame(error.description)
        }
    }
}

extension WireFrame {
    init(type: WireFrameType, callID: UInt64) {
        self.init()
        self.type = type
        self.callId = callID
    }

    /// An END frame with `status` (and `payload` for a unary success).
    static func end(callID: UInt64, result: Result<[UInt8], RPCError>, metadata: Metadata) -> WireFrame {
        var frame = WireFrame(type: .end, callID: callID)
        frame.metadata = metadata.wireEntries
        switch result {
        case .success(let payload):
            frame.payload = payload
            var status = WireStatus()
            status.code = StatusCode.ok.rawValue
            frame.status = status
        case .failure(let error):
            frame.status = WireStatus(error)
        }
        return frame
    }

    static func settings(_ limits: ServerLimits) -> WireFrame {
        var frame = WireFrame(type: .settings, callID: 0)
        var settings = WireSettings()
        settings.maxConcurrentCalls = UInt32(clamping: limits.maxConcurrentCallsPerConnection)
        settings.maxFrameSize = UInt32(clamping: limits.maxFrameSize)
        settings.maxMessageSize = UInt32(clamping: limits.maxMessageSize)
        settings.maxMetadataSize = UInt32(clamping: limits.maxMetadataSize)
        frame.settings = settings
        return frame
    }

    static func goAway(lastCallID: UInt64, status: RPCError) -> WireFrame {
        var frame = WireFrame(type: .goaway, callID: 0)
        frame.lastCallId = lastCallID
        frame.status = WireStatus(status)
        return frame
    }
}

extension WireStatus {
    init(_ error: RPCError) {
        self.init()
        code = error.code.rawValue
        message = error.message
        if let details = error.details {
            var info = WireErrorInfo()
            info.reason = details.reason
            info.domain = details.domain
            info.metadata = details.metadata.sorted { $0.key < $1.key }.map { WireMetadataEntry(key: $0.key, value: $0.value) }
            errorInfo = info
        }
    }

    /// The status as a result: `nil` for OK, else the error.
    var error: RPCError? {
        let code = StatusCode(wireValue: self.code)
        guard code != .ok else { return nil }
        let details = errorInfo.map { info in
            ErrorDetails(
                reason: info.reason,
                domain: info.domain,
                metadata: Dictionary(info.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            )
        }
        return RPCError(code: code, message: message, details: details)
    }
}

extension WireMetadataEntry {
    init(key: String, value: String) {
        self.init()
        self.key = key
        self.value = value
    }
}

extension Metadata {
    var wireEntries: [WireMetadataEntry] {
        map { WireMetadataEntry(key: $0.key, value: $0.value) }
    }

    init(wire entries: [WireMetadataEntry]) {
        self.init(entries.map { ($0.key, $0.value) })
    }
}
