import { getTableConfig } from "drizzle-orm/sqlite-core";
import { homeOrgAudit } from "../../db/schema/region";
import { type DataAccess, rawBatch, type ShardBinding } from "../../platform/db";
import { log } from "../../platform/log";
import { insertRowsSql, jsonChunks } from "../../platform/shard-map";
import { AUDIT_DRAIN_PAGE, AUDIT_DRAIN_SHARDS } from "./audit.limits";

/**
 * The audit's move home (issue 20). An entry written with a change to the global rows (a member's role, an invoice)
 * goes in that change's batch to the global `org_audit`, so that both or neither are written; housekeeping then moves
 * it to its organisation's home shard, where the log is kept (features/business/org-home.ts). The global table holds
 * only what has not been moved yet: about 1.7 days' entries at the target, instead of every year's.
 *
 * A run takes the home shards of the oldest entries waiting (at most `AUDIT_DRAIN_SHARDS`), copies each shard's
 * oldest `AUDIT_DRAIN_PAGE` entries there in one statement (an entry already there is left as it is: entries never
 * change), then deletes the copied entries from the global table in one batch, with the permits its delete trigger
 * asks for (`org_audit_drained`: the table stays append-only to anything else). A run that stops anywhere leaves
 * every entry in the global table, the shard or both; the log reads both and shows each entry once
 * (`withHomeAudit`), and the next run copies it again (changing nothing) and deletes it.
 *
 * At the target (0.7 M organisations, some 115,000 such entries a day over 5,004 shards) a run every 15 minutes
 * visits 30 shards, 2,880 a day: each shard about every 1.7 days, moving the 40 or so entries of its organisations
 * since. An older deployment's whole log drains at up to 500 entries a visit, 1.4 M a day.
 */

/** The oldest entries a run looks at to choose its shards. */
const LOOK_AT = 2_000;

/** An entry's columns, as the home shard's copy takes them (the global table has the same: `orgAuditColumns`). */
const COLUMNS = getTableConfig(homeOrgAudit)
  .columns.map((c) => `a.${c.name}`)
  .join(", ");

export interface AuditDrained {
  moved: number;
  shards: number;
}

export async function drainOrgAudit(data: DataAccess, shardsPerRun = AUDIT_DRAIN_SHARDS, page = AUDIT_DRAIN_PAGE): Promise<AuditDrained> {
  const d1 = data.global;
  // The homes of the oldest entries among the shards this Worker is bound to (an entry of another stays, and does not
  // hold up the rest).
  const picked = await rawBatch(d1, [
    [
      `SELECT DISTINCT o.home_shard AS shard FROM (
         SELECT a.org_id FROM org_audit a JOIN organisations o ON o.id = a.org_id
         WHERE o.home_shard IN (SELECT value FROM json_each(?)) ORDER BY a.id LIMIT ${LOOK_AT}
       ) a JOIN organisations o ON o.id = a.org_id LIMIT ?`,
      JSON.stringify(data.shards),
      shardsPerRun,
    ],
  ]);
  const shards = ((picked[0]?.results ?? []) as { shard: string }[]).map((r) => r.shard);
  const [first, ...rest] = shards.map((shard): [string, ...unknown[]] => [
    // The shard's organisations (organisations_home_idx), each one's entries along org_audit_org_idx: oldest first.
    `SELECT ${COLUMNS} FROM organisations o JOIN org_audit a ON a.org_id = o.id WHERE o.home_shard = ? ORDER BY a.id LIMIT ?`,
    shard,
    page,
  ]);
  if (!first) return { moved: 0, shards: 0 };
  const pages = await rawBatch(d1, [first, ...rest]);
  const moved: string[] = [];
  let visited = 0;
  for (const [i, shard] of shards.entries()) {
    const rows = (pages[i]?.results ?? []) as Record<string, unknown>[];
    if (rows.length === 0) continue;
    // A shard that fails is logged and left: its entries stay in the global table for the next run.
    try {
      await rawBatch(
        data.shard(shard as ShardBinding),
        jsonChunks(rows).map((json): [string, ...unknown[]] => [insertRowsSql(homeOrgAudit), json]),
      );
    } catch (err) {
      log("error", "audit_drain.shard_failed", { shard, error: err instanceof Error ? err.name : "unknown" });
      continue;
    }
    visited += 1;
    moved.push(...rows.map((r) => String(r.id)));
  }
  if (moved.length === 0) return { moved: 0, shards: visited };
  const ids = JSON.stringify(moved);
  await rawBatch(d1, [
    ["INSERT OR IGNORE INTO org_audit_drained (id) SELECT value FROM json_each(?)", ids],
    ["DELETE FROM org_audit WHERE id IN (SELECT id FROM org_audit_drained)"],
    ["DELETE FROM org_audit_drained"],
  ]);
  return { moved: moved.length, shards: visited };
}
