CREATE TABLE `application_directory` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `application_directory_subscriber_idx` ON `application_directory` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_directory` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`region` text NOT NULL,
	`shard` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_directory_subscriber_idx` ON `support_directory` (`subscriber_id`,`kind`,`created_at`);