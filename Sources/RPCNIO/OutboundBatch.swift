import NIOCore

/// The frames a connection writes between two flushes, gathered into one buffer: one
/// allocation and one channel write per batch instead of per frame. A handler hands the
/// batch to the channel before anything it writes another way (order is kept), when it
/// flushes, and as soon as the batch reaches `handOverSize`.
struct OutboundBatch {
    /// A batch this large goes to the channel at once: memory stays bounded and the
    /// channel's writability (backpressure) sees the bytes.
    static let handOverSize = 64 * 1024
    /// The first capacity of a batch: about a hundred small answers.
    static let initialCapacity = 8 * 1024

    /// A batch of this many frames goes out at once, flushed: the peer starts on the first
    /// answers while the rest are being made (its thread would otherwise wait for the
    /// whole burst).
    static let flushFrames = 16

    private var buffer: ByteBuffer?
    private var frames = 0

    /// Whether nothing is gathered.
    var isEmpty: Bool { buffer == nil }

    /// Appends what `encode` writes at the end of the batch.
    /// - Returns: the bytes written, and whether the batch is due for the channel now.
    mutating func append(allocator: ByteBufferAllocator, _ encode: (inout ByteBuffer) -> Void) -> (bytes: Int, due: Bool) {
        var gathered = buffer ?? allocator.buffer(capacity: Self.initialCapacity)
        buffer = nil  // `gathered` holds the only reference: written in place, not copied
        let before = gathered.writerIndex
        encode(&gathered)
        let written = gathered.writerIndex - before
        frames += 1
        let due = gathered.readableBytes >= Self.handOverSize || frames >= Self.flushFrames
        buffer = gathered
        return (written, due)
    }

    /// The gathered bytes, if any; the batch is empty afterwards.
    mutating func take() -> ByteBuffer? {
        defer {
            buffer = nil
            frames = 0
        }
        return buffer
    }

    /// Hands `gathered`, a batch taken (`take`), if any, to `context`'s channel (written at
    /// its next flush). Taken first and written after, the write (which can call back into
    /// the handler) runs outside any change to the batch.
    static func handOver(_ gathered: ByteBuffer?, to context: ChannelHandlerContext) {
        guard let gathered else { return }
        context.write(NIOAny(gathered), promise: nil)
    }
}
