import type { SQL } from "drizzle-orm";
import type { GlobalDb } from "../../platform/db";
import { newId } from "../../platform/ids";
import { type AuditEntry, insertAudit } from "./audit.writer";

/**
 * One entry of an organisation's audit log as a statement for another feature's batch (a bank credit): written only
 * when `when` holds at that point of the batch, so it commits, or not, with the change it records. Free of Worker-only
 * imports, so the features that use it stay testable in Node.
 */
export function auditStatement(db: GlobalDb, entry: AuditEntry, when: SQL): [string, ...unknown[]] {
  const { sql: text, params } = insertAudit(db, entry, newId(entry.at.getTime()), when).toSQL();
  return [text, ...params];
}
