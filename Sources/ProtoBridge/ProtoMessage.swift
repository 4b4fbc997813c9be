/// A protobuf message type whose wire encoding is produced and read by protobuf-c.
///
/// Conforming types are generated from `proto/` by `scripts/protoc-gen-swift-bridge.py`;
/// they are plain Swift values, safe to pass between tasks.
public protocol ProtoMessage: Sendable, Equatable {
    /// A message with every field at its default value.
    init()

    /// Decodes the protobuf encoding in `bytes`.
    ///
    /// - Throws: `ProtoDecodingError` when the bytes are not a valid encoding of this
    ///   message, exceed `limits`, or carry a string that is not valid UTF-8.
    init(serializedBytes bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws(ProtoDecodingError)

    /// Appends the protobuf encoding of this message to `output`.
    func serialize(into output: inout some ProtoOutput)
}

extension ProtoMessage {
    /// Decodes the protobuf encoding in `bytes` with `limits` (the defaults unless given).
    ///
    /// - Throws: `ProtoDecodingError`, as `init(serializedBytes:limits:)`.
    @inlinable
    public init(serializedBytes bytes: [UInt8], limits: DecodingLimits = .init()) throws(ProtoDecodingError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ProtoDecodingError) in try Self(serializedBytes: raw, limits: limits) }
        }
        self = try result.get()
    }

    /// The protobuf encoding of this message.
    @inlinable
    public func serializedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        serialize(into: &bytes)
        return bytes
    }
}

/// Somewhere a message's encoding can be appended: `[UInt8]`, or a network buffer.
public protocol ProtoOutput {
    /// Reserves `count` bytes at the end, lets `fill` write exactly that many, and keeps them.
    mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void)

    /// Told after `appendSerialized` when a string of the message held a NUL (U+0000),
    /// which protobuf-c's C strings cannot carry: what was appended has U+FFFD in its place.
    /// An output that sends requests refuses them (`serializedBytesKeepingStrings()`); by
    /// default nothing happens.
    mutating func stringHeldNUL()
}

extension ProtoOutput {
    /// Does nothing: the encoding keeps U+FFFD where the NUL was.
    public mutating func stringHeldNUL() {}
}

extension ProtoMessage {
    /// The protobuf encoding of this message, or nil when one of its strings holds a NUL
    /// (U+0000), which the encoding cannot carry whole.
    @inlinable
    public func serializedBytesKeepingStrings() -> [UInt8]? {
        var output = StringCheckingOutput()
        serialize(into: &output)
        return output.heldNUL ? nil : output.bytes
    }
}

/// Bytes, and whether a string of the message packed into them held a NUL.
@usableFromInline
struct StringCheckingOutput: ProtoOutput {
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var heldNUL = false

    @inlinable
    init() {}

    @inlinable
    mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        bytes.appendSerialized(count: count, fill)
    }

    @inlinable
    mutating func stringHeldNUL() {
        heldNUL = true
    }
}

extension Array: ProtoOutput where Element == UInt8 {
    /// Appends `count` bytes written by `fill`.
    public mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBytes { all in
            fill(UnsafeMutableRawBufferPointer(rebasing: all[start..<start + count]))
        }
    }
}
