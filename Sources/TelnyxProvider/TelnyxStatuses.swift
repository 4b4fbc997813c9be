import PhoneNumbersService
import TelnyxAPI

/// Telnyx's words for a number's campaign assignment, a brand and a 10DLC campaign,
/// mapped onto the service's statuses; the provider's words are kept as the reason.
public enum TelnyxStatuses {
    /// Where a campaign assignment stands.
    public enum Assignment: Sendable, Equatable {
        case pending
        case assigned
        case failed
    }

    /// `assignmentStatus`: ASSIGNED; FAILED_ASSIGNMENT; anything else (PENDING_ASSIGNMENT,
    /// an unassignment in flight, none yet) is pending.
    public static func assignment(_ status: Components.Schemas.PhoneNumberCampaign.AssignmentStatusPayload?) -> Assignment {
        switch status {
        case .assigned: .assigned
        case .failedAssignment: .failed
        default: .pending
        }
    }

    /// A brand's `status` (OK, REGISTRATION_PENDING, REGISTRATION_FAILED) and
    /// `identityStatus` (VERIFIED, VETTED_VERIFIED, UNVERIFIED, SELF_DECLARED).
    public static func brand(status: String?, identity: String?, reasons: String?) -> (BrandRecord.Status, String) {
        switch (status, identity) {
        case ("REGISTRATION_FAILED", _): (.failed, reasons ?? "Telnyx: REGISTRATION_FAILED")
        case ("OK", "VERIFIED"), ("OK", "VETTED_VERIFIED"): (.registered, "")
        case ("OK", let identity?): (.unverified, "Telnyx identity status \(identity)")
        default: (.pending, "Telnyx: \(status ?? "no status yet")")
        }
    }

    /// A campaign's `campaignStatus`: MNO_PROVISIONED is APPROVED; TCR_ACCEPTED,
    /// TELNYX_ACCEPTED and the MNO review stages are REGISTERED; a failure, rejection,
    /// suspension or expiry is FAILED with Telnyx's word; TCR_PENDING (or none) is no change.
    public static func campaign(_ status: String?) -> (UseCaseRecord.Status?, String) {
        switch status {
        case "MNO_PROVISIONED": (.approved, "")
        case "TCR_ACCEPTED", "TELNYX_ACCEPTED", "MNO_PENDING", "MNO_ACCEPTED": (.registered, "")
        case "TCR_FAILED", "TELNYX_FAILED", "MNO_REJECTED", "MNO_PROVISIONING_FAILED", "TCR_SUSPENDED", "TCR_EXPIRED":
            (.failed, "Telnyx campaign status \(status ?? "")")
        default: (nil, "Telnyx campaign status \(status ?? "none yet")")
        }
    }
}
