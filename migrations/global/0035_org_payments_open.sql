CREATE TABLE `org_payments_open` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `org_payments_open_time_idx` ON `org_payments_open` (`created_at`,`id`);