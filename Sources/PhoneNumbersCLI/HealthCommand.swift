import ArgumentParser
import RPCCore
import RPCNIO
import RPCProto

/// `phone-numbers health`: prints SERVING or NOT_SERVING; exits non-zero unless serving.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check whether a server is serving (exit 0) or not (exit 1); unreachable exits 2."
    )

    @OptionGroup(title: "Connection Options") var client: ClientOptions

    @Option(help: "The service to check; empty for the whole server.")
    var service = ""

    func run() async throws {
        let address = try client.resolvedServer()
        let rpc = RPCClient(
            configuration: ClientConfiguration(host: address.host, port: address.port, maxRetries: 0, tls: client.clientTLS)
        )
        defer { Task { await rpc.close() } }
        var request = HealthCheckRequest()
        request.service = service
        do {
            let response = try await HealthClient(rpc).check(
                request,
                options: CallOptions(timeout: .milliseconds(Int(client.timeout * 1000)))
            )
            switch response.status {
            case .serving:
                print("SERVING")
            case .notServing:
                print("NOT_SERVING")
                throw ExitCode(1)
            default:
                print("UNKNOWN")
                throw ExitCode(1)
            }
        } catch let error as RPCError {
            if error.code == .unavailable || error.code == .deadlineExceeded {
                printError("\(address) is unreachable: \(error)")
                throw ExitCode(2)
            }
            print("NOT_SERVING")
            printError(error.description)
            throw ExitCode(1)
        }
    }
}

func printError(_ message: String) {
    var stderr = StandardError()
    print("error: \(message)", to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
