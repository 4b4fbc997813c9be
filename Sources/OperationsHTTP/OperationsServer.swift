import ConnectGateway
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import RPCNIO
import ServiceLifecycle
import Synchronization

/// Whether the service should take traffic now, and if not, why.
public struct Readiness: Sendable, Equatable {
    public var isReady: Bool
    /// Why it is not ready ("" when ready), e.g. `draining`, `store unreachable: …`.
    public var reason: String

    public static let ready = Readiness(isReady: true, reason: "")

    public static func notReady(_ reason: String) -> Readiness {
        Readiness(isReady: false, reason: reason)
    }

    /// The service's rule: not ready while draining (not `serving`), nor while the store
    /// cannot be read (`probeStore` throws); ready otherwise.
    public static func check(serving: Bool, probeStore: () async throws -> Void) async -> Readiness {
        guard serving else { return .notReady("draining") }
        do {
            try await probeStore()
            return .ready
        } catch {
            return .notReady("store unreachable: \(error)")
        }
    }
}

/// The HTTP listener: `/metrics` (the Prometheus text format of `registry`), `/healthz`
/// (the process answers), `/readyz` (200 `ready`, or 503 with the reason) and, with a
/// gateway, every RPC as Connect serves it (`POST /package.Service/Method`) and the Phone
/// Numbers page at `/`.
///
/// A `Service`: run it first in the service group that runs the RPC server, so it is
/// shut down last and `/readyz` says `draining` while the RPC server drains.
public struct OperationsServer: Service {
    private let host: String
    private let port: Int
    private let registry: PrometheusCollectorRegistry
    private let readiness: @Sendable () async -> Readiness
    private let onListening: @Sendable (Int) async -> Void
    private let gateway: ConnectGateway?
    private let pageLinks: PageLinks
    private let logger: Logger

    /// A server on `host:port` (port 0: any free port, told to `onListening`).
    public init(
        host: String,
        port: Int,
        registry: PrometheusCollectorRegistry,
        readiness: @escaping @Sendable () async -> Readiness,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        gateway: ConnectGateway? = nil,
        pageLinks: PageLinks = try! PageLinks(),
        logger: Logger
    ) {
        self.gateway = gateway
        self.pageLinks = pageLinks
        self.host = host
        self.port = port
        self.registry = registry
        self.readiness = readiness
        self.onListening = onListening
        self.logger = logger
    }

    public func run() async throws {
        let router = Router(context: ListenerRequestContext.self)
        let registry = self.registry
        let readiness = self.readiness
        let ready = registry.makeGauge(name: "phone_numbers_ready", help: "1 when /readyz would answer 200, else 0")
        router.get("/metrics") { _, _ -> Response in
            // Each scrape evaluates readiness, so alerts can see it (phone_numbers_ready).
            ready.set(to: await readiness().isReady ? 1 : 0)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        router.get("/healthz") { _, _ in Self.text(.ok, "ok") }
        router.get("/readyz") { _, _ in
            let now = await readiness()
            return now.isReady ? Self.text(.ok, "ready") : Self.text(.serviceUnavailable, "not ready: \(now.reason)")
        }
        if let gateway {
            gateway.register(on: router) { ConnectGateway.Client(peer: $0.peer, closed: $0.closed) }
            Page.load(logger: logger).register(on: router)
            let links = ByteBuffer(data: (try? JSONEncoder().encode(pageLinks)) ?? Data("{}".utf8))
            router.get("/page-config.json") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                    body: ResponseBody(byteBuffer: links)
                )
            }
        }
        let onListening = self.onListening
        let logger = self.logger
        let listening = ListeningFlag()
        let application = Application(
            router: router,
            // An idle connection is closed (many idle clients cannot hold the listener), and so
            // is one whose client hung up (its streams end at once).
            server: .http1(
                configuration: .init(additionalChannelHandlers: [MalformedRequestAnswer(), CloseOnInputEnd()], idleTimeout: .seconds(30))
            ),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "phone-numbers"),
            onServerRunning: { channel in
                listening.set()
                let port = channel.localAddress?.port ?? 0
                logger.info("operations HTTP listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onListening(port)
            },
            // A thread of its own: probes and scrapes answer while the RPC side's loops are saturated.
            eventLoopGroupProvider: .shared(Self.loops),
            logger: logger
        )
        do {
            // Open streams (the page's WatchEvents) end as the drain begins: Hummingbird's
            // graceful shutdown waits for every response, and a watch never ends by itself.
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: { [gateway] in
                gateway?.endStreams()
            }
        } catch  where !listening.isSet {
            throw ListenFailure(listener: "the operations HTTP side", host: host, port: port, error: error)
        }
    }

    /// Whether the listener took its address: a failure before that is a `ListenFailure`.
    private final class ListeningFlag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    /// A request's context: Hummingbird's, plus the client's address.
    struct ListenerRequestContext: RequestContext, RemoteAddressRequestContext {
        var coreContext: CoreRequestContextStorage
        let remoteAddress: SocketAddress?
        /// Completes when the client's connection closes.
        let closed: EventLoopFuture<Void>

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
            closed = source.channel.closeFuture
        }

        /// `host:port` of the client.
        var peer: String {
            guard let remoteAddress, let ip = remoteAddress.ipAddress else { return "unknown" }
            return "\(ip):\(remoteAddress.port ?? 0)"
        }
    }

    private static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body + "\n"))
        )
    }
}
