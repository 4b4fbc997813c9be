import Storage

/// The service's schema, every migration in order: numbered, append-only. Never edit a
/// released migration (the migrator checks their checksums).
enum Schema {
    static let migrations: [Migrator.Migration] = [
        .init(
            "0001_accounts_and_credentials",
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                country TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE members (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                email TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'SUPERVISOR', 'TEXTER')),
                created_at INTEGER NOT NULL
            );
            CREATE INDEX members_by_account ON members(account_id);
            CREATE TABLE credentials (
                id TEXT PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('OPERATOR', 'MEMBER', 'SERVICE')),
                member_id TEXT REFERENCES members(id),
                service_name TEXT NOT NULL DEFAULT '',
                grants TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL
            );
            """
        ),
        .init(
            "0002_registration",
            """
            CREATE TABLE brands (
                account_id TEXT PRIMARY KEY REFERENCES accounts(id),
                legal_name TEXT NOT NULL,
                ein TEXT NOT NULL,
                entity_type TEXT NOT NULL,
                contact_name TEXT NOT NULL,
                contact_email TEXT NOT NULL,
                contact_phone TEXT NOT NULL,
                status TEXT NOT NULL,
                failure_reason TEXT NOT NULL,
                submitted_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE use_cases (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                type TEXT NOT NULL,
                description TEXT NOT NULL,
                sample_messages TEXT NOT NULL,
                opt_in_text TEXT NOT NULL,
                help_text TEXT NOT NULL,
                campaign_verify_token TEXT NOT NULL,
                status TEXT NOT NULL,
                failure_reason TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX use_cases_by_account ON use_cases(account_id);
            """
        ),
        .init(
            "0003_numbers",
            """
            CREATE TABLE numbers (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                e164 TEXT NOT NULL,
                area_code TEXT NOT NULL,
                name TEXT NOT NULL,
                use_case_id TEXT NOT NULL REFERENCES use_cases(id),
                status TEXT NOT NULL CHECK (status IN ('RESERVING', 'PROVISIONING', 'READY', 'FAILED', 'RELEASED')),
                failure_reason TEXT NOT NULL,
                provisioning_attempts INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                provisioning_started_at INTEGER NOT NULL,
                ready_at INTEGER NOT NULL,
                failed_at INTEGER NOT NULL,
                released_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX numbers_by_account ON numbers(account_id, status);
            CREATE INDEX numbers_by_use_case ON numbers(use_case_id, status);
            CREATE UNIQUE INDEX numbers_held_e164 ON numbers(e164) WHERE status <> 'RELEASED' AND e164 <> '';
            CREATE TABLE idempotency_keys (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                request_id TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                number_id TEXT NOT NULL,
                PRIMARY KEY (account_id, request_id)
            );
            CREATE INDEX idempotency_by_number ON idempotency_keys(number_id);
            CREATE TABLE jobs (
                kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                run_at INTEGER NOT NULL,
                last_error TEXT NOT NULL,
                PRIMARY KEY (kind, subject_id)
            );
            CREATE INDEX jobs_by_due_time ON jobs(run_at);
            CREATE TABLE port_out_guards (
                number_id TEXT PRIMARY KEY REFERENCES numbers(id),
                failed_attempts INTEGER NOT NULL,
                locked_until INTEGER NOT NULL
            );
            CREATE TABLE port_out_attempts (
                id INTEGER PRIMARY KEY,
                number_id TEXT NOT NULL REFERENCES numbers(id),
                gaining_carrier TEXT NOT NULL,
                approved INTEGER NOT NULL,
                at INTEGER NOT NULL
            );
            CREATE INDEX port_out_attempts_by_number ON port_out_attempts(number_id, at);
            """
        ),
        .init(
            "0004_campaigns",
            """
            CREATE TABLE campaigns (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('DRAFT', 'LAUNCHING', 'ACTIVE', 'PAUSED', 'ARCHIVED')),
                number_id TEXT REFERENCES numbers(id),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX campaigns_by_number ON campaigns(number_id, state);
            CREATE INDEX campaigns_by_account ON campaigns(account_id, state);
            """
        ),
        // Campaigns, single-use numbers, the event log and the audit trail.
        .init(
            "0005_campaigns_events_audit",
            """
            ALTER TABLE numbers ADD COLUMN kind TEXT NOT NULL DEFAULT 'DEDICATED' CHECK (kind IN ('DEDICATED', 'SINGLE_USE'));
            DROP INDEX numbers_by_account;
            CREATE INDEX numbers_by_account ON numbers(account_id, kind, status);
            ALTER TABLE campaigns ADD COLUMN sender_kind TEXT NOT NULL DEFAULT 'DEDICATED' CHECK (sender_kind IN ('DEDICATED', 'SINGLE_USE'));
            ALTER TABLE campaigns ADD COLUMN use_case_id TEXT NOT NULL DEFAULT '';
            ALTER TABLE campaigns ADD COLUMN preferred_area_codes TEXT NOT NULL DEFAULT '';
            ALTER TABLE campaigns ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';
            ALTER TABLE campaigns ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
            ALTER TABLE campaigns ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
            ALTER TABLE campaigns ADD COLUMN launched_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE campaigns ADD COLUMN activated_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE campaigns ADD COLUMN archived_at INTEGER NOT NULL DEFAULT 0;
            CREATE UNIQUE INDEX campaigns_by_request ON campaigns(account_id, request_id) WHERE request_id <> '';
            CREATE TABLE events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                old_state TEXT NOT NULL,
                new_state TEXT NOT NULL,
                reason TEXT NOT NULL,
                at INTEGER NOT NULL
            );
            CREATE INDEX events_by_account ON events(account_id, sequence);
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject_kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                old_value TEXT NOT NULL,
                new_value TEXT NOT NULL,
                request_id TEXT NOT NULL
            );
            CREATE INDEX audit_by_account ON audit_log(account_id, id);
            CREATE INDEX audit_by_subject ON audit_log(account_id, subject_id, id);
            """
        ),
        // An account's numbers come out of the index already in listing order (no sort per
        // ListNumbers); the count of held numbers reads the same few index entries.
        .init(
            "0006_numbers_in_listing_order",
            """
            DROP INDEX numbers_by_account;
            CREATE INDEX numbers_by_account ON numbers(account_id, kind, created_at, id);
            """
        ),
        // Each relayed port-out request keeps what the service answered (approved, wrong
        // PIN, locked, number in use), for the owner's list of attempts.
        .init(
            "0007_port_out_outcomes",
            """
            ALTER TABLE port_out_attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
            UPDATE port_out_attempts SET outcome = CASE approved WHEN 1 THEN 'APPROVED' ELSE 'PIN_MISMATCH' END;
            CREATE INDEX port_out_attempts_newest ON port_out_attempts(number_id, at DESC, id DESC);
            """
        ),
        // Every number, dedicated or single-use, carries the area codes to reserve in, and
        // the single-use reservation job becomes the one reservation job.
        .init(
            "0008_one_number_life_cycle",
            """
            ALTER TABLE numbers ADD COLUMN area_codes TEXT NOT NULL DEFAULT '';
            UPDATE numbers SET area_codes = COALESCE(
                (SELECT preferred_area_codes FROM campaigns WHERE campaigns.number_id = numbers.id AND preferred_area_codes <> ''), area_code)
            WHERE status = 'RESERVING';
            UPDATE jobs SET kind = 'COMPLETE_RESERVATION' WHERE kind = 'RESERVE_SINGLE_USE';
            """
        ),
        // Tokens with a life (who issued them, expiry, last use, revocation) and members
        // who can be removed.
        .init(
            "0009_credential_life_cycle",
            """
            ALTER TABLE credentials ADD COLUMN issued_by TEXT NOT NULL DEFAULT '';
            ALTER TABLE credentials ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE credentials ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE credentials ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX credentials_by_member ON credentials(member_id, created_at);
            ALTER TABLE members ADD COLUMN removed_at INTEGER NOT NULL DEFAULT 0;
            """
        ),
        // A job keeps the trace context of the call that created it, for its span's link.
        .init(
            "0010_job_trace_context",
            """
            ALTER TABLE jobs ADD COLUMN trace_context TEXT NOT NULL DEFAULT '';
            """
        ),
        // A port-out request the provider reported (rather than one relayed through
        // RequestPortOut) keeps the provider's id, so it is decided once and the same
        // answer is sent again after a crash.
        .init(
            "0011_provider_port_outs",
            """
            ALTER TABLE port_out_attempts ADD COLUMN provider_request_id TEXT NOT NULL DEFAULT '';
            CREATE INDEX port_out_attempts_by_provider_request ON port_out_attempts(provider_request_id) WHERE provider_request_id <> '';
            """
        ),
        // The newest event about a number or campaign, found without scanning the account's
        // log (reconciliation reports a drifted number once).
        .init(
            "0012_events_by_subject",
            """
            CREATE INDEX events_by_subject ON events(account_id, subject_id, sequence);
            """
        ),
        // Jobs are leased to the runner that claims them (a replica, on a shared database),
        // so one runs in one place at a time and another takes it over when the lease ends.
        .init(
            "0013_job_leases",
            """
            ALTER TABLE jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
            ALTER TABLE jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
            """
        ),
        // Whether RetryProvisioning can help a FAILED number (not when the number is gone).
        .init(
            "0014_failure_retryable",
            """
            ALTER TABLE numbers ADD COLUMN failure_retryable INTEGER NOT NULL DEFAULT 1;
            """
        ),
    ]
}
