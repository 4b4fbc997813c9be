import PhoneNumbersClient

/// A client that calls the service's handlers in this process: no socket, no framing,
/// the same `CallExecutor` as the TCP server. With it the service suite runs as fast unit
/// tests (`PHONE_NUMBERS_TEST_TRANSPORT=inprocess`); the TCP and Connect passes stay.
struct InProcessConnection: RPCConnectionClient {
    private let caller: InProcessCaller

    /// A client of `router`'s services sending `token` as its bearer token.
    init(router: RPCRouter, token: String?) {
        var metadata = Metadata()
        if let token, !token.isEmpty { metadata.add("authorization", "Bearer \(token)") }
        caller = InProcessCaller(router: router, metadata: metadata, peer: "127.0.0.1:0")
    }

    func unaryCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        try await caller.unaryCall(method, request: request, options: options)
    }

    func serverStreamingCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) -> AsyncThrowingStream<[UInt8], any Error>
    {
        caller.serverStreamingCall(method, request: request, options: options)
    }

    func ping() async throws(RPCError) -> Duration { .zero }

    func close() async {}

    var preferredTaskExecutor: any TaskExecutor { globalConcurrentExecutor }
}
