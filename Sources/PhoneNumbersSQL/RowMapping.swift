import Foundation
import PhoneNumbersService
import Storage

/// Rows to records. A value the schema does not allow is a data error, never a crash.
extension SQLTransaction {
    static func account(_ row: Row) throws -> AccountRecord {
        AccountRecord(
            id: try row.get("id"),
            name: try row.get("name"),
            country: try row.get("country"),
            createdAt: try row.get("created_at")
        )
    }

    static func member(_ row: Row) throws -> MemberRecord {
        MemberRecord(
            id: try row.get("id"),
            accountID: try row.get("account_id"),
            name: try row.get("name"),
            email: try row.get("email"),
            role: try enumValue(row, "role"),
            createdAt: try row.get("created_at"),
            removedAt: try row.get("removed_at")
        )
    }

    static func credential(_ row: Row) throws -> CredentialRecord {
        let subject: CredentialSubject
        switch try row.get("kind", as: String.self) {
        case "OPERATOR": subject = .operator
        case "MEMBER": subject = .member(memberID: try row.get("member_id"))
        default:
            let grants = try row.get("grants", as: String.self).split(separator: ",").compactMap {
                CredentialSubject.Grant(rawValue: String($0))
            }
            subject = .service(name: try row.get("service_name"), grants: Set(grants))
        }
        return CredentialRecord(
            id: try row.get("id"),
            tokenHash: try row.get("token_hash"),
            subject: subject,
            createdAt: try row.get("created_at"),
            issuedBy: try row.get("issued_by"),
            expiresAt: try row.get("expires_at"),
            lastUsedAt: try row.get("last_used_at"),
            revokedAt: try row.get("revoked_at")
        )
    }

    static func brand(_ row: Row) throws -> BrandRecord {
        BrandRecord(
            accountID: try row.get("account_id"),
            legalName: try row.get("legal_name"),
            ein: try row.get("ein"),
            entityType: try enumValue(row, "entity_type"),
            contactName: try row.get("contact_name"),
            contactEmail: try row.get("contact_email"),
            contactPhone: try row.get("contact_phone"),
            status: try enumValue(row, "status"),
            failureReason: try row.get("failure_reason"),
            submittedAt: try row.get("submitted_at"),
            updatedAt: try row.get("updated_at")
        )
    }

    static func useCase(_ row: Row) throws -> UseCaseRecord {
        let samples = try JSONDecoder().decode([String].self, from: Data(try row.get("sample_messages", as: String.self).utf8))
        return UseCaseRecord(
            id: try row.get("id"),
            accountID: try row.get("account_id"),
            type: try enumValue(row, "type"),
            description: try row.get("description"),
            sampleMessages: samples,
            optInText: try row.get("opt_in_text"),
            helpText: try row.get("help_text"),
            campaignVerifyToken: try row.get("campaign_verify_token"),
            status: try enumValue(row, "status"),
            failureReason: try row.get("failure_reason"),
            createdAt: try row.get("created_at"),
            updatedAt: try row.get("updated_at")
        )
    }

    static func useCaseValues(_ useCase: UseCaseRecord) -> [any DatabaseValueConvertible] {
        let samples = (try? JSONEncoder().encode(useCase.sampleMessages)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return [
            useCase.id, useCase.accountID, useCase.type.rawValue, useCase.description, samples, useCase.optInText, useCase.helpText,
            useCase.campaignVerifyToken, useCase.status.rawValue, useCase.failureReason, useCase.createdAt, useCase.updatedAt,
        ]
    }

    static func number(_ row: Row) throws -> NumberRecord {
        let areaCodes = try row.get("area_codes", as: String.self)
        return NumberRecord(
            id: try row.get("id"),
            accountID: try row.get("account_id"),
            e164: try row.get("e164"),
            areaCode: try row.get("area_code"),
            name: try row.get("name"),
            useCaseID: try row.get("use_case_id"),
            status: try enumValue(row, "status"),
            failureReason: try row.get("failure_reason"),
            provisioningAttempts: try row.get("provisioning_attempts"),
            createdAt: try row.get("created_at"),
            provisioningStartedAt: try row.get("provisioning_started_at"),
            readyAt: try row.get("ready_at"),
            failedAt: try row.get("failed_at"),
            releasedAt: try row.get("released_at"),
            updatedAt: try row.get("updated_at"),
            kind: try enumValue(row, "kind"),
            areaCodes: areaCodes.isEmpty ? nil : list(areaCodes),
            failureRetryable: try row.get("failure_retryable", as: Int.self) != 0
        )
    }

    static func campaign(_ row: Row) throws -> CampaignRecord {
        let areaCodes = try row.get("preferred_area_codes", as: String.self)
        return CampaignRecord(
            id: try row.get("id"),
            accountID: try row.get("account_id"),
            name: try row.get("name"),
            state: try enumValue(row, "state"),
            senderKind: try enumValue(row, "sender_kind"),
            numberID: try row.get("number_id", as: String?.self) ?? "",
            useCaseID: try row.get("use_case_id"),
            preferredAreaCodes: list(areaCodes),
            failureReason: try row.get("failure_reason"),
            requestID: try row.get("request_id"),
            fingerprint: try row.get("fingerprint"),
            createdAt: try row.get("created_at"),
            launchedAt: try row.get("launched_at"),
            activatedAt: try row.get("activated_at"),
            archivedAt: try row.get("archived_at"),
            updatedAt: try row.get("updated_at")
        )
    }

    /// A comma-separated column as a list ("" is empty).
    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }

    private static func enumValue<E: RawRepresentable>(_ row: Row, _ column: String) throws -> E where E.RawValue == String {
        let raw = try row.get(column, as: String.self)
        guard let value = E(rawValue: raw) else {
            throw RowDecodingError(column: column, .unknownValue(expected: "\(E.self)"))
        }
        return value
    }
}

/// The columns `SQLTransaction.number(_:)` reads (for statements that name them, such as joins).
let numberColumns = [
    "id", "account_id", "e164", "area_code", "name", "use_case_id", "status", "failure_reason", "provisioning_attempts",
    "created_at", "provisioning_started_at", "ready_at", "failed_at", "released_at", "updated_at", "kind", "area_codes",
    "failure_retryable",
]

/// A campaign's columns, then its number's, each named `n_…`.
let campaignWithNumberSQL =
    "SELECT c.*, " + numberColumns.map { "n.\($0) AS n_\($0)" }.joined(separator: ", ")
    + " FROM campaigns c LEFT JOIN numbers n ON n.id = c.number_id WHERE c.id = ?"
