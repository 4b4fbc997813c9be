package import CProtobufC
internal import Glibc

/// Owns the C memory of a message being encoded: every string, array and sub-message
/// the filled struct points to. Everything is freed together when the arena's scope
/// ends, so nothing built for `protobuf_c_message_pack` can leak or be freed twice.
///
/// `ProtoArena.withArena` keeps the arena's bookkeeping and its first kilobyte on the
/// stack: encoding a small message allocates nothing on the heap.
///
/// The type is public (with nothing public in it) only because Swift 6.3 neither
/// inlines nor specializes `@inlinable` members of `package` types in other modules:
/// generic helpers here must be specialized in generated code, or every field costs
/// runtime generic metadata lookups and heap-allocated temporaries.
public struct ProtoArena {
    @usableFromInline static let chunkSize = 4096
    /// Bytes of stack `withArena` gives an arena as its first chunk (at most 1 KiB: larger
    /// temporary allocations are not guaranteed to stay on the stack).
    @usableFromInline static let stackChunkSize = 1024

    @usableFromInline let state: UnsafeMutablePointer<ProtoArenaState>

    /// Runs `body` with an arena that lives until `body` returns.
    package static func withArena<R>(_ body: (ProtoArena) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: stackChunkSize, alignment: 16) { chunk in
            withUnsafeTemporaryAllocation(of: ProtoArenaState.self, capacity: 1) { state in
                let pointer = state.baseAddress!
                pointer.initialize(to: ProtoArenaState(chunk: chunk.baseAddress!, chunkCapacity: chunk.count))
                defer {
                    for block in pointer.pointee.blocks { free(block) }
                    pointer.deinitialize(count: 1)
                }
                return body(ProtoArena(state: pointer))
            }
        }
    }

    @usableFromInline
    init(state: UnsafeMutablePointer<ProtoArenaState>) {
        self.state = state
    }

    /// Uninitialised, 16-byte aligned memory for `count` values of `T`, owned by the arena.
    @inlinable
    package func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocateRaw(byteCount: MemoryLayout<T>.stride * count).bindMemory(to: T.self, capacity: count)
    }

    /// Uninitialised, 16-byte aligned memory of `byteCount` bytes, owned by the arena.
    @usableFromInline
    func allocateRaw(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (max(1, byteCount) + 15) & ~15
        if size > Self.chunkSize / 2 {
            return newBlock(size)
        }
        if state.pointee.used + size > state.pointee.chunkCapacity {
            state.pointee.chunk = newBlock(Self.chunkSize)
            state.pointee.chunkCapacity = Self.chunkSize
            state.pointee.used = 0
        }
        let raw = state.pointee.chunk + state.pointee.used
        state.pointee.used += size
        return raw
    }

    private func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        guard let block = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
        state.pointee.blocks.append(block)
        return block
    }

    /// `value` as a C string owned by the arena. A NUL inside it, which would end the C
    /// string there, is written as U+FFFD instead and noted (`ProtoArenaState.replacedNUL`):
    /// a string is never cut short.
    package func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        if value.isEmpty { return UnsafeMutablePointer(mutating: pnbridge_empty_string()) }
        var value = value
        return value.withUTF8 { utf8 in
            if memchr(utf8.baseAddress!, 0, utf8.count) != nil { return stringReplacingNUL(utf8) }
            let out = allocate(CChar.self, count: utf8.count + 1)
            UnsafeMutableRawPointer(out).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            out[utf8.count] = 0
            return out
        }
    }

    private func stringReplacingNUL(_ utf8: UnsafeBufferPointer<UInt8>) -> UnsafeMutablePointer<CChar> {
        state.pointee.replacedNUL = true
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 8)
        for byte in utf8 {
            if byte == 0 { bytes.append(contentsOf: replacement) } else { bytes.append(byte) }
        }
        let out = allocate(CChar.self, count: bytes.count + 1)
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(out).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        out[bytes.count] = 0
        return out
    }

    package func strings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(UnsafeMutablePointer<CChar>?.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = string(value) }
        return (values.count, out)
    }

    package func bytes(_ value: [UInt8]) -> ProtobufCBinaryData {
        guard !value.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let out = allocate(UInt8.self, count: value.count)
        value.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: value.count) }
        return ProtobufCBinaryData(len: value.count, data: out)
    }

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

    /// A filled C struct for `value`, or `nil`; `fill` is the message's `fill(_:arena:)`.
    @inlinable
    package func message<M, C>(_ value: M?, _ fill: (M, UnsafeMutablePointer<C>) -> Void) -> UnsafeMutablePointer<C>? {
        guard let value else { return nil }
        let out = allocate(C.self, count: 1)
        fill(value, out)
        return out
    }

    /// An array of filled C structs for `values`; `fill` is the messages' `fill(_:arena:)`.
    @inlinable
    package func messages<M, C>(
        _ values: [M],
        _ fill: (M, UnsafeMutablePointer<C>) -> Void
    ) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<C>?>?) {
        guard !values.isEmpty else { return (0, nil) }
        let out = allocate(UnsafeMutablePointer<C>?.self, count: values.count)
        for (index, value) in values.enumerated() { out[index] = message(value, fill) }
        return (values.count, out)
    }
}

/// An arena's bookkeeping: the current chunk and the heap blocks to free.
@usableFromInline
struct ProtoArenaState {
    var chunk: UnsafeMutableRawPointer
    var chunkCapacity: Int
    var used = 0
    var blocks: [UnsafeMutableRawPointer] = []
    /// A string held a NUL and was written with U+FFFD in its place.
    var replacedNUL = false

    init(chunk: UnsafeMutableRawPointer, chunkCapacity: Int) {
        self.chunk = chunk
        self.chunkCapacity = chunkCapacity
    }
}
