import NIOCore
import RPCProto

/// A REQUEST frame as the server reads it: the method's name and the payload are views
/// into the bytes read, not copies; the server copies the payload only for a handler that
/// runs on a task, and makes the method a `String` only for a method it has not served
/// on this connection yet.
struct RequestFrame: Equatable {
    var callID: UInt64
    /// The method's path in UTF-8, e.g. `/pnrpc.testing.v1.TestService/Echo`.
    var method: ByteBuffer
    var metadata: [WireMetadataEntry]
    var timeoutMicros: UInt64
    var payload: ByteBuffer

    /// The method's path as a `String`.
    var methodName: String { String(buffer: method) }
}

extension RequestFrame {
    /// A REQUEST protobuf-c read (`FrameCodec.decode`), its method and payload copied into buffers.
    init(_ frame: WireFrame) {
        self.init(
            callID: frame.callId,
            method: ByteBuffer(string: frame.method),
            metadata: frame.metadata,
            timeoutMicros: frame.timeoutMicros,
            payload: ByteBuffer(bytes: frame.payload)
        )
    }
}
