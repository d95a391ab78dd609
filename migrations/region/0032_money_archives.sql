CREATE TABLE `archive_progress` (
	`job` text PRIMARY KEY NOT NULL,
	`year` integer NOT NULL,
	`after_account` text NOT NULL,
	`done` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `money_archives` (
	`account_no` text PRIMARY KEY NOT NULL,
	`first_year` integer NOT NULL,
	`through_year` integer NOT NULL,
	`closing_kop` integer NOT NULL,
	`through_ms` integer NOT NULL,
	`archived_at` integer NOT NULL,
	FOREIGN KEY (`account_no`) REFERENCES `accounts`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- A third exception to the append-only ledger: the entries of an account's years archived to R2 (money_archives,
-- billing/archive.service.ts), deleted in the batch that records the archive — only once the row says the year is
-- there, so no entry leaves D1 before its object is written.
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
  OR EXISTS (
    SELECT 1 FROM money_archives ma
    WHERE ma.account_no = OLD.account_no AND OLD.local_day <= ma.through_year || '-12-31'
  )
)
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
DROP TRIGGER payment_events_no_delete;
--> statement-breakpoint
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
WHEN NOT (
  EXISTS (SELECT 1 FROM account_freezes WHERE account_no = (SELECT account_no FROM payments WHERE id = OLD.payment_id) AND state = 'moved')
  OR EXISTS (
    SELECT 1 FROM payments p JOIN money_archives ma ON ma.account_no = p.account_no
    WHERE p.id = OLD.payment_id AND p.created_at < ma.through_ms
  )
)
BEGIN
  SELECT RAISE(ABORT, 'payment_events is append-only');
END;
--> statement-breakpoint
-- An account being moved is frozen for its archive record too (0014 covers its other tables).
CREATE TRIGGER money_archives_frozen_insert BEFORE INSERT ON money_archives
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER money_archives_frozen_update BEFORE UPDATE ON money_archives
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER money_archives_frozen_delete BEFORE DELETE ON money_archives
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
