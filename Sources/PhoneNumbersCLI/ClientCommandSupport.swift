import ArgumentParser
import PhoneNumbersClient
import ProtoBridge

/// Runs `body` against the server, printing errors as `error: CODE (REASON): message`
/// on standard error and exiting 1 (2 when the server is unreachable).
func withServer<T>(_ options: ClientOptions, _ body: (PhoneNumbersConnection) async throws -> T) async throws -> T {
    let address = options.resolvedServer
    let api = PhoneNumbersConnection(
        host: address.host, port: address.port, token: options.resolvedToken, tls: options.clientTLS, requireTLS: options.requireTls)
    do {
        let result = try await body(api)
        await api.close()
        return result
    } catch let error as RPCError {
        await api.close()
        printError(error.description)
        if error.reason == "CONNECT_FAILED" { throw ExitCode(2) }
        throw ExitCode(1)
    } catch {
        await api.close()
        throw error
    }
}

/// Prints a message as JSON (`--json`) or as the given human-readable text.
func emit(_ message: some JSONRepresentable, _ options: ClientOptions, _ text: @autoclosure () -> String) {
    print(options.json ? message.jsonValue.rendered(pretty: true) : text())
}

/// A plain table: columns padded to their widest cell.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}

/// Parses an enum case from its proto name with or without the type prefix
/// (`--role admin`, `--role ROLE_ADMIN`).
func parseEnum<E>(_ value: String, _ cases: [E], name: (E) -> String, what: String) throws -> E {
    let wanted = value.uppercased().replacingOccurrences(of: "-", with: "_")
    if let match = cases.first(where: { name($0) == wanted || name($0).hasSuffix("_" + wanted) }) { return match }
    throw ValidationError("unknown \(what) '\(value)'")
}

import Foundation
