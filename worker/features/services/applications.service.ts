import { eq } from "drizzle-orm";
import { VISIT_CUTOFF_HOUR, visitCapacity } from "../../data/visits.data";
import { accountLinks, subscribers } from "../../db/schema/global";
import type { ApplicationKind, ApplicationStatus } from "../../db/schema/region";
import { randomDigits } from "../../platform/crypto";
import {
  type DataAccess,
  directoryToRead,
  isShardBinding,
  type RegionDb,
  rawBatch,
  SHARDS,
  type ShardBinding,
  type Sweep,
  shardOfRegion,
  sweptPage,
} from "../../platform/db";
import { AppError } from "../../platform/errors";
import { addHolders, settleHolders } from "../../platform/holders";
import { isId, makeAccountNo, newId } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { addDays, localDay, regionTz } from "../../platform/region";
import { closesWindow, forgetSessionCopy, markCopyChanging, preread, readWithSession } from "../../platform/session";
import { registerAccount } from "../../platform/shard-map";
import { guardCount, POLICY } from "../../platform/throttle";
import { debitWholeBalance } from "../billing/ledger.service";
import type { NotificationMessage } from "../notifications/notifications.messages";
import { type Actor, canMove, KIND_LABELS, nextStatuses, STATUS_LABELS } from "./applications.machine";
import * as q from "./applications.queries";
import { visitOf } from "./visits.rules";

export type Notify = (m: NotificationMessage) => Promise<void>;

/** Applications one subscriber may make in 24 hours. */
export const APPLICATIONS_PER_DAY = POLICY.applications.lockAfter;

/** "2612-483920": year and month, then six random digits; unique by an index (a clash is retried). */
function applicationNumber(now: Date) {
  return `${String(now.getUTCFullYear()).slice(2)}${String(now.getUTCMonth() + 1).padStart(2, "0")}-${randomDigits(6)}`;
}

/** Who makes an application: the subscriber, and their home shard (their directory of applications). */
export interface Applicant {
  subscriberId: string;
  homeShard: ShardBinding;
}

export interface NewApplicationInput extends Applicant {
  region: string;
  kind: ApplicationKind;
  accountNo?: string | null;
  serviceId?: string | null;
  address?: string | null;
  contactPhone?: string | null;
  preferredDay?: string | null;
  preferredSlot?: string | null;
  details: Record<string, unknown>;
  /** Its id, when the caller has written what it is for first (a voluntary block, claimed under it). */
  id?: string;
}

/** Records a new application (status «принята») in its region's shard and the directory of the subscriber's home shard; tells the subscriber. */
export async function createApplication(data: DataAccess, notify: Notify, input: NewApplicationInput, now = new Date()) {
  const shard = shardOfRegion(input.region);
  if (!shard) throw new AppError(404, "region_not_found", { code: input.region });
  // Each application is work for people: a subscriber makes at most so many a day (and a script cannot flood the queue).
  // Counted and checked in one statement, so parallel requests cannot slip past the limit.
  await guardCount("applications", input.subscriberId, now.getTime());
  const db = data.shard(shard);
  const id = input.id ?? newId(now.getTime());
  // Its directory entry first: a run that dies after the application is written leaves it in the subscriber's list
  // (an entry whose application was never written finds nothing and is left out, and is taken back when the write
  // surely failed: refused, or not there).
  const entry = { id, subscriberId: input.subscriberId, region: input.region, shard, createdAt: now };
  await q.insertDirectoryEntry(data, input.homeShard, entry);
  let row: q.Application | null = null;
  try {
    for (let attempt = 0; attempt < 3 && !row; attempt++) {
      const candidate: q.Application = {
        id,
        number: applicationNumber(now),
        region: input.region,
        subscriberId: input.subscriberId,
        accountNo: input.accountNo ?? null,
        serviceId: input.serviceId ?? null,
        kind: input.kind,
        status: "received",
        address: input.address ?? null,
        contactPhone: input.contactPhone ?? null,
        preferredDay: input.preferredDay ?? null,
        preferredSlot: input.preferredSlot ?? null,
        technician: null,
        details: JSON.stringify(input.details),
        effectsAt: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        const booked = await q.insertApplication(db, candidate, newId(now.getTime()), visitCapacity(input.region));
        if (!booked) throw new AppError(409, "visit_slot_taken");
        row = candidate;
      } catch (e) {
        const message = String(e);
        if (input.serviceId && message.includes("applications.service_id")) {
          // The partial unique index refused a second open request for this service and kind (even one sent at the same moment).
          const open = await q.selectOpenApplication(db, input.serviceId, input.kind);
          throw new AppError(409, "application_open", {
            kind_ru: KIND_LABELS[input.kind].ru,
            kind_en: KIND_LABELS[input.kind].en,
            number: open?.number ?? "",
            status_ru: open ? STATUS_LABELS[open.status].ru : "",
            status_en: open ? STATUS_LABELS[open.status].en : "",
          });
        }
        if (!message.includes("applications_number_uq") && !message.includes("UNIQUE")) throw e;
      }
    }
    if (!row) throw new AppError(503, "internal");
  } catch (e) {
    // A failure of unknown outcome (the connection lost after the write) keeps the entry.
    if ((await applicationWritten(db, id)) === false) await q.deleteDirectoryEntry(data, input.homeShard, id);
    throw e;
  }
  await notifyStatus(notify, row, "received", (await q.selectServiceNames(db, [row])).get(row.id) ?? null);
  return row;
}

/**
 * Whether an application is written in its region's shard, for a caller that wrote something for it first (its
 * directory entry, a block's claimed days) and takes that back only when it surely is not: "unknown" when the shard
 * could not be asked.
 */
export async function applicationWritten(db: RegionDb, id: string): Promise<boolean | "unknown"> {
  try {
    return (await q.selectApplication(db, id)) !== undefined;
  } catch {
    return "unknown";
  }
}

type Names = { ru: string; en: string };

/** The service an application names, from what it recorded (Russian only) when the service is gone or unknown. */
function recordedService(app: q.Application): Names | null {
  const d = JSON.parse(app.details) as Record<string, unknown>;
  const name = [d.service, d.tariffName, d.toTariffName].find((v): v is string => typeof v === "string" && v !== "");
  return name ? { ru: name, en: name } : null;
}

async function notifyStatus(notify: Notify, app: q.Application, status: ApplicationStatus, service: Names | null) {
  const named = service ?? recordedService(app);
  await notify({
    channel: "event",
    // One event per move (a status can come back: in work → technician → in work).
    eventId: `application:${app.id}:${status}:${app.updatedAt.getTime()}`,
    kind: "application_status",
    subscriberId: app.subscriberId,
    accountNo: app.accountNo,
    params: {
      number: app.number,
      status: STATUS_LABELS[status].ru,
      status_ru: STATUS_LABELS[status].ru,
      status_en: STATUS_LABELS[status].en,
      // What it is about, so the message names it (not only a number).
      kind_ru: KIND_LABELS[app.kind].ru,
      kind_en: KIND_LABELS[app.kind].en,
      service_ru: named?.ru ?? "",
      service_en: named?.en ?? "",
      url: `/applications/${app.id}`,
    },
  });
}

/**
 * Finds an application wherever it lives; `known` is its shard when the caller knows it (the subscriber's directory
 * names it, a block's region's home shard keeps it). Else (an operator's id) the branches' home shards, where
 * applications are made (`createApplication`), are asked side by side: one read of the primary key each.
 */
export async function findApplication(data: DataAccess, id: string, known?: RegionDb) {
  if (!isId(id)) return null;
  if (known) {
    const app = await q.selectApplication(known, id);
    return app ? { app, db: known } : null;
  }
  const homes = SHARDS.filter((s) => data.hasShard(s));
  const asked = await Promise.allSettled(
    homes.map(async (s) => ({ app: await q.selectApplication(data.shard(s), id), db: data.shard(s) })),
  );
  for (const a of asked) if (a.status === "fulfilled" && a.value.app) return { app: a.value.app, db: a.value.db };
  // Found nowhere that answered: a shard that failed may have it (a 5xx), else there is none (a 404).
  const failed = asked.find((a): a is PromiseRejectedResult => a.status === "rejected");
  if (failed) throw failed.reason;
  return null;
}

export function applicationView(
  app: q.Application,
  events: q.ApplicationEvent[] | null,
  actor: Actor,
  service: Names | null = recordedService(app),
  now = new Date(),
) {
  return {
    id: app.id,
    number: app.number,
    region: app.region,
    kind: app.kind,
    kindLabel: KIND_LABELS[app.kind],
    service: service ?? recordedService(app),
    status: app.status,
    statusLabel: STATUS_LABELS[app.status],
    accountNo: app.accountNo,
    serviceId: app.serviceId,
    address: app.address,
    contactPhone: actor === "operator" ? app.contactPhone : null,
    preferredDay: app.preferredDay,
    preferredSlot: app.preferredSlot,
    technician: app.technician,
    /** The technician's visit: day, window and until when it can be moved or cancelled. */
    visit: visitOf(app, now),
    details: JSON.parse(app.details) as Record<string, unknown>,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
    next: nextStatuses(app.kind, app.status, actor),
    history:
      events?.map((e) => ({
        from: e.fromStatus,
        to: e.toStatus,
        label: STATUS_LABELS[e.toStatus as ApplicationStatus] ?? { ru: e.toStatus, en: e.toStatus },
        actor: e.actor,
        comment: e.comment,
        at: e.at.toISOString(),
      })) ?? null,
  };
}

/** The subscriber's applications, newest first (only the shards the directory names). */
export async function listMyApplications(data: DataAccess, { subscriberId, homeShard }: Applicant) {
  const shards = (await q.selectSubscriberShards(data, subscriberId, homeShard)).filter(isShardBinding);
  const perShard = await Promise.all(
    shards.map(async (s) => {
      const rows = await q.selectSubscriberApplications(data.shard(s), subscriberId);
      const names = await q.selectServiceNames(data.shard(s), rows);
      return rows.map((a) => ({ a, service: names.get(a.id) ?? null }));
    }),
  );
  return perShard
    .flat()
    .sort((x, y) => y.a.createdAt.getTime() - x.a.createdAt.getTime())
    .map(({ a, service }) => applicationView(a, null, "subscriber", service));
}

/**
 * The global table's entry (an older deployment's, until drained) of the subscriber's own application named in the
 * path (`/api/v1/applications/<id>…`).
 */
const LEGACY_ENTRY_READ = readWithSession(
  [
    "GET /api/v1/applications/:id",
    "POST /api/v1/applications/:id/cancel",
    "GET /api/v1/applications/:id/visit/slots",
    "PUT /api/v1/applications/:id/visit",
  ],
  // The path's id as it is (an application id needs no decoding; a hostile one only finds nothing), bounded in length.
  (db, who, c) => q.selectLegacyOwnEntry(db, (c?.req.path.split("/")[4] ?? "").slice(0, 64), who),
);

/**
 * One of the subscriber's own applications, or a 404 (anyone else's is the same 404 as none). Where it lives is in
 * the directory of their home shard, or, for one an older deployment made, in the global table's (read with the
 * session when the route declared it; until drained).
 */
export async function findOwnApplication(data: DataAccess, { subscriberId, homeShard }: Applicant, id: string) {
  if (!isId(id)) throw new AppError(404, "not_found");
  const home = directoryToRead(data, homeShard);
  const ownEntry = async () => (home ? await q.selectOwnEntry(home, id, subscriberId) : undefined);
  const own = await ownEntry();
  const pre = own ? undefined : preread(data.global, subscriberId, LEGACY_ENTRY_READ);
  // Not at home, then not in the global table: the drain may have moved it between the two reads, so home once more.
  const entry =
    own ?? (pre ? pre.find((e) => e.id === id) : (await q.selectLegacyOwnEntry(data.global, id, subscriberId))[0]) ?? (await ownEntry());
  const found =
    entry && isShardBinding(entry.shard) && data.hasShard(entry.shard) ? await findApplication(data, id, data.shard(entry.shard)) : null;
  if (!found || found.app.subscriberId !== subscriberId) throw new AppError(404, "not_found");
  return found;
}

/** One of the subscriber's applications with its history; anyone else's is the same 404 as none. */
export async function myApplication(data: DataAccess, who: Applicant, id: string) {
  const found = await findOwnApplication(data, who, id);
  const [events, names] = await Promise.all([q.selectEvents(found.db, id), q.selectServiceNames(found.db, [found.app])]);
  return applicationView(found.app, events, "subscriber", names.get(id) ?? null);
}

/**
 * Moves an application through the state machine: refused (409) if the
 * actor may not make this move from where it is, or if someone else moved it
 * first. "Done" then carries the application out (idempotently), and the
 * subscriber hears of every change.
 */
export async function transition(
  data: DataAccess,
  notify: Notify,
  id: string,
  to: ApplicationStatus,
  actor: Actor,
  opts: { comment?: string | null; technician?: string | null; subscriberId?: string; region?: string; db?: RegionDb } = {},
  now = new Date(),
) {
  const found = await findApplication(data, id, opts.db);
  if (!found || (opts.subscriberId && found.app.subscriberId !== opts.subscriberId) || (opts.region && found.app.region !== opts.region))
    throw new AppError(404, "not_found");
  const { app, db } = found;
  if (!canMove(app.kind, app.status, to, actor))
    throw new AppError(409, "application_transition", { from: STATUS_LABELS[app.status].ru, to: STATUS_LABELS[to].ru });
  if (to === "technician_assigned" && !opts.technician)
    throw new AppError(400, "validation", {}, [{ field: "technician", message: "field.application.technician" }]);
  const moved = await q.moveApplication(
    db,
    app,
    to,
    { id: newId(now.getTime()), actor, comment: opts.comment ?? null, at: now },
    opts.technician,
  );
  if (!moved) throw new AppError(409, "application_transition", { from: STATUS_LABELS[app.status].ru, to: STATUS_LABELS[to].ru });
  const after = { ...app, status: to, updatedAt: now, technician: opts.technician ?? app.technician };
  if (to === "done" || to === "rejected" || to === "cancelled") await carryOut(data, db, after, now);
  const service = (await q.selectServiceNames(db, [after])).get(id) ?? null;
  await notifyStatus(notify, after, to, service);
  const events = await q.selectEvents(db, id);
  return applicationView((await q.selectApplication(db, id)) ?? after, events, actor, service);
}

/**
 * The subscriber withdraws an application nobody has started on. Only its
 * author may (anyone else gets the same 404 as for none), and withdrawing
 * again, or twice at once, answers the withdrawn application again.
 */
export async function withdrawApplication(data: DataAccess, notify: Notify, who: Applicant, id: string, now = new Date()) {
  const { subscriberId } = who;
  const found = await findOwnApplication(data, who, id);
  // A block is withdrawn through the block (it also has to cancel the calendar).
  if (found.app.kind === "block")
    throw new AppError(409, "application_transition", { from: STATUS_LABELS[found.app.status].ru, to: STATUS_LABELS.cancelled.ru });
  const withdrawn = async () => {
    const app = await q.selectApplication(found.db, id);
    return app?.status === "cancelled" ? applicationView(app, await q.selectEvents(found.db, id), "subscriber") : null;
  };
  if (found.app.status === "cancelled") return (await withdrawn()) as ReturnType<typeof applicationView>;
  // A visit is cancelled, like moved, only until the cutoff (the crews' routes are made then).
  const visit = visitOf(found.app, now);
  if (visit && !visit.changeable && q.OPEN_STATUSES.includes(found.app.status as (typeof q.OPEN_STATUSES)[number]))
    throw new AppError(409, "visit_cutoff", { hour: VISIT_CUTOFF_HOUR });
  try {
    return await transition(data, notify, id, "cancelled", "subscriber", { subscriberId, db: found.db }, now);
  } catch (e) {
    // A parallel withdrawal moved it first: the same answer.
    const again = e instanceof AppError && e.status === 409 ? await withdrawn() : null;
    if (again) return again;
    throw e;
  }
}

/**
 * What a finished application means for the account, done once (marked with
 * `effects_at`) and safe to repeat: the hourly cron retries any that failed.
 */
export async function carryOut(data: DataAccess, db: RegionDb, app: q.Application, now = new Date()) {
  if (app.effectsAt) return;
  const details = JSON.parse(app.details) as Record<string, unknown>;
  const t = now.getTime();
  const statements: [string, ...unknown[]][] = [];
  if (app.status === "done" && app.kind === "connection") {
    // On the account's own shard (idempotent by its id), before the application is marked done on its region's.
    const account = await connectionAccount(data, db, app, details, now);
    await rawBatch(account.db, [
      [
        `INSERT OR IGNORE INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, ?, 'active', ?)`,
        `svc-${app.id}`,
        account.accountNo,
        String(details.tariffId),
        t,
      ],
    ]);
  }
  if (app.kind === "tariff_change") {
    // Done: the new tariff from the next local day; rejected or withdrawn: the waiting change is dropped.
    statements.push(
      app.status === "done"
        ? [
            "UPDATE tariff_changes SET status = 'scheduled', effective_day = ? WHERE application_id = ? AND status = 'waiting'",
            addDays(localDay(regionTz(app.region), now), 1),
            app.id,
          ]
        : ["UPDATE tariff_changes SET status = 'cancelled' WHERE application_id = ? AND status = 'waiting'", app.id],
    );
  }
  if (app.status === "done" && app.kind === "disconnection" && app.serviceId) {
    statements.push(
      ["UPDATE account_services SET status = 'ended' WHERE id = ? AND account_no = ?", app.serviceId, app.accountNo],
      ["UPDATE account_options SET status = 'ended', ended_at = ? WHERE service_id = ? AND status = 'active'", t, app.serviceId],
    );
  }
  if (app.status === "done" && app.kind === "termination" && app.accountNo) {
    statements.push(
      ["UPDATE account_services SET status = 'ended' WHERE account_no = ? AND status != 'ended'", app.accountNo],
      ["UPDATE account_options SET status = 'ended', ended_at = ? WHERE account_no = ? AND status = 'active'", t, app.accountNo],
      ["UPDATE accounts SET status = 'closed' WHERE account_no = ?", app.accountNo],
    );
    // The rest of the balance goes back as the subscriber asked: one debit, keyed by the application.
    if (details.refund === "card" || details.refund === "bank")
      statements.push(
        debitWholeBalance({
          accountNo: app.accountNo,
          kind: "adjustment",
          occurredAt: now,
          localDay: localDay(regionTz(app.region), now),
          descriptionRu: "Возврат остатка при расторжении договора",
          descriptionEn: "Balance refunded on termination",
          idempotencyKey: `termination:${app.id}`,
        }),
      );
  }
  // What changes the account is written on the shard that holds it (which may not be the region's home shard,
  // where the application is); each statement is idempotent, so the application is marked done after them.
  const done: [string, ...unknown[]] = ["UPDATE applications SET effects_at = ? WHERE id = ? AND effects_at IS NULL", t, app.id];
  const accountDb = app.accountNo && statements.length ? ((await data.shardForAccount(app.accountNo))?.db ?? db) : db;
  if (accountDb === db) await rawBatch(db, [...statements, done]);
  else {
    if (statements.length) await rawBatch(accountDb, statements);
    await rawBatch(db, [done]);
  }
  log("info", "application.carried_out", { applicationId: app.id, kind: app.kind, status: app.status });
}

/**
 * The account a connection goes to: the one chosen, or a new one at the address (made once, its number kept on
 * the application), placed by the shard map on its branch's open shard with the most room. Returns the account
 * and the shard that holds it.
 */
async function connectionAccount(data: DataAccess, db: RegionDb, app: q.Application, details: Record<string, unknown>, now: Date) {
  // The account chosen (kept as it is), or the one an earlier try of this step began to make (`madeAccount` on the
  // application, written with its number): that one goes on being made, each of its rows once (its directory row, its
  // account row, its owner link), so a try that died in between still links it.
  if (app.accountNo && details.madeAccount !== app.accountNo) {
    const held = await data.shardForAccount(app.accountNo);
    return { accountNo: app.accountNo, db: held?.db ?? db };
  }
  const candidate = makeAccountNo(`9${randomDigits(10)}`);
  if (!app.accountNo)
    await rawBatch(db, [
      [
        "UPDATE applications SET details = CASE WHEN account_no IS NULL THEN json_set(details, '$.madeAccount', ?) ELSE details END, account_no = coalesce(account_no, ?) WHERE id = ?",
        candidate,
        candidate,
        app.id,
      ],
    ]);
  const accountNo = app.accountNo ?? (await q.selectApplication(db, app.id))?.accountNo ?? candidate;
  const sub = await data.global.select().from(subscribers).where(eq(subscribers.id, app.subscriberId)).get();
  // The directory row first (and the contacts written below indexed, on every try): a retry finds the shard it chose
  // and makes the account row there.
  const shard = await registerAccount(data, {
    accountNo,
    region: app.region,
    contactPhone: sub?.phone ?? null,
    contactEmail: sub?.email ?? null,
    now,
  });
  const home = data.shard(shard);
  await rawBatch(home, [
    [
      // With the contract's contacts, their truth (platform/contract-contacts.ts).
      "INSERT OR IGNORE INTO accounts (account_no, region, holder_name, address, status, created_at, contact_phone, contact_email) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
      accountNo,
      app.region,
      String(details.holderName ?? sub?.displayName ?? ""),
      app.address ?? "",
      now.getTime(),
      sub?.phone ?? null,
      sub?.email ?? null,
    ],
  ]);
  // Their links' copy is forgotten before the link and after it.
  const until = sub ? await markCopyChanging(data, [sub], now) : 0;
  // The owner's holder row in the account's shard first (`adding`, platform/holders.ts), then the link, then the row
  // settled; a retry finds the row made and settles it.
  const holder = { accountNo, shard, subscriberId: app.subscriberId, role: "owner" as const, homeShard: sub?.homeShard ?? "" };
  if (sub) await addHolders(data, [holder], now);
  if (data.globalLinks === "keep")
    await data.global
      .insert(accountLinks)
      .values({ subscriberId: app.subscriberId, accountNo, role: "owner", createdAt: now })
      .onConflictDoNothing();
  if (sub) await settleHolders(data, [holder], app.subscriberId);
  if (sub) await forgetSessionCopy(data, sub, { closes: closesWindow(until) });
  return { accountNo, db: home };
}

/** Cron: finished applications whose effects did not happen (a failure after the move) are carried out again. */
export async function retryEffects(data: DataAccess, now = new Date(), sweep: Sweep = {}) {
  let n = 0;
  for (const shard of sweep.shards ?? SHARDS) {
    const db = data.shard(shard);
    // In id order from after the page before: one that fails every time does not take the place of the rest.
    const pending = await q.selectUnfinishedEffects(db, new Date(now.getTime() - 60_000), sweep.limit, sweep.after);
    sweptPage(sweep, pending.length, pending.at(-1)?.id);
    for (const app of pending) {
      try {
        await carryOut(data, db, app, now);
        n++;
      } catch (e) {
        log("error", "application.effects_failed", { applicationId: app.id, error: errorText(e) });
      }
    }
  }
  return n;
}
