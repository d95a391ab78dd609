CREATE TABLE `account_directory` (
	`account_no` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`contact_phone` text,
	`contact_email` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`region`) REFERENCES `regions`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `account_directory_phone_idx` ON `account_directory` (`contact_phone`);--> statement-breakpoint
CREATE INDEX `account_directory_email_idx` ON `account_directory` (`contact_email`);--> statement-breakpoint
CREATE TABLE `account_links` (
	`subscriber_id` text NOT NULL,
	`account_no` text NOT NULL,
	`role` text NOT NULL,
	`low_balance_kop` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`subscriber_id`, `account_no`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_no`) REFERENCES `account_directory`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `account_links_account_idx` ON `account_links` (`account_no`);--> statement-breakpoint
CREATE TABLE `auth_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subscriber_id` text,
	`data` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `auth_challenges_expires_idx` ON `auth_challenges` (`expires_at`);--> statement-breakpoint
CREATE TABLE `auth_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_failure_at` integer,
	`locked_until` integer
);
--> statement-breakpoint
CREATE TABLE `branches` (
	`code` text PRIMARY KEY NOT NULL,
	`name_ru` text NOT NULL,
	`name_en` text NOT NULL,
	`shard` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`failed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_failed_idx` ON `dead_letters` (`failed_at`);--> statement-breakpoint
CREATE TABLE `external_identities` (
	`provider` text NOT NULL,
	`subject` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`display_name` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`provider`, `subject`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `external_identities_subscriber_provider_uq` ON `external_identities` (`subscriber_id`,`provider`);--> statement-breakpoint
CREATE TABLE `offices` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`kind` text NOT NULL,
	`city_ru` text NOT NULL,
	`city_en` text NOT NULL,
	`address_ru` text NOT NULL,
	`address_en` text NOT NULL,
	`hours` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	FOREIGN KEY (`region`) REFERENCES `regions`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `offices_region_idx` ON `offices` (`region`);--> statement-breakpoint
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
CREATE INDEX `otc_expires_idx` ON `one_time_codes` (`expires_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_dedupe_uq` ON `outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `outbox_created_idx` ON `outbox` (`created_at`);--> statement-breakpoint
CREATE TABLE `passkeys` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`public_key` text NOT NULL,
	`counter` integer DEFAULT 0 NOT NULL,
	`transports` text,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `passkeys_subscriber_idx` ON `passkeys` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `region_contacts` (
	`region` text NOT NULL,
	`kind` text NOT NULL,
	`phone` text NOT NULL,
	PRIMARY KEY(`region`, `kind`),
	FOREIGN KEY (`region`) REFERENCES `regions`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `regions` (
	`code` text PRIMARY KEY NOT NULL,
	`iso` text,
	`name_ru` text NOT NULL,
	`name_en` text NOT NULL,
	`branch` text NOT NULL,
	`tz` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	FOREIGN KEY (`branch`) REFERENCES `branches`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `regions_branch_idx` ON `regions` (`branch`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`user_agent` text,
	`auth_method` text DEFAULT 'password' NOT NULL,
	`step_up_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_subscriber_idx` ON `sessions` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`phone` text,
	`email` text,
	`login` text,
	`password_hash` text,
	`locale` text DEFAULT 'ru' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_phone_uq` ON `subscribers` (`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_email_uq` ON `subscribers` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_login_uq` ON `subscribers` (`login`);