import PhoneNumbersClient
import Testing

/// Runs `body`, expecting an `RPCError` with `code`, `reason` and `domain`; returns it.
@discardableResult
func expectError<T>(
    _ code: StatusCode,
    _ reason: String,
    domain: String = "phonenumbers.v1",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> RPCError? {
    do {
        _ = try await body()
        Issue.record("expected \(code.name) \(reason), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as RPCError {
        #expect(error.code == code, "code of \(error)", sourceLocation: sourceLocation)
        #expect(error.reason == reason, "reason of \(error)", sourceLocation: sourceLocation)
        #expect(error.details?.domain == domain, "domain of \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected an RPCError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
