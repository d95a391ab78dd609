CREATE TABLE `cards` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`token` text NOT NULL,
	`brand` text NOT NULL,
	`last4` text NOT NULL,
	`exp_month` integer NOT NULL,
	`exp_year` integer NOT NULL,
	`created_at` integer NOT NULL,
	`removed_at` integer
);
--> statement-breakpoint
CREATE INDEX `cards_subscriber_idx` ON `cards` (`subscriber_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `cards_token_uq` ON `cards` (`token`) WHERE removed_at IS NULL;--> statement-breakpoint
CREATE INDEX `cards_removed_idx` ON `cards` (`removed_at`) WHERE removed_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `passkeys` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`public_key` text NOT NULL,
	`counter` integer DEFAULT 0 NOT NULL,
	`transports` text,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`removed_at` integer
);
--> statement-breakpoint
CREATE INDEX `passkeys_subscriber_idx` ON `passkeys` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `passkeys_removed_idx` ON `passkeys` (`removed_at`) WHERE removed_at IS NOT NULL;