CREATE TABLE `invoice_lines` (
	`invoice_id` text NOT NULL,
	`account_no` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`region` text NOT NULL,
	PRIMARY KEY(`invoice_id`, `account_no`)
);
--> statement-breakpoint
CREATE TABLE `invoice_payments` (
	`invoice_id` text NOT NULL,
	`line_id` text NOT NULL,
	`amount_kop` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`invoice_id`, `line_id`)
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
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `invoices_org_idx` ON `invoices` (`org_id`,`id`);--> statement-breakpoint
CREATE TRIGGER invoice_payments_no_update BEFORE UPDATE ON invoice_payments
BEGIN
  SELECT RAISE(ABORT, 'invoice_payments is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER invoice_payments_no_delete BEFORE DELETE ON invoice_payments
BEGIN
  SELECT RAISE(ABORT, 'invoice_payments is append-only');
END;
