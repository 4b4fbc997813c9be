// swift-tools-version:6.0
// libFuzzer targets for the PNRPC runtime and the service's messages.
// Build and run with scripts/fuzz.sh TARGET SECONDS (it passes the sanitizer flags).
import Foundation
import PackageDescription

/// A path dependency is named after its directory, which differs between clones.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "Fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Declares libFuzzer's driver for the targets' main (they link libclang_rt.fuzzer_no_main).
        .target(name: "CFuzzDriver"),
        // Bytes into a server connection: preface, frame decoder, connection state machine.
        .executableTarget(
            name: "FuzzFrames",
            dependencies: [
                .product(name: "RPCNIO", package: root),
                .product(name: "RPCCore", package: root),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                "CFuzzDriver",
            ]
        ),
        // Bytes decoded as the envelope, pnrpc.v1.Frame.
        .executableTarget(name: "FuzzEnvelope", dependencies: [.product(name: "RPCNIO", package: root), "CFuzzDriver"]),
        // Bytes decoded as every request message of every service.
        .executableTarget(name: "FuzzRequests", dependencies: [.product(name: "PhoneNumbersClient", package: root), "CFuzzDriver"]),
    ]
)
