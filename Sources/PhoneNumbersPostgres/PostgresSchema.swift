import Storage

/// The service's schema on PostgreSQL, every migration in order: numbered, append-only.
/// Never edit a released migration (the migrator checks their checksums).
///
/// The same tables and columns as on SQLite (the store's SQL is shared), with
/// PostgreSQL's types: times and counts are BIGINT, identifiers compare byte-wise
/// (`COLLATE "C"`, as SQLite does) so listings come out in the same order on both.
/// Every table that belongs to an account carries `account_id` (docs/DEPLOYMENT.md).
enum PostgresSchema {
    static let migrations: [Migrator.Migration] = [
        .init(
            "0001_schema",
            """
            CREATE TABLE accounts (
                id TEXT COLLATE "C" PRIMARY KEY,
                name TEXT NOT NULL,
                country TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                event_sequence BIGINT NOT NULL DEFAULT 0
            );
            CREATE TABLE members (
                id TEXT COLLATE "C" PRIMARY KEY,
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                email TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'SUPERVISOR', 'TEXTER')),
                created_at BIGINT NOT NULL,
                removed_at BIGINT NOT NULL DEFAULT 0
            );
            CREATE INDEX members_by_account ON members(account_id);
            CREATE TABLE credentials (
                id TEXT COLLATE "C" PRIMARY KEY,
                token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('OPERATOR', 'MEMBER', 'SERVICE')),
                member_id TEXT COLLATE "C" REFERENCES members(id),
                service_name TEXT NOT NULL DEFAULT '',
                grants TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                issued_by TEXT NOT NULL DEFAULT '',
                expires_at BIGINT NOT NULL DEFAULT 0,
                last_used_at BIGINT NOT NULL DEFAULT 0,
                revoked_at BIGINT NOT NULL DEFAULT 0
            );
            CREATE INDEX credentials_by_member ON credentials(member_id, created_at);
            CREATE TABLE brands (
                account_id TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts(id),
                legal_name TEXT NOT NULL,
                ein TEXT NOT NULL,
                entity_type TEXT NOT NULL,
                contact_name TEXT NOT NULL,
                contact_email TEXT NOT NULL,
                contact_phone TEXT NOT NULL,
                status TEXT NOT NULL,
                failure_reason TEXT NOT NULL,
                submitted_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE TABLE use_cases (
                id TEXT COLLATE "C" PRIMARY KEY,
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                type TEXT NOT NULL,
                description TEXT NOT NULL,
                sample_messages TEXT NOT NULL,
                opt_in_text TEXT NOT NULL,
                help_text TEXT NOT NULL,
                campaign_verify_token TEXT NOT NULL,
                status TEXT NOT NULL,
                failure_reason TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX use_cases_by_account ON use_cases(account_id);
            CREATE TABLE numbers (
                id TEXT COLLATE "C" PRIMARY KEY,
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL DEFAULT 'DEDICATED' CHECK (kind IN ('DEDICATED', 'SINGLE_USE')),
                e164 TEXT COLLATE "C" NOT NULL,
                area_code TEXT NOT NULL,
                area_codes TEXT NOT NULL DEFAULT '',
                name TEXT NOT NULL,
                use_case_id TEXT COLLATE "C" NOT NULL REFERENCES use_cases(id),
                status TEXT NOT NULL CHECK (status IN ('RESERVING', 'PROVISIONING', 'READY', 'FAILED', 'RELEASED')),
                failure_reason TEXT NOT NULL,
                provisioning_attempts BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                provisioning_started_at BIGINT NOT NULL,
                ready_at BIGINT NOT NULL,
                failed_at BIGINT NOT NULL,
                released_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX numbers_by_account ON numbers(account_id, kind, created_at, id);
            CREATE INDEX numbers_by_use_case ON numbers(use_case_id, status);
            CREATE INDEX numbers_by_status ON numbers(status);
            CREATE UNIQUE INDEX numbers_held_e164 ON numbers(e164) WHERE status <> 'RELEASED' AND e164 <> '';
            CREATE TABLE idempotency_keys (
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                request_id TEXT COLLATE "C" NOT NULL,
                fingerprint TEXT NOT NULL,
                number_id TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (account_id, request_id)
            );
            CREATE INDEX idempotency_by_number ON idempotency_keys(number_id);
            CREATE TABLE jobs (
                kind TEXT COLLATE "C" NOT NULL,
                subject_id TEXT COLLATE "C" NOT NULL,
                attempts BIGINT NOT NULL,
                run_at BIGINT NOT NULL,
                last_error TEXT NOT NULL,
                trace_context TEXT NOT NULL DEFAULT '',
                lease_owner TEXT COLLATE "C" NOT NULL DEFAULT '',
                lease_until BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (kind, subject_id)
            );
            CREATE INDEX jobs_by_due_time ON jobs(run_at);
            CREATE TABLE port_out_guards (
                number_id TEXT COLLATE "C" PRIMARY KEY REFERENCES numbers(id),
                failed_attempts BIGINT NOT NULL,
                locked_until BIGINT NOT NULL
            );
            CREATE TABLE port_out_attempts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                number_id TEXT COLLATE "C" NOT NULL REFERENCES numbers(id),
                gaining_carrier TEXT NOT NULL,
                approved BIGINT NOT NULL,
                outcome TEXT NOT NULL DEFAULT '',
                at BIGINT NOT NULL,
                provider_request_id TEXT COLLATE "C" NOT NULL DEFAULT ''
            );
            CREATE INDEX port_out_attempts_newest ON port_out_attempts(number_id, at DESC, id DESC);
            CREATE INDEX port_out_attempts_by_provider_request ON port_out_attempts(provider_request_id) WHERE provider_request_id <> '';
            CREATE TABLE campaigns (
                id TEXT COLLATE "C" PRIMARY KEY,
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('DRAFT', 'LAUNCHING', 'ACTIVE', 'PAUSED', 'ARCHIVED')),
                number_id TEXT COLLATE "C" REFERENCES numbers(id),
                sender_kind TEXT NOT NULL DEFAULT 'DEDICATED' CHECK (sender_kind IN ('DEDICATED', 'SINGLE_USE')),
                use_case_id TEXT COLLATE "C" NOT NULL DEFAULT '',
                preferred_area_codes TEXT NOT NULL DEFAULT '',
                failure_reason TEXT NOT NULL DEFAULT '',
                request_id TEXT COLLATE "C" NOT NULL DEFAULT '',
                fingerprint TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                launched_at BIGINT NOT NULL DEFAULT 0,
                activated_at BIGINT NOT NULL DEFAULT 0,
                archived_at BIGINT NOT NULL DEFAULT 0
            );
            CREATE INDEX campaigns_by_number ON campaigns(number_id, state);
            CREATE INDEX campaigns_by_account ON campaigns(account_id, state);
            CREATE UNIQUE INDEX campaigns_by_request ON campaigns(account_id, request_id) WHERE request_id <> '';
            CREATE TABLE events (
                account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
                sequence BIGINT NOT NULL,
                kind TEXT NOT NULL,
                subject_id TEXT COLLATE "C" NOT NULL,
                old_state TEXT NOT NULL,
                new_state TEXT NOT NULL,
                reason TEXT NOT NULL,
                at BIGINT NOT NULL,
                PRIMARY KEY (account_id, sequence)
            );
            CREATE INDEX events_by_subject ON events(account_id, subject_id, sequence);
            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                account_id TEXT COLLATE "C" NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject_kind TEXT NOT NULL,
                subject_id TEXT COLLATE "C" NOT NULL,
                old_value TEXT NOT NULL,
                new_value TEXT NOT NULL,
                request_id TEXT NOT NULL
            );
            CREATE INDEX audit_by_account ON audit_log(account_id, id);
            CREATE INDEX audit_by_subject ON audit_log(account_id, subject_id, id);
            """
        ),
        // Every replica hears of each event committed on any replica (LISTEN
        // phone_numbers_changes; the payload is the account), to wake its watchers; the
        // event table stays the truth.
        .init(
            "0002_change_notifications",
            """
            CREATE FUNCTION phone_numbers_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('phone_numbers_changes', NEW.account_id); RETURN NULL; END $$;
            CREATE TRIGGER events_notify_change AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION phone_numbers_notify_change();
            """
        ),
        // Whether RetryProvisioning can help a FAILED number (not when the number is gone).
        .init(
            "0003_failure_retryable",
            """
            ALTER TABLE numbers ADD COLUMN failure_retryable BIGINT NOT NULL DEFAULT 1;
            """
        ),
    ]
}
