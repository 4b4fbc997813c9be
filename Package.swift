// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "PhoneNumbers",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "phone-numbers", targets: ["PhoneNumbersCLI"]),
        .library(name: "RPCCore", targets: ["RPCCore"]),
        .library(name: "RPCNIO", targets: ["RPCNIO"]),
        .library(name: "RPCTesting", targets: ["RPCTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
            ]
        ),
        .target(
            name: "RPCNIO",
            dependencies: [
                "RPCCore", "RPCProto", "ProtoBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // SQLite behind a small API; knows nothing of phone numbers.
        .target(name: "Storage", dependencies: ["CSQLite"]),

        // The interop test service (proto/pnrpc/testing), for tests and benchmarks.
        .target(name: "RPCTesting", dependencies: ["RPCCore", "ProtoBridge", "CProtobufC", "CRPCTestingProto"]),

        .executableTarget(
            name: "PhoneNumbersCLI",
            dependencies: [
                "RPCCore", "RPCNIO", "RPCProto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "ProtoBridgeTests", dependencies: ["ProtoBridge", "RPCProto", "RPCTesting"]),
        .testTarget(
            name: "RPCNIOTests",
            dependencies: [
                "RPCCore", "RPCNIO", "RPCProto", "RPCTesting", "ProtoBridge",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
