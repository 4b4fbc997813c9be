-- A read of one statement, as GetNumber's on the store (one primary-key lookup).
\set n random(1, 100000)
SELECT * FROM floor_accounts WHERE id = 'acc_' || lpad(:n::text, 9, '0');
