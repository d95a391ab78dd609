-- The ledger stays append-only, with one exception: the period close deletes a closed month's daily
-- charges (`charge:…` keys) once their month has a `ledger_periods` row and their service's rolled-up
-- entry (`rollup:<account>:<month>:<service>`) is in the ledger — the close writes both in the same batch.
DROP TRIGGER ledger_entries_no_delete;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN NOT (
  OLD.kind = 'charge'
  AND OLD.idempotency_key LIKE 'charge:%'
  AND EXISTS (SELECT 1 FROM ledger_periods p WHERE p.account_no = OLD.account_no AND p.month = substr(OLD.local_day, 1, 7))
  AND EXISTS (
    SELECT 1 FROM ledger_entries r
    WHERE r.idempotency_key = 'rollup:' || OLD.account_no || ':' || substr(OLD.local_day, 1, 7) || ':' || coalesce(OLD.service_id, '-')
  )
)
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
