import PhoneNumbersService
import Testing

/// The comparison behind reconciliation, without I/O.
@Suite("provider drift")
struct ProviderDriftTests {
    static func number(_ id: String, _ e164: String) -> NumberRecord {
        NumberRecord(
            id: id,
            accountID: "acc_1",
            e164: e164,
            areaCode: String(e164.dropFirst(2).prefix(3)),
            name: "",
            useCaseID: "uc_1",
            status: .ready,
            createdAt: 0,
            updatedAt: 0
        )
    }

    @Test("by E.164 and by key: unknown, missing and someone else's numbers are drift; matching ones are not")
    func compare() {
        let service = [Self.number("num_a", "+14155550100"), Self.number("num_b", "+14155550101"), Self.number("num_c", "+14155550102")]
        let provider = [
            ProviderHeldNumber(e164: "+14155550100", reservationKey: "num_a"),  // the same
            ProviderHeldNumber(e164: "+14155550102", reservationKey: "num_other"),  // held for another key
            ProviderHeldNumber(e164: "+13125550188", reservationKey: ""),  // bought outside the service
            ProviderHeldNumber(e164: "+14155550101", reservationKey: ""),  // no key: matched by number alone
        ]
        let drift = ProviderDrift.compare(provider: provider, service: service, at: 7)
        #expect(drift.onlyAtProvider.map(\.e164) == ["+14155550102", "+13125550188"])
        #expect(drift.onlyInService.map(\.id) == ["num_c"])
        #expect(drift.at == 7)
        #expect(ProviderDrift.compare(provider: [], service: [], at: 0).onlyAtProvider.isEmpty)
    }
}
