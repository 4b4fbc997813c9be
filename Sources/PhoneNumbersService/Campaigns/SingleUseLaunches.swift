/// How a launching campaign hears that its single-use number settled: READY makes it
/// ACTIVE; FAILED (the number is then released) or RELEASED puts it back in DRAFT with
/// the reason.
struct SingleUseLaunches: NumberLifecycleListener {
    let metrics: DomainMetrics

    func numberSettled(_ number: NumberRecord, in tx: any StoreWriter) throws {
        guard number.kind == .singleUse else { return }
        switch number.status {
        case .ready:
            try launchFinished(tx, numberID: number.id, failure: nil)
        case .failed:
            try NumberLifecycle.release(tx, number.id, actor: .system, action: "SINGLE_USE_NUMBER_RELEASED", reason: number.failureReason)
            try launchFinished(tx, numberID: number.id, failure: "provisioning failed: \(number.failureReason)")
        case .released:
            try launchFinished(tx, numberID: number.id, failure: number.failureReason)
        case .reserving, .provisioning:
            break
        }
    }

    private func launchFinished(_ tx: any StoreWriter, numberID: String, failure: String?) throws {
        guard var campaign = try tx.campaign(usingSingleUseNumber: numberID), campaign.state == .launching else { return }
        let old = campaign
        campaign.state = try CampaignStateMachine.next(
            campaign.state,
            failure == nil ? .launchSucceeded : .launchFailed,
            sender: .singleUse
        )
        campaign.updatedAt = currentTimestamp()
        if let failure {
            campaign.failureReason = failure
            campaign.numberID = ""
        } else {
            campaign.activatedAt = campaign.updatedAt
        }
        try tx.update(campaign)
        metrics.singleUseLaunchFinished(active: failure == nil, after: .milliseconds(campaign.updatedAt - campaign.launchedAt))
        try ChangeLog.campaign(
            tx,
            from: old,
            to: campaign,
            actor: .system,
            action: failure == nil ? "CAMPAIGN_ACTIVATED" : "CAMPAIGN_LAUNCH_FAILED"
        )
    }
}
