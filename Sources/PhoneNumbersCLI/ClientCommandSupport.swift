import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// Runs `body` against the server. Errors print as `error: CODE (REASON): message`
/// on standard error (with `--json`, as a JSON object on standard output) and exit 1;
/// 2 when the server is unreachable or goes away.
func withServer<T>(_ options: ClientOptions, _ body: (PhoneNumbersConnection) async throws -> T) async throws -> T {
    let address = try options.resolvedServer()
    let api = PhoneNumbersConnection(
        endpoints: address.endpoints.map { ($0.host, $0.port) },
        token: options.resolvedToken,
        tls: options.clientTLS,
        requireTLS: options.requireTls
    )
    do {
        let result = try await body(api)
        await api.close()
        return result
    } catch let error as RPCError {
        await api.close()
        throw report(error, options, server: address.description)
    } catch {
        await api.close()
        throw error
    }
}

/// Prints `error` as every client command does and returns the exit code to end with:
/// 2 when the server is unreachable or went away, else 1.
func report(_ error: RPCError, _ options: ClientOptions, server: String) -> ExitCode {
    let unreachable = [RuntimeReason.connectFailed, .connectionLost, .serverShutdown].contains(error.runtimeReason)
    if options.json {
        print(errorJSON(error).rendered(pretty: true))
    } else if error.runtimeReason == .connectFailed {
        printError(
            "cannot reach the server at \(server) (\(TerminalText.safe(error.message))). Is `phone-numbers serve` running there? Set --server or PHONE_NUMBERS_SERVER."
        )
    } else {
        printError(TerminalText.safe(error.description))
    }
    return ExitCode(unreachable ? 2 : 1)
}

/// An error as JSON: `code`, `reason`, `domain`, `message`, `metadata`.
func errorJSON(_ error: RPCError) -> JSONValue {
    .object([
        (
            "error",
            .object([
                ("code", .string(error.code.name)), ("reason", .string(error.reason ?? "")),
                ("domain", .string(error.details?.domain ?? "")),
                ("message", .string(error.message)),
                (
                    "metadata",
                    .object((error.details?.metadata ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
                ),
            ])
        )
    ])
}

/// Prints a message as JSON (`--json`) or as the given human-readable text, made safe
/// for a terminal. `line`: the JSON on one line, as each line of a `--wait` (NDJSON).
func emit(_ message: some JSONRepresentable, _ options: ClientOptions, line: Bool = false, _ text: @autoclosure () -> String) {
    print(options.json ? message.jsonValue.rendered(pretty: !line) : TerminalText.safeLines(text()))
}

/// A plain table: columns padded to their widest cell, measured in terminal columns;
/// no header line when `header` is nil.
func table(_ header: [String]?, _ rows: [[String]]) -> String {
    let rows = rows.map { $0.map(TerminalText.safe) }
    let all = (header.map { [$0] } ?? []) + rows
    guard let columns = all.first?.count else { return "" }
    let widths = (0..<columns).map { column in all.map { TerminalText.width($0[column]) }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in index == row.count - 1 ? cell : TerminalText.pad(cell, to: widths[index]) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}
