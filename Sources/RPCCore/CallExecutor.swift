/// How a call runs, whichever transport carried it (PNRPC over TCP, the in-process caller
/// and through it the Connect gateway): the handler runs in a server span when tracing is
/// on, any error it throws becomes a status (one it did not mean — not an `RPCError` and
/// so INTERNAL — is logged with its details, which never reach the client), and the
/// trailers it added are collected.
///
/// Deadlines: a transport that keeps its own timer per call (the TCP server ends the call
/// and cancels its task) uses `run`; one without uses `runRacingDeadline`. A server stream
/// ends with UNAVAILABLE `DRAINING` when `drain` begins (`StreamDrain`).
public enum CallExecutor {
    /// What a call ended with: its response or status, and the trailers its handler added.
    public struct Outcome: Sendable {
        public var result: Result<[UInt8], RPCError>
        public var trailers: Metadata
    }

    /// Runs `handler` for one call with `request` until it returns or its task is cancelled.
    public static func run(
        _ handler: RPCMethodHandler,
        request: [UInt8],
        context: ServerContext,
        writer: RawResponseWriter,
        drain: StreamDrain
    ) async -> Outcome {
        let result = await RPCTracing.server(handler.descriptor, metadata: context.metadata) { () async -> Result<[UInt8], RPCError> in
            await invoke(handler, request, context, writer, drain)
        }
        return Outcome(result: result, trailers: context.responseMetadata.current)
    }

    /// Like `run`, and the call ends with DEADLINE_EXCEEDED (its handler cancelled) when the
    /// context's deadline passes first.
    public static func runRacingDeadline(
        _ handler: RPCMethodHandler,
        request: [UInt8],
        context: ServerContext,
        writer: RawResponseWriter,
        drain: StreamDrain
    ) async -> Outcome {
        guard let deadline = context.deadline else {
            return await run(handler, request: request, context: context, writer: writer, drain: drain)
        }
        let result = await RPCTracing.server(handler.descriptor, metadata: context.metadata) { () async -> Result<[UInt8], RPCError> in
            await withTaskGroup(of: Result<[UInt8], RPCError>?.self) { group in
                group.addTask { await invoke(handler, request, context, writer, drain) }
                group.addTask {
                    do {
                        try await Task.sleep(until: deadline, clock: .continuous)
                    } catch {
                        return nil
                    }
                    return .failure(.deadlineExceeded)
                }
                var outcome: Result<[UInt8], RPCError> = .failure(.deadlineExceeded)
                if let first = await group.next(), let result = first {
                    outcome = result
                }
                group.cancelAll()
                return outcome
            }
        }
        return Outcome(result: result, trailers: context.responseMetadata.current)
    }

    /// Runs an inline handler (`RPCMethodHandler.inline`) in place, on the caller's thread,
    /// in the same span as `run` would make. The response goes to `sink` as it is encoded
    /// (its size, then a closure that writes exactly that many bytes), once the
    /// implementation returned: the transport writes it straight into its outbound buffer.
    /// - Returns: the call's status when it failed (then nothing reached `sink`), `nil`
    ///   when it succeeded.
    public static func runInline(
        _ inline: @Sendable (UnsafeRawBufferPointer, ServerContext, inout ResponseOutput) throws -> Void,
        method: MethodDescriptor,
        request: UnsafeRawBufferPointer,
        context: ServerContext,
        sink: some ResponseSink
    ) -> RPCError? {
        let result = RPCTracing.serverInline(method, metadata: context.metadata) { () -> Result<Void, RPCError> in
            var output = ResponseOutput(sink)
            do {
                try inline(request, context, &output)
                return .success(())
            } catch {
                return .failure(status(of: error, context))
            }
        }
        if case .failure(let error) = result { return error }
        return nil
    }

    private static func invoke(
        _ handler: RPCMethodHandler,
        _ request: [UInt8],
        _ context: ServerContext,
        _ writer: RawResponseWriter,
        _ drain: StreamDrain
    ) async -> Result<[UInt8], RPCError> {
        guard handler.descriptor.kind == .serverStreaming else { return await invoke(handler, request, context, writer) }
        if drain.isDraining { return .failure(StreamDrain.ended) }
        return await withTaskGroup(of: Result<[UInt8], RPCError>?.self) { group in
            group.addTask { await invoke(handler, request, context, writer) }
            group.addTask {
                await drain.wait()
                return Task.isCancelled ? nil : .failure(StreamDrain.ended)
            }
            var outcome: Result<[UInt8], RPCError> = .failure(StreamDrain.ended)
            if let first = await group.next(), let result = first {
                outcome = result
            }
            group.cancelAll()
            return outcome
        }
    }

    private static func invoke(
        _ handler: RPCMethodHandler,
        _ request: [UInt8],
        _ context: ServerContext,
        _ writer: RawResponseWriter
    ) async -> Result<[UInt8], RPCError> {
        do {
            return .success(try await handler.invoke(request, context, writer))
        } catch {
            return .failure(status(of: error, context))
        }
    }

    /// The status a handler's error becomes; one it did not mean is logged.
    private static func status(of error: any Error, _ context: ServerContext) -> RPCError {
        let converted = RPCError.from(error)
        if converted.code == .internal, !(error is RPCError) {
            context.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
        }
        return converted
    }
}
