import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Before every emulated call: the bearer key is checked, time-driven state settles, an
/// injected fault may answer instead; after it, the exchange is recorded as sent.
struct EmulatorMiddleware: ServerMiddleware {
    let emulator: TelnyxEmulator

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let requestBytes: ArraySlice<UInt8> = if let body { try await ArraySlice(collecting: body, upTo: 1 << 20) } else { [] }
        let (response, responseBytes) = try await answer(request, requestBytes, metadata, operationID, next)
        let path = request.path ?? ""
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        emulator.record(
            .init(
                method: request.method.rawValue,
                path: parts.first ?? "",
                query: parts.count > 1 ? parts[1] : "",
                requestBody: String(decoding: requestBytes, as: UTF8.self),
                status: response.status.code,
                responseBody: String(decoding: responseBytes, as: UTF8.self),
                responseContentType: response.headerFields[.contentType] ?? ""
            )
        )
        return (response, HTTPBody(responseBytes))
    }

    private func answer(
        _ request: HTTPRequest,
        _ requestBytes: ArraySlice<UInt8>,
        _ metadata: ServerRequestMetadata,
        _ operationID: String,
        _ next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, ArraySlice<UInt8>) {
        guard request.headerFields[.authorization] == "Bearer \(emulator.apiKey)" else {
            return Self.error(401, code: "10009", title: "Authentication failed", detail: "The API key given is not valid.")
        }
        let now = emulator.now
        let behaviour = emulator.behaviour.withLock { $0 }
        emulator.state.withLock { $0.settle(now: now, behaviour: behaviour) }
        switch emulator.nextFault(operationID) {
        case .rateLimited(let seconds):
            var (response, body) = Self.error(429, code: "10011", title: "Too many requests", detail: "Rate limit exceeded.")
            response.headerFields[.retryAfter] = "\(seconds)"
            return (response, body)
        case .serverError:
            return Self.error(500, code: "10007", title: "Unexpected error", detail: "An unexpected error occurred (emulated).")
        case .slow(let delay):
            try await Task.sleep(for: delay)
        case nil:
            break
        }
        let (response, body) = try await next(request, requestBytes.isEmpty ? nil : HTTPBody(requestBytes), metadata)
        let bytes: ArraySlice<UInt8> = if let body { try await ArraySlice(collecting: body, upTo: 1 << 22) } else { [] }
        return (response, bytes)
    }

    /// Telnyx's error shape: `{"errors": [{"code", "title", "detail"}]}`.
    static func error(_ status: Int, code: String, title: String, detail: String) -> (HTTPResponse, ArraySlice<UInt8>) {
        let body = errorBody(code: code, title: title, detail: detail)
        var response = HTTPResponse(status: .init(code: status))
        response.headerFields[.contentType] = "application/json"
        return (response, ArraySlice(body))
    }
}

/// Telnyx's error body, `{"errors": [{"code", "title", "detail"}]}`.
func errorBody(code: String, title: String, detail: String) -> Data {
    try! JSONSerialization.data(withJSONObject: ["errors": [["code": code, "title": title, "detail": detail]]])
}
