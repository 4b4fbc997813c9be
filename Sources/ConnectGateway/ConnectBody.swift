import Hummingbird
import NIOCore
import RPCCore

/// Reads a request body within the gateway's limits.
enum ConnectBody {
    /// The whole body; RESOURCE_EXHAUSTED when larger than allowed, DEADLINE_EXCEEDED
    /// when it does not arrive in time (a slow sender does not hold a call open).
    static func read(_ request: Request, limits: ConnectGateway.Limits) async throws(RPCError) -> ByteBuffer {
        let result = await withTaskGroup(of: Result<ByteBuffer, RPCError>?.self) { group in
            group.addTask {
                do {
                    return .success(try await request.body.collect(upTo: limits.maxBodySize))
                } catch let error as HTTPResponseError where error.status == .contentTooLarge {
                    return .failure(
                        RPCError(
                            code: .resourceExhausted,
                            message: "the request body exceeds the limit of \(limits.maxBodySize) bytes",
                            reason: .messageTooLarge,
                            metadata: ["limit": String(limits.maxBodySize)]
                        )
                    )
                } catch {
                    return .failure(RPCError(code: .cancelled, message: "the request body ended early", reason: .cancelled))
                }
            }
            group.addTask {
                try? await Task.sleep(for: limits.bodyReadTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
                ?? .failure(
                    RPCError(code: .deadlineExceeded, message: "the request body did not arrive in time", reason: .bodyReadTimeout)
                )
        }
        return try result.get()
    }
}
