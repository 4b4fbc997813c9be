import NIOCore
import RPCCore

/// A listener could not take its address: "cannot listen on 127.0.0.1:7070 for PNRPC:
/// address already in use", instead of the socket call's own description.
public struct ListenFailure: Error, CustomStringConvertible {
    /// What would have listened there ("PNRPC", "the operations HTTP side").
    public let listener: String
    public let host: String
    public let port: Int
    /// The system's phrase for why, such as "address already in use".
    public let reason: String

    public init(listener: String, host: String, port: Int, error: any Error) {
        self.listener = listener
        self.host = host
        self.port = port
        reason = SystemErrorPhrase.of(error) ?? "\(error)"
    }

    public var description: String { "cannot listen on \(host):\(port) for \(listener): \(reason)" }
}

extension SystemErrorPhrase {
    /// The phrase for NIO's error of a system call; nil for any other error.
    public static func of(_ error: any Error) -> String? {
        guard let io = error as? IOError else { return nil }
        return of(errno: io.errnoCode)
    }
}
