/// The runtime's well-known errors, in one place: each carries its typed reason
/// (`RuntimeReason`), from which `RPCError.isSafeToRetry` decides.
extension RPCError {
    /// A call whose deadline passed before it completed.
    public static let deadlineExceeded = RPCError(
        code: .deadlineExceeded,
        message: "the deadline passed before the call completed",
        reason: .deadlineExceeded
    )

    /// A call its caller cancelled.
    public static let cancelledByCaller = RPCError(code: .cancelled, message: "the call was cancelled", reason: .cancelled)

    /// The refusal of a call that arrived after the server began draining; the call was
    /// not processed and is safe to send again elsewhere.
    public static let draining = RPCError(
        code: .unavailable,
        message: "the server is draining and takes no new calls; retry on a new connection",
        reason: .draining
    )

    /// A call cut short because the drain's grace period ran out.
    public static let serverShutdown = RPCError(
        code: .unavailable,
        message: "the server shut down before the call completed",
        reason: .serverShutdown
    )

    /// A call the client never sent (the connection was closing); safe to retry.
    public static let notSent = RPCError(
        code: .unavailable,
        message: "the connection is closing; the call was not sent",
        reason: .notSent
    )

    /// A call the server announced it did not process (GOAWAY); safe to retry.
    public static let notProcessed = RPCError(
        code: .unavailable,
        message: "the server went away without processing the call",
        reason: .notProcessed
    )

    /// A call sent on a connection that was lost before its answer: it may have been processed.
    public static let connectionLost = RPCError(
        code: .unavailable,
        message: "the connection was lost before the call completed; it may have been processed",
        reason: .connectionLost
    )
}
