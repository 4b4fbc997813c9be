import NIOCore

/// The frames a connection writes between two flushes, gathered into one buffer: one
/// allocation and one channel write per batch instead of per frame. A handler hands the
/// batch to the channel before anything it writes another way (order is kept), when it
/// flushes, and as soon as the batch reaches `handOverSize`.
///
/// A burst (the frames written between two of the handler's regular flushes: the end of a
/// read, a scheduled flush) goes out early once, after its first `flushFrames` frames, so
/// the peer starts on them while the rest are made; the rest wait for the burst's end.
/// Going out every `flushFrames` frames instead cost a write system call per 16 frames,
/// which is what limits a busy connection (four times the writes of reads).
///
/// A frame the peer is waiting for (`peerWaits`) also starts the burst early: the answer
/// to the last whole frame of a read (nothing more is coming from that read), or a request
/// written when nothing waits for a flush (the first of a quiet connection's turn). Waiting
/// for the burst's end would only put the handler's bookkeeping (metrics, logs, freeing the
/// call) or a turn of the event loop before the peer's next step, and that is what a caller
/// making one call at a time waits on.
struct OutboundBatch {
    /// A batch this large goes to the channel at once: memory stays bounded and the
    /// channel's writability (backpressure) sees the bytes.
    static let handOverSize = 64 * 1024
    /// The first capacity of a batch: about a hundred small answers.
    static let initialCapacity = 8 * 1024

    /// The first batch of a burst goes out, flushed, at this many frames: the peer starts
    /// on the first answers while the rest are being made (its thread would otherwise wait
    /// for the whole burst).
    static let flushFrames = 16

    private var buffer: ByteBuffer?
    private var frames = 0
    /// The current burst already went out early once.
    private var burstStarted = false

    /// Whether nothing is gathered.
    var isEmpty: Bool { buffer == nil }

    /// Appends what `encode` writes at the end of the batch; `peerWaits` when the peer is
    /// waiting for it (see the type's description).
    /// - Returns: the bytes written, and whether the batch is due for the channel now.
    mutating func append(
        allocator: ByteBufferAllocator,
        peerWaits: Bool = false,
        _ encode: (inout ByteBuffer) -> Void
    ) -> (bytes: Int, due: Bool) {
        var gathered = buffer ?? allocator.buffer(capacity: Self.initialCapacity)
        buffer = nil  // `gathered` holds the only reference: written in place, not copied
        let before = gathered.writerIndex
        encode(&gathered)
        let written = gathered.writerIndex - before
        frames += 1
        let startsBurst = !burstStarted && (peerWaits || frames >= Self.flushFrames)
        if startsBurst { burstStarted = true }
        buffer = gathered
        return (written, startsBurst || gathered.readableBytes >= Self.handOverSize)
    }

    /// The handler's regular flush (the end of a read, a scheduled flush): the next frames
    /// start a new burst.
    mutating func burstEnded() {
        burstStarted = false
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
