import ProtoBridge

/// Whether a method answers once or with a stream.
public enum MethodKind: Sendable, Hashable {
    /// One request, one response.
    case unary
    /// One request, any number of responses, then the status.
    case serverStreaming
}

/// A method's identity on the wire: `/package.Service/Method`.
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The fully qualified service name, e.g. `grpc.health.v1.Health`.
    public let service: String
    /// The method name, e.g. `Check`.
    public let method: String
    /// Unary or server streaming.
    public let kind: MethodKind
    /// The path sent on the wire, e.g. `/grpc.health.v1.Health/Check` (built once: every call sends it).
    public let path: String

    /// A descriptor for `method` of `service`.
    public init(service: String, method: String, kind: MethodKind) {
        self.service = service
        self.method = method
        self.kind = kind
        self.path = "/\(service)/\(method)"
    }

    public var description: String { path }
}

/// A unary method with its request and response types.
public struct UnaryMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    /// The method's identity.
    public let descriptor: MethodDescriptor

    /// The method `method` of `service`.
    public init(service: String, method: String) {
        descriptor = MethodDescriptor(service: service, method: method, kind: .unary)
    }
}

/// A server-streaming method with its request and response types.
public struct ServerStreamingMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    /// The method's identity.
    public let descriptor: MethodDescriptor

    /// The method `method` of `service`.
    public init(service: String, method: String) {
        descriptor = MethodDescriptor(service: service, method: method, kind: .serverStreaming)
    }
}
