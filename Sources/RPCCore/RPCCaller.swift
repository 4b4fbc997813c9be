import ProtoBridge

/// Anything that can carry calls: a connection to a server (`RPCClient` in RPCNIO),
/// or an in-process router (`InProcessCaller`). Generated clients are built on it.
public protocol RPCCaller: Sendable {
    /// Sends one encoded request and returns the encoded response with the response metadata.
    /// - Throws: `RPCError` with the call's status when it is not OK.
    func unaryCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) async throws(RPCError) -> UnaryResponse<[UInt8]>

    /// Sends one encoded request; the stream yields encoded responses and ends with
    /// the call (throwing `RPCError` when its status is not OK). Dropping the stream
    /// or cancelling the consuming task cancels the call.
    func serverStreamingCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) -> AsyncThrowingStream<[UInt8], any Error>
}

extension RPCCaller {
    /// Calls a unary method with typed messages.
    /// - Throws: `RPCError`; an undecodable response is INTERNAL, reason `MALFORMED_RESPONSE`.
    @inlinable
    public func unary<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        request: Request,
        options: CallOptions = .init()
    ) async throws(RPCError) -> Response {
        try await unaryResponse(method, request: request, options: options).message
    }

    /// Calls a unary method and returns the response with its metadata.
    /// - Throws: `RPCError`, as `unary(_:request:options:)`.
    @inlinable
    public func unaryResponse<Request, Response>(
        _ method: UnaryMethod<Request, Response>,
        request: Request,
        options: CallOptions = .init()
    ) async throws(RPCError) -> UnaryResponse<Response> {
        try await RPCTracing.client(method.descriptor, options) { options throws(RPCError) in
            let raw = try await unaryCall(method.descriptor, request: try request.requestBytes(), options: options)
            return UnaryResponse(message: try Response.decodeResponse(raw.message), metadata: raw.metadata)
        }
    }

    /// Calls a server-streaming method with typed messages.
    public func serverStreaming<Request, Response>(
        _ method: ServerStreamingMethod<Request, Response>,
        request: Request,
        options: CallOptions = .init()
    ) -> RPCResponseStream<Response> {
        do throws(RPCError) {
            return RPCResponseStream(raw: serverStreamingCall(method.descriptor, request: try request.requestBytes(), options: options))
        } catch {
            return RPCResponseStream(raw: AsyncThrowingStream { $0.finish(throwing: error) })
        }
    }
}

extension ProtoMessage {
    /// The encoding of a request, refused before it is sent when one of its strings holds a
    /// NUL (INVALID_ARGUMENT `NUL_IN_STRING`): the encoding could not carry it whole.
    @inlinable
    public func requestBytes() throws(RPCError) -> [UInt8] {
        guard let bytes = serializedBytesKeepingStrings() else { throw RPCError.nulInString(what: "request", field: nil) }
        return bytes
    }
}

extension ProtoMessage {
    /// Decodes a response; an undecodable one is INTERNAL, reason `MALFORMED_RESPONSE`.
    @inlinable
    public static func decodeResponse(_ bytes: [UInt8]) throws(RPCError) -> Self {
        do {
            return try Self(serializedBytes: bytes)
        } catch {
            throw malformedResponse(error)
        }
    }

    /// Decodes a response from bytes in place; see `decodeResponse(_:)`.
    @inlinable
    public static func decodeResponse(_ bytes: UnsafeRawBufferPointer) throws(RPCError) -> Self {
        do {
            return try Self(serializedBytes: bytes, limits: DecodingLimits())
        } catch {
            throw malformedResponse(error)
        }
    }

    @usableFromInline
    static func malformedResponse(_ error: ProtoDecodingError) -> RPCError {
        RPCError(code: .internal, message: "the response could not be decoded: \(error)", reason: .malformedResponse)
    }
}

/// The answer of a unary call: the response and the metadata the server sent with it.
public struct UnaryResponse<Message: Sendable>: Sendable {
    /// The response message.
    public var message: Message
    /// The response metadata (trailers).
    public var metadata: Metadata

    /// A response with its metadata.
    public init(message: Message, metadata: Metadata) {
        self.message = message
        self.metadata = metadata
    }
}

/// The responses of a server-streaming call, decoded as they arrive. Iteration throws
/// `RPCError` when the call ends with a status other than OK.
public struct RPCResponseStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let raw: AsyncThrowingStream<[UInt8], any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator

        public mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            return try Message.decodeResponse(bytes)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: raw.makeAsyncIterator())
    }
}
