import ProtoBridge
import RPCCore
import RPCProto

/// An `RPCError` in Connect's JSON error form, and back:
/// `{"code": "not_found", "message": "…", "details": [{"type": "google.rpc.ErrorInfo",
/// "value": "<base64 protobuf>", "debug": {"reason": …, "domain": …, "metadata": {…}}}]}`.
///
/// `value` is the ErrorInfo's protobuf encoding, as Connect clients decode it; `debug`
/// carries the same facts as JSON, for browsers and `curl`.
public enum ConnectError {
    /// The type name of the one detail sent.
    public static let errorInfoType = "google.rpc.ErrorInfo"

    /// The JSON form of `error`.
    public static func json(_ error: RPCError) -> JSONValue {
        var fields: [(String, JSONValue)] = [("code", .string(error.code.connectName)), ("message", .string(error.message))]
        if let details = error.details {
            let metadata = details.metadata.sorted { $0.key < $1.key }
            var info = WireErrorInfo()
            info.reason = details.reason
            info.domain = details.domain
            info.metadata = metadata.map {
                var entry = WireMetadataEntry()
                entry.key = $0.key
                entry.value = $0.value
                return entry
            }
            let debug = JSONValue.object([
                ("reason", .string(details.reason)),
                ("domain", .string(details.domain)),
                ("metadata", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })),
            ])
            let value = JSONValue.base64(info.serializedBytes()).replacing("=", with: "")
            fields.append(("details", .array([.object([("type", .string(errorInfoType)), ("value", .string(value)), ("debug", debug)])])))
        }
        return .object(fields)
    }

    /// The error a Connect error body describes; `httpStatus` decides when the body is not one.
    public static func error(from json: JSONValue?, httpStatus: Int) -> RPCError {
        guard case .object(let fields)? = json, let code = string(fields, "code").flatMap(StatusCode.init(connectName:)) else {
            return RPCError(code: StatusCode(connectHTTPStatus: httpStatus), message: "HTTP status \(httpStatus) without a Connect error")
        }
        var error = RPCError(code: code, message: string(fields, "message") ?? "")
        if case .array(let details)? = fields.first(where: { $0.0 == "details" })?.1 {
            for case .object(let detail) in details where string(detail, "type") == errorInfoType {
                guard let value = string(detail, "value"), let bytes = JSONValue.bytes(base64: value),
                    let info = try? WireErrorInfo(serializedBytes: bytes)
                else { continue }
                var metadata: [String: String] = [:]
                for entry in info.metadata { metadata[entry.key] = entry.value }
                error.details = ErrorDetails(reason: info.reason, domain: info.domain, metadata: metadata)
            }
        }
        return error
    }

    private static func string(_ fields: [(String, JSONValue)], _ key: String) -> String? {
        guard case .string(let value)? = fields.first(where: { $0.0 == key })?.1 else { return nil }
        return value
    }
}
