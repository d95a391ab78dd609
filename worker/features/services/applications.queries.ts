import { and, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { applicationDirectory } from "../../db/schema/global";
import {
  type ApplicationStatus,
  accountServices,
  applicationEvents,
  applications,
  homeApplicationDirectory,
  tariffs,
} from "../../db/schema/region";
import { type DataAccess, directoryHome, directoryToRead, type GlobalDb, type RegionDb, rawBatch } from "../../platform/db";
import { preread, readWithSession, type SessionSubscriber, subscriberIs } from "../../platform/session";

export type Application = typeof applications.$inferSelect;
export type NewApplication = typeof applications.$inferInsert;
export type ApplicationEvent = typeof applicationEvents.$inferSelect;

export function selectApplication(db: RegionDb, id: string) {
  return db.select().from(applications).where(eq(applications.id, id)).get();
}

export function selectEvents(db: RegionDb, id: string) {
  return db
    .select()
    .from(applicationEvents)
    .where(eq(applicationEvents.applicationId, id))
    .orderBy(applicationEvents.at, applicationEvents.id)
    .all();
}

/** The subscriber's applications in one shard, newest first. */
export function selectSubscriberApplications(db: RegionDb, subscriberId: string, limit = 50) {
  return db
    .select()
    .from(applications)
    .where(eq(applications.subscriberId, subscriberId))
    .orderBy(desc(applications.createdAt), desc(applications.id))
    .limit(limit)
    .all();
}

/** Statuses of an application someone is still to act on (the partial unique index allows one per service and kind). */
export const OPEN_STATUSES = ["received", "in_work", "technician_assigned"] as const satisfies readonly ApplicationStatus[];

/** The open application of a service of this kind, if any. */
export function selectOpenApplication(db: RegionDb, serviceId: string, kind: Application["kind"]) {
  return db
    .select()
    .from(applications)
    .where(and(eq(applications.serviceId, serviceId), eq(applications.kind, kind), inArray(applications.status, [...OPEN_STATUSES])))
    .get();
}

/** A region's queue for operators, oldest first (by status when given). */
export function selectRegionApplications(db: RegionDb, region: string, statuses: ApplicationStatus[], limit = 100) {
  return db
    .select()
    .from(applications)
    .where(and(eq(applications.region, region), statuses.length ? inArray(applications.status, statuses) : undefined))
    .orderBy(applications.createdAt, applications.id)
    .limit(limit)
    .all();
}

/**
 * Where one of the subscriber's own applications lives, in the global table an older deployment wrote (a list of at
 * most one): batchable with the session. Its entries are drained into the home shards (`selectOwnEntry`).
 */
export function selectLegacyOwnEntry(db: GlobalDb, id: string, who: string | SessionSubscriber) {
  return db
    .select()
    .from(applicationDirectory)
    .where(and(eq(applicationDirectory.id, id), subscriberIs(applicationDirectory.subscriberId, who)))
    .limit(1);
}

/** Where one of the subscriber's own applications lives, by the directory of their home shard. */
export function selectOwnEntry(home: RegionDb, id: string, subscriberId: string) {
  return home
    .select()
    .from(homeApplicationDirectory)
    .where(and(eq(homeApplicationDirectory.id, id), eq(homeApplicationDirectory.subscriberId, subscriberId)))
    .get();
}

/** The shards the subscriber has applications in, by the global table an older deployment wrote (until drained). */
const legacyShardsOf = (db: GlobalDb, who: string | SessionSubscriber) =>
  db
    .selectDistinct({ shard: applicationDirectory.shard })
    .from(applicationDirectory)
    .where(subscriberIs(applicationDirectory.subscriberId, who));
/** The global table's shards of the subscriber's applications, read with the session for the list. */
const LEGACY_SHARDS_READ = readWithSession(["GET /api/v1/applications"], legacyShardsOf);

/** The shards the subscriber has applications in: their home shard's directory and the global table's, each once. */
export async function selectSubscriberShards(data: DataAccess, subscriberId: string, homeShard: string) {
  const home = directoryToRead(data, homeShard);
  const [own, legacy] = await Promise.all([
    home
      ? home
          .selectDistinct({ shard: homeApplicationDirectory.shard })
          .from(homeApplicationDirectory)
          .where(eq(homeApplicationDirectory.subscriberId, subscriberId))
          .all()
      : [],
    preread(data.global, subscriberId, LEGACY_SHARDS_READ) ?? legacyShardsOf(data.global, subscriberId),
  ]);
  return [...new Set([...own, ...legacy].map((r) => r.shard))];
}

/** Enters an application in its subscriber's directory: their home shard's (`directoryHome`), or the global table. */
export async function insertDirectoryEntry(data: DataAccess, homeShard: string, row: typeof homeApplicationDirectory.$inferInsert) {
  const home = directoryHome(data, homeShard);
  if (home) await home.insert(homeApplicationDirectory).values(row).onConflictDoNothing().run();
  else await data.global.insert(applicationDirectory).values(row).onConflictDoNothing().run();
}

/** Takes back the entry of an application that was surely not written, from where `insertDirectoryEntry` wrote it. */
export async function deleteDirectoryEntry(data: DataAccess, homeShard: string, id: string) {
  const home = directoryHome(data, homeShard);
  if (home) await home.delete(homeApplicationDirectory).where(eq(homeApplicationDirectory.id, id)).run();
  else await data.global.delete(applicationDirectory).where(eq(applicationDirectory.id, id)).run();
}

/**
 * The application and its first event, in one transaction. The number is
 * unique (an index); a clash is the caller's to retry with another. With a
 * visit capacity, false when the visit's window is full (nothing written).
 */
export async function insertApplication(db: RegionDb, row: NewApplication, eventId: string, visitCapacity?: number): Promise<boolean> {
  if (visitCapacity !== undefined && row.preferredDay && row.preferredSlot) {
    // A visit takes a place in its window: the row goes in only while the window has fewer open visits than its
    // capacity, counted in the same statement (parallel requests cannot both take the last place).
    const created = row.createdAt instanceof Date ? row.createdAt.getTime() : Date.now();
    const [inserted] = await rawBatch(db, [
      [
        `INSERT INTO applications (id, number, region, subscriber_id, account_no, service_id, kind, status, address, contact_phone,
           preferred_day, preferred_slot, technician, details, effects_at, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?
         WHERE (SELECT count(*) FROM applications WHERE region = ? AND preferred_day = ? AND preferred_slot = ?
                AND status IN ('received', 'in_work', 'technician_assigned')) < ?`,
        row.id,
        row.number,
        row.region,
        row.subscriberId,
        row.accountNo ?? null,
        row.serviceId ?? null,
        row.kind,
        row.status,
        row.address ?? null,
        row.contactPhone ?? null,
        row.preferredDay,
        row.preferredSlot,
        row.details,
        created,
        created,
        row.region,
        row.preferredDay,
        row.preferredSlot,
        visitCapacity,
      ],
      [
        `INSERT INTO application_events (id, application_id, from_status, to_status, actor, comment, at)
           SELECT ?, ?, NULL, ?, 'subscriber', NULL, ? WHERE changes() = 1`,
        eventId,
        row.id,
        row.status,
        created,
      ],
    ]);
    return (inserted?.meta.changes ?? 0) === 1;
  }
  await db.batch([
    db.insert(applications).values(row),
    db.insert(applicationEvents).values({
      id: eventId,
      applicationId: row.id,
      fromStatus: null,
      toStatus: row.status,
      actor: "subscriber",
      comment: null,
      at: row.createdAt,
    }),
  ]);
  return true;
}

/**
 * One status change as one transaction: the update happens only from the
 * status the caller saw (a concurrent move wins, this one changes nothing),
 * and the event is recorded only if the update did (`changes()`).
 */
export async function moveApplication(
  db: RegionDb,
  app: Pick<Application, "id" | "status">,
  to: ApplicationStatus,
  event: { id: string; actor: "subscriber" | "operator" | "system"; comment: string | null; at: Date },
  technician?: string | null,
): Promise<boolean> {
  const t = event.at.getTime();
  const [updated] = await rawBatch(db, [
    [
      "UPDATE applications SET status = ?, updated_at = ?, technician = coalesce(?, technician) WHERE id = ? AND status = ?",
      to,
      t,
      technician ?? null,
      app.id,
      app.status,
    ],
    [
      `INSERT INTO application_events (id, application_id, from_status, to_status, actor, comment, at)
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
      event.id,
      app.id,
      app.status,
      to,
      event.actor,
      event.comment,
      t,
    ],
  ]);
  return (updated?.meta.changes ?? 0) === 1;
}

/** Finished applications whose effects are not recorded, last changed before `before`. */
export function selectUnfinishedEffects(db: RegionDb, before: Date, limit = 50, after?: string) {
  return db
    .select()
    .from(applications)
    .where(
      and(
        // Spelled as the partial index applications_effects_due_idx is, so SQLite uses it.
        sql`${applications.effectsAt} IS NULL AND ${applications.status} IN ('done', 'rejected', 'cancelled')`,
        lt(applications.updatedAt, before),
        after === undefined ? undefined : gt(applications.id, after),
      ),
    )
    .orderBy(applications.id)
    .limit(limit)
    .all();
}

/**
 * The service each application is about, in both languages: the account's service it names, else the tariff
 * it connects. Two queries for any number of applications of one shard.
 */
export async function selectServiceNames(db: RegionDb, apps: readonly Application[]): Promise<Map<string, { ru: string; en: string }>> {
  const tariffOf = (a: Application) => {
    const d = JSON.parse(a.details) as Record<string, unknown>;
    const id = d.tariffId ?? d.toTariffId;
    return typeof id === "string" ? id : null;
  };
  const serviceIds = [...new Set(apps.flatMap((a) => (a.serviceId ? [a.serviceId] : [])))];
  const tariffIds = [...new Set(apps.flatMap((a) => (a.serviceId ? [] : (tariffOf(a) ?? []))))];
  const [byService, byTariff] = await Promise.all([
    serviceIds.length
      ? db
          .select({ id: accountServices.id, ru: tariffs.nameRu, en: tariffs.nameEn })
          .from(accountServices)
          .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
          .where(inArray(accountServices.id, serviceIds))
          .all()
      : [],
    tariffIds.length
      ? db.select({ id: tariffs.id, ru: tariffs.nameRu, en: tariffs.nameEn }).from(tariffs).where(inArray(tariffs.id, tariffIds)).all()
      : [],
  ]);
  const services = new Map(byService.map((r) => [r.id, { ru: r.ru, en: r.en }]));
  const tariffNames = new Map(byTariff.map((r) => [r.id, { ru: r.ru, en: r.en }]));
  const out = new Map<string, { ru: string; en: string }>();
  for (const a of apps) {
    const name = a.serviceId ? services.get(a.serviceId) : tariffNames.get(tariffOf(a) ?? "");
    if (name) out.set(a.id, name);
  }
  return out;
}
