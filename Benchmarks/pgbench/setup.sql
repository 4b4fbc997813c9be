SET client_min_messages = warning;
-- Tables shaped like the store's accounts and audit log, for the database's own floor
-- (scripts/postgres-floor.sh): 100,000 accounts keyed by text ids.
DROP TABLE IF EXISTS floor_accounts, floor_audit;
CREATE TABLE floor_accounts (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    event_sequence BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE floor_audit (
    id BIGSERIAL PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL
);
CREATE INDEX floor_audit_by_account ON floor_audit(account_id, at);
INSERT INTO floor_accounts (id, name, country, created_at)
SELECT 'acc_' || lpad(n::text, 9, '0'), 'Account ' || n, 'US', 0 FROM generate_series(1, 100000) AS n;
ANALYZE;
