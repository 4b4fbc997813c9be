import Logging
import NIOCore
import NIOPosix
import RPCCore
import RPCNIO
import RPCTesting

/// A server on a free loopback port for one test, stopped (drained) at the end.
struct TestServer {
    let server: RPCServer
    let task: Task<Void, any Error>
    let port: Int

    static func start(
        services: [any RPCService] = [InteropTestService()],
        limits: ServerLimits = .forTests,
        drainGracePeriod: Duration = .seconds(5),
        port: Int = 0,
        socketSendBufferSize: Int? = nil
    ) async throws -> TestServer {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        var configuration = ServerConfiguration(host: "127.0.0.1", port: port, limits: limits, drainGracePeriod: drainGracePeriod)
        configuration.socketSendBufferSize = socketSendBufferSize
        let server = RPCServer(configuration: configuration, services: services, logger: logger)
        let task = Task { try await server.run() }
        let address = try await server.listeningAddress()
        return TestServer(server: server, task: task, port: address.port!)
    }

    /// Runs `body` with a server and stops it afterwards, also when `body` throws (a test
    /// may stop it earlier itself: stopping twice is harmless).
    static func with<T>(
        services: [any RPCService] = [InteropTestService()],
        limits: ServerLimits = .forTests,
        drainGracePeriod: Duration = .seconds(5),
        socketSendBufferSize: Int? = nil,
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(
            services: services,
            limits: limits,
            drainGracePeriod: drainGracePeriod,
            socketSendBufferSize: socketSendBufferSize
        )
        return try await server.stopAfter { try await body(server) }
    }

    /// Runs `body`, then stops this server, also when `body` throws.
    func stopAfter<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    func client(metadata: Metadata = [:], maxRetries: Int = 3) -> RPCClient {
        // A connect timeout a loaded machine cannot miss: tests check behaviour, not speed.
        RPCClient(
            configuration: ClientConfiguration(
                host: "127.0.0.1",
                port: port,
                defaultMetadata: metadata,
                connectTimeout: .seconds(30),
                maxRetries: maxRetries
            )
        )
    }

    /// Begins draining and waits until the server has stopped.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Runs `body` with a server and a client, stopping both afterwards.
func withServer<T>(
    services: [any RPCService] = [InteropTestService()],
    limits: ServerLimits = .forTests,
    _ body: (TestServer, RPCClient) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(services: services, limits: limits)
    let client = server.client()
    do {
        let result = try await body(server, client)
        await client.close()
        await server.stop()
        return result
    } catch {
        await client.close()
        await server.stop()
        throw error
    }
}

extension ServerLimits {
    /// The defaults, but a frame may take a minute to arrive: a loaded machine can take
    /// more than the default 10 s to push a 3 MiB frame through loopback. Tests of the
    /// frame read timeout set their own.
    static var forTests: ServerLimits {
        var limits = ServerLimits()
        limits.frameReadTimeout = .seconds(60)
        return limits
    }
}
