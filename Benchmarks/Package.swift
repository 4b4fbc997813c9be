// swift-tools-version:6.0
// Benchmarks, in a package of their own so the main build and CI stay lean.
// Run: scripts/bench.sh (see docs/PERFORMANCE.md).
import Foundation
import PackageDescription

/// A path dependency is named after its directory, which differs between clones.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The kernel floor: blocking C ping-pong over loopback TCP.
        .target(name: "CEchoFloor"),
        // Per-thread allocation counts: interposes malloc, calloc and realloc.
        .target(name: "CAllocationCounter"),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "CEchoFloor",
                "CAllocationCounter",
                .product(name: "RPCCore", package: root),
                .product(name: "RPCNIO", package: root),
                .product(name: "RPCTesting", package: root),
                .product(name: "PhoneNumbersClient", package: root),
                .product(name: "PhoneNumbersServer", package: root),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ]
)
