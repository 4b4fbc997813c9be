// swift-tools-version:6.1
// Builds swift-openapi-generator for scripts/generate-telnyx-client.sh; nothing here is
// part of the service.
import PackageDescription

let package = Package(
    name: "OpenAPIGenerator",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3")],
    targets: []
)
