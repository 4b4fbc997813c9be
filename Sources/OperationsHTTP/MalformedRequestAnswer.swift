import ConnectGateway
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import RPCCore

/// Answers an HTTP request that cannot be parsed (headers over the decoder's limits, a
/// malformed head) with a Connect error body, then closes: Hummingbird would answer
/// 400 with an empty body, and a Connect client shows that as "unknown". Headers over
/// the limit (a token of 100 KB) are 431 `resource_exhausted` METADATA_TOO_LARGE, any
/// other malformed head 400 `invalid_argument` MALFORMED_HTTP.
final class MalformedRequestAnswer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let tooLarge = parserError == .headerOverflow
        let refusal =
            tooLarge
            ? RPCError(
                code: .resourceExhausted,
                message: "the request's headers are over the limit (\(Self.headerLimit / 1024) KiB in all)",
                reason: .metadataTooLarge,
                metadata: ["limit": String(Self.headerLimit)]
            )
            : RPCError(code: .invalidArgument, message: "the request is not well-formed HTTP/1.1", reason: .malformedHttp)
        let body = ByteBuffer(string: ConnectError.json(refusal).rendered())
        let head = HTTPResponse(
            status: tooLarge ? .requestHeaderFieldsTooLarge : .badRequest,
            headerFields: [.contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close"]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    /// NIO's default limit on a request's header list.
    static let headerLimit = 80 * 1024
}
