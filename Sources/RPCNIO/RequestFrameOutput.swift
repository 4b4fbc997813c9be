import NIOCore
import ProtoBridge

/// Where a call by callback packs its request: protobuf-c writes the message straight into
/// the outbound buffer, with the REQUEST frame written around it. Valid only while the
/// frame is being written (`write(_:into:packedBy:)`).
@usableFromInline
struct RequestFrameOutput: ProtoOutput {
    private let fields: UnsafePointer<DirectFrameEncoder.Fields>
    private let buffer: UnsafeMutablePointer<ByteBuffer>
    private let heldNUL: UnsafeMutablePointer<Bool>
    /// A message is packed once: a second payload would be a second frame.
    private var written = false

    /// Writes the REQUEST frame with `fields` to `buffer`, its payload what `pack` writes
    /// to the output it is given (an empty payload if it writes nothing: a message with
    /// every field at its default encodes to no bytes). `fields` is only read (`inout`: read
    /// where it is, not copied).
    ///
    /// - Returns: false, with nothing written, when a string of the request held a NUL
    ///   (U+0000), which the encoding cannot carry whole: the call is refused, not sent.
    static func write(
        _ fields: inout DirectFrameEncoder.Fields,
        into buffer: inout ByteBuffer,
        packedBy pack: (RequestFrameOutput) -> Void
    ) -> Bool {
        let before = buffer.writerIndex
        var heldNUL = false
        withUnsafePointer(to: &fields) { fields in
            withUnsafeMutablePointer(to: &buffer) { buffer in
                withUnsafeMutablePointer(to: &heldNUL) { heldNUL in
                    pack(RequestFrameOutput(fields: fields, buffer: buffer, heldNUL: heldNUL))
                }
            }
        }
        if heldNUL {
            buffer.moveWriterIndex(to: before)
            return false
        }
        if buffer.writerIndex == before {
            DirectFrameEncoder.encode(fields, into: &buffer)
        }
        return true
    }

    /// Writes the frame, its payload the `count` bytes `fill` packs.
    @usableFromInline
    mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(!written, "a request is packed once")
        written = true
        DirectFrameEncoder.encode(fields.pointee, payloadCount: count, writePayload: fill, into: &buffer.pointee)
    }

    /// Marks the request refused: `write` takes back what was written.
    @usableFromInline
    mutating func stringHeldNUL() {
        heldNUL.pointee = true
    }
}
