// swift-tools-version:6.0
// libFuzzer targets for the PNRPC runtime and the service's messages.
// Build and run with scripts/fuzz.sh TARGET SECONDS (it passes the sanitizer flags).
import PackageDescription

let package = Package(
    name: "Fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Bytes into a server connection: preface, frame decoder, connection state machine.
        .executableTarget(
            name: "FuzzFrames",
            dependencies: [
                .product(name: "RPCNIO", package: "PhoneNumbers"),
                .product(name: "RPCCore", package: "PhoneNumbers"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // Bytes decoded as the envelope, pnrpc.v1.Frame.
        .executableTarget(name: "FuzzEnvelope", dependencies: [.product(name: "RPCNIO", package: "PhoneNumbers")]),
        // Bytes decoded as every request message of every service.
        .executableTarget(name: "FuzzRequests", dependencies: [.product(name: "PhoneNumbersClient", package: "PhoneNumbers")]),
    ]
)
