CREATE TABLE `usage_daily_totals` (
	`account_no` text NOT NULL,
	`local_day` text NOT NULL,
	`service_id` text NOT NULL,
	`category` text NOT NULL,
	`direction` text NOT NULL,
	`count` integer NOT NULL,
	`duration_sec` integer NOT NULL,
	`minutes` integer NOT NULL,
	`volume_kb` integer NOT NULL,
	`cost_kop` integer NOT NULL,
	PRIMARY KEY(`account_no`, `local_day`, `service_id`, `category`, `direction`)
);
--> statement-breakpoint
CREATE INDEX `usage_daily_totals_service_idx` ON `usage_daily_totals` (`service_id`,`local_day`);--> statement-breakpoint
CREATE INDEX `usage_daily_totals_day_idx` ON `usage_daily_totals` (`local_day`);--> statement-breakpoint
-- Hand-added: the totals of records already in D1 are kept (their per-record detail is not: re-send those batches to the usage queue before applying this where it matters).
INSERT INTO `usage_daily_totals` SELECT `account_no`, `local_day`, `service_id`, `category`, coalesce(`direction`, 'none'), count(*), coalesce(sum(`duration_sec`), 0), coalesce(sum((coalesce(`duration_sec`, 0) + 59) / 60), 0), coalesce(sum(`volume_kb`), 0), sum(`cost_kop`) FROM `usage_records` GROUP BY 1, 2, 3, 4, 5;--> statement-breakpoint
-- Hand-added: an account being moved is frozen for its usage totals too, as for its other tables (0014).
CREATE TRIGGER usage_daily_totals_frozen_insert BEFORE INSERT ON usage_daily_totals
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = NEW.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_daily_totals_frozen_update BEFORE UPDATE ON usage_daily_totals
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no)
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
CREATE TRIGGER usage_daily_totals_frozen_delete BEFORE DELETE ON usage_daily_totals
WHEN EXISTS (SELECT 1 FROM account_freezes WHERE account_no = OLD.account_no AND state = 'frozen')
BEGIN
  SELECT RAISE(ABORT, 'account_moving');
END;
--> statement-breakpoint
DROP TABLE `usage_records`;