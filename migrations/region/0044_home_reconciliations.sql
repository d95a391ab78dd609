CREATE TABLE `reconciliations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`requested_by` text NOT NULL,
	`from_day` text NOT NULL,
	`to_day` text NOT NULL,
	`account_nos` text NOT NULL,
	`lang` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`opening_kop` integer,
	`debit_kop` integer,
	`credit_kop` integer,
	`closing_kop` integer,
	`pdf_key` text,
	`xlsx_key` text,
	`error` text,
	`created_at` integer NOT NULL,
	`ready_at` integer
);
--> statement-breakpoint
CREATE INDEX `reconciliations_org_idx` ON `reconciliations` (`org_id`,`created_at`);