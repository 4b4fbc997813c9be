import NIOCore

/// Closes a connection whose client stopped sending (end of input). Hummingbird allows
/// half-closed connections, so without this a client that hangs up during a streamed
/// response (a WatchEvents watcher closing its tab) would be noticed only at the next
/// write, which may never come: its call and its slot would be held until then.
final class CloseOnInputEnd: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
