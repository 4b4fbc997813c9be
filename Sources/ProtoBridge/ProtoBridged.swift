package import CProtobufC

/// A message bridged to a protobuf-c struct; conformances are generated.
///
/// Package-internal: no C type is visible to users of the package's products.
package protocol ProtoBridged: ProtoMessage {
    /// The protobuf-c struct generated for this message.
    associatedtype CMessage
    /// The protobuf-c descriptor of `CMessage`.
    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }
    /// Copies an unpacked C message into a Swift value.
    init(cMessage: UnsafePointer<CMessage>, context: inout ProtoDecodingContext) throws(ProtoDecodingError)
    /// Initialises `message` and fills it from this value; memory it points to lives in `arena`.
    func fill(_ message: UnsafeMutablePointer<CMessage>, arena: ProtoArena)
}

extension ProtoBridged {
    /// Decodes through protobuf-c with an allocation budget; the unpacked C message is
    /// freed exactly once, before this returns.
    @inlinable
    package static func decodeBridged(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws(ProtoDecodingError) -> Self {
        guard bytes.count <= limits.maxMessageSize else {
            throw .messageTooLarge(size: bytes.count, limit: limits.maxMessageSize)
        }
        let budgetLimit = limits.allocationBudget(forInputSize: bytes.count)
        // The budget and a slab for the decoded structs live on the stack: a small message
        // decodes without touching the heap.
        return try withUnsafeTemporaryAllocation(of: PNBudgetAllocator.self, capacity: 1) { budgetBuffer throws(ProtoDecodingError) in
            try withUnsafeTemporaryAllocation(byteCount: decodeSlabSize, alignment: 16) { slab throws(ProtoDecodingError) in
                let budget = budgetBuffer.baseAddress!
                pnbridge_budget_init(budget, budgetLimit, slab.baseAddress, slab.count)
                let allocator = pnbridge_budget_allocator(budget)
                let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                guard let unpacked = protobuf_c_message_unpack(cDescriptor, allocator, bytes.count, data) else {
                    if budget.pointee.exhausted != 0 {
                        throw .allocationLimitExceeded(budget: budgetLimit)
                    }
                    throw .malformed
                }
                defer { protobuf_c_message_free_unpacked(unpacked, allocator) }
                var context = ProtoDecodingContext()
                let message = UnsafeRawPointer(unpacked).assumingMemoryBound(to: CMessage.self)
                return try Self(cMessage: message, context: &context)
            }
        }
    }

    /// Encodes through protobuf-c into `output`.
    @inlinable
    package func serializeBridged(into output: inout some ProtoOutput) {
        withUnsafeTemporaryAllocation(byteCount: ProtoArena.stackChunkSize, alignment: 16) { chunk in
            let arena = ProtoArena(firstChunk: chunk)
            let message = arena.allocate(CMessage.self, count: 1)
            fill(message, arena: arena)
            let base = UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
            let size = protobuf_c_message_get_packed_size(base)
            output.appendSerialized(count: size) { buffer in
                guard let out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
                _ = protobuf_c_message_pack(base, out)
            }
            withExtendedLifetime(arena) {}
        }
    }
}

/// Bytes of stack a decode offers protobuf-c before it mallocs.
@usableFromInline let decodeSlabSize = 2048
