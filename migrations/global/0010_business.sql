CREATE TABLE `org_accounts` (
	`org_id` text NOT NULL,
	`account_no` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `account_no`),
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_no`) REFERENCES `account_directory`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_accounts_account_uq` ON `org_accounts` (`account_no`);--> statement-breakpoint
CREATE TABLE `org_audit` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`actor_id` text,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`details` text,
	`address` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `org_audit_org_idx` ON `org_audit` (`org_id`,`id`);--> statement-breakpoint
CREATE TABLE `org_invites` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`channel` text NOT NULL,
	`contact` text NOT NULL,
	`role` text NOT NULL,
	`account_scope` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_invites_code_uq` ON `org_invites` (`code_hash`);--> statement-breakpoint
CREATE INDEX `org_invites_org_idx` ON `org_invites` (`org_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `org_members` (
	`org_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`role` text NOT NULL,
	`account_scope` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `subscriber_id`),
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `org_members_subscriber_idx` ON `org_members` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`inn` text NOT NULL,
	`kpp` text,
	`ogrn` text NOT NULL,
	`legal_address` text NOT NULL,
	`postal_address` text NOT NULL,
	`bik` text NOT NULL,
	`bank_name` text NOT NULL,
	`settlement_account` text NOT NULL,
	`contact_phone` text,
	`contact_email` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organisations_inn_kpp_uq` ON `organisations` (`inn`,`kpp`);