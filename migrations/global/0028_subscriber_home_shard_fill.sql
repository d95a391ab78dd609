-- Each subscriber's home shard (the inbox and delivery records, issue 20): the shard of their first linked account…
UPDATE `subscribers` SET `home_shard` = (
	SELECT `d`.`shard` FROM `account_links` `l` INNER JOIN `account_directory` `d` ON `d`.`account_no` = `l`.`account_no`
	WHERE `l`.`subscriber_id` = `subscribers`.`id` ORDER BY `l`.`created_at`, `l`.`account_no` LIMIT 1
) WHERE EXISTS (SELECT 1 FROM `account_links` `l` WHERE `l`.`subscriber_id` = `subscribers`.`id`);
--> statement-breakpoint
-- …else, for an organisation's employee with no account of their own, the first account of their first organisation;
-- anyone else keeps the column's default (the Moscow branch's home shard).
UPDATE `subscribers` SET `home_shard` = (
	SELECT `d`.`shard` FROM `org_members` `m`
	INNER JOIN `org_accounts` `a` ON `a`.`org_id` = `m`.`org_id`
	INNER JOIN `account_directory` `d` ON `d`.`account_no` = `a`.`account_no`
	WHERE `m`.`subscriber_id` = `subscribers`.`id` ORDER BY `m`.`created_at`, `a`.`created_at`, `a`.`account_no` LIMIT 1
) WHERE NOT EXISTS (SELECT 1 FROM `account_links` `l` WHERE `l`.`subscriber_id` = `subscribers`.`id`)
	AND EXISTS (
		SELECT 1 FROM `org_members` `m` INNER JOIN `org_accounts` `a` ON `a`.`org_id` = `m`.`org_id` WHERE `m`.`subscriber_id` = `subscribers`.`id`
	);
