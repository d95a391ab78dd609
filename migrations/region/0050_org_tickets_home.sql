CREATE TABLE `org_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`account_no` text,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `org_tickets_org_idx` ON `org_tickets` (`org_id`,`created_at`);