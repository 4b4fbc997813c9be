import Logging
import RPCCore
import RPCNIO
import RPCTesting
import Testing

@Suite("TLS and mutual TLS", .timeLimit(.minutes(2)))
struct TLSTests {
    private func server(_ tls: ServerTLS) async throws -> (RPCServer, Task<Void, any Error>, Int) {
        var logger = Logger(label: "test.tls")
        logger.logLevel = .critical
        let server = RPCServer(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, drainGracePeriod: .milliseconds(100), tls: tls),
            services: [InteropTestService()],
            logger: logger
        )
        let task = Task { try await server.run() }
        return (server, task, try await server.listeningAddress().port!)
    }

    private func client(_ port: Int, tls: ClientTLS?, requireTLS: Bool = false, host: String = "127.0.0.1") -> RPCClient {
        RPCClient(
            configuration: ClientConfiguration(
                host: host,
                port: port,
                connectTimeout: .seconds(20),
                maxRetries: 0,
                tls: tls,
                requireTLS: requireTLS
            )
        )
    }

    @Test("calls over TLS; a plaintext client and a client that does not trust the server are refused")
    func serverTLS() async throws {
        let certificates = try TestCertificates.make()
        let (_, task, port) = try await server(
            ServerTLS(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
        )
        for host in ["127.0.0.1", "localhost"] {
            let secure = client(port, tls: ClientTLS(trustRootsFile: certificates.caCertificate), host: host)
            var request = SimpleRequest()
            request.responseSize = 1000
            let response = try await TestServiceClient(secure).unaryCall(request, options: CallOptions(timeout: .seconds(20)))
            #expect(response.payload?.body.count == 1000)
            await secure.close()
        }

        let plaintext = client(port, tls: nil)
        let plain = await #expect(throws: RPCError.self) {
            try await TestServiceClient(plaintext).emptyCall(Empty(), options: CallOptions(timeout: .seconds(20)))
        }
        #expect(plain?.reason == "SERVER_REQUIRES_TLS", "\(String(describing: plain))")
        await plaintext.close()

        let untrusting = client(port, tls: ClientTLS(trustRootsFile: certificates.otherCACertificate))
        let untrusted = await #expect(throws: RPCError.self) {
            try await TestServiceClient(untrusting).emptyCall(Empty(), options: CallOptions(timeout: .seconds(20)))
        }
        #expect(
            untrusted?.reason == "TLS_HANDSHAKE_FAILED" && untrusted?.message.contains("CERTIFICATE_VERIFY_FAILED") == true,
            "\(String(describing: untrusted))"
        )
        await untrusting.close()
        task.cancel()
        _ = try? await task.value
    }

    @Test("mutual TLS: only clients with a certificate from the client CA get in")
    func mutualTLS() async throws {
        let certificates = try TestCertificates.make()
        let (_, task, port) = try await server(
            ServerTLS(
                certificateChainFile: certificates.serverCertificate,
                privateKeyFile: certificates.serverKey,
                clientCAFile: certificates.caCertificate
            )
        )
        let anonymous = client(port, tls: ClientTLS(trustRootsFile: certificates.caCertificate))
        let refused = await #expect(throws: RPCError.self) {
            try await TestServiceClient(anonymous).emptyCall(Empty(), options: CallOptions(timeout: .seconds(20)))
        }
        #expect(
            refused?.reason == "TLS_HANDSHAKE_FAILED" && refused?.message.contains("CERTIFICATE_REQUIRED") == true,
            "\(String(describing: refused))"
        )
        await anonymous.close()

        let service = client(
            port,
            tls: ClientTLS(
                trustRootsFile: certificates.caCertificate,
                certificateChainFile: certificates.clientCertificate,
                privateKeyFile: certificates.clientKey
            )
        )
        let answer = try await TestServiceClient(service).emptyCall(Empty(), options: CallOptions(timeout: .seconds(20)))
        #expect(answer == Empty())
        await service.close()
        task.cancel()
        _ = try? await task.value
    }

    @Test("a client that requires TLS sends nothing without it")
    func requireTLS() async throws {
        let insecure = client(1, tls: nil, requireTLS: true)
        let error = await #expect(throws: RPCError.self) { try await TestServiceClient(insecure).emptyCall(Empty()) }
        #expect(error?.code == .failedPrecondition && error?.reason == "TLS_REQUIRED")
    }
}
