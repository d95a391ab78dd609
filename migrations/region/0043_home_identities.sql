CREATE TABLE `identities` (
	`provider` text NOT NULL,
	`subject` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`display_name` text,
	`created_at` integer NOT NULL,
	`removed_at` integer,
	PRIMARY KEY(`subscriber_id`, `provider`, `subject`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_live_uq` ON `identities` (`subscriber_id`,`provider`) WHERE removed_at IS NULL;--> statement-breakpoint
CREATE INDEX `identities_removed_idx` ON `identities` (`removed_at`) WHERE removed_at IS NOT NULL;