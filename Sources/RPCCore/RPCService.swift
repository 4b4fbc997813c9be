import ProtoBridge

/// A service: a set of method handlers. Generated `…Service` protocols refine it and
/// supply `methodHandlers` from the methods you implement.
public protocol RPCService: Sendable {
    /// One handler per method.
    var methodHandlers: [RPCMethodHandler] { get }
    /// The JSON mapping of each method, for JSON transports; empty when the service has none.
    var jsonTranscoders: [JSONTranscoder] { get }
    /// Unary methods this service answers without suspending, made with
    /// `RPCMethodHandler(_:inline:)`; each replaces the handler of the same method in
    /// `methodHandlers`. The TCP server runs them on the connection's event loop as the
    /// request is read: no task, no hop. Empty by default.
    var inlineHandlers: [RPCMethodHandler] { get }
}

extension RPCService {
    /// No JSON mapping unless the service supplies one (generated services do).
    public var jsonTranscoders: [JSONTranscoder] { [] }
    /// No method runs inline unless the service says so.
    public var inlineHandlers: [RPCMethodHandler] { [] }
}

/// Writes the responses of a server-streaming call. `write` waits while the
/// connection cannot take more (backpressure) and throws once the call has ended.
public struct ResponseStreamWriter<Message: ProtoMessage>: Sendable {
    @usableFromInline let raw: RawResponseWriter

    @inlinable
    init(raw: RawResponseWriter) {
        self.raw = raw
    }

    /// Sends one response message.
    public func write(_ message: Message) async throws {
        try await raw.write(message.serializedBytes())
    }
}

/// The transport's side of a response stream: encoded messages in, frames out.
public struct RawResponseWriter: Sendable {
    /// Sends one encoded response; waits for the connection to take it.
    public let write: @Sendable ([UInt8]) async throws -> Void

    /// A writer that hands each encoded message to `write`.
    public init(write: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.write = write
    }

    /// The writer a unary call gets: unary handlers return their response instead.
    public static let unary = RawResponseWriter { _ in
        throw RPCError(code: .internal, message: "a unary method cannot stream responses", reason: .notStreaming)
    }
}

/// A type-erased method handler: decodes the request, runs the implementation and
/// encodes the response. Transports call `invoke`.
public struct RPCMethodHandler: Sendable {
    /// The method served.
    public let descriptor: MethodDescriptor
    /// Runs the call on an encoded request. For a unary method it returns the encoded
    /// response; for a streaming one it writes to the writer and returns `[]`.
    /// Throws what the implementation throws, or `RPCError` INVALID_ARGUMENT for an
    /// undecodable request.
    public let invoke: @Sendable ([UInt8], ServerContext, RawResponseWriter) async throws -> [UInt8]
    /// The same call for a transport that runs it in place, when the method was declared
    /// inline (`init(_:inline:)`); `nil` for every other handler. The request is read from
    /// the transport's own bytes, valid only during the call; the response is encoded
    /// into the transport's `output` (its outbound buffer), after the implementation
    /// returned (its trailers are set by then).
    public let inline: (@Sendable (UnsafeRawBufferPointer, ServerContext, inout ResponseOutput) throws -> Void)?

    /// A handler for a unary method.
    @inlinable
    public init<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        implementation: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        descriptor = method.descriptor
        invoke = { bytes, context, _ in
            let request = try Request.decodeRequest(bytes, limits: context.decodingLimits)
            return try await implementation(request, context).serializedBytes()
        }
        inline = nil
    }

    /// A handler for a unary method that answers without suspending: the implementation
    /// is synchronous, so it cannot wait on anything, and the TCP server runs it on the
    /// connection's event loop as the request is read (while it runs, that connection and
    /// the others on its loop wait: keep it to computation on the request and on memory,
    /// never blocking I/O or locks held for long). Other transports call it through `invoke`.
    @inlinable
    public init<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        inline implementation: @escaping @Sendable (Request, ServerContext) throws -> Response
    ) {
        descriptor = method.descriptor
        invoke = { bytes, context, _ in
            var response: [UInt8] = []
            try bytes.withUnsafeBytes { try Self.answer(implementation, $0, context, into: &response) }
            return response
        }
        inline = { bytes, context, output in
            try Self.answer(implementation, bytes, context, into: &output)
        }
    }

    /// Decodes the request, runs a synchronous implementation and appends the encoded
    /// response to `output`: the one step behind both entries of an inline handler.
    @inlinable
    static func answer<Request: ProtoMessage, Response: ProtoMessage>(
        _ implementation: (Request, ServerContext) throws -> Response,
        _ bytes: UnsafeRawBufferPointer,
        _ context: ServerContext,
        into output: inout some ProtoOutput
    ) throws {
        try implementation(try Request.decodeRequest(bytes, limits: context.decodingLimits), context).serialize(into: &output)
    }

    /// A handler for a server-streaming method.
    @inlinable
    public init<Request, Response>(
        _ method: ServerStreamingMethod<Request, Response>,
        implementation: @escaping @Sendable (Request, ServerContext, ResponseStreamWriter<Response>) async throws -> Void
    ) {
        descriptor = method.descriptor
        invoke = { bytes, context, writer in
            let request = try Request.decodeRequest(bytes, limits: context.decodingLimits)
            try await implementation(request, context, ResponseStreamWriter(raw: writer))
            return []
        }
        inline = nil
    }
}

extension ProtoMessage {
    /// Decodes a request, turning decoding failures into the documented `RPCError`s.
    @inlinable
    static func decodeRequest(_ bytes: [UInt8], limits: DecodingLimits) throws(RPCError) -> Self {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(RPCError) in try decodeRequest(raw, limits: limits) } }
        return try result.get()
    }

    /// Decodes a request read in place, turning decoding failures into the documented `RPCError`s.
    @inlinable
    static func decodeRequest(_ bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws(RPCError) -> Self {
        do {
            return try Self(serializedBytes: bytes, limits: limits)
        } catch {
            throw RPCError(decoding: error, what: "request")
        }
    }
}

extension RPCError {
    /// The documented error for a message that could not be decoded.
    public init(decoding error: ProtoDecodingError, what: String) {
        switch error {
        case .malformed:
            self.init(code: .invalidArgument, message: "the \(what) message could not be decoded", reason: .malformedMessage)
        case .invalidUTF8:
            self.init(code: .invalidArgument, message: "the \(what) message has a string that is not valid UTF-8", reason: .invalidUtf8)
        case .nulInString:
            self = .nulInString(what: what, field: nil)
        case .allocationLimitExceeded(let budget):
            self.init(
                code: .invalidArgument,
                message: "the \(what) message is too complex to decode",
                reason: .messageTooComplex,
                metadata: ["allocation_budget": String(budget)]
            )
        case .messageTooLarge(let size, let limit):
            self.init(
                code: .resourceExhausted,
                message: "the \(what) message of \(size) bytes exceeds the limit of \(limit) bytes",
                reason: .messageTooLarge,
                metadata: ["limit": String(limit)]
            )
        }
    }
}

extension RPCError {
    /// INVALID_ARGUMENT `NUL_IN_STRING`: a string field of the `what` message holds a NUL
    /// (U+0000), which protobuf-c's C strings cannot carry; refused instead of cut short.
    /// `field` is its path when known (metadata `field`).
    public static func nulInString(what: String, field: String?) -> RPCError {
        RPCError(
            code: .invalidArgument,
            message:
                "the \(what) message has a string with a NUL character (U+0000)\(field.map { " in \($0)" } ?? ""); strings must not contain it",
            reason: .nulInString,
            metadata: field.map { ["field": $0] } ?? [:]
        )
    }
}

/// Where an inline handler's response goes: the transport's outbound buffer.
public protocol ResponseSink: AnyObject {
    /// Takes the encoded response: `fill` writes exactly `count` bytes where they belong.
    func appendResponse(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void)
}

/// Where an inline handler encodes its response: the transport's sink, for the duration
/// of the call (a reference, so nothing is allocated per call).
public struct ResponseOutput: ProtoOutput {
    @usableFromInline
    unowned(unsafe) let sink: any ResponseSink

    /// An output writing to `sink`, which must outlive it.
    public init(_ sink: any ResponseSink) {
        self.sink = sink
    }

    @inlinable
    public mutating func appendSerialized(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        sink.appendResponse(count: count, fill)
    }
}
