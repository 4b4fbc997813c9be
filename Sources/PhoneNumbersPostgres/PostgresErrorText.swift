import NIOCore
import PostgresNIO
import RPCCore

/// A PostgreSQL error in one line for people: the server's message and SQLSTATE, or what
/// happened to the connection. (PostgresNIO's own descriptions leave the server's
/// message out, so that it cannot leak into logs by accident; the service's logs are
/// the operator's.)
enum PostgresErrorText {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let underlying = error.underlying {
            if let io = underlying as? IOError { return "\(error.code): " + SystemErrorPhrase.of(errno: io.errnoCode) }
            return "\(error.code): \(underlying)"
        }
        return "\(error.code)"
    }
}
