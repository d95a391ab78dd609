CREATE TABLE `bank_statement_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`statement_id` text NOT NULL,
	`doc_number` text NOT NULL,
	`doc_date` text NOT NULL,
	`received_on` text,
	`amount_kop` integer NOT NULL,
	`payer_inn` text NOT NULL,
	`payer_account` text NOT NULL,
	`payer_name` text NOT NULL,
	`payee_account` text NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`matched_by` text,
	`invoice_id` text,
	`targets` text,
	`assigned_by` text,
	`assigned_address` text,
	`created_at` integer NOT NULL,
	`matched_at` integer,
	`credited_at` integer,
	FOREIGN KEY (`statement_id`) REFERENCES `bank_statements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bank_statement_lines_status_idx` ON `bank_statement_lines` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `bank_statements` (
	`id` text PRIMARY KEY NOT NULL,
	`file_sha256` text NOT NULL,
	`file_name` text,
	`encoding` text NOT NULL,
	`documents` integer NOT NULL,
	`incoming` integer NOT NULL,
	`uploaded_by` text NOT NULL,
	`address` text,
	`uploaded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bank_statements_time_idx` ON `bank_statements` (`uploaded_at`);