import RPCProto
import Synchronization

/// The `grpc.health.v1.Health` service: `Check` answers the current status and
/// `Watch` streams it, starting with the current value. The empty service name
/// stands for the whole server.
public final class HealthProvider: HealthService {
    public typealias Status = HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = ["": .serving]
        var watchers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextWatcher = 0
    }

    private let state = Mutex(State())

    /// A provider where the whole server is SERVING.
    public init() {}

    /// Sets the status of `service` ("" for the whole server) and tells watchers.
    public func setStatus(_ status: Status, forService service: String = "") {
        let watchers = state.withLock { state in
            state.statuses[service] = status
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield() }
    }

    /// Marks every known service NOT_SERVING, as when the server starts draining.
    public func markAllNotServing() {
        let watchers = state.withLock { state in
            for key in state.statuses.keys { state.statuses[key] = .notServing }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield() }
    }

    /// The status of `service`, or `nil` when it is unknown.
    public func status(ofService service: String) -> Status? {
        state.withLock { $0.statuses[service] }
    }

    public func check(request: HealthCheckRequest, context: ServerContext) async throws -> HealthCheckResponse {
        guard let status = status(ofService: request.service) else {
            throw RPCError(
                code: .notFound,
                message: "unknown service \(request.service)",
                reason: .serviceUnknown,
                metadata: ["service": request.service]
            )
        }
        var response = HealthCheckResponse()
        response.status = status
        return response
    }

    public func watch(
        request: HealthCheckRequest,
        context: ServerContext,
        responses: ResponseStreamWriter<HealthCheckResponse>
    ) async throws {
        let (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = continuation
            return state.nextWatcher
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        var last: Status?
        continuation.yield()
        for await _ in changes {
            let current = status(ofService: request.service) ?? .serviceUnknown
            guard current != last else { continue }
            last = current
            var response = HealthCheckResponse()
            response.status = current
            try await responses.write(response)
        }
    }
}
