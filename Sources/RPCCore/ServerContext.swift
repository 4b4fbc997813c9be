import Logging
import ProtoBridge
import Synchronization

/// What a handler knows about the call it serves.
public struct ServerContext: Sendable {
    /// The method being called.
    public let method: MethodDescriptor
    /// The call's id on its connection (0 for in-process calls).
    public let callID: UInt64
    /// The request metadata, including `authorization`.
    public let metadata: Metadata
    /// When the caller stops waiting; `nil` when the call has no timeout. Pass
    /// `timeRemaining` downstream so work beyond it is not started.
    public let deadline: ContinuousClock.Instant?
    /// The remote address, e.g. `127.0.0.1:50312`, or `in-process`.
    public let peer: String
    /// A logger carrying `rpc.method` and `rpc.call_id` (and `rpc.peer` over TCP).
    ///
    /// The call's metadata is attached when the logger is first read, not per call:
    /// attaching metadata re-renders it in most log handlers, which would cost every
    /// call even when the handler never logs.
    public var logger: Logger {
        get {
            if loggerIsFinal { return baseLogger }
            var logger = baseLogger
            logger[metadataKey: "rpc.method"] = .string(method.path)
            logger[metadataKey: "rpc.call_id"] = .stringConvertible(callID)
            return logger
        }
        set {
            baseLogger = newValue
            loggerIsFinal = true
        }
    }
    private var baseLogger: Logger
    private var loggerIsFinal = false
    /// Metadata the handler wants sent back with the status (trailers).
    public let responseMetadata: ResponseMetadata
    /// Limits for decoding the request.
    public let decodingLimits: DecodingLimits

    /// A context; transports create these, tests may too.
    public init(
        method: MethodDescriptor,
        callID: UInt64,
        metadata: Metadata,
        deadline: ContinuousClock.Instant?,
        peer: String,
        logger: Logger,
        decodingLimits: DecodingLimits = .init()
    ) {
        self.method = method
        self.callID = callID
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.baseLogger = logger
        self.responseMetadata = ResponseMetadata()
        self.decodingLimits = decodingLimits
    }

    /// The time left until the deadline (negative once it passed); `nil` without one.
    public var timeRemaining: Duration? {
        deadline.map { $0 - ContinuousClock.now }
    }
}

/// Response metadata a handler adds while it runs; sent with the call's status.
public final class ResponseMetadata: Sendable {
    private let storage = Mutex(Metadata())

    init() {}

    /// Appends a pair to the response metadata.
    public func add(_ key: String, _ value: String) {
        storage.withLock { $0.add(key, value) }
    }

    /// Everything added so far.
    public var current: Metadata {
        storage.withLock { $0 }
    }
}
