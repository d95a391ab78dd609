CREATE TABLE `auth_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_failure_at` integer,
	`locked_until` integer
);
--> statement-breakpoint
ALTER TABLE `one_time_codes` ADD `channel` text DEFAULT 'sms' NOT NULL;--> statement-breakpoint
ALTER TABLE `one_time_codes` ADD `subscriber_id` text;--> statement-breakpoint
ALTER TABLE `one_time_codes` ADD `payload` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `auth_method` text DEFAULT 'password' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `step_up_at` integer;