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
    /// The names, in one shared object: every call copies its descriptor several times, and
    /// a copy then costs one reference count instead of one per name.
    private final class Names: Sendable {
        let service: String
        let method: String
        let path: String
        /// The path's hash, computed once (hashing is seeded per process, so it stays valid):
        /// tables keyed by method then hash one integer per lookup instead of the path.
        let pathHash: Int

        init(service: String, method: String) {
            self.service = service
            self.method = method
            path = "/\(service)/\(method)"
            pathHash = path.hashValue
        }
    }

    private let names: Names
    /// Unary or server streaming.
    public let kind: MethodKind

    /// The fully qualified service name, e.g. `grpc.health.v1.Health`.
    public var service: String { names.service }
    /// The method name, e.g. `Check`.
    public var method: String { names.method }
    /// The path sent on the wire, e.g. `/grpc.health.v1.Health/Check` (built once: every call sends it).
    public var path: String { names.path }

    /// A descriptor for `method` of `service`.
    public init(service: String, method: String, kind: MethodKind) {
        names = Names(service: service, method: method)
        self.kind = kind
    }

    public static func == (lhs: MethodDescriptor, rhs: MethodDescriptor) -> Bool {
        lhs.kind == rhs.kind && (lhs.names === rhs.names || lhs.path == rhs.path)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(names.pathHash)
        hasher.combine(kind)
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
