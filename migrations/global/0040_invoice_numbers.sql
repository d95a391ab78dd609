-- WITHOUT ROWID (by hand: drizzle has no table option for it): the number is the table's b-tree, not stored a second
-- time in an index beside a rowid table.
CREATE TABLE `invoice_numbers` (
	`number` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `bank_statement_lines` ADD `home_invoice_id` text;