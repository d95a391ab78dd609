CREATE TABLE `invoice_lines` (
	`invoice_id` text NOT NULL,
	`account_no` text NOT NULL,
	`amount_kop` integer NOT NULL,
	PRIMARY KEY(`invoice_id`, `account_no`),
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_no`) REFERENCES `account_directory`(`account_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`org_id` text NOT NULL,
	`issued_by` text NOT NULL,
	`total_kop` integer NOT NULL,
	`vat_kop` integer NOT NULL,
	`paid_kop` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number_uq` ON `invoices` (`number`);--> statement-breakpoint
CREATE INDEX `invoices_org_idx` ON `invoices` (`org_id`,`created_at`);