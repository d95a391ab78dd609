CREATE TABLE `support_callbacks` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`person` text NOT NULL,
	`subscriber_id` text,
	`name` text NOT NULL,
	`phone` text NOT NULL,
	`topic` text NOT NULL,
	`slot_start` integer NOT NULL,
	`slot_end` integer NOT NULL,
	`status` text NOT NULL,
	`operator_name` text,
	`created_at` integer NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_callbacks_one_open_uq` ON `support_callbacks` (`person`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `support_callbacks_queue_idx` ON `support_callbacks` (`region`,`status`,`slot_start`);