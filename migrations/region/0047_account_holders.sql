-- Who holds an account, in the account's shard (issue 20: the links by account leave the global database).
-- WITHOUT ROWID (by hand: drizzle has no table option for it): the account's number and the holder's id are the table's
-- b-tree, not stored a second time in an index of their own. Moved with the account (features/shards ACCOUNT_TABLES), so
-- it has the freeze triggers every table the move copies has (0014).
CREATE TABLE `account_holders` (
	`account_no` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`role` text NOT NULL,
	`low_balance_kop` integer,
	`home_shard` text NOT NULL,
	`created_at` integer NOT NULL,
	`state` text,
	`changed_at` integer,
	PRIMARY KEY(`account_no`, `subscriber_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE UNIQUE INDEX `account_holders_one_owner_uq` ON `account_holders` (`account_no`) WHERE role = 'owner';--> statement-breakpoint
CREATE INDEX `account_holders_unsettled_idx` ON `account_holders` (`changed_at`) WHERE state IS NOT NULL;--> statement-breakpoint
CREATE TRIGGER account_holders_frozen_insert BEFORE INSERT ON account_holders
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_holders_frozen_update BEFORE UPDATE ON account_holders
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no IN (OLD.account_no, NEW.account_no))
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER account_holders_frozen_delete BEFORE DELETE ON account_holders
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
