import PhoneNumbersService
import Testing

@Suite("campaign state machine (no I/O)", .timeLimit(.minutes(2)))
struct CampaignStateMachineTests {
    typealias State = CampaignRecord.State

    /// Every (state, transition) with its outcome for a dedicated and a single-use
    /// sender; `-` is INVALID_STATE_TRANSITION. All 60 cases, none implied.
    static let table = """
        DRAFT      launch           ACTIVE     LAUNCHING
        DRAFT      launchSucceeded  -          -
        DRAFT      launchFailed     -          -
        DRAFT      pause            -          -
        DRAFT      resume           -          -
        DRAFT      archive          ARCHIVED   ARCHIVED
        LAUNCHING  launch           -          -
        LAUNCHING  launchSucceeded  -          ACTIVE
        LAUNCHING  launchFailed     -          DRAFT
        LAUNCHING  pause            -          -
        LAUNCHING  resume           -          -
        LAUNCHING  archive          ARCHIVED   ARCHIVED
        ACTIVE     launch           -          -
        ACTIVE     launchSucceeded  -          -
        ACTIVE     launchFailed     -          -
        ACTIVE     pause            PAUSED     PAUSED
        ACTIVE     resume           -          -
        ACTIVE     archive          ARCHIVED   ARCHIVED
        PAUSED     launch           -          -
        PAUSED     launchSucceeded  -          -
        PAUSED     launchFailed     -          -
        PAUSED     pause            -          -
        PAUSED     resume           ACTIVE     ACTIVE
        PAUSED     archive          ARCHIVED   ARCHIVED
        ARCHIVED   launch           -          -
        ARCHIVED   launchSucceeded  -          -
        ARCHIVED   launchFailed     -          -
        ARCHIVED   pause            -          -
        ARCHIVED   resume           -          -
        ARCHIVED   archive          -          -
        """

    static let transitions: [String: CampaignTransition] = [
        "launch": .launch, "launchSucceeded": .launchSucceeded, "launchFailed": .launchFailed, "pause": .pause, "resume": .resume,
        "archive": .archive,
    ]

    @Test("every (state, transition, sender) has the outcome the table gives")
    func everyCase() throws {
        var cases = 0
        for line in Self.table.split(separator: "\n") {
            let cells = line.split(separator: " ").map(String.init)
            let state = try #require(State(rawValue: cells[0]))
            let transition = try #require(Self.transitions[cells[1]])
            for (sender, expected) in [(NumberRecord.Kind.dedicated, cells[2]), (.singleUse, cells[3])] {
                cases += 1
                do {
                    let next = try CampaignStateMachine.next(state, transition, sender: sender)
                    #expect(next.rawValue == expected, "\(state) \(cells[1]) \(sender)")
                } catch {
                    #expect(expected == "-", "\(state) \(cells[1]) \(sender) was refused")
                    #expect(error.reason == "INVALID_STATE_TRANSITION" && error.code == .failedPrecondition)
                    #expect(error.metadata["state"] == state.rawValue)
                }
            }
        }
        #expect(cases == State.allCases.count * Self.transitions.count * 2)
    }
}
