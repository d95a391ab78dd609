ALTER TABLE `archive_progress` ADD `lease_id` text;--> statement-breakpoint
ALTER TABLE `archive_progress` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `money_archives` ADD `pass_id` text;--> statement-breakpoint
-- The events of a payment may go with its archived year only once the payment is finished (a pending one stays).
DROP TRIGGER payment_events_no_delete;
--> statement-breakpoint
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
WHEN NOT (
  EXISTS (SELECT 1 FROM account_freezes WHERE account_no = (SELECT account_no FROM payments WHERE id = OLD.payment_id) AND state = 'moved')
  OR EXISTS (
    SELECT 1 FROM payments p JOIN money_archives ma ON ma.account_no = p.account_no
    WHERE p.id = OLD.payment_id AND p.created_at < ma.through_ms AND p.status IN ('succeeded', 'failed', 'refunded')
  )
)
BEGIN
  SELECT RAISE(ABORT, 'payment_events is append-only');
END;
