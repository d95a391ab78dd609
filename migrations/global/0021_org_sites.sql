CREATE TABLE `org_sites` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `org_sites_org_idx` ON `org_sites` (`org_id`);--> statement-breakpoint
ALTER TABLE `org_accounts` ADD `site_id` text REFERENCES org_sites(id);--> statement-breakpoint
CREATE INDEX `org_accounts_site_idx` ON `org_accounts` (`org_id`,`site_id`);--> statement-breakpoint
ALTER TABLE `org_invites` ADD `site_scope` text;--> statement-breakpoint
ALTER TABLE `org_members` ADD `site_scope` text;