import { type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { ledgerEntries } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { type DataAccess, type GlobalDb, isShardBinding, rawBatch, type ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { normalizePhone } from "../../platform/identifiers";
import { newId } from "../../platform/ids";
import { localDay, regionTz } from "../../platform/region";
import { preread, readWithSession } from "../../platform/session";
import type { Notify } from "../auth/codes.service";
import { entryIf } from "../billing/ledger.service";
import type { AuditAction } from "./audit.labels";
import * as bq from "./business.queries";
import { authorize, type Permission } from "./business.service";
import { LIST_SHARDS, type SnapshotNumber, snapshotNumbers, unknownShards } from "./figures.service";
import * as q from "./numbers.queries";

/** Every account of an organisation fits one read (the operators' API links at most 5,000). */
const ALL_ACCOUNTS = 5000;

const NUMBERS = "GET /api/v1/business/organisations/:orgId/numbers";
const NUMBERS_PATH = /^\/api\/v1\/business\/organisations\/([^/]+)\/numbers/;
function orgIdOf(c?: Context<AppEnv>): string {
  try {
    return decodeURIComponent(NUMBERS_PATH.exec(c?.req.path ?? "")?.[1] ?? "");
  } catch {
    return "";
  }
}
// The list's global reads (membership, the member's accounts and their shards) go into the session's batch.
const MEMBER_READ = readWithSession([NUMBERS], (db, who, c) => bq.selectMember(db, orgIdOf(c), who));
const ACCOUNTS_READ = readWithSession([NUMBERS], (db, who, c) => bq.selectScopedAccounts(db, orgIdOf(c), who, null, ALL_ACCOUNTS));

const guardId = (id: string) => {
  if (!/^[a-z0-9-]{1,40}$/.test(id)) throw new AppError(404, "not_found");
};

/** A number as the path gives it: +7 and 10 digits in any usual spelling, or a 400 naming the field. */
export function parseMsisdn(input: string): string {
  const n = normalizePhone(input);
  if (!n) throw new AppError(400, "validation", {}, [{ field: "msisdn", message: "field.msisdn" }]);
  return n;
}

/** The region-local month (YYYY-MM) of a moment: spend and limits are counted per such month. */
export const monthOf = (region: string, at: Date) => localDay(regionTz(region), at).slice(0, 7);

export type NumberStatus = "active" | "blocked" | "limit_reached";

/** A number as the cabinet shows it in `month`. */
export function numberView(r: Omit<q.NumberRow, "updatedAt">, region: string, month: string) {
  const spendKop = r.spendMonth === month ? r.spendKop : 0;
  const status: NumberStatus = r.status === "blocked" ? "blocked" : r.limitBlockedMonth === month ? "limit_reached" : "active";
  return {
    msisdn: r.msisdn,
    accountNo: r.accountNo,
    region,
    assignee: { kind: r.assigneeKind, name: r.assigneeName, subscriberId: r.assigneeSubscriberId },
    esiaConfirmed: r.esiaConfirmed,
    limitKop: r.limitKop,
    blockAtLimit: r.blockAtLimit,
    month,
    spendKop,
    usedPct: r.limitKop ? Math.floor((spendKop * 100) / r.limitKop) : null,
    status,
  };
}
export type NumberView = ReturnType<typeof numberView>;

/** The member's accounts grouped by shard, with each account's region. */
function byShard(accounts: { accountNo: string; region: string; shard: string }[]) {
  const shards = new Map<ShardBinding, string[]>();
  const regions = new Map<string, string>();
  for (const a of accounts) {
    regions.set(a.accountNo, a.region);
    if (isShardBinding(a.shard)) shards.set(a.shard, [...(shards.get(a.shard) ?? []), a.accountNo]);
  }
  return { shards, regions };
}

export interface NumberFilter {
  /** Only numbers whose user is not confirmed in ЕСИА. */
  esia?: "unconfirmed";
  /** Only numbers that spent at least 80 % of their limit this month. */
  over?: "80";
}

/** Where the lists of an organisation on many shards read from (features/business/figures.service.ts). */
export interface NumbersSources {
  files: R2Bucket;
  queue: Queue;
  /** Shards the list reads at once at most (tests set fewer). */
  maxShards?: number;
  /** Shards a number is looked for on at once at most (tests set fewer). */
  maxLookupShards?: number;
}

/**
 * Shards a number to change or block is looked for on at once: a primary-key read each, within a request's 1,000
 * queries with room for the change. Past it, the organisation's snapshot says which account (and shard) it is on.
 */
export const LOOKUP_SHARDS = 900;
/** A number the snapshot does not know is a 404 once the snapshot is this fresh; before, a new one is made (503). */
const LOOKUP_FRESH_MS = 60_000;

/**
 * The organisation's corporate numbers the member may see (those of their accounts), across regions: one global
 * round trip (with the session), then one batch per shard, in parallel. Counts are of all of them, before filters.
 * Past {@link LIST_SHARDS} shards (more than one request may read), from the organisation's snapshot
 * (`figuresAt`: its time; accounts it lacks read now), as the accounts list does.
 */
export async function listNumbers(
  data: DataAccess,
  subscriberId: string,
  orgId: string,
  filter: NumberFilter,
  now = new Date(),
  sources?: NumbersSources,
) {
  guardId(orgId);
  const db = data.global;
  const member = preread(db, subscriberId, MEMBER_READ);
  const accounts = preread(db, subscriberId, ACCOUNTS_READ);
  const [m, accs] =
    member && accounts
      ? [member, accounts]
      : await db.batch([bq.selectMember(db, orgId, subscriberId), bq.selectScopedAccounts(db, orgId, subscriberId, null, ALL_ACCOUNTS)]);
  authorize(m, "view");
  const { shards, regions } = byShard(accs);
  let rows: SnapshotNumber[];
  let figuresAt: string | null = null;
  if (sources && shards.size > (sources.maxShards ?? LIST_SHARDS)) {
    const snapshot = await snapshotNumbers(data, sources.files, sources.queue, orgId, now);
    figuresAt = new Date(snapshot.at).toISOString();
    // The snapshot's numbers of the accounts it read, and the numbers of those it did not read now; a number that
    // moved between accounts since is shown once, as read now.
    const known = new Set(snapshot.accounts);
    const fresh = await numbersNotIn(data, known, shards, () => snapshotNumbers(data, sources.files, sources.queue, orgId, now, 0));
    const freshIds = new Set(fresh.map((n) => n.msisdn));
    rows = [...snapshot.numbers.filter((n) => known.has(n.accountNo) && !freshIds.has(n.msisdn)), ...fresh];
  } else rows = (await Promise.all([...shards].map(([shard, nos]) => q.selectNumbersOf(data.shard(shard), nos)))).flat();
  const all = rows
    // The member's accounts only (a snapshot holds the whole organisation's).
    .filter((r) => regions.has(r.accountNo))
    .map((r) => {
      const region = regions.get(r.accountNo) ?? "";
      return numberView(r, region, monthOf(region, now));
    })
    .sort((a, b) => a.msisdn.localeCompare(b.msisdn));
  const over80 = (n: NumberView) => n.usedPct !== null && n.usedPct >= 80;
  const items = all.filter((n) => (filter.esia !== "unconfirmed" || !n.esiaConfirmed) && (filter.over !== "80" || over80(n)));
  return {
    items,
    total: all.length,
    unconfirmed: all.filter((n) => !n.esiaConfirmed).length,
    over80: all.filter(over80).length,
    blocked: all.filter((n) => n.status !== "active").length,
    figuresAt,
  };
}

/**
 * The numbers of accounts a snapshot does not have (gained since): read now. More of them than one request reads
 * (accounts gained on more than {@link LIST_SHARDS} shards since the snapshot) is a 503 until the next snapshot.
 */
async function numbersNotIn(
  data: DataAccess,
  known: ReadonlySet<string>,
  shards: Map<ShardBinding, string[]>,
  refresh: () => Promise<unknown>,
) {
  const missing = unknownShards(known, shards);
  if (missing.length > LIST_SHARDS) {
    // A snapshot made now has them: one is asked for (one chain at a time), and the list is a 503 meanwhile.
    await refresh();
    throw new AppError(503, "figures_preparing", {}, [], { "retry-after": "60" });
  }
  return (await Promise.all(missing.map(([shard, nos]) => q.selectNumbersOf(data.shard(shard), nos)))).flat();
}

/** The member's accounts (number, region, shard), once their role is known to allow `need`. */
export type MemberAccess = { accountNo: string; region: string; shard: string }[];

/**
 * Checks the caller is a member whose role allows `need` (else the 404 a stranger gets, or a 403 naming the
 * role) and reads the accounts they may see: one global round trip. The routes that change a number run it
 * before their input is validated, so a stranger learns nothing from a 400 either.
 */
export async function memberAccess(data: DataAccess, subscriberId: string, orgId: string, need: Permission): Promise<MemberAccess> {
  guardId(orgId);
  const db = data.global;
  const [m, accs] = await db.batch([
    bq.selectMember(db, orgId, subscriberId),
    bq.selectScopedAccounts(db, orgId, subscriberId, null, ALL_ACCOUNTS),
  ]);
  authorize(m, need);
  return accs;
}

/**
 * The number, if it is one of the accounts the member may see; else a 404. It is looked up on every shard of those
 * accounts at once (a primary-key read each). Past {@link LOOKUP_SHARDS} shards, the organisation's numbers
 * snapshot says which account (and so which shard) it is on, and that shard is read now; one it does not know (given
 * to an account since, moved) is looked for on the shards of accounts the snapshot lacks, then, if the snapshot is
 * more than a minute old, a new one is made and the answer is a 503 to try again.
 */
async function memberNumber(
  data: DataAccess,
  orgId: string,
  access: MemberAccess,
  msisdnInput: string,
  sources?: NumbersSources,
  now = new Date(),
) {
  const msisdn = parseMsisdn(msisdnInput);
  const { shards, regions } = byShard(access);
  const lookOn = async (list: ShardBinding[]) => {
    const found = await Promise.all(
      list.map(async (shard) => ({ db: data.shard(shard), row: await q.selectNumber(data.shard(shard), msisdn) })),
    );
    const hit = found.find((f) => f.row && regions.has(f.row.accountNo));
    return hit?.row ? { db: hit.db, row: hit.row, msisdn, region: regions.get(hit.row.accountNo) ?? "" } : null;
  };
  if (!sources || shards.size <= (sources.maxLookupShards ?? LOOKUP_SHARDS)) {
    const hit = await lookOn([...shards.keys()]);
    if (!hit) throw new AppError(404, "not_found");
    return hit;
  }
  const snapshot = await snapshotNumbers(data, sources.files, sources.queue, orgId, now);
  const shardOf = new Map(access.map((a) => [a.accountNo, a.shard as ShardBinding]));
  const listed = snapshot.numbers.find((n) => n.msisdn === msisdn);
  const where = listed ? shardOf.get(listed.accountNo) : undefined;
  const atListed = where ? await lookOn([where]) : null;
  if (atListed) return atListed;
  const unknown = unknownShards(new Set(snapshot.accounts), shards).map(([shard]) => shard);
  const atUnknown = unknown.length <= (sources.maxLookupShards ?? LOOKUP_SHARDS) ? await lookOn(unknown) : null;
  if (atUnknown) return atUnknown;
  // (The snapshot's age from when its last share was read: a chain over many shards takes minutes.)
  if (now.getTime() - (snapshot.madeAt ?? snapshot.at) <= LOOKUP_FRESH_MS) throw new AppError(404, "not_found");
  // Not where the snapshot says, nor on the accounts it lacks: a snapshot made now finds it, if it is the member's.
  await snapshotNumbers(data, sources.files, sources.queue, orgId, now, LOOKUP_FRESH_MS);
  throw new AppError(503, "figures_preparing", {}, [], { "retry-after": "60" });
}

interface Actor {
  subscriberId: string;
  address: string;
}

function audit(db: GlobalDb, orgId: string, actor: Actor, action: AuditAction, msisdn: string, details: unknown, now: Date) {
  return bq.insertAudit(
    db,
    { orgId, actorId: actor.subscriberId, action, target: msisdn, details, address: actor.address, at: now },
    newId(now.getTime()),
  );
}

export interface NumberSettings {
  assignee: { kind: "employee" | "device"; name: string; subscriberId?: string | null };
  limitKop: number | null;
  blockAtLimit: boolean;
}

/**
 * Changes a number's assignee, monthly limit and block at 100 % (role `numbers`), audited. A limit raised above
 * the month's spend serves a limit-blocked number again; a lowered one notifies and blocks at once if reached.
 */
export async function changeNumber(
  data: DataAccess,
  notify: Notify,
  actor: Actor,
  orgId: string,
  msisdnInput: string,
  input: NumberSettings,
  access?: MemberAccess,
  now = new Date(),
  sources?: NumbersSources,
) {
  const accounts = access ?? (await memberAccess(data, actor.subscriberId, orgId, "numbers"));
  const { db, row, region, msisdn } = await memberNumber(data, orgId, accounts, msisdnInput, sources, now);
  const name = input.assignee.name.trim();
  if (name.length === 0) throw new AppError(400, "validation", {}, [{ field: "assignee.name", message: "problem.validation" }]);
  const assigneeId = input.assignee.kind === "employee" ? (input.assignee.subscriberId ?? null) : null;
  if (assigneeId) {
    const isMember = await bq.selectMember(data.global, orgId, assigneeId);
    if (isMember.length === 0) throw new AppError(400, "validation", {}, [{ field: "assignee.subscriberId", message: "field.orgMember" }]);
  }
  const month = monthOf(region, now);
  const [[after], ...crossings] = await db.batch([
    q.updateSettings(
      db,
      msisdn,
      month,
      {
        assigneeKind: input.assignee.kind,
        assigneeName: name,
        assigneeSubscriberId: assigneeId,
        limitKop: input.limitKop,
        blockAtLimit: input.blockAtLimit,
      },
      now,
    ),
    ...q.thresholdStatements(db, msisdn, month, now),
  ]);
  await audit(
    data.global,
    orgId,
    actor,
    "number.changed",
    msisdn,
    {
      assignee: name,
      limitKop: input.limitKop,
      blockAtLimit: input.blockAtLimit,
      from: { assignee: row.assigneeName, limitKop: row.limitKop, blockAtLimit: row.blockAtLimit },
    },
    now,
  );
  const current = (await q.selectNumber(db, msisdn)) ?? after;
  if (!current) throw new AppError(404, "not_found");
  await notifyCrossings(data.global, notify, current, month, crossings as unknown as Crossings);
  return { ...numberView(current, region, month), changedAt: current.updatedAt.toISOString() };
}

/** Blocks (a lost SIM) or unblocks a number (role `numbers`), audited when it changes; the number as it is after. */
export async function blockNumber(
  data: DataAccess,
  actor: Actor,
  orgId: string,
  msisdnInput: string,
  blocked: boolean,
  access?: MemberAccess,
  now = new Date(),
  sources?: NumbersSources,
) {
  const accounts = access ?? (await memberAccess(data, actor.subscriberId, orgId, "numbers"));
  const { db, row, region, msisdn } = await memberNumber(data, orgId, accounts, msisdnInput, sources, now);
  const [changed] = await q.setBlocked(db, msisdn, blocked, now);
  if (changed) await audit(data.global, orgId, actor, blocked ? "number.blocked" : "number.unblocked", msisdn, { reason: "lost_sim" }, now);
  // Unchanged (a block of a blocked number, another request's block at the same moment): the number as it is now, not
  // as it was read before.
  const after = changed ?? (await q.selectNumber(db, msisdn)) ?? row;
  return { ...numberView(after, region, monthOf(region, now)), changedAt: after.updatedAt.toISOString() };
}

type Crossings = [{ msisdn: string }[], { spendKop: number; limitKop: number | null }[], { spendKop: number; limitKop: number | null }[]];

/**
 * Notifies the organisation's administrators (and the assignee if a member) of thresholds the batch newly
 * crossed: an event on the notifications queue per person and threshold, keyed by number, month and threshold.
 */
async function notifyCrossings(db: GlobalDb, notify: Notify, n: q.NumberRow, month: string, [blocked, at80, at100]: Crossings) {
  const reached: { threshold: 80 | 100; spendKop: number; limitKop: number }[] = [];
  for (const r of at80) reached.push({ threshold: 80, spendKop: r.spendKop, limitKop: r.limitKop ?? 0 });
  for (const r of at100) reached.push({ threshold: 100, spendKop: r.spendKop, limitKop: r.limitKop ?? 0 });
  if (reached.length === 0) return;
  const people = await q.selectLimitRecipients(db, n.accountNo, n.assigneeSubscriberId);
  for (const r of reached)
    for (const p of people)
      await notify({
        channel: "event",
        eventId: `number-limit:${n.msisdn}:${month}:${r.threshold}`,
        kind: "number_limit",
        subscriberId: p.subscriberId,
        accountNo: n.accountNo,
        params: {
          msisdn: n.msisdn,
          threshold: r.threshold,
          spendKop: r.spendKop,
          limitKop: r.limitKop,
          blocked: r.threshold === 100 && blocked.length > 0 ? 1 : 0,
          orgId: p.orgId,
        },
      });
}

export interface NumberCharge {
  accountNo: string;
  msisdn: string;
  /** What the number used, a positive number of kopecks. */
  amountKop: number;
  /** The charge's own key (the billing side's record id): a repeated one charges nothing. */
  key: string;
  occurredAt: Date;
  descriptionRu: string;
  descriptionEn: string;
}

/**
 * Charges a corporate number's use to its account: the ledger entry and the month's spend in one transaction,
 * once per key, and only while the number is served (not blocked by a person or by its limit this month). The
 * same transaction marks the limit block and the 80 %/100 % notices it crosses, each once a month however many
 * charges run at once; the notices then go on the notifications queue.
 */
export async function chargeNumber(data: DataAccess, notify: Notify, c: NumberCharge) {
  if (!Number.isSafeInteger(c.amountKop) || c.amountKop <= 0) throw new RangeError("amountKop must be a positive whole number");
  const found = await data.shardForAccount(c.accountNo);
  if (!found) return { charged: false as const, reason: "unknown" as const };
  const { db, region } = found;
  const day = localDay(regionTz(region), c.occurredAt);
  const month = day.slice(0, 7);
  const idempotencyKey = `number:${c.msisdn}:${c.key}`;
  const keyAbsent: SQL = sql`NOT EXISTS (SELECT 1 FROM ${ledgerEntries} WHERE ${ledgerEntries.idempotencyKey} = ${idempotencyKey})`;
  const [spent, , ...crossed] = await rawBatch(db, [
    q.raw(q.addSpend(db, c.msisdn, c.accountNo, month, c.amountKop, keyAbsent, c.occurredAt)),
    // Written exactly when the spend above was: the number is served and the key is new.
    entryIf(
      {
        accountNo: c.accountNo,
        kind: "charge",
        amountKop: -c.amountKop,
        occurredAt: c.occurredAt,
        localDay: day,
        descriptionRu: c.descriptionRu,
        descriptionEn: c.descriptionEn,
        idempotencyKey,
      },
      sql`changes() = 1`,
    ),
    ...q.thresholdStatements(db, c.msisdn, month, c.occurredAt).map((s) => q.raw(s)),
  ]);
  const row = await q.selectNumber(db, c.msisdn);
  if (!row || row.accountNo !== c.accountNo) return { charged: false as const, reason: "unknown" as const };
  // Raw statements answer with the columns' own names.
  const [blocked = [], at80 = [], at100 = []] = crossed.map((r) => (r?.results ?? []) as { spend_kop: number; limit_kop: number | null }[]);
  const amounts = (rs: { spend_kop: number; limit_kop: number | null }[]) =>
    rs.map((r) => ({ spendKop: r.spend_kop, limitKop: r.limit_kop }));
  await notifyCrossings(data.global, notify, row, month, [blocked as unknown as { msisdn: string }[], amounts(at80), amounts(at100)]);
  const number = numberView(row, region, month);
  if ((spent?.meta.changes ?? 0) === 1) return { charged: true as const, reason: null, number };
  const reason =
    row.status === "blocked" ? ("blocked" as const) : row.limitBlockedMonth === month ? ("limit_reached" as const) : ("repeated" as const);
  return { charged: false as const, reason, number };
}

/** The billing side charges a number (operators' API): a 404 for a number that is not this account's. */
export async function opsChargeNumber(
  data: DataAccess,
  notify: Notify,
  msisdnInput: string,
  input: { accountNo: string; amountKop: number; key: string; occurredAt?: string; description?: { ru: string; en: string } },
) {
  const msisdn = parseMsisdn(msisdnInput);
  const result = await chargeNumber(data, notify, {
    accountNo: input.accountNo,
    msisdn,
    amountKop: input.amountKop,
    key: input.key,
    occurredAt: input.occurredAt ? new Date(input.occurredAt) : new Date(),
    descriptionRu: input.description?.ru ?? `Мобильная связь, номер ${msisdn}`,
    descriptionEn: input.description?.en ?? `Mobile, number ${msisdn}`,
  });
  if (result.reason === "unknown") throw new AppError(404, "not_found");
  return { charged: result.charged, reason: result.reason, number: result.number };
}

/** The operator records the ЕСИА confirmation of a number's user, in the organisation's audit log. */
export async function setEsiaStatus(
  data: DataAccess,
  operator: string,
  msisdnInput: string,
  accountNo: string,
  confirmed: boolean,
  address: string,
  now = new Date(),
) {
  const msisdn = parseMsisdn(msisdnInput);
  const found = /^\d{12}$/.test(accountNo) ? await data.shardForAccount(accountNo) : null;
  if (!found) throw new AppError(404, "not_found");
  const [row] = await q.setEsia(found.db, msisdn, accountNo, confirmed, now);
  if (!row) throw new AppError(404, "not_found");
  const [org] = await q.selectOrgOfAccount(data.global, accountNo);
  if (org)
    await bq
      .insertAudit(
        data.global,
        {
          orgId: org.orgId,
          actorId: null,
          operatorName: operator,
          action: confirmed ? "number.esia_confirmed" : "number.esia_unconfirmed",
          target: msisdn,
          address,
          at: now,
        },
        newId(now.getTime()),
      )
      .run();
  return numberView(row, found.region, monthOf(found.region, now));
}
