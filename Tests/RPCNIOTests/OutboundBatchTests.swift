import NIOCore
import Testing

@testable import RPCNIO

/// Frames gathered between flushes: in order, in one buffer, handed over when large.
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
        let chunk = [UInt8](repeating: 7, count: 1000)
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
