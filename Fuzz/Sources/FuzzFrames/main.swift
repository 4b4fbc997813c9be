import Glibc
import CFuzzDriver
import NIOCore
import NIOEmbedded
import RPCCore
@testable import RPCNIO

/// Feeds the input to a server connection in chunks whose sizes come from the input
/// itself, then checks the connection is either open or cleanly closed. Routes to no
/// service, so no handler task runs (everything stays on the embedded loop).
func fuzzFrames(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = ServerLimits(maxMessageSize: 64 << 10, maxMetadataSize: 1 << 10, maxConcurrentCallsPerConnection: 4, maxPingsPerWindow: 4)
    limits.frameReadTimeout = .seconds(60)
    let channel = EmbeddedChannel()
    let handler = ServerConnectionHandler(
        router: RPCRouter(services: []), limits: limits, drainGracePeriod: .seconds(1),
        executor: EventLoopTaskExecutor(eventLoop: channel.eventLoop), logger: .init(label: "fuzz"))
    try! channel.pipeline.syncOperations.addHandler(handler)
    try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    // Half the time, start with a valid preface so the frame layer is reached.
    var input = bytes
    if let first = bytes.first, first & 1 == 1 {
        input = Array("PNRPC".utf8) + [0, 0, 1] + bytes.dropFirst()
    }
    var offset = 0
    var step = 1
    while offset < input.count, channel.isActive {
        let length = min(input.count - offset, max(1, Int(input[offset]) % 64 + step))
        step = step * 3 % 97 + 1
        let chunk = ByteBuffer(bytes: input[offset..<offset + length])
        offset += length
        try? channel.writeInbound(chunk)
        channel.embeddedEventLoop.run()
        while let _ = try? channel.readOutbound(as: ByteBuffer.self) {}
    }
    _ = try? channel.finish()
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzFrames(data, size) })
