import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// A refusal or failure the Telnyx API answered with, after any retries.
public struct TelnyxHTTPError: Error, Sendable, CustomStringConvertible {
    /// The operation (`CreateNumberOrder`, …).
    public var operation: String
    /// The HTTP status, or 0 when no answer came.
    public var status: Int
    /// Telnyx's error code (`errors[0].code`), if it sent one.
    public var code: String
    /// Telnyx's words (`errors[0].detail` or `title`), kept as the reason.
    public var detail: String

    public var description: String {
        status == 0 ? "\(operation): no answer (\(detail))" : "\(operation): HTTP \(status)\(code.isEmpty ? "" : " \(code)") \(detail)"
    }
}

/// Every call to Telnyx: the bearer API key, then retries by `RetryPolicy`, then any
/// non-2xx answer turned into a `TelnyxHTTPError` carrying Telnyx's own words.
struct TelnyxMiddleware: ClientMiddleware {
    let apiKey: String
    let retry: RetryPolicy
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(apiKey)"
        // Buffered once so that a retry sends the same bytes.
        let bytes: ArraySlice<UInt8>? = if let body { try await ArraySlice(collecting: body, upTo: 1 << 20) } else { nil }
        let idempotent = request.method != .post
        var attempt = 1
        var waited = Duration.zero
        while true {
            let failure: RetryPolicy.Failure
            var lastError: TelnyxHTTPError
            do {
                let (response, responseBody) = try await next(request, bytes.map { HTTPBody($0) }, baseURL)
                if (200...299).contains(response.status.code) { return (response, responseBody) }
                var text = ""
                if let responseBody { text = try await String(collecting: responseBody, upTo: 1 << 16) }
                lastError = Self.error(operationID, status: response.status.code, body: text)
                failure = .status(response.status.code, retryAfterSeconds: response.headerFields[.retryAfter].flatMap { Int($0) })
            } catch let error as TelnyxHTTPError {
                throw error
            } catch {
                lastError = TelnyxHTTPError(operation: operationID, status: 0, code: "", detail: "\(error)")
                failure = .noAnswer
            }
            guard let delay = retry.delay(after: failure, attempt: attempt, waited: waited, idempotent: idempotent) else {
                throw lastError
            }
            logger.notice(
                "provider call will retry",
                metadata: ["operation": "\(operationID)", "attempt": "\(attempt)", "error": "\(lastError)", "delay": "\(delay)"]
            )
            try await Task.sleep(for: delay)
            waited += delay
            attempt += 1
        }
    }

    /// Telnyx's error body (`{"errors": [{"code", "title", "detail"}]}`) read leniently:
    /// whatever it holds, the status is kept.
    static func error(_ operation: String, status: Int, body: String) -> TelnyxHTTPError {
        struct Errors: Decodable {
            struct Entry: Decodable {
                var code: String?
                var title: String?
                var detail: String?
            }
            var errors: [Entry]?
        }
        let first = (try? JSONDecoder().decode(Errors.self, from: Data(body.utf8)))?.errors?.first
        let detail = first?.detail ?? first?.title ?? String(body.prefix(200))
        return TelnyxHTTPError(operation: operation, status: status, code: first?.code ?? "", detail: detail)
    }
}
