ALTER TABLE `support_chats` ADD `queue` text DEFAULT 'private' NOT NULL;--> statement-breakpoint
ALTER TABLE `support_chats` ADD `org_id` text;--> statement-breakpoint
ALTER TABLE `support_chats` ADD `company` text;--> statement-breakpoint
ALTER TABLE `support_tickets` ADD `queue` text DEFAULT 'private' NOT NULL;--> statement-breakpoint
ALTER TABLE `support_tickets` ADD `org_id` text;--> statement-breakpoint
ALTER TABLE `support_tickets` ADD `due_at` integer;