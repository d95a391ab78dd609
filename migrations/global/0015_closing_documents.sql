CREATE TABLE `closing_documents` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`period` text NOT NULL,
	`revision` integer NOT NULL,
	`kind` text NOT NULL,
	`number` text NOT NULL,
	`year` integer NOT NULL,
	`seq` integer NOT NULL,
	`corrects_id` text,
	`doc_date` text NOT NULL,
	`total_kop` integer NOT NULL,
	`vat_kop` integer NOT NULL,
	`parties` text NOT NULL,
	`file_guid` text NOT NULL,
	`status` text NOT NULL,
	`pdf_key` text,
	`xml_key` text,
	`created_at` integer NOT NULL,
	`ready_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `closing_documents_revision_uq` ON `closing_documents` (`org_id`,`period`,`revision`);--> statement-breakpoint
CREATE UNIQUE INDEX `closing_documents_number_uq` ON `closing_documents` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `closing_documents_seq_uq` ON `closing_documents` (`kind`,`year`,`seq`);--> statement-breakpoint
CREATE INDEX `closing_documents_org_idx` ON `closing_documents` (`org_id`,`period`);--> statement-breakpoint
CREATE TABLE `closing_lines` (
	`doc_id` text NOT NULL,
	`line_no` integer NOT NULL,
	`account_no` text NOT NULL,
	`region` text NOT NULL,
	`service_id` text,
	`name_ru` text NOT NULL,
	`before_kop` integer,
	`vat_before_kop` integer,
	`amount_kop` integer NOT NULL,
	`vat_kop` integer NOT NULL,
	PRIMARY KEY(`doc_id`, `line_no`),
	FOREIGN KEY (`doc_id`) REFERENCES `closing_documents`(`id`) ON UPDATE no action ON DELETE no action
);
