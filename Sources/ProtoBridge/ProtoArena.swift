package import CProtobufC
internal import Glibc

/// Owns the C memory of a message being encoded: every string, array and sub-message
/// the filled struct points to. Everything is freed together when the arena goes away,
/// so nothing built for `protobuf_c_message_pack` can leak or be freed twice.
package final class ProtoArena {
    @usableFromInline static let chunkSize = 4096
    @usableFromInline var blocks: [UnsafeMutableRawPointer] = []
    @usableFromInline var chunk: UnsafeMutableRawPointer?
    @usableFromInline var used = 0
    @usableFromInline var chunkCapacity = 0

    /// Bytes of stack `serializeBridged` hands an arena as its first chunk.
    @usableFromInline static let stackChunkSize = 1024

    /// An arena whose first allocations come from the heap.
    package init() {}

    /// An arena whose first allocations come from `firstChunk` (16-byte aligned), which
    /// the caller owns and which must outlive the arena's use.
    @inlinable
    package init(firstChunk: UnsafeMutableRawBufferPointer) {
        chunk = firstChunk.baseAddress
        chunkCapacity = firstChunk.count
    }

    deinit {
        for block in blocks { free(block) }
    }

    /// Uninitialised, 16-byte aligned memory for `count` values of `T`, owned by the arena.
    @inlinable
    package func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let size = (max(1, MemoryLayout<T>.stride * count) + 15) & ~15
        let raw: UnsafeMutableRawPointer
        if size > Self.chunkSize / 2 {
            raw = newBlock(size)
        } else {
            if chunk == nil || used + size > chunkCapacity {
                chunk = newBlock(Self.chunkSize)
                chunkCapacity = Self.chunkSize
                used = 0
            }
            raw = chunk! + used
            used += size
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    @usableFromInline func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        guard let block = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
        blocks.append(block)
        return block
    }

    @inlinable
    package func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        if value.isEmpty { return UnsafeMutablePointer(mutating: pnbridge_empty_string()) }
        var value = value
        return value.withUTF8 { utf8 in
            let out = allocate(CChar.self, count: utf8.count + 1)
            UnsafeMutableRawPointer(out).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            out[utf8.count] = 0
            return out
        }
    }

    @inlinable
    package func strings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(UnsafeMutablePointer<CChar>?.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = string(value) }
        return (values.count, out)
    }

    @inlinable
    package func bytes(_ value: [UInt8]) -> ProtobufCBinaryData {
        guard !value.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let out = allocate(UInt8.self, count: value.count)
        value.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: value.count) }
        return ProtobufCBinaryData(len: value.count, data: out)
    }

    @inlinable
    package func byteArrays(_ values: [[UInt8]]) -> (Int, UnsafeMutablePointer<ProtobufCBinaryData>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(ProtobufCBinaryData.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = bytes(value) }
        return (values.count, out)
    }

    @inlinable
    package func scalars<S, C>(_ values: [S], _ convert: (S) -> C) -> (Int, UnsafeMutablePointer<C>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(C.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = convert(value) }
        return (values.count, out)
    }

    @inlinable
    package func message<M: ProtoBridged>(_ value: M?) -> UnsafeMutablePointer<M.CMessage>? {
        guard let value else { return nil }
        let out = allocate(M.CMessage.self, count: 1)
        value.fill(out, arena: self)
        return out
    }

    @inlinable
    package func messages<M: ProtoBridged>(_ values: [M]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(UnsafeMutablePointer<M.CMessage>?.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = message(value) }
        return (values.count, out)
    }
}
