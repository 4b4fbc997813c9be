import HTTPTypes
import ProtoBridge
import RPCCore

/// How a call's messages travel: proto3 JSON or the protobuf encoding.
enum ConnectCodec: Sendable {
    case json
    case proto
    case streamingJSON
    case streamingProto

    /// The codec a request's `Content-Type` names for a unary or a streaming method.
    static func of(_ contentType: String?, streaming: Bool) -> Result<ConnectCodec, RPCError> {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch (type, streaming) {
        case ("application/json", false): return .success(.json)
        case ("application/proto", false): return .success(.proto)
        case ("application/connect+json", true): return .success(.streamingJSON)
        case ("application/connect+proto", true): return .success(.streamingProto)
        default:
            let expected = streaming ? "application/connect+json or application/connect+proto" : "application/json or application/proto"
            return .failure(
                RPCError(
                    code: .invalidArgument,
                    message: "Content-Type \(type.isEmpty ? "(none)" : type) is not accepted here: send \(expected)",
                    reason: .unsupportedContentType,
                    metadata: ["content_type": type]
                )
            )
        }
    }

    /// The `Content-Type` of responses.
    var contentType: String {
        switch self {
        case .json: return "application/json"
        case .proto: return "application/proto"
        case .streamingJSON: return "application/connect+json"
        case .streamingProto: return "application/connect+proto"
        }
    }

    private var isJSON: Bool { self == .json || self == .streamingJSON }

    /// The encoded request from a body (JSON read and checked; protobuf passed through).
    func request(_ body: [UInt8], _ transcoder: JSONTranscoder) throws(RPCError) -> [UInt8] {
        guard isJSON else { return body }
        guard let json = JSONText.parse(body) else {
            throw RPCError(code: .invalidArgument, message: "the request body is not JSON", reason: .malformedJson)
        }
        if let key = JSONText.firstDuplicateKey(body) {
            throw RPCError(
                code: .invalidArgument,
                message: "the request's JSON does not fit the message: \(key): the key is given more than once",
                reason: .invalidJsonField,
                metadata: ["field": key]
            )
        }
        do {
            return try transcoder.requestFromJSON(json)
        } catch  where error.isNULInString {
            throw RPCError.nulInString(what: "request", field: error.path)
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "the request's JSON does not fit the message: \(error)",
                reason: .invalidJsonField,
                metadata: ["field": error.path]
            )
        }
    }

    /// A response message as the body carries it.
    func response(_ message: [UInt8], _ transcoder: JSONTranscoder) throws(RPCError) -> [UInt8] {
        guard isJSON else { return message }
        do {
            return Array(try transcoder.responseToJSON(message).rendered().utf8)
        } catch {
            throw RPCError(code: .internal, message: "internal error", reason: .internal)
        }
    }
}

/// The call options a Connect request's headers carry.
enum ConnectRequestHeaders {
    /// `Authorization` as `authorization` metadata and `Connect-Timeout-Ms` as the timeout.
    static func options(_ headers: HTTPFields) throws(RPCError) -> CallOptions {
        var options = CallOptions()
        if let authorization = headers[.authorization] {
            options.metadata.add("authorization", authorization)
        }
        if let version = headers[HTTPField.Name("connect-protocol-version")!], version != "1" {
            throw RPCError(
                code: .invalidArgument,
                message: "Connect-Protocol-Version \(version) is not supported: send 1",
                reason: .unsupportedVersion
            )
        }
        for name in ["content-encoding", "connect-content-encoding"] {
            if let encoding = headers[HTTPField.Name(name)!], encoding.lowercased() != "identity" {
                throw RPCError(
                    code: .unimplemented,
                    message: "\(name) \(encoding) is not supported: send the body uncompressed",
                    reason: .unsupportedCompression,
                    metadata: ["encoding": encoding]
                )
            }
        }
        if let timeout = headers[HTTPField.Name("connect-timeout-ms")!] {
            guard (1...10).contains(timeout.count), timeout.allSatisfy(\.isASCIIDigit), let milliseconds = Int64(timeout) else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "Connect-Timeout-Ms must be 1 to 10 digits of milliseconds",
                    reason: .invalidTimeout
                )
            }
            options.timeout = .milliseconds(milliseconds)
        }
        return options
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
