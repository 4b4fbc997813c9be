import Foundation
import PhoneNumbersClient
import SimulatedProvider
import Testing

@Suite("10DLC registration and area codes", .timeLimit(.minutes(2)))
struct RegistrationTests {
    @Test("use cases are vetted PENDING → REGISTERED → APPROVED; missing opt-in wording FAILS with a reason")
    func vetting() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let submitted = try await Tenant.submitUseCase(tenant.admin)
            #expect(submitted.status == .pending)
            try await Tenant.waitForUseCase(tenant.admin, submitted.id, .approved)
            let failing = try await Tenant.submitUseCase(tenant.owner, optIn: "")
            try await Tenant.waitForUseCase(tenant.admin, failing.id, .failed)
            var get = GetUseCaseRequest()
            get.useCaseId = failing.id
            #expect(try await tenant.admin.registration.getUseCase(get).failureReason.contains("opt-in"))
        }
    }

    @Test("use case rules: registered brand, 2-5 samples, charity needs a non-profit, 527 political needs a Campaign Verify token")
    func useCaseRules() async throws {
        try await ServiceHarness.with { harness in
            let owner = try await harness.newOwner()

            await expectError(.failedPrecondition, "BRAND_NOT_REGISTERED") { try await Tenant.submitUseCase(owner) }
            await expectError(.notFound, "BRAND_NOT_FOUND") { try await owner.registration.getBrand(GetBrandRequest()) }

            // The brand stays PENDING while its vetting waits at the gate.
            harness.provider.hold(.vetting)
            let brand = Tenant.brandRequest(.political527)
            _ = try await owner.registration.submitBrand(brand)
            await expectError(.failedPrecondition, "BRAND_PENDING") { try await owner.registration.submitBrand(brand) }
            harness.provider.release(.vetting)
            for _ in 0..<200 where try await owner.registration.getBrand(GetBrandRequest()).status != .registered {
                try await Task.sleep(for: .milliseconds(20))
            }

            var request = SubmitUseCaseRequest()
            request.type = .political
            request.description = "Get out the vote."
            request.sampleMessages = ["Vote Tuesday!"]
            request.optInText = "web form"
            await expectError(.invalidArgument, "INVALID_SAMPLE_MESSAGES") { try await owner.registration.submitUseCase(request) }
            request.sampleMessages = ["Vote Tuesday! Reply STOP to stop.", "Polls open at 7. Reply STOP to stop."]
            await expectError(.failedPrecondition, "CAMPAIGN_VERIFY_TOKEN_REQUIRED") { try await owner.registration.submitUseCase(request) }
            request.campaignVerifyToken = "cv-token-123"
            let political = try await owner.registration.submitUseCase(request)
            #expect(political.hasCampaignVerifyToken)
            request.type = .charity
            await expectError(.failedPrecondition, "CHARITY_REQUIRES_NON_PROFIT") { try await owner.registration.submitUseCase(request) }
            request.type = .unspecified
            await expectError(.invalidArgument, "INVALID_USE_CASE_TYPE") { try await owner.registration.submitUseCase(request) }
        }
    }

    @Test("brand vetting outcomes: a bad EIN FAILS, an unverifiable name is UNVERIFIED; invalid EINs are refused")
    func brandVetting() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var brand = SubmitBrandRequest()
            brand.legalName = "Test Org Inc."
            brand.ein = "12-34"
            brand.entityType = .nonProfit
            brand.contactName = "Pat"
            brand.contactEmail = "pat@example.org"
            await expectError(.invalidArgument, "INVALID_EIN") { try await tenant.owner.registration.submitBrand(brand) }
            brand.ein = "00-0000000"
            _ = try await tenant.owner.registration.submitBrand(brand)
            var status = BrandStatus.pending
            for _ in 0..<200 where status == .pending {
                try await Task.sleep(for: .milliseconds(20))
                status = try await tenant.owner.registration.getBrand(GetBrandRequest()).status
            }
            #expect(status == .failed)
            #expect(try await tenant.owner.registration.getBrand(GetBrandRequest()).failureReason.contains("EIN"))
        }
    }

    @Test("the operator can set a use case's status with the simulated provider")
    func operatorSetsStatus() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            var request = SetUseCaseStatusRequest()
            request.useCaseId = tenant.approvedUseCase
            request.status = .failed
            request.failureReason = "carrier complaint"
            let updated = try await harness.operatorAPI.registration.setUseCaseStatus(request)
            #expect(updated.status == .failed && updated.failureReason == "carrier complaint")
            await expectError(.failedPrecondition, "USE_CASE_NOT_APPROVED") { try await tenant.addNumber("415") }
        }
    }

    @Test("area codes: geographic codes with their state; 603 listed as not offered; filter by state")
    func areaCodes() async throws {
        try await ServiceHarness.with { harness in
            let tenant = try await Tenant.make(harness)
            let all = try await tenant.texter.areaCodes.listAreaCodes(ListAreaCodesRequest()).areaCodes
            #expect(all.count == (try Self.generatedAreaCodeCount()), "the list has every code the generator wrote")
            #expect(!all.contains { ["555", "800", "911", "900"].contains($0.areaCode) })
            let newHampshire = try #require(all.first { $0.areaCode == "603" })
            #expect(!newHampshire.available && newHampshire.state == "NH" && newHampshire.unavailableReason.contains("New Hampshire"))
            // 603 is never offered; the simulated provider has no numbers in the hard-to-get codes.
            #expect(all.filter { !$0.available }.map(\.areaCode) == ["202", "206", "207", "212", "406", "603", "907"])
            var request = ListAreaCodesRequest()
            request.state = "wa"
            let washington = try await tenant.texter.areaCodes.listAreaCodes(request).areaCodes
            #expect(washington.contains { $0.areaCode == "206" && $0.stateName == "Washington" })
            #expect(washington.allSatisfy { $0.state == "WA" })
            request.state = "ZZ"
            await expectError(.invalidArgument, "INVALID_STATE") { try await tenant.texter.areaCodes.listAreaCodes(request) }
        }
    }

    /// The count scripts/generate-area-codes.py wrote into the table's header.
    static func generatedAreaCodeCount() throws -> Int {
        let header = try Repository.text("Sources/PhoneNumbersService/AreaCodes/AreaCodeTable.swift").split(separator: "\n").prefix(4)
            .joined(separator: " ")
        let match = try #require(header.firstMatch(of: /(\d+) geographic area codes/))
        return try #require(Int(match.1))
    }
}
