/// Finds the handler for a method path among the services a server offers.
public struct RPCRouter: Sendable {
    private var handlers: [String: RPCMethodHandler] = [:]
    private var serviceNames: Set<String> = []
    private var transcoders: [String: JSONTranscoder] = [:]
    /// Ends the streams of every transport that serves this router when the server drains.
    public let streamDrain = StreamDrain()

    /// A router over `services`. A service's inline handler replaces its handler of the same
    /// method; a later service's method replaces an earlier one's.
    public init(services: [any RPCService]) {
        for service in services {
            for handler in service.methodHandlers + service.inlineHandlers {
                handlers[handler.descriptor.path] = handler
                serviceNames.insert(handler.descriptor.service)
            }
            for transcoder in service.jsonTranscoders {
                transcoders[transcoder.descriptor.path] = transcoder
            }
        }
    }

    /// The fully qualified names of the services routed to.
    public var services: Set<String> { serviceNames }

    /// The JSON mapping of the method at `path`, when it has one.
    public func jsonTranscoder(_ path: String) -> JSONTranscoder? {
        transcoders[path]
    }

    /// The handler for `path`, or the UNIMPLEMENTED error to answer with (reason
    /// `UNKNOWN_SERVICE` or `UNKNOWN_METHOD`).
    public func route(_ path: String) -> Result<RPCMethodHandler, RPCError> {
        if let handler = handlers[path] {
            return .success(handler)
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].isEmpty, serviceNames.contains(String(parts[1])) {
            return .failure(
                RPCError(
                    code: .unimplemented,
                    message: "method \(path) is not implemented",
                    reason: .unknownMethod,
                    metadata: ["method": path]
                )
            )
        }
        return .failure(
            RPCError(code: .unimplemented, message: "no service serves \(path)", reason: .unknownService, metadata: ["method": path])
        )
    }
}
