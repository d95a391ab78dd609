-- The business cabinet's corporate numbers are moved with their account (features/shards, ACCOUNT_TABLES) but had
-- no freeze triggers (0014): a number could be reassigned on the source while the move copied the account, and the
-- change was lost at the switch. The same three triggers as every other table the move copies.
CREATE TRIGGER corporate_numbers_frozen_insert BEFORE INSERT ON corporate_numbers
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER corporate_numbers_frozen_update BEFORE UPDATE ON corporate_numbers
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no IN (OLD.account_no, NEW.account_no))
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER corporate_numbers_frozen_delete BEFORE DELETE ON corporate_numbers
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
