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
    /// What the call shares with every other call of its connection, in one object: a
    /// context is made and copied for each call, and each copy then costs one reference
    /// count for these instead of one per field.
    private let connection: ConnectionFacts
    /// A logger the handler set in place of the connection's (`logger`'s setter).
    private var loggerSet: LoggerBox?
    /// Metadata the handler wants sent back with the status (trailers).
    public let responseMetadata: ResponseMetadata

    /// The remote address, e.g. `127.0.0.1:50312`, or `in-process`.
    public var peer: String { connection.peer }
    /// Limits for decoding the request.
    public var decodingLimits: DecodingLimits { connection.decodingLimits }

    /// A logger carrying `rpc.method` and `rpc.call_id` (and `rpc.peer` over TCP).
    ///
    /// The call's metadata is attached when the logger is first read, not per call:
    /// attaching metadata re-renders it in most log handlers, which would cost every
    /// call even when the handler never logs.
    public var logger: Logger {
        get {
            if let loggerSet { return loggerSet.logger }
            var logger = connection.logger
            logger[metadataKey: "rpc.method"] = .string(method.path)
            logger[metadataKey: "rpc.call_id"] = .stringConvertible(callID)
            return logger
        }
        set {
            loggerSet = LoggerBox(newValue)
        }
    }

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
        self.init(
            method: method,
            callID: callID,
            metadata: metadata,
            deadline: deadline,
            connection: ConnectionFacts(peer: peer, logger: logger, decodingLimits: decodingLimits)
        )
    }

    /// A context for a call on a connection whose facts the transport made once; its
    /// trailers are its own unless the transport passes a handle on storage it reuses.
    package init(
        method: MethodDescriptor,
        callID: UInt64,
        metadata: Metadata,
        deadline: ContinuousClock.Instant?,
        connection: ConnectionFacts,
        trailers: ResponseMetadata = ResponseMetadata()
    ) {
        self.method = method
        self.callID = callID
        self.metadata = metadata
        self.deadline = deadline
        self.connection = connection
        self.responseMetadata = trailers
    }

    /// The time left until the deadline (negative once it passed); `nil` without one.
    public var timeRemaining: Duration? {
        deadline.map { $0 - ContinuousClock.now }
    }
}

/// What every call of one connection (or one in-process caller) shares: its peer, its
/// logger and its decoding limits. Made once per connection by the transport.
package final class ConnectionFacts: Sendable {
    package let peer: String
    package let logger: Logger
    package let decodingLimits: DecodingLimits

    package init(peer: String, logger: Logger, decodingLimits: DecodingLimits) {
        self.peer = peer
        self.logger = logger
        self.decodingLimits = decodingLimits
    }
}

/// A logger a handler set on its context.
private final class LoggerBox: Sendable {
    let logger: Logger

    init(_ logger: Logger) {
        self.logger = logger
    }
}

/// Response metadata a handler adds while it runs; sent with the call's status. A handle on
/// its call's trailers: what is added after the call ended (through a context kept past
/// it) is dropped, never sent with another call.
public struct ResponseMetadata: Sendable {
    private let storage: TrailerStorage
    private let call: UInt64

    /// Trailers of their own, for one call.
    package init() {
        storage = TrailerStorage()
        call = 0
    }

    /// The trailers of call `call` in `storage`, which the transport reuses call after call
    /// (`TrailerStorage.begin(call:)`).
    package init(_ storage: TrailerStorage, call: UInt64) {
        self.storage = storage
        self.call = call
    }

    /// Appends a pair to the response metadata.
    public func add(_ key: String, _ value: String) {
        storage.add(key, value, forCall: call)
    }

    /// Everything added so far.
    public var current: Metadata {
        storage.current(forCall: call)
    }
}

/// The trailers of one call at a time: a connection reuses one for the calls it runs one
/// after another (inline calls), instead of allocating one per call.
package final class TrailerStorage: Sendable {
    private let state = Mutex<(call: UInt64, metadata: Metadata)>((0, Metadata()))

    package init() {}

    /// Starts the trailers of call `call`, empty; handles on earlier calls add nothing from now on.
    package func begin(call: UInt64) {
        state.withLock { $0 = (call, Metadata()) }
    }

    func add(_ key: String, _ value: String, forCall call: UInt64) {
        state.withLock { state in
            if state.call == call { state.metadata.add(key, value) }
        }
    }

    func current(forCall call: UInt64) -> Metadata {
        state.withLock { $0.call == call ? $0.metadata : Metadata() }
    }
}
