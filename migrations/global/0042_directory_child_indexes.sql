-- The two tables whose foreign key names the directory by account without an index on it (an older deployment's
-- invoices' and payments' lines): deleting a directory row checks each child table for a row naming it, which without
-- these is a scan of the table a deleted row (platform/places.ts, housekeeping's deletion of rows no foreign key names).
CREATE INDEX `invoice_lines_account_idx` ON `invoice_lines` (`account_no`);--> statement-breakpoint
CREATE INDEX `org_payment_lines_account_idx` ON `org_payment_lines` (`account_no`);