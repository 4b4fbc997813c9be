import RPCCore

/// The interop test service: echoes sizes, statuses, metadata and deadlines as the
/// gRPC interop cases expect. Metadata `x-echo-initial` and `x-echo-trailing` sent by
/// the caller comes back in the response metadata.
public struct InteropTestService: TestServiceService {
    private let runsInline: Bool

    /// The service; with `inline` (the default) EmptyCall, CountPayloads and Echo, which
    /// never wait, are declared inline handlers (run on the connection's event loop).
    public init(inline: Bool = true) {
        runsInline = inline
    }

    public var inlineHandlers: [RPCMethodHandler] {
        guard runsInline else { return [] }
        return [
            RPCMethodHandler(TestServiceMethods.emptyCall, inline: emptyCallNow),
            RPCMethodHandler(TestServiceMethods.countPayloads, inline: countPayloadsNow),
            RPCMethodHandler(TestServiceMethods.echo, inline: echoNow),
        ]
    }

    public func emptyCall(request: Empty, context: ServerContext) async throws -> Empty {
        emptyCallNow(request, context)
    }

    private func emptyCallNow(_ request: Empty, _ context: ServerContext) -> Empty {
        echoMetadata(context)
        return Empty()
    }

    public func unaryCall(request: SimpleRequest, context: ServerContext) async throws -> SimpleResponse {
        echoMetadata(context)
        if request.sleepMillis > 0 {
            try await Task.sleep(for: .milliseconds(Int(request.sleepMillis)))
        }
        if let status = request.responseStatus, status.code != 0 {
            throw Self.error(status)
        }
        var response = SimpleResponse()
        response.payload = Payload(size: Int(request.responseSize))
        if request.reportDeadline {
            response.deadlineRemainingMillis = context.timeRemaining?.milliseconds ?? -1
        }
        return response
    }

    public func streamingOutputCall(
        request: StreamingOutputCallRequest,
        context: ServerContext,
        responses: ResponseStreamWriter<StreamingOutputCallResponse>
    ) async throws {
        echoMetadata(context)
        for parameters in request.responseParameters {
            if parameters.intervalMillis > 0 {
                try await Task.sleep(for: .milliseconds(Int(parameters.intervalMillis)))
            }
            var response = StreamingOutputCallResponse()
            response.payload = Payload(size: Int(parameters.size))
            try await responses.write(response)
        }
        if let status = request.responseStatus, status.code != 0 {
            throw Self.error(status)
        }
    }

    public func countPayloads(request: ManyPayloads, context: ServerContext) async throws -> SimpleResponse {
        countPayloadsNow(request, context)
    }

    private func countPayloadsNow(_ request: ManyPayloads, _ context: ServerContext) -> SimpleResponse {
        var response = SimpleResponse()
        response.deadlineRemainingMillis = Int64(request.payloads.count + request.names.count)
        return response
    }

    public func echo(request: Payload, context: ServerContext) async throws -> Payload {
        request
    }

    private func echoNow(_ request: Payload, _ context: ServerContext) -> Payload {
        request
    }

    private func echoMetadata(_ context: ServerContext) {
        for key in ["x-echo-initial", "x-echo-trailing"] {
            for value in context.metadata.values(for: key) {
                context.responseMetadata.add(key, value)
            }
        }
    }

    private static func error(_ status: EchoStatus) -> RPCError {
        RPCError(
            code: StatusCode(wireValue: status.code),
            message: status.message,
            details: status.reason.isEmpty ? nil : ErrorDetails(reason: status.reason, domain: "pnrpc.testing.v1")
        )
    }
}

extension Payload {
    /// A payload of `size` zero bytes.
    public init(size: Int) {
        self.init()
        body = [UInt8](repeating: 0, count: max(0, size))
    }
}
