import CFuzzDriver
import Glibc
import ProtoBridge
import RPCProto

/// Decodes the input as a frame envelope; a valid one must re-encode and decode to itself.
func fuzzEnvelope(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let limits = DecodingLimits(maxMessageSize: 1 << 20)
    guard let frame = try? WireFrame(serializedBytes: UnsafeRawBufferPointer(start: data, count: size), limits: limits) else { return 0 }
    let again = try! WireFrame(
        serializedBytes: frame.serializedBytes(),
        limits: DecodingLimits(maxMessageSize: 1 << 22, baseAllocationBudget: 1 << 26)
    )
    precondition(again == frame, "a decoded frame did not survive re-encoding")
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzEnvelope(data, size) })
