/// Every action the audit trail records, in one place: ListAuditEvents filters by one of
/// these and refuses any other (a misspelt filter would otherwise answer an empty page),
/// and every record written is checked against it in debug builds (the tests).
public enum AuditActions {
    public static let all: Set<String> = [
        "ACCOUNT_CREATED", "BRAND_SUBMITTED", "BRAND_VETTED",
        "CAMPAIGN_ACTIVATED", "CAMPAIGN_ARCHIVED", "CAMPAIGN_ARCHIVED_WITH_NUMBER", "CAMPAIGN_CREATED", "CAMPAIGN_LAUNCHED",
        "CAMPAIGN_LAUNCH_FAILED", "CAMPAIGN_PAUSED", "CAMPAIGN_RESUMED",
        "MEMBER_ADDED", "MEMBER_REMOVED", "MEMBER_ROLE_CHANGED",
        "OWNERSHIP_TRANSFERRED",
        "NUMBER_ADDED", "NUMBER_DELETED", "NUMBER_LOST_AT_PROVIDER", "NUMBER_RENAMED",
        "PORT_OUT_APPROVED", "PORT_OUT_PIN_RESET", "PORT_OUT_PIN_VIEWED",
        "PORT_OUT_REFUSED_LOCKED", "PORT_OUT_REFUSED_NUMBER_IN_USE", "PORT_OUT_REFUSED_PIN_MISMATCH",
        "PROVISIONING_FAILED", "PROVISIONING_RETRIED", "PROVISIONING_SUCCEEDED",
        "SINGLE_USE_NUMBER_RELEASED", "SINGLE_USE_NUMBER_RESERVED",
        "TOKEN_EXPIRED_USED", "TOKEN_ISSUED", "TOKEN_REVOKED", "TOKEN_ROTATED",
        "USE_CASE_STATUS_SET", "USE_CASE_SUBMITTED", "USE_CASE_VETTED",
    ]
}
