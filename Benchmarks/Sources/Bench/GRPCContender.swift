import GRPCCore
import GRPCNIOTransportHTTP2

/// What a user would pick instead: grpc-swift-2 unary calls over its HTTP/2 transport,
/// raw bytes (no protobuf).
struct GRPCContender: EchoContender {
    let name = "grpc-swift-2 unary (HTTP/2)"
    let port: Int

    static let method = MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Echo")

    static func start() async throws -> (GRPCContender, Task<Void, any Error>) {
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
            services: [EchoService()]
        )
        let task = Task { try await server.serve() }
        guard let address = try await server.listeningAddress?.ipv4 else { throw BenchError("gRPC did not listen") }
        return (GRPCContender(port: address.port), task)
    }

    func run(_ scenario: Scenario, for duration: Duration) async throws -> Measurement {
        var clients: [GRPCClient<HTTP2ClientTransport.Posix>] = []
        var runners: [Task<Void, any Error>] = []
        for _ in 0..<scenario.connections {
            let client = GRPCClient(
                transport: try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            )
            runners.append(Task { try await client.runConnections() })
            clients.append(client)
        }
        let payload = [UInt8](repeating: 0, count: scenario.payload)
        let call: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void = { client in
            _ = try await client.unary(
                request: ClientRequest(message: payload),
                descriptor: Self.method,
                serializer: BytesCoder(),
                deserializer: BytesCoder(),
                options: .defaults
            ) { try $0.message }
        }
        for client in clients { try await call(client) }
        let measurement = try await closedLoops(clients, inFlight: scenario.inFlight, duration: duration, call)
        for client in clients { client.beginGracefulShutdown() }
        for runner in runners { _ = try? await runner.value }
        return measurement
    }
}

struct BytesCoder: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}

struct EchoService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: GRPCContender.method, deserializer: BytesCoder(), serializer: BytesCoder()) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: single.message))
        }
    }
}
