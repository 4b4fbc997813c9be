/// What can happen to a campaign.
public enum CampaignTransition: Sendable, Hashable {
    case launch
    /// A single-use number became READY.
    case launchSucceeded
    /// A single-use launch could not get a number, or provisioning failed.
    case launchFailed
    case pause
    case resume
    case archive
}

/// The campaign life cycle, as a pure function: DRAFT → LAUNCHING → ACTIVE ⇄ PAUSED,
/// ARCHIVED from anywhere but ARCHIVED; a dedicated launch goes straight to ACTIVE (so
/// only single-use campaigns hear that launching succeeded or failed); a failed launch
/// returns to DRAFT.
public enum CampaignStateMachine {
    /// The state after `transition`, or FAILED_PRECONDITION `INVALID_STATE_TRANSITION`.
    public static func next(
        _ state: CampaignRecord.State,
        _ transition: CampaignTransition,
        sender: NumberRecord.Kind
    ) throws(DomainError) -> CampaignRecord.State {
        switch (state, transition) {
        case (.draft, .launch): return sender == .dedicated ? .active : .launching
        case (.launching, .launchSucceeded) where sender == .singleUse: return .active
        case (.launching, .launchFailed) where sender == .singleUse: return .draft
        case (.active, .pause): return .paused
        case (.paused, .resume): return .active
        case (.draft, .archive), (.launching, .archive), (.active, .archive), (.paused, .archive): return .archived
        default:
            throw .precondition(
                "INVALID_STATE_TRANSITION",
                "\(article(state)) \(state.rawValue) campaign cannot \(name(transition))",
                metadata: ["state": state.rawValue, "transition": name(transition)]
            )
        }
    }

    private static func article(_ state: CampaignRecord.State) -> String {
        state == .active || state == .archived ? "an" : "a"
    }

    private static func name(_ transition: CampaignTransition) -> String {
        switch transition {
        case .launch: return "launch"
        case .launchSucceeded: return "finish launching"
        case .launchFailed: return "fail launching"
        case .pause: return "pause"
        case .resume: return "resume"
        case .archive: return "archive"
        }
    }
}
