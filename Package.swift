// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "PhoneNumbers",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "phone-numbers", targets: ["PhoneNumbersCLI"]),
        .executable(name: "telnyx-emulator", targets: ["TelnyxEmulatorCommand"]),
        .library(name: "RPCCore", targets: ["RPCCore"]),
        .library(name: "RPCNIO", targets: ["RPCNIO"]),
        .library(name: "RPCTesting", targets: ["RPCTesting"]),
        .library(name: "PhoneNumbersClient", targets: ["PhoneNumbersClient"]),
        // The service, its SQLite store and the simulated provider, for hosting in another
        // process (the benchmarks do).
        .library(
            name: "PhoneNumbersServer",
            targets: [
                "PhoneNumbersServer", "PhoneNumbersService", "PhoneNumbersSQLite", "PhoneNumbersPostgres", "SimulatedProvider", "Storage",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter's dependencies are left out.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The Telnyx provider: a client generated from its OpenAPI description, over
        // AsyncHTTPClient; the emulator serves the same description with Hummingbird.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // C libraries, each wrapped once.
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // Code generated from proto/ by scripts/generate-proto.sh (committed, drift-checked).
        .target(name: "CRPCProto", dependencies: ["CProtobufC"]),
        .target(name: "CRPCTestingProto", dependencies: ["CProtobufC"]),

        // Swift values bridged to protobuf-c; the only importers of the generated C.
        .target(name: "ProtoBridge", dependencies: ["CProtobufC"]),
        .target(name: "RPCProto", dependencies: ["ProtoBridge", "CProtobufC", "CRPCProto"]),

        // The RPC runtime: RPCCore knows no NIO; RPCNIO is the TCP transport.
        .target(
            name: "RPCCore",
            dependencies: [
                "ProtoBridge", "RPCProto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "RPCNIO",
            dependencies: [
                "RPCCore", "RPCProto", "ProtoBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Every RPC over HTTP as the Connect protocol defines it (JSON or protobuf), through
        // the same handlers as PNRPC.
        .target(
            name: "ConnectGateway",
            dependencies: [
                "RPCCore", "RPCProto", "ProtoBridge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The HTTP listener: /metrics (Prometheus), /healthz, /readyz, the Connect gateway
        // and the Phone Numbers page.
        .target(
            name: "OperationsHTTP",
            dependencies: [
                "ConnectGateway", "RPCNIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            resources: [.copy("Page")]
        ),

        // SQLite behind a small API; knows nothing of phone numbers.
        .target(name: "Storage", dependencies: ["CSQLite"]),

        // The phone numbers API: generated messages, service protocols and typed clients.
        .target(name: "CPhoneNumbersProto", dependencies: ["CProtobufC"]),
        .target(name: "PhoneNumbersProto", dependencies: ["RPCCore", "ProtoBridge", "CProtobufC", "CPhoneNumbersProto"]),

        // The domain: rules, the storage and provider interfaces it owns, its RPC handlers.
        .target(
            name: "PhoneNumbersService",
            dependencies: [
                "RPCCore", "PhoneNumbersProto", "ProtoBridge",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The SQLite implementation of the service's store.
        .target(name: "PhoneNumbersSQL", dependencies: ["PhoneNumbersService", "Storage"]),
        .target(name: "PhoneNumbersSQLite", dependencies: ["PhoneNumbersSQL", "PhoneNumbersService", "Storage"]),
        // The service assembled from a configuration: what serve, the test harness and the benchmarks run.
        .target(
            name: "PhoneNumbersServer",
            dependencies: [
                "PhoneNumbersService", "PhoneNumbersSQLite", "PhoneNumbersPostgres", "SimulatedProvider", "TelnyxProvider", "Storage",
                "RPCNIO",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "PhoneNumbersPostgres",
            dependencies: [
                "PhoneNumbersSQL", "PhoneNumbersService", "Storage", "RPCCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The built-in simulated carrier/number provider, persisted in the same database.
        .target(name: "SimulatedProvider", dependencies: ["PhoneNumbersService", "Storage"]),
        // Telnyx: types, client and server generated from providers/telnyx/openapi.yml by
        // scripts/generate-telnyx-client.sh (committed, drift-checked).
        .target(name: "TelnyxAPI", dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")]),
        // The Telnyx implementation of the service's provider interface.
        .target(
            name: "TelnyxProvider",
            dependencies: [
                "PhoneNumbersService", "TelnyxAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A stateful Telnyx stand-in on loopback, for tests and for trying the adapter
        // without an account: inventory, reservations, orders, assignments, port-outs.
        .target(
            name: "TelnyxEmulator",
            dependencies: [
                "TelnyxAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "TelnyxEmulatorCommand",
            dependencies: ["TelnyxEmulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What callers link: the typed clients over a PNRPC connection.
        .target(name: "PhoneNumbersClient", dependencies: ["PhoneNumbersProto", "RPCCore", "RPCNIO", "RPCProto", "ProtoBridge"]),

        // The interop test service (proto/pnrpc/testing), for tests and benchmarks.
        .target(name: "RPCTesting", dependencies: ["RPCCore", "ProtoBridge", "CProtobufC", "CRPCTestingProto"]),

        .executableTarget(
            name: "PhoneNumbersCLI",
            dependencies: [
                "RPCCore", "RPCNIO", "RPCProto", "PhoneNumbersClient", "PhoneNumbersService", "PhoneNumbersServer", "PhoneNumbersSQLite",
                "PhoneNumbersPostgres",
                "SimulatedProvider", "TelnyxProvider", "Storage", "ProtoBridge", "OperationsHTTP", "ConnectGateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),

        // Kills the server at random moments under load and checks nothing acknowledged was lost.
        .executableTarget(
            name: "PhoneNumbersChaos",
            dependencies: ["PhoneNumbersClient", "Storage", "PhoneNumbersPostgres", "PhoneNumbersServer"]
        ),

        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(
            name: "PhoneNumbersServiceTests",
            dependencies: [
                "PhoneNumbersService", "PhoneNumbersSQLite", "PhoneNumbersPostgres", "PhoneNumbersSQL", "SimulatedProvider",
                "PhoneNumbersClient",
                "PhoneNumbersProto",
                "RPCCore", "RPCNIO", "Storage", "OperationsHTTP", "ConnectGateway", "TelnyxProvider", "TelnyxEmulator", "TelnyxAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The walk-through and command-line tests run the executable: built first.
                "PhoneNumbersCLI", "TelnyxEmulatorCommand",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                // A stand-in OpenTelemetry collector for the export test.
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "ProtoBridgeTests", dependencies: ["ProtoBridge", "RPCProto", "RPCTesting"]),
        .testTarget(
            name: "RPCNIOTests",
            dependencies: [
                "RPCCore", "RPCNIO", "RPCProto", "RPCTesting", "ProtoBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
