import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { organisations, reconciliations, subscribers } from "../../db/schema/global";
import { homeReconciliations } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import type { DataAccess, GlobalDb, RegionDb, ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { GATHER_QUERIES, type GatherShard, type GatherState, gather, isGatherState, shardPlan } from "../../platform/gather";
import type { Lang } from "../../platform/i18n";
import { newId, parseAccountNo } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { retryDelaySeconds } from "../../platform/queue";
import { localDay } from "../../platform/region";
import { preread, readWithSession, type SessionRead, type SessionSubscriber, subscriberIs } from "../../platform/session";
import { archivableYear } from "../billing/archive.service";
import { selectReconciliation } from "../billing/ledger.service";
import type { PdfFonts } from "../usage/pdf.service";
import { insertAuditNamed } from "./audit.writer";
import * as bq from "./business.queries";
import { authorize, prereads } from "./business.service";
import { docHome, isReconciliationId, legacyOf, newReconciliationId, reconciliationStore } from "./org-home";
import { buildAct, type ShardRows } from "./reconciliation.act";
import { actPdf, actXlsx } from "./reconciliation.documents";
import * as q from "./reconciliation.queries";

/** The longest period an act covers. */
export const MAX_YEARS = 3;
/** Attempts at making one act before it is marked failed. */
export const MAX_ATTEMPTS = 3;
/** The easternmost region's zone: a day that has begun nowhere in the country yet is in the future. */
const EASTERNMOST_TZ = "Asia/Kamchatka";

/**
 * Accounts × months one act covers at most: 500 accounts for a year, 166 for three years (about 200 pages of PDF,
 * and what one invocation holds in memory to write it). A larger act is refused naming how many accounts the period allows.
 */
export const MAX_ACT_ACCOUNT_MONTHS = 6_000;

/**
 * A message on the reports queue: make this act's files. `gather`: its ledger read over many shards going on
 * (platform/gather.ts). Declared once for the producer and the consumer.
 */
export interface ReconciliationMessage {
  kind: "reconciliation";
  id: string;
  gather?: GatherState;
}
export const isReconciliationMessage = (body: unknown): body is ReconciliationMessage => {
  const m = body as Partial<ReconciliationMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    m.kind === "reconciliation" &&
    typeof m.id === "string" &&
    (m.gather === undefined || isGatherState(m.gather))
  );
};

/** The calendar months a period touches (2025-01-31 to 2025-02-01 is two). */
export function monthsSpanned(from: string, to: string): number {
  const [fy, fm] = from.split("-").map(Number) as [number, number];
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

const validOrgId = (id: string) => /^[a-z0-9-]{1,40}$/.test(id);

const fieldError = (field: string, message: string) => new AppError(400, "validation", {}, [{ field, message }]);

function isDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** The same calendar day `years` later (29 February becomes 1 March in a common year). */
function shiftYears(day: string, years: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/**
 * The period as asked, or a 400 naming the field: real dates, `to` not before `from`, not after today anywhere
 * in the country, and at most three years (from 01.01.2023 to 31.12.2025 is the longest from that day); not before
 * the first day every account still keeps in D1 (the years before go to R2: billing/archive.service.ts), which is
 * 37 to 48 months back.
 */
export function checkPeriod(from: string, to: string, now: Date): { from: string; to: string } {
  if (!isDay(from)) throw fieldError("from", "field.reconDay");
  if (!isDay(to)) throw fieldError("to", "field.reconDay");
  if (to < from) throw fieldError("to", "field.reconOrder");
  if (to > localDay(EASTERNMOST_TZ, now)) throw fieldError("to", "field.reconFuture");
  if (from <= shiftYears(to, -MAX_YEARS)) throw fieldError("from", "field.reconSpan");
  if (from <= `${archivableYear(now)}-12-31`) throw fieldError("from", "field.reconArchived");
  return { from, to };
}

const selectActorName = (db: GlobalDb, who: SessionSubscriber) =>
  db.select({ name: subscribers.displayName }).from(subscribers).where(subscriberIs(subscribers.id, who));

// The request's reads go into the session's global batch: the organisation comes from the path.
const REQUEST = ["POST /api/v1/business/organisations/:orgId/reconciliations"];
const REQUEST_PATH = /^\/api\/v1\/business\/organisations\/([^/]+)\/reconciliations\/?$/;
function requestOrg(c?: Context<AppEnv>): string {
  try {
    return decodeURIComponent(REQUEST_PATH.exec(c?.req.path ?? "")?.[1] ?? "");
  } catch {
    return "";
  }
}
const REQUEST_READS: [
  SessionRead<Awaited<ReturnType<typeof bq.selectMember>>>,
  SessionRead<Awaited<ReturnType<typeof q.selectScopeAccounts>>>,
  SessionRead<Awaited<ReturnType<typeof bq.selectOrganisation>>>,
  SessionRead<Awaited<ReturnType<typeof selectActorName>>>,
] = [
  readWithSession(REQUEST, (db, who, c) => bq.selectMember(db, requestOrg(c), who)),
  readWithSession(REQUEST, (db, who, c) => q.selectScopeAccounts(db, requestOrg(c), who)),
  readWithSession(REQUEST, (db, _who, c) => bq.selectOrganisation(db, requestOrg(c))),
  readWithSession(REQUEST, (db, who) => selectActorName(db, who)),
];

/**
 * Asks for an act over the period for the caller's accounts (all they may see, or those chosen among them): the
 * membership, the scope and the organisation are read with the session, the request and its audit entry written in
 * one batch on the organisation's home shard (the global tables under `RECONCILIATIONS_STORE = "global"`); the
 * reports queue makes the files. Administrators and accountants only; an account outside the caller's scope (their
 * accounts and their sites' accounts) is a 400.
 */
export async function requestReconciliation(
  data: DataAccess,
  queue: Queue,
  actor: { subscriberId: string; address: string },
  orgId: string,
  input: { from?: string; to?: string; accounts?: string[] | null },
  lang: Lang,
  now = new Date(),
) {
  if (!validOrgId(orgId)) throw new AppError(404, "not_found");
  const db = data.global;
  // Read with the session (one global round trip for the request), or now.
  const [member, scoped, [org], [actor0]] =
    prereads(db, actor.subscriberId, REQUEST_READS) ??
    (await db.batch([
      bq.selectMember(db, orgId, actor.subscriberId),
      q.selectScopeAccounts(db, orgId, actor.subscriberId),
      bq.selectOrganisation(db, orgId),
      selectActorName(db, actor.subscriberId),
    ]));
  const me = authorize(member, "documents");
  if (!org || org.id !== orgId) throw new AppError(404, "not_found");
  const period = checkPeriod(input.from ?? "", input.to ?? "", now);
  // The effective scope (its sites' accounts included), as the act's page checks it.
  const inScope = me.accountScope ? new Set(me.accountScope) : null;
  let chosen = scoped.map((a) => a.accountNo).filter((no) => !inScope || inScope.has(no));
  if (input.accounts && input.accounts.length > 0) {
    const mine = new Set(chosen);
    const parsed = input.accounts.map((n) => parseAccountNo(n));
    if (parsed.some((n) => !n || !mine.has(n))) throw fieldError("accounts", "field.orgAccounts");
    chosen = [...new Set(parsed as string[])].sort();
  }
  if (chosen.length === 0) throw fieldError("accounts", "field.orgAccounts");
  const months = monthsSpanned(period.from, period.to);
  if (chosen.length * months > MAX_ACT_ACCOUNT_MONTHS)
    throw new AppError(400, "validation", {}, [
      { field: "accounts", message: "field.reconSize", params: { months, max: Math.floor(MAX_ACT_ACCOUNT_MONTHS / months) } },
    ]);
  const row = {
    orgId,
    requestedBy: actor.subscriberId,
    fromDay: period.from,
    toDay: period.to,
    accountNos: JSON.stringify(chosen),
    lang,
    status: "queued" as const,
    createdAt: now,
  };
  const audit = {
    orgId,
    actorId: actor.subscriberId,
    action: "reconciliation.requested" as const,
    // Not `from`/`to`: the audit screen reads `details.to` as a member's new role.
    details: { period: `${period.from}..${period.to}`, accounts: chosen.length, chosen: Boolean(input.accounts?.length) },
    address: actor.address,
    at: now,
  };
  // On the organisation's home shard, with its audit entry, in one batch; the id names the shard. The release that
  // brings the home shards' table keeps them global (`RECONCILIATIONS_STORE = "global"`), so that a rollback of it
  // finds and makes every act.
  let home: RegionDb;
  let id: string;
  if (data.reconciliationsStore === "global") {
    home = legacyOf(data);
    id = newId(now.getTime());
    await db.batch([db.insert(reconciliations).values({ id, ...row }), bq.insertAudit(db, audit, newId(now.getTime()))]);
  } else {
    home = docHome(data, org);
    id = newReconciliationId(org.homeShard as ShardBinding, now.getTime());
    await home.batch([
      home.insert(homeReconciliations).values({ id, ...row }),
      insertAuditNamed(home, { ...audit, target: null }, actor0?.name ?? "", newId(now.getTime())),
    ]);
  }
  try {
    await queue.send({ kind: "reconciliation", id } satisfies ReconciliationMessage);
  } catch (err) {
    await q.failReconciliation(home, id, "not queued");
    throw err;
  }
  return { id, status: "queued" as const, accounts: chosen.length };
}

// The GET routes read the membership and the act with the session (one global round trip a request).
const PATH = /^\/api\/v1\/business\/organisations\/([^/]+)\/reconciliations\/([^/]+)/;
function idsOf(c?: Context<AppEnv>): { orgId: string; id: string } {
  const m = PATH.exec(c?.req.path ?? "");
  try {
    return { orgId: decodeURIComponent(m?.[1] ?? ""), id: decodeURIComponent(m?.[2] ?? "") };
  } catch {
    return { orgId: "", id: "" };
  }
}
const ROUTES = [
  "GET /api/v1/business/organisations/:orgId/reconciliations/:id",
  "GET /api/v1/business/organisations/:orgId/reconciliations/:id/:format",
];
const MEMBER_READ = readWithSession(ROUTES, (db, who, c) => bq.selectMember(db, idsOf(c).orgId, who));
// An older deployment's act, in the global table (one of this deployment's names its home shard, read there).
const ROW_READ = readWithSession(ROUTES, (db, _who, c) => {
  const { orgId, id } = idsOf(c);
  return q.selectReconciliationRow(db as unknown as RegionDb, orgId, id);
});

/**
 * The act, if the caller may see it: an administrator or accountant whose scope covers every account it does
 * (an employee limited to some accounts does not see an act of others); anyone else, or another organisation's
 * id, gets the same 404 as an act that does not exist.
 */
async function visibleAct(data: DataAccess, subscriberId: string, orgId: string, id: string) {
  if (!validOrgId(orgId)) throw new AppError(404, "not_found");
  const db = data.global;
  const pre = [preread(db, subscriberId, MEMBER_READ), preread(db, subscriberId, ROW_READ)] as const;
  const [member, legacy] =
    pre[0] !== undefined && pre[1] !== undefined
      ? [pre[0], pre[1]]
      : await db.batch([bq.selectMember(db, orgId, subscriberId), q.selectReconciliationRow(db as unknown as RegionDb, orgId, id)]);
  const me = authorize(member, "documents");
  if (!isReconciliationId(id)) throw new AppError(404, "not_found");
  const store = reconciliationStore(data, id);
  // A plain id is an older deployment's, read with the session; one naming a shard is read there (one it is not bound
  // to is the same as none).
  const row = store === null ? undefined : id.startsWith("rc-") ? (await q.selectReconciliationRow(store, orgId, id))[0] : legacy[0];
  if (!row) throw new AppError(404, "not_found");
  const covered = JSON.parse(row.accountNos) as string[];
  if (me.accountScope && covered.some((no) => !me.accountScope?.includes(no))) throw new AppError(404, "not_found");
  return { row, covered };
}

/** An act's status, its totals when ready and the links to its files. */
export async function getReconciliation(data: DataAccess, subscriberId: string, orgId: string, id: string) {
  const { row, covered } = await visibleAct(data, subscriberId, orgId, id);
  const base = `/api/v1/business/organisations/${orgId}/reconciliations/${row.id}`;
  const ready = row.status === "ready";
  return {
    id: row.id,
    status: row.status,
    from: row.fromDay,
    to: row.toDay,
    accounts: covered.length,
    createdAt: row.createdAt.toISOString(),
    readyAt: row.readyAt?.toISOString() ?? null,
    totals: ready
      ? { openingKop: row.openingKop ?? 0, debitKop: row.debitKop ?? 0, creditKop: row.creditKop ?? 0, closingKop: row.closingKop ?? 0 }
      : null,
    pdfUrl: ready ? `${base}/pdf` : null,
    xlsxUrl: ready ? `${base}/xlsx` : null,
  };
}

const CONTENT_TYPE = {
  pdf: "application/pdf",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
} as const;

/** A ready act's file from R2 (409 while it is being made, 410 when it failed). */
export async function reconciliationFile(
  data: DataAccess,
  files: R2Bucket,
  subscriberId: string,
  orgId: string,
  id: string,
  format: string,
) {
  const { row } = await visibleAct(data, subscriberId, orgId, id);
  if (format !== "pdf" && format !== "xlsx") throw new AppError(404, "not_found");
  if (row.status === "failed") throw new AppError(410, "reconciliation_failed");
  const key = format === "pdf" ? row.pdfKey : row.xlsxKey;
  if (row.status !== "ready" || !key) throw new AppError(409, "reconciliation_not_ready");
  const obj = await files.get(key);
  if (!obj) throw new AppError(410, "reconciliation_failed");
  return {
    body: obj.body,
    contentType: CONTENT_TYPE[format],
    fileName: `akt-sverki-${row.fromDay}-${row.toDay}.${format}`,
  };
}

export interface ReconciliationDeps {
  data: DataAccess;
  files: R2Bucket;
  fonts: () => Promise<PdfFonts>;
  now?: () => Date;
  /** The reports queue, where an act read over many shards queues its next share (none: read at once). */
  queue?: Queue;
  /** D1 queries a message's share of the read may cost (platform/gather.ts). */
  gatherBudget?: number;
}

type ActAccountRef = { accountNo: string; region: string };

/** The act's accounts by the shard they are on (the directory's), in the shards' order. */
async function actPlan(data: DataAccess, accountNos: string[]): Promise<GatherShard<ActAccountRef>[]> {
  const where = new Map((await q.selectDirectory(data.global, accountNos).all()).map((d) => [d.accountNo, d]));
  return shardPlan(
    accountNos.map((no) => ({ shard: where.get(no)?.shard ?? "", account: { accountNo: no, region: where.get(no)?.region ?? "" } })),
  );
}

/** One shard's rows of the act: a batch of three statements. */
async function actRows(data: DataAccess, s: GatherShard<ActAccountRef>, from: string, to: string): Promise<ShardRows[]> {
  const db = data.shard(s.shard);
  const nos = s.accounts.map((a) => a.accountNo);
  const [openings, charges, entries] = await db.batch(selectReconciliation(db, nos, from, to));
  return [{ openings, charges, entries }];
}

/**
 * The act's figures from the ledger: the accounts' shards from the directory, then one batch per shard (three
 * statements whatever the number of accounts), all shards in parallel.
 */
export async function computeAct(data: DataAccess, accountNos: string[], from: string, to: string) {
  const plan = await actPlan(data, accountNos);
  const rows = await Promise.all(plan.map((s) => actRows(data, s, from, to)));
  return buildAct(from, to, actAccounts(accountNos, plan), rows.flat());
}

/** The act's accounts in the order asked, each with its region (an account gone from the directory has none). */
function actAccounts(accountNos: string[], plan: GatherShard<ActAccountRef>[]): ActAccountRef[] {
  const region = new Map(plan.flatMap((s) => s.accounts.map((a) => [a.accountNo, a.region] as const)));
  return accountNos.map((no) => ({ accountNo: no, region: region.get(no) ?? "" }));
}

/**
 * Makes one act: claims it (a redelivery of a finished one does nothing), computes it from the ledger, writes
 * the PDF and the XLSX to R2 and marks it ready with its totals.
 *
 * 500 accounts × 12 months: the ledger's reads are one batch per shard (closed months are one rolled-up charge
 * per service and the opening balance comes from `ledger_periods`), the act has one line per account and month
 * of charges plus each payment (≈ 15,000 lines, ≈ 200 pages), which the PDF writer streams as content operators.
 */
export async function makeReconciliation(
  deps: ReconciliationDeps,
  id: string,
  state?: GatherState,
): Promise<"ready" | "skipped" | "gathering"> {
  const global = deps.data.global;
  const now = deps.now?.() ?? new Date();
  // Where the act is: the home shard its id names, or the global table (an older deployment's). A shard this Worker is
  // not bound to (home shards are never removed: a configuration error) fails the message, which is retried.
  const store = reconciliationStore(deps.data, id);
  if (!store) {
    log("error", "reconciliation.shard_unbound", { id });
    throw new Error(`act ${id}: its home shard is not bound`);
  }
  const db = store;
  // The first message claims the act (an attempt); the next shares of its read go on while it is being made.
  const [row] = state ? await q.selectRunningReconciliation(db, id) : await q.claimReconciliation(db, id, MAX_ATTEMPTS);
  if (!row) {
    if (!state) await q.failReconciliation(db, id, "attempts exhausted");
    return "skipped";
  }
  const org = await global.select().from(organisations).where(eq(organisations.id, row.orgId)).get();
  if (!org) {
    await q.failReconciliation(db, id, "no organisation");
    return "skipped";
  }
  // Asked for before a new year, made after it: a period that now starts in a year gone to R2 is not made.
  if (row.fromDay <= `${archivableYear(now)}-12-31`) {
    await q.failReconciliation(db, id, "period archived");
    return "skipped";
  }
  const accountNos = JSON.parse(row.accountNos) as string[];
  // Three statements a shard: an organisation on hundreds of shards is read a share a message.
  const got = await gather({
    files: deps.files,
    global,
    prefix: `reconciliation/${row.orgId}/${row.id}`,
    state,
    plan: () => actPlan(deps.data, accountNos),
    read: (s) => actRows(deps.data, s, row.fromDay, row.toDay),
    cost: () => 3,
    now,
    budget: deps.queue ? (deps.gatherBudget ?? GATHER_QUERIES) : Number.POSITIVE_INFINITY,
  });
  if (got.kind === "gone") {
    // A run of the act's read lost (its shares swept): the act fails, as one out of attempts does; asked again, it is made.
    await q.failReconciliation(db, row.id, "read lost");
    return "skipped";
  }
  if (got.kind === "more") {
    await deps.queue?.send({ kind: "reconciliation", id: row.id, gather: got.next } satisfies ReconciliationMessage);
    return "gathering";
  }
  // The accounts' regions: from the read's plan.
  const act = buildAct(row.fromDay, row.toDay, actAccounts(accountNos, got.plan), got.rows);
  const party = { name: org.name, inn: org.inn, kpp: org.kpp };
  const pdf = await actPdf(await deps.fonts(), act, party, row.lang, now);
  const xlsx = await actXlsx(act, party, row.lang);
  const stem = `reconciliations/${row.orgId}/${row.id}`;
  const name = `akt-sverki-${row.fromDay}-${row.toDay}`;
  await Promise.all([
    deps.files.put(`${stem}.pdf`, pdf, {
      httpMetadata: { contentType: CONTENT_TYPE.pdf, contentDisposition: `attachment; filename="${name}.pdf"` },
    }),
    deps.files.put(`${stem}.xlsx`, xlsx, {
      httpMetadata: { contentType: CONTENT_TYPE.xlsx, contentDisposition: `attachment; filename="${name}.xlsx"` },
    }),
  ]);
  const done = await q.finishReconciliation(db, row.id, {
    openingKop: act.openingKop,
    debitKop: act.debitKop,
    creditKop: act.creditKop,
    closingKop: act.closingKop,
    pdfKey: `${stem}.pdf`,
    xlsxKey: `${stem}.xlsx`,
    readyAt: now,
  });
  await got.done();
  return done.length > 0 ? "ready" : "skipped";
}

/** The acts among a reports-queue batch: each made on its own, acked, retried with backoff, failed after the last attempt. */
export async function consumeReconciliations(messages: readonly Message<unknown>[], deps: ReconciliationDeps): Promise<void> {
  for (const message of messages) {
    if (!isReconciliationMessage(message.body)) {
      message.ack();
      continue;
    }
    const { id } = message.body;
    const started = Date.now();
    try {
      const outcome = await makeReconciliation(deps, id, message.body.gather);
      log("info", "reconciliation.done", { id, outcome, ms: Date.now() - started });
      message.ack();
    } catch (err) {
      const last = message.attempts >= MAX_ATTEMPTS;
      log(last ? "error" : "warn", "reconciliation.error", { id, attempts: message.attempts, error: errorText(err) });
      if (last) {
        const store = reconciliationStore(deps.data, id);
        if (store) await q.failReconciliation(store, id, errorText(err));
        message.ack();
      } else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
