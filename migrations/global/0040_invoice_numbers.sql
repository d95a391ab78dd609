CREATE TABLE `invoice_numbers` (
	`number` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `bank_statement_lines` ADD `home_invoice_id` text;