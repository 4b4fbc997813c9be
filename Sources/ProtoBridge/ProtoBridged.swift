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

/// Unpacks `bytes` as the message `descriptor` describes, through protobuf-c with an
/// allocation budget, and hands the C message to `body`, which copies it into Swift
/// values; the C message is freed exactly once, when `body` returns.
///
/// Not generic on purpose (generated code calls it with a concrete closure): the budget
/// and a slab for small messages' structs then live on the stack.
package func protoUnpack(
    _ bytes: UnsafeRawBufferPointer,
    limits: DecodingLimits,
    descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
    _ body: (UnsafeRawPointer, inout ProtoDecodingContext) throws(ProtoDecodingError) -> Void
) throws(ProtoDecodingError) {
    guard bytes.count <= limits.maxMessageSize else {
        throw .messageTooLarge(size: bytes.count, limit: limits.maxMessageSize)
    }
    if let base = bytes.baseAddress, pnbridge_strings_hold_nul(descriptor, base.assumingMemoryBound(to: UInt8.self), bytes.count, 0) != 0 {
        throw .nulInString
    }
    let budgetLimit = limits.allocationBudget(forInputSize: bytes.count)
    try withUnsafeTemporaryAllocation(of: PNBudgetAllocator.self, capacity: 1) { budgetBuffer throws(ProtoDecodingError) in
        try withUnsafeTemporaryAllocation(byteCount: decodeSlabSize, alignment: 16) { slab throws(ProtoDecodingError) in
            let budget = budgetBuffer.baseAddress!
            pnbridge_budget_init(budget, budgetLimit, slab.baseAddress, slab.count)
            let allocator = pnbridge_budget_allocator(budget)
            let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard let unpacked = protobuf_c_message_unpack(descriptor, allocator, bytes.count, data) else {
                if budget.pointee.exhausted != 0 {
                    throw .allocationLimitExceeded(budget: budgetLimit)
                }
                throw .malformed
            }
            defer { protobuf_c_message_free_unpacked(unpacked, allocator) }
            var context = ProtoDecodingContext()
            try body(UnsafeRawPointer(unpacked), &context)
        }
    }
}

/// Packs a message through protobuf-c: `fill` fills the C struct (`messageSize` bytes,
/// initialised by the message's `fill`) from an arena whose first kilobyte is on the
/// stack (`ProtoArena.withArena`); `output` is handed the packed size and a function that writes the bytes.
///
/// - Returns: false when a string held a NUL, which a C string cannot carry: it was packed
///   with U+FFFD in its place (never cut short), and the caller tells its output
///   (`ProtoOutput.stringHeldNUL()`).
@discardableResult
package func protoPack(
    messageSize: Int,
    fill: (UnsafeMutableRawPointer, ProtoArena) -> Void,
    output: (Int, (UnsafeMutableRawBufferPointer) -> Void) -> Void
) -> Bool {
    ProtoArena.withArena { arena in
        let message = arena.allocateRaw(byteCount: messageSize)
        fill(message, arena)
        let base = message.assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(base)
        output(size) { buffer in
            guard let out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            _ = protobuf_c_message_pack(base, out)
        }
        return !arena.state.pointee.replacedNUL
    }
}

/// Bytes of stack a decode offers protobuf-c before it mallocs (at most 1 KiB: larger
/// temporary allocations are not guaranteed to stay on the stack).
let decodeSlabSize = 1024
