CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`user_agent` text,
	`auth_method` text DEFAULT 'password' NOT NULL,
	`step_up_at` integer,
	`stamp_key` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_subscriber_idx` ON `sessions` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);