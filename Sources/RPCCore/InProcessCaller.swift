import Logging
import ProtoBridge

/// Runs calls against a router in this process, with no network and no framing:
/// fast unit tests of services, and the Connect gateway. Calls run through the same
/// `CallExecutor` as over a connection (spans, error conversion, trailers; deadlines
/// raced here); encoding still goes through protobuf-c.
public struct InProcessCaller: RPCCaller {
    private let router: RPCRouter
    private let defaultMetadata: Metadata
    /// The peer, logger and limits every call's context shares.
    private let facts: ConnectionFacts

    /// A caller for the services of `router`, sending `metadata` with every call; handlers
    /// see `peer` as the caller's address (a gateway passes its client's).
    public init(
        router: RPCRouter,
        metadata: Metadata = [:],
        peer: String = "in-process",
        logger: Logger = Logger(label: "pnrpc.in-process")
    ) {
        self.router = router
        self.defaultMetadata = metadata
        facts = ConnectionFacts(peer: peer, logger: logger, decodingLimits: DecodingLimits())
    }

    private func context(_ method: MethodDescriptor, _ options: CallOptions) -> ServerContext {
        var metadata = defaultMetadata
        for entry in options.metadata { metadata.add(entry.key, entry.value) }
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        return ServerContext(method: method, callID: 0, metadata: metadata, deadline: deadline, connection: facts)
    }

    public func unaryCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let handler = try router.route(method.path).get()
        let context = context(method, options)
        let outcome = await CallExecutor.runRacingDeadline(
            handler,
            request: request,
            context: context,
            writer: .unary,
            drain: router.streamDrain
        )
        return UnaryResponse(message: try outcome.result.get(), metadata: outcome.trailers)
    }

    public func serverStreamingCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let handler: RPCMethodHandler
        switch router.route(method.path) {
        case .success(let found): handler = found
        case .failure(let error):
            continuation.finish(throwing: error)
            return stream
        }
        let context = context(method, options)
        let task = Task {
            let writer = RawResponseWriter { bytes in
                try Task.checkCancellation()
                continuation.yield(bytes)
            }
            let outcome = await CallExecutor.runRacingDeadline(
                handler,
                request: request,
                context: context,
                writer: writer,
                drain: router.streamDrain
            )
            switch outcome.result {
            case .success: continuation.finish()
            case .failure(let error): continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
