import AsyncHTTPClient
import ConnectGateway
import Foundation
import NIOCore
import NIOHTTP1
import PhoneNumbersClient

/// A client of the service's Connect gateway, as a client in another language would be:
/// proto3 JSON over HTTP/1.1, server streams in Connect envelopes, errors read back
/// from Connect's JSON. With it the service suites run through the gateway
/// (`PHONE_NUMBERS_TEST_TRANSPORT=connect`) and every documented error is checked in
/// Connect form.
final class ConnectCaller: RPCConnectionClient {
    private let baseURL: String
    private let metadata: Metadata

    /// A client of the gateway at `http://127.0.0.1:port`, sending `token`.
    init(port: Int, token: String?) {
        baseURL = "http://127.0.0.1:\(port)"
        var metadata = Metadata()
        if let token, !token.isEmpty { metadata.add("authorization", "Bearer \(token)") }
        self.metadata = metadata
    }

    /// One HTTP client for the suite, with room for many open streams (HTTP/1.1 holds a
    /// connection per call; the shared client's eight per host would queue watchers).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Every method of the service with its JSON mapping.
    static let transcoders: [String: JSONTranscoder] = {
        let all =
            AccountsMethods.jsonTranscoders + RegistrationMethods.jsonTranscoders + AreaCodesMethods.jsonTranscoders
            + NumbersMethods.jsonTranscoders + CampaignsMethods.jsonTranscoders + EventsMethods.jsonTranscoders
        return Dictionary(uniqueKeysWithValues: all.map { ($0.descriptor.path, $0) })
    }()

    private func request(_ method: MethodDescriptor, _ options: CallOptions, body: ByteBuffer, streaming: Bool) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + method.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: streaming ? "application/connect+json" : "application/json")
        request.headers.add(name: "Connect-Protocol-Version", value: "1")
        var all = metadata
        for entry in options.metadata { all.set(entry.key, entry.value) }
        if let authorization = all["authorization"] { request.headers.add(name: "Authorization", value: authorization) }
        if let timeout = options.timeout {
            let milliseconds = max(1, Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
            request.headers.add(name: "Connect-Timeout-Ms", value: String(milliseconds))
        }
        request.body = .bytes(body)
        return request
    }

    private func transcoder(_ method: MethodDescriptor) throws(RPCError) -> JSONTranscoder {
        guard let transcoder = Self.transcoders[method.path] else {
            throw RPCError(code: .unimplemented, message: "\(method.path) has no JSON mapping", reason: .unknownMethod)
        }
        return transcoder
    }

    private static func requestJSON(_ transcoder: JSONTranscoder, _ request: [UInt8]) throws(RPCError) -> [UInt8] {
        do {
            return Array(try transcoder.requestToJSON(request).rendered().utf8)
        } catch {
            throw RPCError(code: .internal, message: "the request could not be written as JSON: \(error)")
        }
    }

    private static func unreachable(_ error: any Error) -> RPCError {
        RPCError(code: .unavailable, message: "the gateway cannot be reached: \(error)", reason: .connectFailed)
    }

    func unaryCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) async throws(RPCError) -> UnaryResponse<[UInt8]> {
        let transcoder = try transcoder(method)
        let body = try Self.requestJSON(transcoder, request)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await Self.http.execute(
                self.request(method, options, body: ByteBuffer(bytes: body), streaming: false),
                timeout: .seconds(60)
            )
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Self.unreachable(error)
        }
        let json = JSONText.parse(bytes.readableBytesView)
        guard response.status == .ok else { throw ConnectError.error(from: json, httpStatus: Int(response.status.code)) }
        guard let json else { throw RPCError(code: .internal, message: "the gateway answered 200 without JSON") }
        do {
            var trailers = Metadata()
            for header in response.headers where header.name.lowercased().hasPrefix("trailer-") {
                trailers.add(String(header.name.lowercased().dropFirst("trailer-".count)), header.value)
            }
            return UnaryResponse(message: try transcoder.responseFromJSON(json), metadata: trailers)
        } catch {
            throw RPCError(code: .internal, message: "the gateway's JSON does not fit the response: \(error)")
        }
    }

    func serverStreamingCall(_ method: MethodDescriptor, request: [UInt8], options: CallOptions) -> AsyncThrowingStream<[UInt8], any Error>
    {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let task = Task {
            do {
                let transcoder = try transcoder(method)
                let json = try Self.requestJSON(transcoder, request)
                let response: HTTPClientResponse
                do {
                    response = try await Self.http.execute(
                        self.request(method, options, body: ConnectEnvelope(payload: json).framed, streaming: true),
                        timeout: .hours(24)
                    )
                } catch {
                    throw Self.unreachable(error)
                }
                guard response.status == .ok else {
                    let body = try? await response.body.collect(upTo: 1 << 20)
                    throw ConnectError.error(
                        from: body.flatMap { JSONText.parse($0.readableBytesView) },
                        httpStatus: Int(response.status.code)
                    )
                }
                var buffered = ByteBuffer()
                for try await part in response.body {
                    buffered.writeImmutableBuffer(part)
                    while let envelope = ConnectEnvelope.read(from: &buffered) {
                        let message = JSONText.parse(envelope.payload) ?? .null
                        if envelope.flags & ConnectEnvelope.endStreamFlag != 0 {
                            if case .object(let fields) = message, let error = fields.first(where: { $0.0 == "error" })?.1 {
                                throw ConnectError.error(from: error, httpStatus: 200)
                            }
                            continuation.finish()
                            return
                        }
                        continuation.yield(try transcoder.responseFromJSON(message))
                    }
                }
                throw RPCError(code: .unavailable, message: "the stream ended without its end message", reason: .connectionLost)
            } catch {
                continuation.finish(throwing: error is CancellationError ? RPCError.from(error) : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func ping() async throws(RPCError) -> Duration {
        let start = ContinuousClock.now
        do {
            _ = try await Self.http.execute(HTTPClientRequest(url: baseURL + "/healthz"), timeout: .seconds(10))
        } catch {
            throw Self.unreachable(error)
        }
        return ContinuousClock.now - start
    }

    func close() async {}

    var preferredTaskExecutor: any TaskExecutor { globalConcurrentExecutor }
}
