CREATE TABLE `notification_prefs` (
	`subscriber_id` text NOT NULL,
	`account_no` text NOT NULL,
	`kind` text NOT NULL,
	`channels` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`subscriber_id`, `account_no`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `notification_settings` (
	`subscriber_id` text PRIMARY KEY NOT NULL,
	`quiet_from` integer,
	`quiet_to` integer,
	`marketing` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
