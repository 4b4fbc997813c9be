import ArgumentParser
import Foundation
import Logging
import RPCCore
import RPCNIO
import ServiceLifecycle

/// `phone-numbers serve`: runs the server until SIGTERM or SIGINT, then drains.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the server (SIGTERM or SIGINT drains it gracefully).")

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 7420

    @Option(help: "The data directory (created with owner-only permissions).")
    var data = ".phone-numbers"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Seconds in-flight calls may take to finish once draining begins.")
    var drainGrace: Double = 10

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "phone-numbers")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let server = RPCServer(
            configuration: ServerConfiguration(host: host, port: port, drainGracePeriod: .milliseconds(Int(drainGrace * 1000))),
            services: [], logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
