/// Bounds on what decoding one message may cost, so hostile input cannot exhaust memory.
///
/// protobuf-c allocates a C struct per sub-message; a repeated field of empty
/// sub-messages costs 2 bytes on the wire and far more in memory (measured 172× here).
/// Decoding fails with `ProtoDecodingError.allocationLimitExceeded` once the
/// allocations of one decode pass `allocationBudget(forInputSize:)`.
public struct DecodingLimits: Sendable, Hashable {
    /// The largest encoded message accepted, in bytes.
    public var maxMessageSize: Int
    /// Bytes of allocation allowed whatever the input size.
    public var baseAllocationBudget: Int
    /// Bytes of allocation allowed per byte of input, on top of the base.
    public var allocationBudgetPerInputByte: Int

    /// Limits with the defaults: 4 MiB messages, 1 MiB + 8 bytes per input byte of allocation.
    public init(maxMessageSize: Int = 4 << 20, baseAllocationBudget: Int = 1 << 20, allocationBudgetPerInputByte: Int = 8) {
        self.maxMessageSize = maxMessageSize
        self.baseAllocationBudget = baseAllocationBudget
        self.allocationBudgetPerInputByte = allocationBudgetPerInputByte
    }

    /// The allocation budget for decoding `size` bytes.
    public func allocationBudget(forInputSize size: Int) -> Int {
        baseAllocationBudget + size * allocationBudgetPerInputByte
    }
}

/// Why bytes could not be decoded as a message.
public enum ProtoDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not a valid protobuf encoding of the expected message.
    case malformed
    /// The encoding is larger than `DecodingLimits.maxMessageSize`.
    case messageTooLarge(size: Int, limit: Int)
    /// Decoding would allocate more than the budget of `DecodingLimits`.
    case allocationLimitExceeded(budget: Int)
    /// A string field holds bytes that are not valid UTF-8.
    case invalidUTF8
    /// A string field holds a NUL character (U+0000), which protobuf-c's C strings cannot
    /// carry: refused, never cut short.
    case nulInString

    public var description: String {
        switch self {
        case .malformed: return "the bytes are not a valid encoding of the message"
        case .messageTooLarge(let size, let limit): return "message of \(size) bytes exceeds the limit of \(limit) bytes"
        case .allocationLimitExceeded(let budget): return "decoding the message would allocate more than \(budget) bytes"
        case .invalidUTF8: return "a string field is not valid UTF-8"
        case .nulInString: return "a string field holds a NUL character (U+0000)"
        }
    }
}
