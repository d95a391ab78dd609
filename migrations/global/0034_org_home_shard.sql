CREATE TABLE `closing_counters` (
	`kind` text NOT NULL,
	`year` integer NOT NULL,
	`last` integer NOT NULL,
	PRIMARY KEY(`kind`, `year`)
);
--> statement-breakpoint
CREATE TABLE `org_audit_drained` (
	`id` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE `organisations` ADD `home_shard` text;--> statement-breakpoint
ALTER TABLE `organisations` ADD `docs_through` text;--> statement-breakpoint
CREATE INDEX `organisations_home_idx` ON `organisations` (`home_shard`,`id`);--> statement-breakpoint
-- Each organisation's home shard: the shard of its account with the lowest number (one indexed look-up each).
UPDATE `organisations` SET `home_shard` = (
  SELECT d.`shard` FROM `org_accounts` a JOIN `account_directory` d ON d.`account_no` = a.`account_no`
  WHERE a.`org_id` = `organisations`.`id` ORDER BY a.`account_no` LIMIT 1
);--> statement-breakpoint
-- One with no account yet: Moscow's home shard (createOrganisation places such an organisation where a new account
-- of Moscow, the seller's region, would go). `docs_through` stays empty: the monthly job then asks each organisation once, finds its
-- УПД ready in the global table and notes the month (a full-table look-up of every document here could pass D1's
-- 30 s a query at the target).
UPDATE `organisations` SET `home_shard` = 'DB_MOSCOW' WHERE `home_shard` IS NULL;--> statement-breakpoint
-- The numbers go on from the last one the global table's documents took.
INSERT INTO `closing_counters` (`kind`, `year`, `last`) SELECT `kind`, `year`, max(`seq`) FROM `closing_documents` GROUP BY `kind`, `year`;--> statement-breakpoint
-- An older Worker still running during the deploy (or after a rollback) numbers its documents here from this table's
-- highest number: one the sequence has given a home shard's document since is refused (its message fails and is
-- retried, by the new release once it runs), so no two documents share a number.
CREATE TRIGGER closing_documents_numbered_here BEFORE INSERT ON closing_documents
WHEN NEW.seq <= coalesce((SELECT last FROM closing_counters WHERE kind = NEW.kind AND year = NEW.year), 0)
BEGIN
  SELECT RAISE(ABORT, 'closing_documents: this number was given by the sequence (closing_counters)');
END;--> statement-breakpoint
-- The audit stays append-only: an entry leaves the global table only as the drain's, which copied it to its home shard.
DROP TRIGGER `org_audit_no_delete`;--> statement-breakpoint
CREATE TRIGGER org_audit_no_delete BEFORE DELETE ON org_audit
WHEN NOT EXISTS (SELECT 1 FROM org_audit_drained WHERE id = OLD.id)
BEGIN
  SELECT RAISE(ABORT, 'org_audit is append-only');
END;
