-- An account being moved off this shard is frozen: no write reaches its rows (the request gets a 503 and
-- retries after the switch, on the new shard). Once moved, nothing is inserted or updated for it here any more
-- (a request that read the directory before the switch), and its rows may be deleted; append-only tables allow
-- that deletion and no other.
CREATE TRIGGER accounts_frozen_insert BEFORE INSERT ON accounts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER accounts_frozen_update BEFORE UPDATE ON accounts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER accounts_frozen_delete BEFORE DELETE ON accounts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_services_frozen_insert BEFORE INSERT ON account_services
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_services_frozen_update BEFORE UPDATE ON account_services
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_services_frozen_delete BEFORE DELETE ON account_services
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_frozen_insert BEFORE INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_frozen_update BEFORE UPDATE ON ledger_entries
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_frozen_delete BEFORE DELETE ON ledger_entries
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER payments_frozen_insert BEFORE INSERT ON payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER payments_frozen_update BEFORE UPDATE ON payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER payments_frozen_delete BEFORE DELETE ON payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER receipts_frozen_insert BEFORE INSERT ON receipts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER receipts_frozen_update BEFORE UPDATE ON receipts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER receipts_frozen_delete BEFORE DELETE ON receipts
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER autopay_frozen_insert BEFORE INSERT ON autopay
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER autopay_frozen_update BEFORE UPDATE ON autopay
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER autopay_frozen_delete BEFORE DELETE ON autopay
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER promised_payments_frozen_insert BEFORE INSERT ON promised_payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER promised_payments_frozen_update BEFORE UPDATE ON promised_payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER promised_payments_frozen_delete BEFORE DELETE ON promised_payments
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_members_frozen_insert BEFORE INSERT ON bonus_members
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_members_frozen_update BEFORE UPDATE ON bonus_members
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_members_frozen_delete BEFORE DELETE ON bonus_members
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_ledger_frozen_insert BEFORE INSERT ON bonus_ledger
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_ledger_frozen_update BEFORE UPDATE ON bonus_ledger
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_ledger_frozen_delete BEFORE DELETE ON bonus_ledger
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_redemptions_frozen_insert BEFORE INSERT ON bonus_redemptions
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_redemptions_frozen_update BEFORE UPDATE ON bonus_redemptions
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER bonus_redemptions_frozen_delete BEFORE DELETE ON bonus_redemptions
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_records_frozen_insert BEFORE INSERT ON usage_records
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_records_frozen_update BEFORE UPDATE ON usage_records
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_records_frozen_delete BEFORE DELETE ON usage_records
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_reports_frozen_insert BEFORE INSERT ON usage_reports
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_reports_frozen_update BEFORE UPDATE ON usage_reports
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_reports_frozen_delete BEFORE DELETE ON usage_reports
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_changes_frozen_insert BEFORE INSERT ON tariff_changes
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_changes_frozen_update BEFORE UPDATE ON tariff_changes
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_changes_frozen_delete BEFORE DELETE ON tariff_changes
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_options_frozen_insert BEFORE INSERT ON account_options
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_options_frozen_update BEFORE UPDATE ON account_options
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_options_frozen_delete BEFORE DELETE ON account_options
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER voluntary_blocks_frozen_insert BEFORE INSERT ON voluntary_blocks
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER voluntary_blocks_frozen_update BEFORE UPDATE ON voluntary_blocks
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER voluntary_blocks_frozen_delete BEFORE DELETE ON voluntary_blocks
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER payment_events_frozen_insert BEFORE INSERT ON payment_events
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = (SELECT account_no FROM payments WHERE id = NEW.payment_id))
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
DROP TRIGGER ledger_entries_no_delete;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN NOT EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'moved')
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
DROP TRIGGER bonus_ledger_no_delete;
--> statement-breakpoint
CREATE TRIGGER bonus_ledger_no_delete BEFORE DELETE ON bonus_ledger
WHEN NOT EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'moved')
BEGIN
  SELECT RAISE(ABORT, 'bonus_ledger is append-only');
END;
--> statement-breakpoint
DROP TRIGGER payment_events_no_delete;
--> statement-breakpoint
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
WHEN NOT EXISTS (SELECT 1 FROM account_freezes WHERE account_no = (SELECT account_no FROM payments WHERE id = OLD.payment_id) AND state = 'moved')
BEGIN
  SELECT RAISE(ABORT, 'payment_events is append-only');
END;
