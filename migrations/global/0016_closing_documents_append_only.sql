-- Closing documents are issued once: their number, parties, lines and totals never change (a change after issue is a
-- new корректировочный document). Only the status and the R2 keys of the rendered files may be set later.
CREATE TRIGGER closing_documents_issued BEFORE UPDATE OF id, org_id, period, revision, kind, number, year, seq, corrects_id, doc_date, total_kop, vat_kop, parties, file_guid, created_at ON closing_documents
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
