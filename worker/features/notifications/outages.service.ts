import { and, eq, isNull } from "drizzle-orm";
import { outages } from "../../db/schema/global";
import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { regionByCode } from "../../platform/region";
import { type NotificationQueue, outageJson } from "./notifications.service";

function knownRegion(code: string) {
  if (!regionByCode(code)) throw new AppError(400, "validation", {}, [{ field: "region", message: "field.unknownRegion" }]);
}

/** An operator declares an outage: kept for the banner, and the subscribers at the street (and houses) are told. */
export async function declareOutage(
  db: GlobalDb,
  queue: NotificationQueue,
  input: { region: string; street: string | null; houses: string[] | null; title: string; expectedEnd: string },
  now = new Date(),
) {
  knownRegion(input.region);
  const expectedEnd = new Date(input.expectedEnd);
  if (expectedEnd.getTime() <= now.getTime())
    throw new AppError(400, "validation", {}, [{ field: "expectedEnd", message: "field.inFuture" }]);
  const row = {
    id: newId(now.getTime()),
    region: input.region,
    street: input.street,
    houses: input.houses ? JSON.stringify(input.houses) : null,
    title: input.title,
    expectedEnd,
    declaredAt: now,
    resolvedAt: null,
  };
  await db.insert(outages).values(row);
  await queue.send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:declared`,
    region: row.region,
    street: row.street,
    houses: input.houses,
    params: { phase: "declared", title: row.title, until: expectedEnd.toISOString() },
  });
  log("info", "outage.declared", { id: row.id, region: row.region });
  return outageJson(row);
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
  await queue.send({
    channel: "area",
    kind: "outage",
    eventId: `outage:${row.id}:resolved`,
    region: row.region,
    street: row.street,
    houses: row.houses ? (JSON.parse(row.houses) as string[]) : null,
    params: { phase: "resolved", title: row.title },
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
