import { and, asc, count, eq, gte, inArray, sql } from "drizzle-orm";
import {
  CALLBACK_DAYS,
  CALLBACK_HOURS,
  CALLBACK_LEAD_MS,
  CALLBACK_SLOT_CAPACITY,
  CALLBACK_SLOTS_SHOWN,
  type ChatTopic,
} from "../../data/support.data";
import { supportCallbacks } from "../../db/schema/global";
import { type GlobalDb, rawBatch } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import type { OperatorInfo } from "../../platform/operator";
import { addDays, localDay, regionTz, tzOffsetMs } from "../../platform/region";
import { preread, readWithSession, type SessionSubscriber } from "../../platform/session";
import { guardCount } from "../../platform/throttle";

export type CallbackRow = typeof supportCallbacks.$inferSelect;

export interface SlotDto {
  start: string;
  end: string;
}

export interface CallbackDto {
  id: string;
  region: string;
  name: string;
  phone: string;
  topic: string;
  slotStart: string;
  slotEnd: string;
  status: "open" | "done";
  operatorName: string | null;
  createdAt: string;
}

export function callbackDto(r: CallbackRow): CallbackDto {
  return {
    id: r.id,
    region: r.region,
    name: r.name,
    phone: r.phone,
    topic: r.topic,
    slotStart: r.slotStart.toISOString(),
    slotEnd: r.slotEnd.toISOString(),
    status: r.status,
    operatorName: r.operatorName,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Every window of the next days in the region's time zone that starts far enough from now (UTC instants). */
function windows(region: string, now: Date): { start: number; end: number }[] {
  const tz = regionTz(region);
  const today = localDay(tz, now);
  const out: { start: number; end: number }[] = [];
  for (let d = 0; d < CALLBACK_DAYS; d++) {
    const day = addDays(today, d);
    for (let h = CALLBACK_HOURS.from; h + CALLBACK_HOURS.window <= CALLBACK_HOURS.to; h += CALLBACK_HOURS.window) {
      const wall = Date.parse(`${day}T${String(h).padStart(2, "0")}:00:00Z`);
      const start = wall - tzOffsetMs(tz, new Date(wall));
      if (start >= now.getTime() + CALLBACK_LEAD_MS) out.push({ start, end: start + CALLBACK_HOURS.window * 3600_000 });
    }
  }
  return out;
}

/** The next free windows of a region: those with fewer than the window's capacity of open requests. */
/** How many open requests each window of a region holds, from `since` on. */
const takenSince = (db: GlobalDb, region: string, since: number) =>
  db
    .select({ start: supportCallbacks.slotStart, n: count() })
    .from(supportCallbacks)
    .where(and(eq(supportCallbacks.region, region), eq(supportCallbacks.status, "open"), gte(supportCallbacks.slotStart, new Date(since))))
    .groupBy(supportCallbacks.slotStart);
/** The site region's taken windows, read with a subscriber's session (from the windows' start a moment earlier). */
const TAKEN_READ = readWithSession(["GET /api/v1/support/callbacks/slots"], (db, _who, c) => {
  const region = c?.get("region")?.code ?? "";
  return takenSince(db, region, windows(region, new Date())[0]?.start ?? 0);
});

/** The windows still free; `subscriberId` (a logged-in subscriber's request) takes the counts read with the session. */
export async function freeSlots(db: GlobalDb, region: string, now = new Date(), subscriberId?: string): Promise<SlotDto[]> {
  const all = windows(region, now);
  const since = all[0]?.start;
  if (since === undefined) return [];
  const preloaded = subscriberId ? preread(db, subscriberId, TAKEN_READ) : undefined;
  // Counts read a moment earlier start at an earlier or the same window: those before this one are left out.
  const taken = preloaded?.filter((t) => t.start.getTime() >= since) ?? (await takenSince(db, region, since));
  const used = new Map(taken.map((t) => [t.start.getTime(), t.n]));
  return all
    .filter((w) => (used.get(w.start) ?? 0) < CALLBACK_SLOT_CAPACITY)
    .slice(0, CALLBACK_SLOTS_SHOWN)
    .map((w) => ({ start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() }));
}

export type CallbackWho = { subscriberId: string; name: string; phone: string } | { visitorName: string; visitorPhone: string };

/**
 * Asks for a call back in one of the offered windows. Counted by the throttle first (a subscriber, or a
 * visitor's address); one open request per person (their subscriber id, or a visitor's phone), whatever the
 * region: a second is a 409 naming the window of the first. A window no longer offered (full, past) is a 400.
 */
export async function requestCallback(
  db: GlobalDb,
  who: CallbackWho,
  input: { region: string; topic: ChatTopic; slotStart: string },
  throttleSubject: string,
  now = new Date(),
): Promise<CallbackDto> {
  await guardCount("callbacks", throttleSubject, now.getTime());
  const person = "subscriberId" in who ? `sub:${who.subscriberId}` : `phone:${who.visitorPhone}`;
  const open = await db
    .select()
    .from(supportCallbacks)
    .where(and(eq(supportCallbacks.person, person), eq(supportCallbacks.status, "open")))
    .get();
  if (open) throw new AppError(409, "callback_open");
  const slot = (await freeSlots(db, input.region, now)).find((s) => Date.parse(s.start) === Date.parse(input.slotStart));
  if (!slot) throw new AppError(400, "callback_slot");
  const row: CallbackRow = {
    id: `${input.region}_${newId(now.getTime())}`,
    region: input.region,
    person,
    subscriberId: "subscriberId" in who ? who.subscriberId : null,
    name: "subscriberId" in who ? who.name : who.visitorName,
    phone: "subscriberId" in who ? who.phone : who.visitorPhone,
    topic: input.topic,
    slotStart: new Date(slot.start),
    slotEnd: new Date(slot.end),
    status: "open",
    operatorName: null,
    createdAt: now,
    doneAt: null,
  };
  // One statement checks the window's capacity and writes: requests of different people for one window at once
  // cannot overbook it. Two requests of one person at once: the partial unique index lets one in.
  const [inserted] = await rawBatch(db, [
    [
      `INSERT INTO support_callbacks (id, region, person, subscriber_id, name, phone, topic, slot_start, slot_end, status, operator_name, created_at, done_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, ?, NULL
       WHERE (SELECT count(*) FROM support_callbacks WHERE region = ? AND status = 'open' AND slot_start = ?) < ?
       ON CONFLICT DO NOTHING`,
      row.id,
      row.region,
      row.person,
      row.subscriberId,
      row.name,
      row.phone,
      row.topic,
      row.slotStart.getTime(),
      row.slotEnd.getTime(),
      row.createdAt.getTime(),
      row.region,
      row.slotStart.getTime(),
      CALLBACK_SLOT_CAPACITY,
    ],
  ]);
  if ((inserted?.meta.changes ?? 0) === 0) {
    // The person's own open request (sent at the same moment), or the window filled meanwhile.
    const mine = await db
      .select({ id: supportCallbacks.id })
      .from(supportCallbacks)
      .where(and(eq(supportCallbacks.person, person), eq(supportCallbacks.status, "open")))
      .get();
    throw mine ? new AppError(409, "callback_open") : new AppError(400, "callback_slot");
  }
  return callbackDto(row);
}

/** A subscriber's open call-back request, if any. */
/** The subscriber's open call-back request (a list of at most one); the person is `sub:<id>`. */
const openCallbackOf = (db: GlobalDb, who: string | SessionSubscriber) =>
  db
    .select()
    .from(supportCallbacks)
    .where(
      and(
        eq(supportCallbacks.person, typeof who === "string" ? `sub:${who}` : sql`'sub:' || (${who})`),
        eq(supportCallbacks.status, "open"),
      ),
    )
    .limit(1);
const CALLBACK_READ = readWithSession(["GET /api/v1/support/callbacks/mine"], openCallbackOf);

export async function myCallback(db: GlobalDb, subscriberId: string): Promise<CallbackDto | null> {
  const [row] = preread(db, subscriberId, CALLBACK_READ) ?? (await openCallbackOf(db, subscriberId));
  return row ? callbackDto(row) : null;
}

/** The open call-back requests of the operator's regions (or one of them), earliest window first. */
export async function operatorCallbacks(db: GlobalDb, operator: OperatorInfo, onlyRegion?: string): Promise<CallbackDto[]> {
  const regions = onlyRegion ? operator.regions.filter((r) => r === onlyRegion) : operator.regions;
  if (regions.length === 0) return [];
  const rows = await db
    .select()
    .from(supportCallbacks)
    .where(and(inArray(supportCallbacks.region, regions), eq(supportCallbacks.status, "open")))
    .orderBy(asc(supportCallbacks.slotStart), asc(supportCallbacks.createdAt))
    .limit(200)
    .all();
  return rows.map(callbackDto);
}

/** An operator marks a request of their regions done (once; a foreign region's is a 404 like a missing one). */
export async function markCallbackDone(db: GlobalDb, operator: OperatorInfo, id: string, now = new Date()): Promise<CallbackDto> {
  const row = await db.select().from(supportCallbacks).where(eq(supportCallbacks.id, id)).get();
  if (!row || !operator.regions.includes(row.region)) throw new AppError(404, "not_found");
  if (row.status === "open") {
    await db
      .update(supportCallbacks)
      .set({ status: "done", operatorName: operator.name, doneAt: now })
      .where(and(eq(supportCallbacks.id, id), eq(supportCallbacks.status, "open")))
      .run();
  }
  const after = await db.select().from(supportCallbacks).where(eq(supportCallbacks.id, id)).get();
  return callbackDto(after ?? row);
}
