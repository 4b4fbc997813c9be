import CFuzzDriver
import Glibc
import PhoneNumbersClient
import ProtoBridge

/// Every request message of every service, each round-tripped when it decodes; a message
/// that decodes has no string cut short (a NUL on the wire is refused, never truncated), so
/// it encodes again whole.
enum Decoders {
    static let all: [@Sendable (UnsafeRawBufferPointer) -> Void] = [
        check(HealthCheckRequest.self),
        check(CreateAccountRequest.self), check(GetAccountRequest.self), check(AddMemberRequest.self), check(ListMembersRequest.self),
        check(IssueTokenRequest.self), check(WhoAmIRequest.self),
        check(GetBrandRequest.self), check(SubmitBrandRequest.self), check(SubmitUseCaseRequest.self), check(GetUseCaseRequest.self),
        check(ListUseCasesRequest.self), check(SetUseCaseStatusRequest.self),
        check(ListAreaCodesRequest.self),
        check(AddNumberRequest.self), check(GetNumberRequest.self), check(ListNumbersRequest.self), check(RenameNumberRequest.self),
        check(DeleteNumberRequest.self), check(RetryProvisioningRequest.self), check(WatchNumberRequest.self),
        check(RequestPortOutRequest.self),
        check(GetPortOutPinRequest.self), check(ResetPortOutPinRequest.self),
        check(CreateCampaignRequest.self), check(CampaignRequest.self), check(ListCampaignsRequest.self), check(ResolveSenderRequest.self),
        check(WatchEventsRequest.self), check(ListAuditEventsRequest.self),
        check(ListPortOutAttemptsRequest.self),
    ]
}

func check<M: ProtoMessage>(_ type: M.Type) -> @Sendable (UnsafeRawBufferPointer) -> Void {
    { bytes in
        let limits = DecodingLimits(maxMessageSize: 1 << 20)
        guard let message = try? M(serializedBytes: bytes, limits: limits) else { return }
        guard let whole = message.serializedBytesKeepingStrings() else {
            preconditionFailure("\(M.self) decoded a string holding a NUL")
        }
        let again = try! M(
            serializedBytes: whole,
            limits: DecodingLimits(maxMessageSize: 1 << 22, baseAllocationBudget: 1 << 26)
        )
        precondition(again == message, "\(M.self) did not survive re-encoding")
    }
}

/// The first byte picks the message type; the rest is decoded as it.
func fuzzRequests(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    Decoders.all[Int(data[0]) % Decoders.all.count](UnsafeRawBufferPointer(start: data + 1, count: size - 1))
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzRequests(data, size) })
