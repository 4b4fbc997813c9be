import ArgumentParser
import RPCCore
import RPCNIO

/// Options shared by the commands that call a server.
struct ClientOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The server as HOST:PORT, or several replicas as HOST:PORT,HOST:PORT (default: $PHONE_NUMBERS_SERVER or 127.0.0.1:7420)."
    )
    var server: ServerList?

    @Option(name: .long, help: "The bearer token (default: $PHONE_NUMBERS_TOKEN).")
    var token: String?

    @Option(name: .long, help: "The account to act on (service and operator tokens; members act in their own).")
    var account = ""

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    @Option(name: .long, help: "How long to wait for an answer (and, with --wait, for the final state), in seconds.")
    var timeout: Double = 10

    @Option(name: .long, help: "Use TLS, trusting the CAs in this PEM file.")
    var tlsCa: String?

    @Option(name: .long, help: "Mutual TLS: the client certificate chain (PEM).")
    var tlsCert: String?

    @Option(name: .long, help: "Mutual TLS: the client private key (PEM).")
    var tlsKey: String?

    @Flag(name: .long, help: "Use TLS with the system's trusted CAs.")
    var tls = false

    @Flag(name: .long, help: "Refuse to send the token without TLS.")
    var requireTls = false

    var clientTLS: ClientTLS? {
        guard tls || tlsCa != nil || tlsCert != nil else { return nil }
        return ClientTLS(trustRootsFile: tlsCa, certificateChainFile: tlsCert, privateKeyFile: tlsKey)
    }

    /// `--server`, else `PHONE_NUMBERS_SERVER`, else 127.0.0.1:7420. A malformed
    /// variable is refused like a malformed flag: a typo never sends calls elsewhere.
    func resolvedServer() throws -> ServerList {
        if let server { return server }
        if let value = Environment.value(ServerAddress.environmentVariable) {
            guard let parsed = ServerList(argument: value) else {
                throw ValidationError(
                    "\(ServerAddress.environmentVariable)='\(TerminalText.safe(value))' is not HOST:PORT[,HOST:PORT…] (e.g. 127.0.0.1:7420)"
                )
            }
            return parsed
        }
        return ServerList.defaultValue
    }

    func validate() throws {
        _ = try resolvedServer()
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    var resolvedToken: String? {
        token ?? Environment.value("PHONE_NUMBERS_TOKEN")
    }

    var callOptions: CallOptions {
        CallOptions(timeout: .milliseconds(Int64(timeout * 1000)))
    }
}
