-- The ledger stays append-only, with two exceptions, each written by one owner: the rows of an account moved
-- off this shard (the move's clean-up, 0014), and the period close's deletion of a closed month's daily
-- charges (`charge:…` keys) once their month has a `ledger_periods` row and their service's rolled-up entry
-- (`rollup:<account>:<month>:<service>`) is in the ledger — the close writes both in the same batch.
DROP TRIGGER ledger_entries_no_delete;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN NOT (
  EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'moved')
  OR (
    OLD.kind = 'charge'
    AND OLD.idempotency_key LIKE 'charge:%'
    AND EXISTS (SELECT 1 FROM ledger_periods p WHERE p.account_no = OLD.account_no AND p.month = substr(OLD.local_day, 1, 7))
    AND EXISTS (
      SELECT 1 FROM ledger_entries r
      WHERE r.idempotency_key = 'rollup:' || OLD.account_no || ':' || substr(OLD.local_day, 1, 7) || ':' || coalesce(OLD.service_id, '-')
    )
  )
)
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
-- An account being moved is frozen for its closed periods too (0014 covers its other tables).
CREATE TRIGGER ledger_periods_frozen_insert BEFORE INSERT ON ledger_periods
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_periods_frozen_update BEFORE UPDATE ON ledger_periods
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_periods_frozen_delete BEFORE DELETE ON ledger_periods
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
