import PhoneNumbersClient
import Testing

@Suite("port-out protection", .timeLimit(.minutes(2)))
struct PortOutTests {
    @Test("wrong PINs are refused and recorded, then locked out; the right PIN ports the number out")
    func pinProtection() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let relay = try await harness.portOutRelay()
            let first = try await tenant.addNumber("415")
            let second = try await tenant.addNumber("510")
            _ = try await tenant.waitFinal(first.id)
            _ = try await tenant.waitFinal(second.id)

            await expectError(.permissionDenied, "ROLE_NOT_ALLOWED") {
                try await tenant.owner.numbers.requestPortOut(portOutRequest(first.e164, "0"))
            }
            for _ in 0..<3 {
                await expectError(.permissionDenied, "PORT_OUT_PIN_MISMATCH") {
                    try await relay.numbers.requestPortOut(portOutRequest(first.e164, "12345678"))
                }
            }
            var pinRequest = GetPortOutPinRequest()
            pinRequest.numberId = first.id
            let pin = try await tenant.owner.numbers.getPortOutPin(pinRequest).pin
            let locked = await expectError(.failedPrecondition, "PORT_OUT_LOCKED") {
                try await relay.numbers.requestPortOut(portOutRequest(first.e164, pin))
            }
            // The 15-minute lock has only just begun.
            let retryAfter = Int(locked?.details?.metadata["retry_after_ms"] ?? "0") ?? 0
            #expect(retryAfter > 14 * 60_000 && retryAfter <= 15 * 60_000, "\(retryAfter)")
            let attempts = try await harness.database.read {
                try $0.queryOne("SELECT COUNT(*) AS n FROM port_out_attempts WHERE approved = 0")!.get("n", as: Int.self)
            }
            #expect(attempts == 4)

            // The owner resets the second number's PIN and hands it to the gaining carrier.
            var reset = ResetPortOutPinRequest()
            reset.numberId = second.id
            let newPIN = try await tenant.owner.numbers.resetPortOutPin(reset).pin
            pinRequest.numberId = second.id
            #expect(try await tenant.owner.numbers.getPortOutPin(pinRequest).pin == newPIN)
            let approved = try await relay.numbers.requestPortOut(portOutRequest(formatted(second.e164), newPIN))
            #expect(approved.approved && approved.numberId == second.id)
            var get = GetNumberRequest()
            get.numberId = second.id
            let ported = try await tenant.admin.numbers.getNumber(get)
            #expect(ported.status == .released && ported.failureReason.contains("Rival Wireless"))
            await expectError(.notFound, "NUMBER_NOT_FOUND") { try await relay.numbers.requestPortOut(portOutRequest(second.e164, newPIN)) }
            await expectError(.invalidArgument, "INVALID_PHONE_NUMBER") {
                try await relay.numbers.requestPortOut(portOutRequest("12", newPIN))
            }
        }
    }

    /// "+14155550100" as people write it: "(415) 555-0100".
    private func formatted(_ e164: String) -> String {
        let digits = Array(e164.dropFirst(2))
        return "(\(String(digits[0..<3]))) \(String(digits[3..<6]))-\(String(digits[6...]))"
    }
}
