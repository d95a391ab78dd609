CREATE TABLE `provider_messages` (
	`id` integer PRIMARY KEY NOT NULL,
	`dedupe_key` text NOT NULL,
	`channel` text NOT NULL,
	`provider` text NOT NULL,
	`recipient` text NOT NULL,
	`status` text NOT NULL,
	`provider_status` text,
	`provider_id` text,
	`segments` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_messages_dedupe_uq` ON `provider_messages` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `provider_messages_updated_idx` ON `provider_messages` (`updated_at`);