import NIOCore
import Testing

@testable import RPCNIO

/// Frames gathered between flushes: in order, in one buffer, handed over when large or
/// when they are many.
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

    @Test("a batch of `flushFrames` small frames is due, and the count starts again once it is taken")
    func dueWhenMany() {
        var batch = OutboundBatch()
        for round in 0..<2 {
            for frame in 1...OutboundBatch.flushFrames {
                let result = batch.append(allocator: allocator) { $0.writeString("f") }
                #expect(result.due == (frame == OutboundBatch.flushFrames), "round \(round), frame \(frame)")
            }
            #expect(batch.take()?.readableBytes == OutboundBatch.flushFrames)
        }
        // Taken early (a flush at the end of a read), the count starts again too.
        _ = batch.append(allocator: allocator) { $0.writeString("f") }
        _ = batch.take()
        for frame in 1..<OutboundBatch.flushFrames {
            #expect(!batch.append(allocator: allocator) { $0.writeString("f") }.due, "frame \(frame)")
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
