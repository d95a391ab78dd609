-- The business cabinet's audit log is append-only: no change or removal of an entry, whoever asks.
CREATE TRIGGER org_audit_no_update BEFORE UPDATE ON org_audit
BEGIN
  SELECT RAISE(ABORT, 'org_audit is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER org_audit_no_delete BEFORE DELETE ON org_audit
BEGIN
  SELECT RAISE(ABORT, 'org_audit is append-only');
END;
