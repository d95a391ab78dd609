CREATE TABLE `one_time_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`target_hash` text NOT NULL,
	`code_hash` text NOT NULL,
	`channel` text DEFAULT 'sms' NOT NULL,
	`subscriber_id` text,
	`payload` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `otc_target_idx` ON `one_time_codes` (`target_hash`,`purpose`);--> statement-breakpoint
CREATE INDEX `otc_expires_idx` ON `one_time_codes` (`expires_at`);