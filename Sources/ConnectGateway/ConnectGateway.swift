import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProtoBridge
import RPCCore

/// Every method of a router reachable over HTTP as the Connect protocol defines it:
/// unary calls as `POST /package.Service/Method` with `application/json` (proto3 JSON) or
/// `application/proto`; server-streaming calls with `application/connect+json` or
/// `application/connect+proto` in Connect's envelopes. Errors are Connect's JSON errors.
///
/// Calls run through the same handlers as PNRPC (in process: no second implementation of
/// any rule), with the caller's `Authorization` header as `authorization` metadata,
/// `Connect-Timeout-Ms` as the deadline, and the client's address as the peer.
public struct ConnectGateway: Sendable {
    /// What one client may send and run.
    public struct Limits: Sendable {
        /// The largest request body, in bytes (PNRPC's message limit).
        public var maxBodySize: Int
        /// Calls running at once per client host (PNRPC's limit per connection).
        public var maxCallsPerClient: Int
        /// How long a request body may take to arrive.
        public var bodyReadTimeout: Duration

        public init(maxBodySize: Int = 4 << 20, maxCallsPerClient: Int = 100, bodyReadTimeout: Duration = .seconds(10)) {
            self.maxBodySize = maxBodySize
            self.maxCallsPerClient = maxCallsPerClient
            self.bodyReadTimeout = bodyReadTimeout
        }
    }

    private let router: RPCRouter
    private let limits: Limits
    private let proxies: TrustedProxies
    private let calls: CallsInFlight
    private let logger: Logger

    /// A gateway to the methods of `router` that have a JSON mapping; requests from
    /// `proxies` are counted as the client they were forwarded for.
    public init(router: RPCRouter, limits: Limits = .init(), proxies: TrustedProxies = .init(), logger: Logger) {
        self.router = router
        self.limits = limits
        self.proxies = proxies
        self.calls = CallsInFlight(limit: limits.maxCallsPerClient)
        self.logger = logger
    }

    /// Ends every stream open through the gateway (and the router's other transports) with
    /// UNAVAILABLE `DRAINING`: the HTTP side's drain, which would otherwise wait for them.
    public func endStreams() {
        router.streamDrain.begin()
    }

    /// Who sent a request: the client's address (`host:port`) and when its connection closes.
    public struct Client: Sendable {
        public var peer: String
        /// Completes when the client's connection closes: its open streams then end.
        public var closed: EventLoopFuture<Void>?

        public init(peer: String, closed: EventLoopFuture<Void>?) {
            self.peer = peer
            self.closed = closed
        }
    }

    /// Adds `POST /{service}/{method}` to `http`: a method with a JSON mapping is served,
    /// any other path answers Connect's `unimplemented`. `client` tells who sent a request.
    public func register<Context: RequestContext>(on http: Router<Context>, client: @escaping @Sendable (Context) -> Client) {
        http.post("{service}/{method}") { request, context in
            let path = request.uri.path
            guard let transcoder = router.jsonTranscoder(path) else {
                let error =
                    router.route(path).failure
                    ?? RPCError(code: .unimplemented, message: "\(path) has no JSON mapping", reason: .unknownMethod)
                return Self.unaryError(error, status: .notFound)
            }
            return await self.serve(request, transcoder, client: client(context))
        }
        // Connect calls are POSTs: any other method on a call's path is a Connect error too.
        for method in [HTTPRequest.Method.get, .put, .delete, .patch, .options, .head] {
            http.on("{service}/{method}", method: method) { request, _ in
                var response = Self.unaryError(
                    RPCError(
                        code: .unimplemented,
                        message: "\(request.method.rawValue) is not served at \(request.uri.path): Connect calls are POST requests",
                        reason: .unknownMethod,
                        metadata: ["method": request.uri.path]
                    ),
                    status: .methodNotAllowed
                )
                response.headers[.allow] = "POST"
                return response
            }
        }
    }

    /// Serves one call of `transcoder`'s method.
    func serve(_ request: Request, _ transcoder: JSONTranscoder, client: Client) async -> Response {
        let peer = proxies.client(peer: client.peer, headers: request.headers)
        let streaming = transcoder.descriptor.kind == .serverStreaming
        let fail = { (error: RPCError) in streaming ? Self.streamError(error) : Self.unaryError(error) }
        let codec: ConnectCodec
        switch ConnectCodec.of(request.headers[.contentType], streaming: streaming) {
        case .success(let found): codec = found
        case .failure(let error): return Self.unaryError(error, status: .unsupportedMediaType)
        }
        let host = Self.host(of: peer)
        guard calls.enter(host) else {
            return fail(
                RPCError(
                    code: .resourceExhausted,
                    message: "more than \(limits.maxCallsPerClient) calls at once from one client",
                    reason: .tooManyConcurrentCalls,
                    metadata: ["limit": String(limits.maxCallsPerClient)]
                )
            )
        }
        var leaveOnReturn = true
        defer { if leaveOnReturn { calls.leave(host) } }
        let options: CallOptions
        let message: [UInt8]
        do throws(RPCError) {
            options = try ConnectRequestHeaders.options(request.headers)
            var body = try await ConnectBody.read(request, limits: limits)
            if streaming {
                guard let envelope = ConnectEnvelope.read(from: &body), body.readableBytes == 0 else {
                    throw RPCError(code: .invalidArgument, message: "the request is not one Connect envelope", reason: .malformedEnvelope)
                }
                guard envelope.flags & ConnectEnvelope.compressedFlag == 0 else {
                    throw RPCError(
                        code: .unimplemented,
                        message: "compressed messages are not supported",
                        reason: .unsupportedCompression
                    )
                }
                message = try codec.request(envelope.payload, transcoder)
            } else {
                message = try codec.request(Array(buffer: body), transcoder)
            }
        } catch {
            return fail(error)
        }
        // The call's metadata travels in `options`, as from any caller.
        let caller = InProcessCaller(router: router, peer: peer, logger: logger)
        if streaming {
            leaveOnReturn = false
            let messages = caller.serverStreamingCall(transcoder.descriptor, request: message, options: options)
            return stream(messages, transcoder, codec, host, closed: client.closed)
        }
        do throws(RPCError) {
            let response = try await caller.unaryCall(transcoder.descriptor, request: message, options: options)
            var headers: HTTPFields = [.contentType: codec.contentType]
            for entry in response.metadata {
                if let name = HTTPField.Name("trailer-" + entry.key) { headers.append(HTTPField(name: name, value: entry.value)) }
            }
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try codec.response(response.message, transcoder)))
            )
        } catch {
            return Self.unaryError(error)
        }
    }

    /// The response of a streaming call: each message in an envelope, then the end of
    /// the stream with the call's error, if any. When the client's connection closes the
    /// call is cancelled at once (not at its next message) and its slot given back.
    private func stream(
        _ messages: AsyncThrowingStream<[UInt8], any Error>,
        _ transcoder: JSONTranscoder,
        _ codec: ConnectCodec,
        _ host: String,
        closed: EventLoopFuture<Void>?
    ) -> Response {
        let calls = self.calls
        return Response(
            status: .ok,
            headers: [.contentType: codec.contentType],
            body: ResponseBody { writer in
                let (relayed, relay) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
                let pump = Task {
                    do {
                        for try await message in messages { relay.yield(message) }
                        relay.finish()
                    } catch {
                        relay.finish(throwing: error)
                    }
                }
                closed?.whenComplete { _ in pump.cancel() }
                defer {
                    pump.cancel()
                    calls.leave(host)
                }
                var end = JSONValue.object([])
                do {
                    for try await message in relayed {
                        try await writer.write(ConnectEnvelope(payload: try codec.response(message, transcoder)).framed)
                    }
                } catch let error as RPCError {
                    end = .object([("error", ConnectError.json(error))])
                }
                try await writer.write(ConnectEnvelope(flags: ConnectEnvelope.endStreamFlag, payload: Array(end.rendered().utf8)).framed)
                try await writer.finish(nil)
            }
        )
    }

    /// A unary call's error: Connect's HTTP status and JSON error body.
    static func unaryError(_ error: RPCError, status: HTTPResponse.Status? = nil) -> Response {
        Response(
            status: status ?? HTTPResponse.Status(code: error.code.connectHTTPStatus),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: ConnectError.json(error).rendered()))
        )
    }

    /// A streaming call that fails before its first message: 200 and only the end of the stream.
    static func streamError(_ error: RPCError) -> Response {
        let end = JSONValue.object([("error", ConnectError.json(error))])
        return Response(
            status: .ok,
            headers: [.contentType: "application/connect+json"],
            body: ResponseBody(
                byteBuffer: ConnectEnvelope(flags: ConnectEnvelope.endStreamFlag, payload: Array(end.rendered().utf8)).framed
            )
        )
    }

    /// The host part of `host:port` or `[host]:port` (IPv6 addresses keep their colons).
    static func host(of peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        let host = peer[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
        return String(host)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
