import CFuzzDriver
import Glibc

@testable import RPCNIO

/// Feeds the input to a server connection (ConnectionReplay) and stops at the first
/// input that breaks an invariant: calls in flight above the limit, a frame after a
/// closing GOAWAY, an answer above `last_call_id`, an answer to a call never started or
/// answered twice, or a started call left unanswered on an open connection.
func fuzzFrames(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let replay = ConnectionReplay.run(Array(UnsafeBufferPointer(start: data, count: size)))
    precondition(replay.violations.isEmpty, "invariant broken: \(replay.violations.joined(separator: "; "))")
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzFrames(data, size) })
