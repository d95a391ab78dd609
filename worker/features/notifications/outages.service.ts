import { and, eq, isNull } from "drizzle-orm";
import { outages } from "../../db/schema/global";
import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { regionByCode } from "../../platform/region";
import { forgetOutages, type NotificationQueue, outageJson } from "./notifications.service";

function knownRegion(code: string) {
  if (!regionByCode(code)) throw new AppError(400, "validation", {}, [{ field: "region", message: "field.unknownRegion" }]);
}

/** What an operator sends to declare an outage; `key` makes a repeated request the same outage. */
export interface OutageInput {
  region: string;
  street: string | null;
  houses: string[] | null;
  title: string;
  expectedEnd: string;
  key: string;
}

/** Whether a stored outage is what `input` asks for (the same key with another body is a different request). */
function sameRequest(row: typeof outages.$inferSelect, input: OutageInput): boolean {
  return (
    row.region === input.region &&
    row.street === input.street &&
    row.houses === (input.houses ? JSON.stringify(input.houses) : null) &&
    row.title === input.title &&
    row.expectedEnd.getTime() === new Date(input.expectedEnd).getTime()
  );
}

/**
 * An operator declares an outage: kept for the banner, and the subscribers at the street (and houses) are told.
 * Idempotent by `key`, as announcements are: the row is inserted or nothing in one statement (the unique key
 * decides between requests sent at once), a repeat with the same body answers the first outage (`created: false`)
 * and one with another body is a 409. Every answer queues the area message under the outage's own event id, as
 * `announce` does: if the first request died between its insert and its send, the repeat delivers it, and otherwise
 * the consumer's dedupe (the inbox's one row per event, the deliveries' keys) makes it a no-op for whoever was told.
 */
export async function declareOutage(db: GlobalDb, queue: NotificationQueue, input: OutageInput, now = new Date()) {
  knownRegion(input.region);
  const expectedEnd = new Date(input.expectedEnd);
  if (expectedEnd.getTime() <= now.getTime())
    throw new AppError(400, "validation", {}, [{ field: "expectedEnd", message: "field.inFuture" }]);
  const [inserted] = await db
    .insert(outages)
    .values({
      id: newId(now.getTime()),
      region: input.region,
      street: input.street,
      houses: input.houses ? JSON.stringify(input.houses) : null,
      title: input.title,
      expectedEnd,
      declaredAt: now,
      resolvedAt: null,
      key: input.key,
    })
    .onConflictDoNothing({ target: outages.key })
    .returning();
  const row = inserted ?? (await db.select().from(outages).where(eq(outages.key, input.key)).get());
  // Neither inserted nor found: the row was deleted between the two statements, which nothing does; say so.
  if (!row) throw new Error("outage key conflict without a row");
  if (!inserted && !sameRequest(row, input)) throw new AppError(409, "idempotency_mismatch");
  forgetOutages(row.region);
  await queue.send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:declared`,
    region: row.region,
    street: row.street,
    houses: row.houses ? (JSON.parse(row.houses) as string[]) : null,
    params: { phase: "declared", id: row.id, title: row.title, until: row.expectedEnd.toISOString() },
  });
  log("info", inserted ? "outage.declared" : "outage.repeated", { id: row.id, region: row.region });
  return { outage: outageJson(row), created: Boolean(inserted) };
}

/** Marks an outage resolved (once: a second time is a 409) and tells the same subscribers. */
export async function resolveOutage(db: GlobalDb, queue: NotificationQueue, id: string, now = new Date()) {
  const [row] = await db
    .update(outages)
    .set({ resolvedAt: now })
    .where(and(eq(outages.id, id), isNull(outages.resolvedAt)))
    .returning();
  if (!row) {
    const exists = await db.select({ id: outages.id }).from(outages).where(eq(outages.id, id)).get();
    throw new AppError(exists ? 409 : 404, exists ? "outage_resolved" : "not_found");
  }
  forgetOutages(row.region);
  await queue.send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:resolved`,
    region: row.region,
    street: row.street,
    houses: row.houses ? (JSON.parse(row.houses) as string[]) : null,
    params: { phase: "resolved", id: row.id, title: row.title },
  });
  log("info", "outage.resolved", { id: row.id });
  return outageJson(row);
}

/** A tariff change or a promotion for a region; the same key is the same announcement (its event id). */
export async function announce(
  queue: NotificationQueue,
  input: { region: string; kind: "tariff_change" | "promo"; title: string; body: string; url?: string; key: string },
): Promise<string> {
  knownRegion(input.region);
  const eventId = `${input.kind}:${input.region}:${input.key}`;
  await queue.send({
    channel: "area",
    kind: input.kind,
    eventId,
    region: input.region,
    street: null,
    houses: null,
    params: { title: input.title, body: input.body, url: input.url ?? "" },
  });
  return eventId;
}
