import { type SQL, sql } from "drizzle-orm";
import { orgAudit, subscribers } from "../../db/schema/global";
import { homeOrgAudit } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db.types";
import type { AuditAction } from "./audit.labels";

/**
 * The audit log's writer (журнал действий): one statement per entry, kept apart from the feature's queries so
 * that the demo seed, which runs in Node, writes its entries with the very same statement.
 */
export interface AuditEntry {
  orgId: string;
  /** The person who acted, or null for an operator. */
  actorId: string | null;
  /** An operator's name; a person's is read from their profile by the same statement. */
  operatorName?: string;
  action: AuditAction;
  /** What was acted on: a text, or the display name of this subscriber id. */
  target?: string | { subscriberId: string } | null;
  details?: unknown;
  address: string | null;
  at: Date;
}

const nameOf = (subscriberId: string) =>
  sql`coalesce((SELECT ${subscribers.displayName} FROM ${subscribers} WHERE ${subscribers.id} = ${subscriberId}), '')`;

/**
 * The insert of one audit entry, to go in the batch of the change it records, so that both or neither are written.
 * `when` makes it conditional: put it before the change in the batch with the change's own condition (a D1 batch is
 * one transaction, so both see the same rows), and the entry is written exactly when the change is made.
 */
export function insertAudit(db: GlobalDb, e: AuditEntry, id: string, when: SQL = sql`1`) {
  const actorName = e.actorId ? nameOf(e.actorId) : sql`${e.operatorName ?? "operator"}`;
  const target = e.target && typeof e.target === "object" ? nameOf(e.target.subscriberId) : sql`${e.target ?? null}`;
  const details = e.details === undefined ? null : JSON.stringify(e.details);
  // The columns in the table's order: id, org_id, actor_id, actor_name, action, target, details, address, created_at.
  return db
    .insert(orgAudit)
    .select(
      sql`SELECT ${id}, ${e.orgId}, ${e.actorId}, ${actorName}, ${e.action}, ${target}, ${details}, ${e.address}, ${e.at.getTime()} WHERE ${when}`,
    );
}

/**
 * The same entry for a change written where the subscribers are not (an organisation's home shard: its payments),
 * with the actor's name as read beforehand, in the batch of the change it records and on the same condition.
 */
export function insertAuditNamed(
  db: RegionDb,
  e: Omit<AuditEntry, "target"> & { target: string | null },
  actorName: string,
  id: string,
  when: SQL = sql`1`,
) {
  const details = e.details === undefined ? null : JSON.stringify(e.details);
  return db
    .insert(homeOrgAudit)
    .select(
      sql`SELECT ${id}, ${e.orgId}, ${e.actorId}, ${actorName}, ${e.action}, ${e.target}, ${details}, ${e.address}, ${e.at.getTime()} WHERE ${when}`,
    );
}
