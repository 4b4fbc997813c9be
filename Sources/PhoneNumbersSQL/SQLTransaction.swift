import Foundation
import PhoneNumbersService
import Storage

/// The store's queries and changes, as SQL on one connection inside one transaction:
/// the same statements on SQLite and PostgreSQL, but for the few written per dialect.
public struct SQLTransaction<Session: SQLSession>: StoreWriter {
    let database: Session

    /// The queries and changes of the transaction `session` is in.
    public init(_ session: Session) {
        database = session
    }

    // MARK: Accounts and credentials

    public func account(_ id: String) throws -> AccountRecord? {
        try database.queryOne("SELECT * FROM accounts WHERE id = ?", [id]).map(Self.account)
    }

    public func member(_ id: String) throws -> MemberRecord? {
        try database.queryOne("SELECT * FROM members WHERE id = ?", [id]).map(Self.member)
    }

    public func members(ofAccount accountID: String) throws -> [MemberRecord] {
        try database.query("SELECT * FROM members WHERE account_id = ? AND removed_at = 0 ORDER BY created_at, id", [accountID])
            .map(Self.member)
    }

    public func credential(tokenHash: String) throws -> CredentialRecord? {
        try database.queryOne("SELECT * FROM credentials WHERE token_hash = ?", [tokenHash]).map(Self.credential)
    }

    public func credential(id: String) throws -> CredentialRecord? {
        try database.queryOne("SELECT * FROM credentials WHERE id = ?", [id]).map(Self.credential)
    }

    public func credentials(ofAccount accountID: String) throws -> [CredentialRecord] {
        try database.query(
            """
            SELECT credentials.* FROM credentials JOIN members ON members.id = credentials.member_id
            WHERE members.account_id = ? ORDER BY credentials.created_at, credentials.id
            """,
            [accountID]
        ).map(Self.credential)
    }

    public func credentials(ofMember memberID: String) throws -> [CredentialRecord] {
        try database.query("SELECT * FROM credentials WHERE member_id = ? ORDER BY created_at, id", [memberID]).map(Self.credential)
    }

    public func platformCredentials() throws -> [CredentialRecord] {
        try database.query("SELECT * FROM credentials WHERE kind <> 'MEMBER' ORDER BY created_at, id").map(Self.credential)
    }

    public func hasOperatorCredential() throws -> Bool {
        try database.queryOne("SELECT 1 AS found FROM credentials WHERE kind = 'OPERATOR' AND revoked_at = 0 LIMIT 1") != nil
    }

    public func lockAccount(_ id: String) throws {
        switch database.dialect {
        case .sqlite:
            // Write transactions are serial in SQLite (BEGIN IMMEDIATE): nothing to do.
            break
        case .postgres:
            // A write running as the account's only writer holds it already. Otherwise,
            // writing the account's row makes a concurrent writer of the same account wait
            // here and then fail to serialize at once (the store runs it again on a fresh
            // snapshot), instead of failing later after doing its work.
            guard !database.writes(account: id) else { return }
            try database.execute("UPDATE accounts SET event_sequence = event_sequence WHERE id = ?", [id])
        }
    }

    public func insert(_ account: AccountRecord) throws {
        try database.execute(
            "INSERT INTO accounts (id, name, country, created_at) VALUES (?, ?, ?, ?)",
            [account.id, account.name, account.country, account.createdAt]
        )
    }

    public func insert(_ member: MemberRecord) throws {
        try database.execute(
            "INSERT INTO members (id, account_id, name, email, role, created_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [member.id, member.accountID, member.name, member.email, member.role.rawValue, member.createdAt, member.removedAt]
        )
    }

    public func update(_ member: MemberRecord) throws {
        try database.execute(
            "UPDATE members SET role = ?, removed_at = ? WHERE id = ?",
            [member.role.rawValue, member.removedAt, member.id]
        )
    }

    public func insert(_ credential: CredentialRecord) throws {
        let (kind, memberID, serviceName, grants): (String, String?, String, String)
        switch credential.subject {
        case .operator: (kind, memberID, serviceName, grants) = ("OPERATOR", nil, "", "")
        case .member(let id): (kind, memberID, serviceName, grants) = ("MEMBER", id, "", "")
        case .service(let name, let granted):
            (kind, memberID, serviceName, grants) = ("SERVICE", nil, name, granted.map(\.rawValue).sorted().joined(separator: ","))
        }
        try database.execute(
            """
            INSERT INTO credentials (id, token_hash, kind, member_id, service_name, grants, created_at, issued_by, expires_at,
                last_used_at, revoked_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                credential.id, credential.tokenHash, kind, memberID, serviceName, grants, credential.createdAt, credential.issuedBy,
                credential.expiresAt, credential.lastUsedAt, credential.revokedAt,
            ]
        )
    }

    public func update(_ credential: CredentialRecord) throws {
        try database.execute(
            "UPDATE credentials SET expires_at = ?, last_used_at = ?, revoked_at = ? WHERE id = ?",
            [credential.expiresAt, credential.lastUsedAt, credential.revokedAt, credential.id]
        )
    }

    // MARK: Registration

    public func brand(ofAccount accountID: String) throws -> BrandRecord? {
        try database.queryOne("SELECT * FROM brands WHERE account_id = ?", [accountID]).map(Self.brand)
    }

    public func upsert(_ brand: BrandRecord) throws {
        try database.execute(
            """
            INSERT INTO brands (account_id, legal_name, ein, entity_type, contact_name, contact_email, contact_phone, status, failure_reason, submitted_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id) DO UPDATE SET legal_name = excluded.legal_name, ein = excluded.ein, entity_type = excluded.entity_type,
                contact_name = excluded.contact_name, contact_email = excluded.contact_email, contact_phone = excluded.contact_phone,
                status = excluded.status, failure_reason = excluded.failure_reason, submitted_at = excluded.submitted_at, updated_at = excluded.updated_at
            """,
            [
                brand.accountID, brand.legalName, brand.ein, brand.entityType.rawValue, brand.contactName, brand.contactEmail,
                brand.contactPhone,
                brand.status.rawValue, brand.failureReason, brand.submittedAt, brand.updatedAt,
            ]
        )
    }

    public func useCase(_ id: String) throws -> UseCaseRecord? {
        try database.queryOne("SELECT * FROM use_cases WHERE id = ?", [id]).map(Self.useCase)
    }

    public func useCases(ofAccount accountID: String) throws -> [UseCaseRecord] {
        try database.query("SELECT * FROM use_cases WHERE account_id = ? ORDER BY created_at, id", [accountID]).map(Self.useCase)
    }

    public func insert(_ useCase: UseCaseRecord) throws {
        try database.execute(
            """
            INSERT INTO use_cases (id, account_id, type, description, sample_messages, opt_in_text, help_text, campaign_verify_token,
                status, failure_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            Self.useCaseValues(useCase)
        )
    }

    public func update(_ useCase: UseCaseRecord) throws {
        // Every column but id and account_id, then id.
        let values = Array(Self.useCaseValues(useCase).dropFirst(2)) + [useCase.id]
        try database.execute(
            """
            UPDATE use_cases SET type = ?, description = ?, sample_messages = ?, opt_in_text = ?, help_text = ?, campaign_verify_token = ?,
                status = ?, failure_reason = ?, created_at = ?, updated_at = ? WHERE id = ?
            """,
            values
        )
    }

    // MARK: Numbers

    public func number(_ id: String) throws -> NumberRecord? {
        try database.queryOne("SELECT * FROM numbers WHERE id = ?", [id]).map(Self.number)
    }

    public func heldNumber(e164: String) throws -> NumberRecord? {
        try database.queryOne("SELECT * FROM numbers WHERE e164 = ? AND status <> 'RELEASED'", [e164]).map(Self.number)
    }

    public func heldNumbersWithE164() throws -> [NumberRecord] {
        try database.query("SELECT * FROM numbers WHERE status <> 'RELEASED' AND e164 <> '' ORDER BY e164", []).map(Self.number)
    }

    public func numbers(ofExistingAccount accountID: String, includeReleased: Bool) throws -> [NumberRecord]? {
        // One row per number, or one row of NULL numbers for an account without any.
        let sql =
            "SELECT a.id AS account_found, n.* FROM accounts a LEFT JOIN numbers n ON n.account_id = a.id AND n.kind = 'DEDICATED'"
            + (includeReleased ? "" : " AND n.status <> 'RELEASED'") + " WHERE a.id = ? ORDER BY n.created_at, n.id"
        let rows = try database.query(sql, [accountID])
        guard !rows.isEmpty else { return nil }
        return try rows.filter { $0["id"] as String? != nil }.map(Self.number)
    }

    public func heldNumberCount(ofAccount accountID: String) throws -> Int {
        try database.queryOne(
            "SELECT COUNT(*) AS n FROM numbers WHERE account_id = ? AND kind = 'DEDICATED' AND status <> 'RELEASED'",
            [accountID]
        )!.get("n")
    }

    public func heldNumberCount(ofUseCase useCaseID: String) throws -> Int {
        try database.queryOne("SELECT COUNT(*) AS n FROM numbers WHERE use_case_id = ? AND status <> 'RELEASED'", [useCaseID])!.get("n")
    }

    public func activeCampaigns(usingNumber numberID: String) throws -> [CampaignReference] {
        try database.query(
            "SELECT id, name, state FROM campaigns WHERE number_id = ? AND state IN ('LAUNCHING', 'ACTIVE', 'PAUSED') ORDER BY created_at, id",
            [numberID]
        ).map { CampaignReference(id: try $0.get("id"), name: try $0.get("name"), state: try $0.get("state")) }
    }

    public func numberCountsByStatus() throws -> [NumberRecord.Status: Int] {
        var counts: [NumberRecord.Status: Int] = [:]
        for row in try database.query("SELECT status, COUNT(*) AS n FROM numbers GROUP BY status") {
            if let status = NumberRecord.Status(rawValue: try row.get("status")) { counts[status] = try row.get("n") }
        }
        return counts
    }

    public func jobBacklog(at now: Timestamp) throws -> (count: Int, oldestRunAt: Timestamp?) {
        let row = try database.queryOne("SELECT COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs WHERE run_at <= ?", [now])
        return (try row?.get("n") ?? 0, try row?.get("oldest", as: Timestamp?.self))
    }

    public func insert(_ number: NumberRecord) throws {
        try database.execute(
            """
            INSERT INTO numbers (id, account_id, e164, area_code, name, use_case_id, status, failure_reason, provisioning_attempts,
                created_at, provisioning_started_at, ready_at, failed_at, released_at, updated_at, kind, area_codes, failure_retryable)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                number.id, number.accountID, number.e164, number.areaCode, number.name, number.useCaseID, number.status.rawValue,
                number.failureReason, number.provisioningAttempts, number.createdAt, number.provisioningStartedAt, number.readyAt,
                number.failedAt, number.releasedAt, number.updatedAt, number.kind.rawValue, number.areaCodes.joined(separator: ","),
                number.failureRetryable ? 1 : 0,
            ]
        )
    }

    public func update(_ number: NumberRecord) throws {
        try database.execute(
            """
            UPDATE numbers SET e164 = ?, area_code = ?, name = ?, status = ?, failure_reason = ?, provisioning_attempts = ?, provisioning_started_at = ?,
                ready_at = ?, failed_at = ?, released_at = ?, updated_at = ?, area_codes = ?, failure_retryable = ? WHERE id = ?
            """,
            [
                number.e164, number.areaCode, number.name, number.status.rawValue, number.failureReason, number.provisioningAttempts,
                number.provisioningStartedAt, number.readyAt, number.failedAt, number.releasedAt, number.updatedAt,
                number.areaCodes.joined(separator: ","), number.failureRetryable ? 1 : 0, number.id,
            ]
        )
    }

    public func delete(numberID: String) throws {
        try database.execute("DELETE FROM numbers WHERE id = ?", [numberID])
    }

    public func idempotencyRecord(accountID: String, requestID: String) throws -> IdempotencyRecord? {
        try database.queryOne("SELECT * FROM idempotency_keys WHERE account_id = ? AND request_id = ?", [accountID, requestID]).map {
            IdempotencyRecord(
                accountID: accountID,
                requestID: requestID,
                fingerprint: try $0.get("fingerprint"),
                numberID: try $0.get("number_id")
            )
        }
    }

    public func insert(_ record: IdempotencyRecord) throws {
        try database.execute(
            "INSERT INTO idempotency_keys (account_id, request_id, fingerprint, number_id) VALUES (?, ?, ?, ?)",
            [record.accountID, record.requestID, record.fingerprint, record.numberID]
        )
    }

    public func deleteIdempotencyRecords(numberID: String) throws {
        try database.execute("DELETE FROM idempotency_keys WHERE number_id = ?", [numberID])
    }

    // MARK: Port-out

    public func portOutGuard(numberID: String) throws -> PortOutGuard? {
        try database.queryOne("SELECT * FROM port_out_guards WHERE number_id = ?", [numberID]).map {
            PortOutGuard(numberID: numberID, failedAttempts: try $0.get("failed_attempts"), lockedUntil: try $0.get("locked_until"))
        }
    }

    public func upsert(_ guardState: PortOutGuard) throws {
        try database.execute(
            """
            INSERT INTO port_out_guards (number_id, failed_attempts, locked_until) VALUES (?, ?, ?)
            ON CONFLICT (number_id) DO UPDATE SET failed_attempts = excluded.failed_attempts, locked_until = excluded.locked_until
            """,
            [guardState.numberID, guardState.failedAttempts, guardState.lockedUntil]
        )
    }

    public func insert(_ attempt: PortOutAttemptRecord) throws {
        try database.execute(
            """
            INSERT INTO port_out_attempts (number_id, gaining_carrier, approved, outcome, at, provider_request_id)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                attempt.numberID, attempt.gainingCarrier, attempt.outcome == .approved, attempt.outcome.rawValue, attempt.at,
                attempt.providerRequestID,
            ]
        )
    }

    public func portOutAttempt(providerRequestID: String) throws -> PortOutAttemptRecord? {
        try database.queryOne(
            "SELECT * FROM port_out_attempts WHERE provider_request_id = ? ORDER BY id LIMIT 1",
            [providerRequestID]
        ).map(Self.portOutAttempt)
    }

    private static func portOutAttempt(_ row: Row) throws -> PortOutAttemptRecord {
        let approved: Bool = try row.get("approved")
        let stored: String = try row.get("outcome")
        return PortOutAttemptRecord(
            numberID: try row.get("number_id"),
            gainingCarrier: try row.get("gaining_carrier"),
            outcome: PortOutOutcome(rawValue: stored) ?? (approved ? .approved : .pinMismatch),
            at: try row.get("at"),
            providerRequestID: try row.get("provider_request_id")
        )
    }

    public func portOutAttempts(numberID: String, limit: Int) throws -> [PortOutAttemptRecord] {
        try database.query(
            "SELECT * FROM port_out_attempts WHERE number_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            [numberID, limit]
        ).map(Self.portOutAttempt)
    }

    // MARK: Campaigns, events and audit

    public func campaign(_ id: String) throws -> CampaignRecord? {
        try database.queryOne("SELECT * FROM campaigns WHERE id = ?", [id]).map(Self.campaign)
    }

    public func campaignWithNumber(_ id: String) throws -> (campaign: CampaignRecord, number: NumberRecord?)? {
        guard let row = try database.queryOne(campaignWithNumberSQL, [id]) else { return nil }
        let numberRow = row.prefixed("n_")
        let number = numberRow["id"] as String? == nil ? nil : try Self.number(numberRow)
        return (try Self.campaign(row), number)
    }

    public func campaign(accountID: String, requestID: String) throws -> CampaignRecord? {
        try database.queryOne("SELECT * FROM campaigns WHERE account_id = ? AND request_id = ?", [accountID, requestID]).map(Self.campaign)
    }

    public func campaign(usingSingleUseNumber numberID: String) throws -> CampaignRecord? {
        try database.queryOne("SELECT * FROM campaigns WHERE number_id = ? AND sender_kind = 'SINGLE_USE'", [numberID]).map(Self.campaign)
    }

    public func campaigns(ofAccount accountID: String, state: CampaignRecord.State?, numberID: String) throws -> [CampaignRecord] {
        var sql = "SELECT * FROM campaigns WHERE account_id = ?"
        var arguments: [any DatabaseValueConvertible] = [accountID]
        if let state {
            sql += " AND state = ?"
            arguments.append(state.rawValue)
        }
        if !numberID.isEmpty {
            sql += " AND number_id = ?"
            arguments.append(numberID)
        }
        return try database.query(sql + " ORDER BY created_at, id", arguments).map(Self.campaign)
    }

    public func insert(_ campaign: CampaignRecord) throws {
        try database.execute(
            """
            INSERT INTO campaigns (id, account_id, name, state, number_id, created_at, updated_at, sender_kind, use_case_id, preferred_area_codes,
                failure_reason, request_id, fingerprint, launched_at, activated_at, archived_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                campaign.id, campaign.accountID, campaign.name, campaign.state.rawValue,
                campaign.numberID.isEmpty ? nil : campaign.numberID,
                campaign.createdAt, campaign.updatedAt, campaign.senderKind.rawValue, campaign.useCaseID,
                campaign.preferredAreaCodes.joined(separator: ","), campaign.failureReason, campaign.requestID, campaign.fingerprint,
                campaign.launchedAt, campaign.activatedAt, campaign.archivedAt,
            ]
        )
    }

    public func update(_ campaign: CampaignRecord) throws {
        try database.execute(
            """
            UPDATE campaigns SET name = ?, state = ?, number_id = ?, updated_at = ?, failure_reason = ?, launched_at = ?, activated_at = ?,
                archived_at = ? WHERE id = ?
            """,
            [
                campaign.name, campaign.state.rawValue, campaign.numberID.isEmpty ? nil : campaign.numberID, campaign.updatedAt,
                campaign.failureReason, campaign.launchedAt, campaign.activatedAt, campaign.archivedAt, campaign.id,
            ]
        )
    }

    @discardableResult
    public func append(_ event: EventRecord) throws -> Int64 {
        let values: [any DatabaseValueConvertible] = [
            event.accountID, event.kind, event.subjectID, event.oldState, event.newState, event.reason, event.at,
        ]
        switch database.dialect {
        case .sqlite:
            // Serial writers: the table's own numbering commits in order.
            return try database.queryOne(
                "INSERT INTO events (account_id, kind, subject_id, old_state, new_state, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING sequence",
                values
            )!.get("sequence")
        case .postgres:
            // Concurrent writers: each account numbers its own events on its row, which
            // orders them, so an event never commits behind one with a higher number (a
            // watcher resuming after N would skip it) and the numbers have no gaps.
            database.writes(account: event.accountID)
            return try database.queryOne(
                """
                WITH next AS (UPDATE accounts SET event_sequence = event_sequence + 1 WHERE id = ? RETURNING event_sequence)
                INSERT INTO events (account_id, sequence, kind, subject_id, old_state, new_state, reason, at)
                SELECT ?, event_sequence, ?, ?, ?, ?, ?, ? FROM next RETURNING sequence
                """,
                [event.accountID] + values
            )!.get("sequence")
        }
    }

    public func lastEventSequence(ofAccount accountID: String) throws -> Int64 {
        try database.queryOne("SELECT MAX(sequence) AS last FROM events WHERE account_id = ?", [accountID])?["last"] ?? 0
    }

    public func events(ofAccount accountID: String, after sequence: Int64, limit: Int) throws -> [EventRecord] {
        try database.query(
            "SELECT * FROM events WHERE account_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
            [accountID, sequence, limit]
        ).map(Self.event)
    }

    public func latestEvent(accountID: String, subjectID: String) throws -> EventRecord? {
        try database.queryOne(
            "SELECT * FROM events WHERE account_id = ? AND subject_id = ? ORDER BY sequence DESC LIMIT 1",
            [accountID, subjectID]
        ).map(Self.event)
    }

    private static func event(_ row: Row) throws -> EventRecord {
        EventRecord(
            sequence: try row.get("sequence"),
            accountID: try row.get("account_id"),
            kind: try row.get("kind"),
            subjectID: try row.get("subject_id"),
            oldState: try row.get("old_state"),
            newState: try row.get("new_state"),
            reason: try row.get("reason"),
            at: try row.get("at")
        )
    }

    public func append(_ entry: AuditEntry) throws {
        try database.execute(
            """
            INSERT INTO audit_log (account_id, at, actor, action, subject_kind, subject_id, old_value, new_value, request_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                entry.accountID, entry.at, entry.actor, entry.action, entry.subjectKind, entry.subjectID, entry.oldValue, entry.newValue,
                entry.requestID,
            ]
        )
    }

    public func auditEntries(_ query: AuditQuery) throws -> [AuditEntry] {
        var sql = "SELECT * FROM audit_log WHERE account_id = ?"
        var arguments: [any DatabaseValueConvertible] = [query.accountID]
        if query.before > 0 {
            sql += " AND id < ?"
            arguments.append(query.before)
        }
        if !query.action.isEmpty {
            sql += " AND action = ?"
            arguments.append(query.action)
        }
        if !query.subjectID.isEmpty {
            sql += " AND subject_id = ?"
            arguments.append(query.subjectID)
        }
        arguments.append(query.limit)
        return try database.query(sql + " ORDER BY id DESC LIMIT ?", arguments).map { row in
            var entry = AuditEntry(
                accountID: query.accountID,
                at: try row.get("at"),
                actor: .system,
                action: try row.get("action"),
                subjectKind: try row.get("subject_kind"),
                subjectID: try row.get("subject_id"),
                oldValue: try row.get("old_value"),
                newValue: try row.get("new_value"),
                requestID: try row.get("request_id")
            )
            entry.id = try row.get("id")
            entry.actor = try row.get("actor")
            return entry
        }
    }

    // MARK: Jobs

    public func nextJobTime() throws -> Timestamp? {
        try database.queryOne("SELECT MIN(CASE WHEN lease_until > run_at THEN lease_until ELSE run_at END) AS next FROM jobs")?["next"]
    }

    public func holdsLease(kind: JobKind, subjectID: String, owner: String) throws -> Bool {
        try database.queryOne(
            "SELECT kind FROM jobs WHERE kind = ? AND subject_id = ? AND lease_owner = ?",
            [kind.rawValue, subjectID, owner]
        ) != nil
    }

    public func upsert(_ job: JobRecord) throws {
        try database.execute(
            """
            INSERT INTO jobs (kind, subject_id, attempts, run_at, last_error, trace_context) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, subject_id) DO UPDATE SET attempts = excluded.attempts, run_at = excluded.run_at,
                last_error = excluded.last_error, trace_context = excluded.trace_context, lease_owner = '', lease_until = 0
            """,
            [job.kind.rawValue, job.subjectID, job.attempts, job.runAt, job.lastError, job.traceContext]
        )
    }

    public func claimDueJobs(kinds: [JobKind], at now: Timestamp, owner: String, leaseUntil: Timestamp, limit: Int) throws -> [JobRecord] {
        // SQLite's writers are serial; PostgreSQL's claimers skip the rows another is claiming.
        let skipLocked = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let kindList = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        return try database.query(
            """
            UPDATE jobs SET lease_owner = ?, lease_until = ?
            WHERE (kind, subject_id) IN (
                SELECT kind, subject_id FROM jobs WHERE run_at <= ? AND lease_until <= ? AND kind IN (\(kindList))
                ORDER BY run_at LIMIT ?\(skipLocked))
            RETURNING *
            """,
            [owner, leaseUntil, now, now] + kinds.map(\.rawValue) + [limit]
        ).compactMap(Self.job).sorted { $0.runAt < $1.runAt }
    }

    public func renewLeases(owner: String, until: Timestamp) throws {
        try database.execute("UPDATE jobs SET lease_until = ? WHERE lease_owner = ?", [until, owner])
    }

    public func releaseLeases(owner: String) throws {
        try database.execute("UPDATE jobs SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?", [owner])
    }

    @discardableResult
    public func reschedule(_ job: JobRecord, leasedBy owner: String) throws -> Bool {
        try database.queryOne(
            """
            UPDATE jobs SET attempts = ?, run_at = ?, last_error = ?, lease_owner = '', lease_until = 0
            WHERE kind = ? AND subject_id = ? AND lease_owner = ? RETURNING kind
            """,
            [job.attempts, job.runAt, job.lastError, job.kind.rawValue, job.subjectID, owner]
        ) != nil
    }

    /// A job row; nil for a kind this version does not know (a newer replica's).
    private static func job(_ row: Row) throws -> JobRecord? {
        guard let kind = JobKind(rawValue: try row.get("kind")) else { return nil }
        return JobRecord(
            kind: kind,
            subjectID: try row.get("subject_id"),
            attempts: try row.get("attempts"),
            runAt: try row.get("run_at"),
            lastError: try row.get("last_error"),
            traceContext: try row.get("trace_context")
        )
    }

    public func deleteJob(kind: JobKind, subjectID: String) throws {
        try database.execute("DELETE FROM jobs WHERE kind = ? AND subject_id = ?", [kind.rawValue, subjectID])
    }
}
