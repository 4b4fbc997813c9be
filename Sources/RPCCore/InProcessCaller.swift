import Logging

/// Runs calls against a router in this process, with no network and no framing:
/// fast unit tests of services. Deadlines, cancellation and error conversion behave
/// as over a connection; encoding still goes through protobuf-c.
public struct InProcessCaller: RPCCaller {
    private let router: RPCRouter
    private let defaultMetadata: Metadata
    private let peer: String
    private let logger: Logger

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
        self.peer = peer
        self.logger = logger
    }

    private func context(_ method: MethodDescriptor, _ options: CallOptions) -> ServerContext {
        var metadata = defaultMetadata
        for entry in options.metadata { metadata.add(entry.key, entry.value) }
        let deadline = options.timeout.map { ContinuousClock.now + $0 }
        return ServerContext(method: method, callID: 0, metadata: metadata, deadline: deadline, peer: peer, logger: logger)
    }

    public func unaryCall(
        _ method: MethodDescriptor,
        request: [UInt8],
        options: CallOptions
    ) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let handler = try router.route(method.path).get()
        let context = context(method, options)
        let result = await DeadlineRace.run(deadline: context.deadline) {
            try await handler.invoke(request, context, RawResponseWriter { _ in })
        }
        return UnaryResponse(message: try result.get(), metadata: context.responseMetadata.current)
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
            let result = await DeadlineRace.run(deadline: context.deadline) {
                try await handler.invoke(request, context, writer)
            }
            switch result {
            case .success: continuation.finish()
            case .failure(let error): continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// Runs a handler until it finishes or its deadline passes, whichever comes first.
enum DeadlineRace {
    static func run(
        deadline: ContinuousClock.Instant?,
        _ body: @escaping @Sendable () async throws -> [UInt8]
    ) async -> Result<[UInt8], RPCError> {
        guard let deadline else {
            do { return .success(try await body()) } catch { return .failure(RPCError.from(error)) }
        }
        return await withTaskGroup(of: Result<[UInt8], RPCError>?.self) { group in
            group.addTask {
                do { return .success(try await body()) } catch { return .failure(RPCError.from(error)) }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                } catch {
                    return nil
                }
                return .failure(RPCError.deadlineExceeded)
            }
            var outcome: Result<[UInt8], RPCError> = .failure(RPCError.deadlineExceeded)
            if let first = await group.next(), let result = first {
                outcome = result
            }
            group.cancelAll()
            return outcome
        }
    }
}

extension RPCError {
    /// The error of a call whose deadline passed.
    public static let deadlineExceeded = RPCError(
        code: .deadlineExceeded,
        message: "the deadline passed before the call completed",
        reason: .deadlineExceeded
    )
}
