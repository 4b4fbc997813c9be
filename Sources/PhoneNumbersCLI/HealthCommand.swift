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
        let servers = try client.resolvedServer().endpoints
        var worst: Int32 = 0
        for address in servers {
            do {
                try await check(address, label: servers.count > 1 ? "\(address) " : "")
            } catch let exit as ExitCode {
                worst = max(worst, exit.rawValue)
            }
        }
        if worst != 0 { throw ExitCode(worst) }
    }

    /// Checks one server; prints its status (after `label`).
    private func check(_ address: ServerAddress, label: String) async throws {
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
                print(label + "SERVING")
            case .notServing:
                print(label + "NOT_SERVING")
                throw ExitCode(1)
            default:
                print(label + "UNKNOWN")
                throw ExitCode(1)
            }
        } catch let error as RPCError {
            if error.code == .unavailable || error.code == .deadlineExceeded {
                printError("\(address) is unreachable: \(error)")
                throw ExitCode(2)
            }
            print(label + "NOT_SERVING")
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
