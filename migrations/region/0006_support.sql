CREATE TABLE `support_attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` text NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`uploaded_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_attachments_chat_idx` ON `support_attachments` (`chat_id`);--> statement-breakpoint
CREATE TABLE `support_chats` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`subscriber_id` text,
	`visitor_name` text,
	`visitor_phone` text,
	`visitor_key_hash` text,
	`account_no` text,
	`topic` text NOT NULL,
	`status` text NOT NULL,
	`operator_id` text,
	`operator_name` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`customer_read_seq` integer DEFAULT 0 NOT NULL,
	`operator_read_seq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `support_chats_queue_idx` ON `support_chats` (`region`,`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `support_chats_subscriber_idx` ON `support_chats` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`subscriber_id` text,
	`chat_id` text,
	`ticket_id` text,
	`rating` integer NOT NULL,
	`text` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_feedback_chat_uq` ON `support_feedback` (`chat_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `support_feedback_ticket_uq` ON `support_feedback` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `support_feedback_region_idx` ON `support_feedback` (`region`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` text NOT NULL,
	`seq` integer NOT NULL,
	`author` text NOT NULL,
	`author_name` text,
	`text` text NOT NULL,
	`attachment_id` text,
	`client_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_messages_seq_uq` ON `support_messages` (`chat_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `support_messages_client_uq` ON `support_messages` (`chat_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `support_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`region` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`account_no` text,
	`category` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`status` text NOT NULL,
	`operator_id` text,
	`operator_name` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_tickets_number_uq` ON `support_tickets` (`number`);--> statement-breakpoint
CREATE INDEX `support_tickets_queue_idx` ON `support_tickets` (`region`,`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `support_tickets_subscriber_idx` ON `support_tickets` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`actor` text NOT NULL,
	`actor_name` text,
	`comment` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_idx` ON `ticket_events` (`ticket_id`,`at`);