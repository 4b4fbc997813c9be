import PhoneNumbersService
import Testing

@Suite("campaign state machine (no I/O)")
struct CampaignStateMachineTests {
    typealias State = PhoneNumbersService.CampaignState

    @Test("every allowed transition, for both kinds of sender")
    func allowed() throws {
        #expect(try CampaignStateMachine.next(.draft, .launch, sender: .dedicated) == .active)
        #expect(try CampaignStateMachine.next(.draft, .launch, sender: .singleUse) == .launching)
        #expect(try CampaignStateMachine.next(.launching, .launchSucceeded, sender: .singleUse) == .active)
        #expect(try CampaignStateMachine.next(.launching, .launchFailed, sender: .singleUse) == .draft)
        #expect(try CampaignStateMachine.next(.active, .pause, sender: .dedicated) == .paused)
        #expect(try CampaignStateMachine.next(.paused, .resume, sender: .dedicated) == .active)
        for state in [State.draft, .launching, .active, .paused] {
            #expect(try CampaignStateMachine.next(state, .archive, sender: .singleUse) == .archived)
        }
    }

    @Test("everything else is INVALID_STATE_TRANSITION")
    func refused() {
        let transitions: [CampaignTransition] = [.launch, .launchSucceeded, .launchFailed, .pause, .resume, .archive]
        var refusals = 0
        for state in State.allCases {
            for transition in transitions {
                for sender in [NumberKind.dedicated, .singleUse] {
                    do {
                        _ = try CampaignStateMachine.next(state, transition, sender: sender)
                    } catch {
                        #expect(error.reason == "INVALID_STATE_TRANSITION")
                        #expect(error.code == .failedPrecondition)
                        #expect(error.metadata["state"] == state.rawValue)
                        refusals += 1
                    }
                }
            }
        }
        // 5 states × 6 transitions × 2 senders = 60; allowed: launch×2, succeeded, failed (×2 senders each), pause×2, resume×2, archive 4×2.
        #expect(refusals == 60 - (2 + 2 + 2 + 2 + 2 + 8))
    }
}
