CREATE TABLE `closing_documents` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`period` text NOT NULL,
	`revision` integer NOT NULL,
	`kind` text NOT NULL,
	`number` text,
	`year` integer NOT NULL,
	`seq` integer,
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
	`ready_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `closing_documents_revision_uq` ON `closing_documents` (`org_id`,`period`,`revision`);--> statement-breakpoint
CREATE UNIQUE INDEX `closing_documents_number_uq` ON `closing_documents` (`number`);--> statement-breakpoint
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
--> statement-breakpoint
CREATE TABLE `org_audit` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`actor_id` text,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`details` text,
	`address` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `org_audit_org_idx` ON `org_audit` (`org_id`,`id`);--> statement-breakpoint
-- As in the global database: the audit is append-only, and a closing document once written never changes, but for
-- its status, its rendered files' keys and its number, which is set once.
CREATE TRIGGER org_audit_no_update BEFORE UPDATE ON org_audit
BEGIN
  SELECT RAISE(ABORT, 'org_audit is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER org_audit_no_delete BEFORE DELETE ON org_audit
BEGIN
  SELECT RAISE(ABORT, 'org_audit is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER closing_documents_issued BEFORE UPDATE OF id, org_id, period, revision, kind, year, corrects_id, doc_date, total_kop, vat_kop, parties, file_guid, created_at ON closing_documents
BEGIN
  SELECT RAISE(ABORT, 'closing_documents: an issued document never changes');
END;
--> statement-breakpoint
CREATE TRIGGER closing_documents_numbered BEFORE UPDATE OF number, seq ON closing_documents
WHEN OLD.number IS NOT NULL OR OLD.seq IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'closing_documents: an issued document never changes');
END;
--> statement-breakpoint
CREATE TRIGGER closing_documents_no_delete BEFORE DELETE ON closing_documents
BEGIN
  SELECT RAISE(ABORT, 'closing_documents: an issued document is never removed');
END;
--> statement-breakpoint
CREATE TRIGGER closing_lines_no_update BEFORE UPDATE ON closing_lines
BEGIN
  SELECT RAISE(ABORT, 'closing_lines: append-only');
END;
--> statement-breakpoint
CREATE TRIGGER closing_lines_no_delete BEFORE DELETE ON closing_lines
BEGIN
  SELECT RAISE(ABORT, 'closing_lines: append-only');
END;
