/** The audit log screen's filter (screen state, the query of `GET …/audit`): empty fields are not sent. */
export interface AuditFilter {
  kind?: string;
  actor?: string;
  from?: string;
  to?: string;
}

export const AUDIT_KINDS = ["people", "money", "numbers", "sites", "documents", "support"] as const;
