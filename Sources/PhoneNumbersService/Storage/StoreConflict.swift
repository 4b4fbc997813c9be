import RPCCore

/// A write the store refused because a uniqueness rule of its schema would break: another
/// write took the same value first (two numbers holding one E.164, a request id taken
/// twice). Both stores throw it for their unique violations, so that it is never an
/// INTERNAL error: a rule that can meet it handles it (a reservation whose number another
/// record holds), and anywhere else the caller hears ABORTED `WRITE_CONFLICT` and may try
/// again.
public struct StoreConflict: Error, RPCErrorConvertible, Sendable, CustomStringConvertible {
    /// What the store said (the constraint, never the values).
    public let detail: String

    public init(detail: String) {
        self.detail = detail
    }

    public var rpcError: RPCError {
        DomainError(
            .aborted,
            "WRITE_CONFLICT",
            "Another change took the same value at the same moment; nothing was changed. Try again."
        ).rpcError
    }

    public var description: String { "store conflict: \(detail)" }
}
