import NIOCore
import Testing

@testable import RPCNIO

/// Frames gathered between flushes: in order, in one buffer, handed over when large or
/// when a burst's first frames are many.
@Suite("the outbound batch")
struct OutboundBatchTests {
    private let allocator = ByteBufferAllocator()

    @Test("frames are gathered in order into one buffer, and taking it empties the batch")
    func gathersInOrder() {
        var batch = OutboundBatch()
        #expect(batch.isEmpty)
        #expect(batch.take() == nil)
        let first = batch.append(allocator: allocator) { $0.writeString("one,") }
        let second = batch.append(allocator: allocator) { $0.writeString("two") }
        #expect(first.bytes == 4 && !first.due)
        #expect(second.bytes == 3 && !second.due)
        #expect(!batch.isEmpty)
        let gathered = batch.take()
        #expect(gathered.map { String(buffer: $0) } == "one,two")
        #expect(batch.isEmpty)
        #expect(batch.take() == nil)
    }

    @Test("a batch that reaches the hand-over size is due for the channel")
    func dueWhenLarge() {
        var batch = OutboundBatch()
        // Few frames, each large: the size decides, not the count.
        let chunk = [UInt8](repeating: 7, count: 10_000)
        var appended = 0
        var due = false
        while !due {
            let result = batch.append(allocator: allocator) { $0.writeBytes(chunk) }
            appended += result.bytes
            due = result.due
        }
        #expect(appended >= OutboundBatch.handOverSize)
        #expect(appended < OutboundBatch.handOverSize + chunk.count)
        let gathered = batch.take()
        #expect(gathered?.readableBytes == appended)
    }

    @Test("a burst goes out early once, at `flushFrames` frames; the rest waits for the burst's end")
    func dueOncePerBurst() {
        var batch = OutboundBatch()
        for burst in 0..<2 {
            for frame in 1...OutboundBatch.flushFrames {
                let result = batch.append(allocator: allocator) { $0.writeString("f") }
                #expect(result.due == (frame == OutboundBatch.flushFrames), "burst \(burst), frame \(frame)")
            }
            #expect(batch.take()?.readableBytes == OutboundBatch.flushFrames)
            // The rest of the burst, however many frames, is not due (its end flushes it).
            for frame in 1...(3 * OutboundBatch.flushFrames) {
                #expect(!batch.append(allocator: allocator) { $0.writeString("f") }.due, "burst \(burst), later frame \(frame)")
            }
            #expect(batch.take()?.readableBytes == 3 * OutboundBatch.flushFrames)
            batch.burstEnded()
        }
        // A burst that ended before its first `flushFrames` frames: the next one counts from zero.
        _ = batch.append(allocator: allocator) { $0.writeString("f") }
        _ = batch.take()
        batch.burstEnded()
        for frame in 1..<OutboundBatch.flushFrames {
            #expect(!batch.append(allocator: allocator) { $0.writeString("f") }.due, "frame \(frame)")
        }
        #expect(batch.append(allocator: allocator) { $0.writeString("f") }.due)
    }

    @Test("a frame the peer waits for goes out at once, as the burst's one early batch")
    func dueWhenThePeerWaits() {
        var batch = OutboundBatch()
        // One call at a time: each answer is written while its read's only frame is handled
        // (each request, when nothing waits for a flush).
        for call in 1...3 {
            #expect(batch.append(allocator: allocator, peerWaits: true) { $0.writeString("f") }.due, "call \(call)")
            #expect(batch.take()?.readableBytes == 1)
            batch.burstEnded()
        }
        // A read of several frames: the answers before its last wait; the last takes them all.
        for frame in 1...5 {
            #expect(!batch.append(allocator: allocator) { $0.writeString("f") }.due, "frame \(frame)")
        }
        #expect(batch.append(allocator: allocator, peerWaits: true) { $0.writeString("f") }.due)
        #expect(batch.take()?.readableBytes == 6)
        // The burst went out early once already: what the peer waits for at the end of a
        // second read within it (a read that filled the buffer) waits for the burst's end.
        #expect(!batch.append(allocator: allocator, peerWaits: true) { $0.writeString("f") }.due)
        // After `flushFrames` frames, a frame the peer waits for comes too late to go out early again.
        batch.burstEnded()
        _ = batch.take()
        for _ in 1...OutboundBatch.flushFrames {
            _ = batch.append(allocator: allocator) { $0.writeString("f") }
        }
        _ = batch.take()
        #expect(!batch.append(allocator: allocator, peerWaits: true) { $0.writeString("f") }.due)
    }

    @Test("a large burst still goes to the channel at the hand-over size after its early batch")
    func largeBurstStillHandedOver() {
        var batch = OutboundBatch()
        for _ in 1...OutboundBatch.flushFrames {
            _ = batch.append(allocator: allocator) { $0.writeString("f") }
        }
        _ = batch.take()
        let chunk = [UInt8](repeating: 1, count: 4096)
        var appended = 0
        while !batch.append(allocator: allocator, { $0.writeBytes(chunk) }).due {
            appended += chunk.count
            #expect(appended < OutboundBatch.handOverSize)
        }
    }

    @Test("a batch taken while the channel still holds it is not written into again")
    func takenBufferStaysIntact() {
        var batch = OutboundBatch()
        _ = batch.append(allocator: allocator) { $0.writeString("sent") }
        let handedOver = batch.take()
        _ = batch.append(allocator: allocator) { $0.writeString("next") }
        let next = batch.take()
        #expect(handedOver.map { String(buffer: $0) } == "sent")
        #expect(next.map { String(buffer: $0) } == "next")
    }
}
