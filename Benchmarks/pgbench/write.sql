-- A write as the store sends it: the account's turn, BEGIN, two reads, two writes, COMMIT,
-- the release (the statements of a small write of one account).
\set n random(1, 100000)
SELECT pg_advisory_lock(7420, hashtext('acc_' || lpad(:n::text, 9, '0'))), pg_advisory_lock_shared(7421, 0);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM floor_accounts WHERE id = 'acc_' || lpad(:n::text, 9, '0');
SELECT COUNT(*) AS n FROM floor_audit WHERE account_id = 'acc_' || lpad(:n::text, 9, '0');
UPDATE floor_accounts SET event_sequence = event_sequence + 1 WHERE id = 'acc_' || lpad(:n::text, 9, '0');
INSERT INTO floor_audit (account_id, at, action) VALUES ('acc_' || lpad(:n::text, 9, '0'), 0, 'FLOOR');
COMMIT;
SELECT pg_advisory_unlock_shared(7421, 0), pg_advisory_unlock(7420, hashtext('acc_' || lpad(:n::text, 9, '0')));
