import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { Acquirer, AcquirerPayment, PaymentMethod } from "../../adapters/payments";
import { type OrgPaymentStatus, organisations, orgPayments, orgPaymentsOpen, subscribers } from "../../db/schema/global";
import { homeOrgPayments, homeOrgPaymentLines as orgPaymentLines } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { sha256Hex } from "../../platform/crypto";
import {
  type DataAccess,
  d1Of,
  type GlobalDb,
  inList,
  isShardBinding,
  queriesUsed,
  type RegionDb,
  rawBatch,
  type ShardBinding,
} from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import { formatAccountNoPlain, rubText } from "../../platform/format";
import { newId, parseAccountNo } from "../../platform/ids";
import { beat, release, startChain } from "../../platform/lease";
import { log } from "../../platform/log";
import { localDay, regionTz } from "../../platform/region";
import { preread, readWithSession } from "../../platform/session";
import { entryIf, type RawStatement } from "../billing/ledger.service";
import type { NotificationMessage } from "../notifications/notifications.messages";
import { METHOD_TEXT, receiptText } from "../payments/payments.service";
import type { AuditAction } from "./audit.labels";
import * as q from "./business.queries";
import { authorize } from "./business.service";
import { auditHome, docHome, legacyOf, namesHomeShard, newOrgPaymentId, paymentShard, paymentStore } from "./org-home";
import { buildOrgReceipt, lineKey, type OrgReceipt } from "./org-payment.rules";
import { selectDirectory } from "./reconciliation.queries";

type Notify = (m: NotificationMessage) => Promise<void>;
type OrgPaymentRow = typeof homeOrgPayments.$inferSelect;

/**
 * Limits of one payment for an organisation's accounts. Each account's share is at least 10 ₽ (as a private
 * top-up); the whole payment at most 1 000 000 ₽ by card or СБП (more goes by invoice and bank transfer). At most
 * 500 accounts: the split, its audit entry and the lines fit D1's statement and row limits on the organisation's
 * home shard (lines are written 30 to a statement, 100 bound values at most), and crediting them costs one batch per
 * 100 accounts of a shard plus one update of the marks per 90, well inside the 1 000 queries a Worker invocation may make.
 */
export const ORG_PAY = { minLineKop: 1_000, maxLineKop: 10_000_000, maxTotalKop: 100_000_000, maxAccounts: 500 } as const;

/** Ledger entries written to a shard in one batch (one transaction) when crediting. */
const CREDIT_BATCH = 100;
/** Lines inserted by one statement: three bound values each, within D1's 100. */
const LINE_ROWS = 30;

/** The acquirer's metadata names an organisation's payment by this prefix (a private payment's id has no dash). */
export const ORG_PAYMENT_PREFIX = "op-";
export const isOrgPaymentId = (id: string) => id.startsWith(ORG_PAYMENT_PREFIX);

/** The ledger's idempotency key of one account's share of one payment: credited at most once, whatever replays it. */

// The GET routes' reads go into the session's batch (one global round trip a request, issue 21): the organisation
// and payment ids come from the request's path.
const PATH_IDS = /^\/api\/v1\/business\/organisations\/([^/]+)(?:\/payments\/([^/]+))?/;
function idsOf(c?: Context<AppEnv>): { orgId: string; paymentId: string } {
  const m = PATH_IDS.exec(c?.req.path ?? "");
  try {
    return { orgId: decodeURIComponent(m?.[1] ?? ""), paymentId: decodeURIComponent(m?.[2] ?? "") };
  } catch {
    return { orgId: "", paymentId: "" };
  }
}
const ORG_ROUTE = "GET /api/v1/business/organisations/:orgId";
const PAYMENT_ROUTES = [`${ORG_ROUTE}/payments/:paymentId`, `${ORG_ROUTE}/payments/:paymentId/receipt`];
const MEMBER_READ = readWithSession([`${ORG_ROUTE}/payment-options`, ...PAYMENT_ROUTES], (db, who, c) =>
  q.selectMember(db, idsOf(c).orgId, who),
);

/** Where the payment is (`paymentStore`), or a 404: an id naming a shard this Worker is not bound to. */
function storeOf(data: DataAccess, paymentId: string): RegionDb {
  const store = paymentStore(data, paymentId);
  if (!store) throw new AppError(404, "not_found");
  return store;
}

/**
 * The caller's membership (as read with the session, or now) and the payment of the organisation (on the shard its
 * id names, or an older deployment's in the global table), side by side.
 */
async function memberAndPayment(data: DataAccess, subscriberId: string, orgId: string, paymentId: string) {
  const store = storeOf(data, paymentId);
  return Promise.all([
    preread(data.global, subscriberId, MEMBER_READ) ?? q.selectMember(data.global, orgId, subscriberId),
    store
      .select()
      .from(homeOrgPayments)
      .where(and(eq(homeOrgPayments.id, paymentId), eq(homeOrgPayments.orgId, orgId))),
  ]);
}

/** How the organisation's accounts can be paid (methods and limits), for a member who may pay. */
export async function payOptions(db: GlobalDb, acquirer: Acquirer, subscriberId: string, orgId: string) {
  guardId(orgId);
  authorize(preread(db, subscriberId, MEMBER_READ) ?? (await q.selectMember(db, orgId, subscriberId)), "pay");
  return {
    methods: [...acquirer.methods],
    minLineKop: ORG_PAY.minLineKop,
    maxLineKop: ORG_PAY.maxLineKop,
    maxTotalKop: ORG_PAY.maxTotalKop,
    maxAccounts: ORG_PAY.maxAccounts,
  };
}

export interface PayLine {
  accountNo: string;
  amountKop: number;
}

const invalid = (errors: FieldError[]) => new AppError(400, "validation", {}, errors);
const guardId = (id: string) => {
  if (!/^[a-z0-9-]{1,40}$/.test(id)) throw new AppError(404, "not_found");
};

/**
 * The lines as given, checked: whole kopecks within the limits, valid and distinct account numbers, at most
 * `ORG_PAY.maxAccounts`, and their sum equal to the total the payer was shown. Field errors name the line.
 */
export function checkLines(lines: readonly { accountNo: string; amountKop: number }[], totalKop: number): PayLine[] {
  if (lines.length === 0 || lines.length > ORG_PAY.maxAccounts)
    throw invalid([{ field: "items", message: "field.orgPayCount", params: { max: ORG_PAY.maxAccounts } }]);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const out: PayLine[] = [];
  lines.forEach((l, i) => {
    const no = parseAccountNo(String(l.accountNo));
    if (!no) errors.push({ field: `items.${i}.accountNo`, message: "field.accountNo" });
    else if (seen.has(no)) errors.push({ field: `items.${i}.accountNo`, message: "field.orgPayTwice" });
    else seen.add(no);
    const amount = l.amountKop;
    if (!Number.isSafeInteger(amount) || amount < ORG_PAY.minLineKop || amount > ORG_PAY.maxLineKop)
      errors.push({
        field: `items.${i}.amountKop`,
        message: "field.orgPayLine",
        params: { min: ORG_PAY.minLineKop / 100, max: ORG_PAY.maxLineKop / 100 },
      });
    if (no) out.push({ accountNo: no, amountKop: amount });
  });
  if (errors.length > 0) throw invalid(errors);
  const sum = out.reduce((s, l) => s + l.amountKop, 0);
  if (sum > ORG_PAY.maxTotalKop)
    throw invalid([{ field: "totalKop", message: "field.orgPayTotalMax", params: { max: ORG_PAY.maxTotalKop / 100 } }]);
  if (!Number.isSafeInteger(totalKop) || sum !== totalKop) throw invalid([{ field: "totalKop", message: "field.orgPayTotal" }]);
  return out;
}

export function orgPaymentDto(p: OrgPaymentRow, lines: { accountNo: string; amountKop: number; creditedAt: Date | null }[]) {
  const receipt = p.receipt ? (JSON.parse(p.receipt) as OrgReceipt) : null;
  return {
    id: p.id,
    orgId: p.orgId,
    amountKop: p.amountKop,
    method: p.method,
    status: p.status,
    card: p.cardLast4 ? { last4: p.cardLast4, brand: p.cardBrand ?? "card" } : null,
    failureCode: p.failureCode,
    lines: lines.map((l) => ({ accountNo: l.accountNo, amountKop: l.amountKop, credited: l.creditedAt !== null })),
    receiptNumber: receipt?.number ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/**
 * The audit entry of a payment's step, written with the step on the payment's shard (its home, or the global table for
 * an older deployment's) under the same condition, with the payer's name read beforehand.
 */
const audit = (
  store: RegionDb,
  p: { id: string; orgId: string; payerId: string; amountKop: number; method: string; address: string | null },
  payerName: string,
  action: AuditAction,
  lines: PayLine[] | null,
  at: Date,
  when?: SQL,
) =>
  q.insertAuditNamed(
    store,
    {
      orgId: p.orgId,
      actorId: p.payerId,
      action,
      target: lines?.length === 1 ? formatAccountNoPlain(lines[0]?.accountNo ?? "") : null,
      details: { paymentId: p.id, amountKop: p.amountKop, method: p.method, ...(lines ? { split: lines } : {}) },
      address: p.address,
      at,
    },
    payerName,
    newId(at.getTime()),
    when,
  );

/** The payer's name (the audit's «who»), as their profile has it now. */
async function payerName(db: GlobalDb, payerId: string): Promise<string> {
  return (await db.select({ name: subscribers.displayName }).from(subscribers).where(eq(subscribers.id, payerId)).get())?.name ?? "";
}

/**
 * Starts a payment by an employee with the `pay` permission for one or many of the organisation's accounts within
 * their scope, split exactly as given; the payer finishes on the acquirer's page (card, СБП…). The payment, its
 * lines and the audit entry «payment.started» are written in one batch on the organisation's home shard (the id names
 * it), after its row in the sweep's `org_payments_open` — or, while the deployment keeps new payments global
 * (`ORG_PAYMENTS_STORE`), in the global tables with an id naming no shard — only by the first request with this Idempotency-Key: a
 * replay returns the same payment (and the same page), one an older deployment started under the key included; a key
 * reused for another split is a 409. A stranger, another organisation's id or account, or an account outside the
 * employee's scope: 404.
 */
export async function startOrgPayment(
  data: DataAccess,
  acquirer: Acquirer,
  actor: { subscriberId: string; address: string },
  orgId: string,
  input: {
    items: { accountNo: string; amountKop: number }[];
    totalKop: number;
    method?: PaymentMethod;
    idempotencyKey: string;
    returnOrigin: string;
  },
  now = new Date(),
) {
  guardId(orgId);
  const db = data.global;
  const [member, [payer], [org], [earlier]] = await db.batch([
    q.selectMember(db, orgId, actor.subscriberId),
    db
      .select({ email: subscribers.email, phone: subscribers.phone, name: subscribers.displayName })
      .from(subscribers)
      .where(eq(subscribers.id, actor.subscriberId)),
    db
      .select({ id: organisations.id, name: organisations.name, homeShard: organisations.homeShard })
      .from(organisations)
      .where(eq(organisations.id, orgId)),
    // A payment an older deployment started with this key, in the global table: the same request's replay.
    db
      .select()
      .from(orgPayments)
      .where(and(eq(orgPayments.payerId, actor.subscriberId), eq(orgPayments.idempotencyKey, input.idempotencyKey))),
  ]);
  const me = authorize(member, "pay");
  if (!/^[\w-]{8,100}$/.test(input.idempotencyKey)) throw invalid([{ field: "Idempotency-Key", message: "field.idempotencyKey" }]);
  const method = input.method ?? "card";
  if (!acquirer.methods.includes(method)) throw invalid([{ field: "method", message: "field.methodNotOffered" }]);
  const lines = checkLines(input.items, input.totalKop);
  const nos = lines.map((l) => l.accountNo);
  const { ofOrg } = await q.selectAccountFacts(db, orgId, nos);
  const mine = new Set(ofOrg.map((r) => r.accountNo));
  const scope = me.accountScope ? new Set(me.accountScope) : null;
  // Another organisation's account and one outside the employee's scope look the same as a missing one.
  if (nos.some((no) => !mine.has(no) || (scope && !scope.has(no)))) throw new AppError(404, "not_found");

  const totalKop = input.totalKop;
  const requestHash = await sha256Hex(JSON.stringify([orgId, method, [...lines].sort((a, b) => a.accountNo.localeCompare(b.accountNo))]));
  const customer = { ...(payer?.email ? { email: payer.email } : {}), ...(payer?.phone ? { phone: payer.phone } : {}) };
  let store: RegionDb;
  let id: string;
  // Where a new payment goes: the home shard, or the global table while the deployment keeps them there.
  const keepGlobal = data.orgPaymentsStore === "global";
  const home = earlier ? null : keepGlobal ? legacyOf(data) : docHome(data, { id: orgId, homeShard: org?.homeShard ?? null });
  // A replay of a payment already on the home shard writes nothing (no row for the sweep to drop again). While new
  // payments are kept global, the home shard is still asked: one a "home" deployment made under this key is the same request.
  const onHome = earlier ? null : keepGlobal ? auditHome(data, { id: orgId, homeShard: org?.homeShard ?? null }) : home;
  const before = onHome
    ? await onHome
        .select({ id: homeOrgPayments.id })
        .from(homeOrgPayments)
        .where(and(eq(homeOrgPayments.payerId, actor.subscriberId), eq(homeOrgPayments.idempotencyKey, input.idempotencyKey)))
        .get()
    : undefined;
  if (earlier || before || !home) {
    id = earlier?.id ?? before?.id ?? "";
    store = storeOf(data, id);
  } else {
    store = home;
    id = keepGlobal ? `${ORG_PAYMENT_PREFIX}${newId(now.getTime())}` : newOrgPaymentId(org?.homeShard as ShardBinding, now.getTime());
    const ours = sql`EXISTS (SELECT 1 FROM ${homeOrgPayments} WHERE ${homeOrgPayments.id} = ${id})`;
    const lineInserts: RawStatement[] = q
      .chunks(lines, LINE_ROWS)
      .map((part) => [
        `INSERT INTO org_payment_lines (payment_id, account_no, amount_kop) SELECT ?, column1, column2 FROM (VALUES ${part
          .map(() => "(?, ?)")
          .join(", ")}) WHERE EXISTS (SELECT 1 FROM org_payments WHERE id = ?)`,
        id,
        ...part.flatMap((l) => [l.accountNo, l.amountKop]),
        id,
      ]);
    const row = { id, orgId, payerId: actor.subscriberId, amountKop: totalKop, method, address: actor.address };
    const auditInsert = audit(home, row, payer?.name ?? "", "payment.started", lines, now, ours).toSQL();
    const paymentInsert = home
      .insert(homeOrgPayments)
      .values({
        ...row,
        idempotencyKey: input.idempotencyKey,
        requestHash,
        status: "created",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .toSQL();
    // The sweep's row first: a payment is never on its shard without it (a row whose payment never came is dropped by
    // the sweep once older than a payment takes to write), so one whose result is lost is still asked of the acquirer.
    // (A payment kept in the global table is found by the sweep's query of that table.)
    if (!keepGlobal) await markOpen(data, { id, createdAt: now });
    await rawBatch(home, [[paymentInsert.sql, ...paymentInsert.params], ...lineInserts, [auditInsert.sql, ...auditInsert.params]]);
  }
  const payment = await store
    .select()
    .from(homeOrgPayments)
    .where(and(eq(homeOrgPayments.payerId, actor.subscriberId), eq(homeOrgPayments.idempotencyKey, input.idempotencyKey)))
    .get();
  if (!payment) throw new AppError(409, "conflict");
  if (payment.id !== id || earlier || before) {
    if (payment.requestHash !== requestHash) throw new AppError(409, "idempotency_mismatch");
    if (payment.status !== "created" && payment.status !== "pending")
      return { payment: await withLines(store, payment), confirmation: null };
  }
  const orgName = org?.name ?? "";
  const first = lines[0]?.accountNo ?? "";
  const started = await acquirer.createPayment({
    method: payment.method,
    amountKop: payment.amountKop,
    description:
      lines.length === 1
        ? `Пополнение лицевого счёта ${formatAccountNoPlain(first)} (${orgName})`
        : `Пополнение лицевых счетов (${lines.length}) организации ${orgName}`,
    returnUrl: `${input.returnOrigin}/business/${encodeURIComponent(orgId)}/pay/${payment.id}`,
    saveCard: false,
    metadata: { paymentId: payment.id, accountNo: first },
    idempotenceKey: payment.id,
    customer,
  });
  if (payment.acquirerPaymentId && started.id !== payment.acquirerPaymentId) {
    log("warn", "org_payment.acquirer_restarted", { paymentId: payment.id });
    return { payment: await withLines(store, payment), confirmation: null };
  }
  await store
    .update(homeOrgPayments)
    .set({ acquirerPaymentId: started.id, status: "pending", updatedAt: new Date(now.getTime()) })
    .where(and(eq(homeOrgPayments.id, payment.id), eq(homeOrgPayments.status, "created"), isNull(homeOrgPayments.acquirerPaymentId)));
  const after = (await store.select().from(homeOrgPayments).where(eq(homeOrgPayments.id, payment.id)).get()) ?? payment;
  return { payment: await withLines(store, after), confirmation: started.confirmation };
}

async function withLines(store: RegionDb, p: OrgPaymentRow) {
  const lines = await store
    .select({ accountNo: orgPaymentLines.accountNo, amountKop: orgPaymentLines.amountKop, creditedAt: orgPaymentLines.creditedAt })
    .from(orgPaymentLines)
    .where(eq(orgPaymentLines.paymentId, p.id))
    .orderBy(orgPaymentLines.accountNo);
  return orgPaymentDto(p, lines);
}

/** The receipt of an organisation's payment (a pure module, so the demo seed builds it the same way). */
export { buildOrgReceipt, lineKey, type OrgReceipt };

const STATUS_OF: Record<AcquirerPayment["status"], OrgPaymentStatus> = {
  pending: "pending",
  waiting_for_3ds: "pending",
  succeeded: "succeeded",
  canceled: "failed",
  refunded: "refunded",
};

/** The payment state machine, as for a private payment: nothing leaves `failed` or `refunded`, nothing goes back. */
const NEXT: Record<OrgPaymentStatus, readonly OrgPaymentStatus[]> = {
  created: ["pending", "succeeded", "failed"],
  pending: ["succeeded", "failed"],
  succeeded: ["refunded"],
  failed: [],
  refunded: [],
};

/**
 * Applies what the acquirer says about an organisation's payment (a webhook, the return page's question, the
 * hourly sweep): checks it is ours (id, amount, acquirer id), then moves the payment once. Success, its receipt and
 * the audit entry «payment.succeeded» are one global batch whose every statement holds only while the payment is
 * unfinished, so of parallel or repeated reports exactly one writes them; a refund likewise, only from succeeded.
 * Then (on every report, not just the first) the ledgers are brought to agree with the status: lines not yet
 * credited are credited, and a refunded payment's lines debited back. That is how a crash between shards resumes.
 * Safe to call any number of times.
 */
export async function applyOrgPayment(
  data: DataAccess,
  notify: Notify,
  ap: AcquirerPayment,
  source: "webhook" | "sync" | "client",
  now = new Date(),
): Promise<string> {
  const db = data.global;
  const store = paymentStore(data, ap.metadata.paymentId);
  // A shard this Worker is not bound to: the report is refused (and comes again) rather than taken for a stranger's.
  if (!store) {
    log("error", "org.payment_shard_unbound", { shard: paymentShard(ap.metadata.paymentId) });
    throw new Error("org_payment: home shard not bound");
  }
  const payment = await store.select().from(homeOrgPayments).where(eq(homeOrgPayments.id, ap.metadata.paymentId)).get();
  if (!payment || payment.amountKop !== ap.amountKop || (payment.acquirerPaymentId && payment.acquirerPaymentId !== ap.id)) {
    log("warn", "payment.foreign_event", { source, acquirerPaymentId: ap.id });
    return "foreign";
  }
  const swept = namesHomeShard(payment.id);
  const to = STATUS_OF[ap.status];
  let result: string;
  // The receipt is mailed once the ledgers are settled (or tried): nothing between the change and its settling fails.
  let mail: OrgReceipt | null = null;
  if (to === payment.status) result = "same";
  else if (!NEXT[payment.status].includes(to)) result = "refused";
  else if (to === "pending") {
    const moved = await store
      .update(homeOrgPayments)
      .set({ status: "pending", acquirerPaymentId: ap.id, updatedAt: now })
      .where(and(eq(homeOrgPayments.id, payment.id), eq(homeOrgPayments.status, "created")))
      .returning({ id: homeOrgPayments.id });
    result = moved.length > 0 ? "applied" : "raced";
  } else if (to === "refunded") {
    // Back in the sweep's rows first: the refund is debited by this report or, failing that, by the sweep.
    if (swept) await markOpen(data, payment);
    const name = await payerName(db, payment.payerId);
    const paid = sql`EXISTS (SELECT 1 FROM ${homeOrgPayments} WHERE ${homeOrgPayments.id} = ${payment.id} AND ${homeOrgPayments.status} = 'succeeded')`;
    const [, moved] = await store.batch([
      audit(store, payment, name, "payment.refunded", null, now, paid),
      store
        .update(homeOrgPayments)
        .set({ status: "refunded", creditedAt: null, updatedAt: now })
        .where(and(eq(homeOrgPayments.id, payment.id), eq(homeOrgPayments.status, "succeeded")))
        .returning({ id: homeOrgPayments.id }),
    ]);
    result = moved.length > 0 ? "applied" : "raced";
    if (swept && result === "applied") await markOpen(data, payment);
  } else {
    // A success is credited by this report or, failing that, by the sweep: in its rows first (a payment asked of the
    // acquirer for three days and dropped from them may still succeed).
    if (swept && to === "succeeded") await markOpen(data, payment);
    const [lines, [[buyer], [payer]]] = await Promise.all([
      store
        .select({ accountNo: orgPaymentLines.accountNo, amountKop: orgPaymentLines.amountKop })
        .from(orgPaymentLines)
        .where(eq(orgPaymentLines.paymentId, payment.id))
        .orderBy(orgPaymentLines.accountNo),
      db.batch([
        db.select({ name: organisations.name, inn: organisations.inn }).from(organisations).where(eq(organisations.id, payment.orgId)),
        db.select({ name: subscribers.displayName }).from(subscribers).where(eq(subscribers.id, payment.payerId)),
      ]),
    ]);
    const card = { cardLast4: ap.card?.last4 ?? payment.cardLast4, cardBrand: ap.card?.brand ?? payment.cardBrand };
    const receipt =
      to === "succeeded"
        ? buildOrgReceipt({ ...payment, ...card }, lines, buyer ?? { name: "", inn: "" }, now, ap.receiptByAcquirer === true)
        : null;
    const unfinished = sql`${homeOrgPayments.status} IN ('created', 'pending')`;
    const stillOpen = sql`EXISTS (SELECT 1 FROM ${homeOrgPayments} WHERE ${homeOrgPayments.id} = ${payment.id} AND ${unfinished})`;
    const [, moved] = await store.batch([
      audit(
        store,
        payment,
        payer?.name ?? "",
        to === "succeeded" ? "payment.succeeded" : "payment.failed",
        to === "succeeded" ? lines : null,
        now,
        stillOpen,
      ),
      store
        .update(homeOrgPayments)
        .set({
          status: to,
          acquirerPaymentId: ap.id,
          ...card,
          failureCode: ap.failureCode ?? null,
          receipt: receipt ? JSON.stringify(receipt) : null,
          updatedAt: now,
        })
        .where(and(eq(homeOrgPayments.id, payment.id), unfinished))
        .returning({ id: homeOrgPayments.id }),
    ]);
    result = moved.length > 0 ? "applied" : "raced";
    // Written again straight after the change: a sweep that read the payment before it and drops its row now drops an
    // older revision.
    if (swept && result === "applied" && to === "succeeded") await markOpen(data, payment);
    if (result === "applied" && receipt?.fiscal) mail = receipt;
  }
  const now2 = await store
    .select({ status: homeOrgPayments.status, creditedAt: homeOrgPayments.creditedAt })
    .from(homeOrgPayments)
    .where(eq(homeOrgPayments.id, payment.id))
    .get();
  try {
    if (now2 && !now2.creditedAt && (now2.status === "succeeded" || now2.status === "refunded")) {
      // Written again before settling (a report of a change made before, its row dropped since by a sweep).
      if (swept && result !== "applied") await markOpen(data, payment);
      await settleLedgers(data, payment.id, now2.status, payment.method, now);
    }
  } finally {
    if (mail) await emailReceipt(db, notify, payment, mail);
  }
  // A failed payment has nothing for the sweep to do.
  if (swept && now2?.status === "failed") await unswept(data, payment.id);
  return result;
}

/**
 * The payment is (again) one the sweep must look at: its row written, or its revision raised if it is there, so that a
 * delete decided on the row as it was before (the sweep's, a settle's) leaves it.
 */
async function markOpen(data: DataAccess, p: { id: string; createdAt: Date }) {
  // A revision is never used twice, even by a row deleted and written again: it starts from the clock.
  await data.global
    .insert(orgPaymentsOpen)
    .values({ id: p.id, createdAt: p.createdAt, rev: Date.now() })
    .onConflictDoUpdate({ target: orgPaymentsOpen.id, set: { rev: sql`max(${orgPaymentsOpen.rev} + 1, excluded.rev)` } });
}

/** The revision of the payment's row in the sweep's rows, read before a settle decides to drop it (null: none). */
async function openRev(data: DataAccess, paymentId: string): Promise<number | null> {
  return (
    (await data.global.select({ rev: orgPaymentsOpen.rev }).from(orgPaymentsOpen).where(eq(orgPaymentsOpen.id, paymentId)).get())?.rev ??
    null
  );
}

/**
 * The payment leaves the sweep's rows: settled in the ledgers, failed, or no longer asked of the acquirer; only as
 * the row was at `rev` (none: a failed payment, which nothing moves on from).
 */
async function unswept(data: DataAccess, paymentId: string, rev?: number | null) {
  if (rev === null) return;
  await data.global
    .delete(orgPaymentsOpen)
    .where(and(eq(orgPaymentsOpen.id, paymentId), rev === undefined ? undefined : eq(orgPaymentsOpen.rev, rev)));
}

async function emailReceipt(db: GlobalDb, notify: Notify, payment: OrgPaymentRow, receipt: OrgReceipt) {
  const payer = await db.select({ email: subscribers.email }).from(subscribers).where(eq(subscribers.id, payment.payerId)).get();
  if (!payer?.email) return;
  await notify({
    channel: "email",
    to: payer.email,
    subject: `Кассовый чек № ${receipt.number}: ${rubText(receipt.totalKop)}`,
    text: `${receiptText({ ...receipt, accountNo: receipt.accountNos[0] ?? "" }, rubText)}\nПокупатель: ${receipt.buyer.name}, ИНН ${receipt.buyer.inn}`,
    dedupeKey: `receipt:${payment.id}`,
  });
}

/** The lines of a payment (those not yet credited, or all), each with its account's shard and region as the directory has them now. */
async function linesWhere(data: DataAccess, store: RegionDb, paymentId: string, open: boolean) {
  const lines = await store
    .select({ accountNo: orgPaymentLines.accountNo, amountKop: orgPaymentLines.amountKop })
    .from(orgPaymentLines)
    .where(and(eq(orgPaymentLines.paymentId, paymentId), open ? isNull(orgPaymentLines.creditedAt) : undefined));
  if (lines.length === 0) return [];
  const where = new Map(
    (
      await selectDirectory(
        data.global,
        lines.map((l) => l.accountNo),
      )
    ).map((d) => [d.accountNo, d]),
  );
  return lines.flatMap((l) => {
    const d = where.get(l.accountNo);
    return d ? [{ ...l, shard: d.shard, region: d.region }] : [];
  });
}

/**
 * Credits each line of a succeeded payment not yet marked credited, in its account's shard (found through the
 * directory now, so an account moved since is credited where it is): ledger entries under `lineKey`, 100 to a
 * batch, then the lines marked on the payment's shard. A line credited but not yet marked (a crash between the
 * two) is written again as nothing (the key is taken) and then marked. Every shard is tried; if one failed, the
 * error is thrown after the others are done, and the next report of the payment resumes with what is left. Once
 * every line is, the payment is settled and leaves the sweep's rows.
 */
export async function creditLines(data: DataAccess, paymentId: string, method: PaymentMethod, now = new Date()): Promise<number> {
  const store = storeOf(data, paymentId);
  const open = await linesWhere(data, store, paymentId, true);
  const byShard = new Map<ShardBinding, typeof open>();
  for (const l of open) if (isShardBinding(l.shard)) byShard.set(l.shard, [...(byShard.get(l.shard) ?? []), l]);
  const [ru, en] = METHOD_TEXT[method].paid;
  let credited = 0;
  const failures: unknown[] = [];
  // The accounts whose entries are written: marked together at the end, one batch (not a round trip a shard).
  const written: string[] = [];
  for (const [binding, lines] of byShard) {
    try {
      for (const part of q.chunks(lines, CREDIT_BATCH)) {
        await rawBatch(
          data.shard(binding),
          part.map((l) =>
            entryIf(
              {
                accountNo: l.accountNo,
                kind: "payment",
                amountKop: l.amountKop,
                occurredAt: now,
                localDay: localDay(regionTz(l.region), now),
                descriptionRu: `${ru} (платёж организации)`,
                descriptionEn: `${en} (organisation's payment)`,
                idempotencyKey: lineKey(paymentId, l.accountNo),
              },
              sql`1`,
            ),
          ),
        );
        written.push(...part.map((l) => l.accountNo));
        credited += part.length;
      }
    } catch (e) {
      log("warn", "org_payment.credit_failed", { paymentId, shard: binding, error: e instanceof Error ? e.name : "unknown" });
      failures.push(e);
    }
  }
  const [first, ...rest] = q.chunks(written).map((marks) =>
    store
      .update(orgPaymentLines)
      .set({ creditedAt: now })
      .where(and(eq(orgPaymentLines.paymentId, paymentId), inArray(orgPaymentLines.accountNo, marks), isNull(orgPaymentLines.creditedAt))),
  );
  if (first) await store.batch([first, ...rest]);
  if (failures.length > 0) throw failures[0];
  const left = sql`NOT EXISTS (SELECT 1 FROM ${orgPaymentLines} WHERE ${orgPaymentLines.paymentId} = ${paymentId} AND ${orgPaymentLines.creditedAt} IS NULL)`;
  const rev = namesHomeShard(paymentId) ? await openRev(data, paymentId) : null;
  const settled = await store
    .update(homeOrgPayments)
    .set({ creditedAt: now })
    .where(and(eq(homeOrgPayments.id, paymentId), eq(homeOrgPayments.status, "succeeded"), isNull(homeOrgPayments.creditedAt), left))
    .returning({ id: homeOrgPayments.id });
  if (settled.length > 0) await unswept(data, paymentId, rev);
  return credited;
}

/** The ledger key of one account's share given back when the acquirer refunds the payment. */
export const refundKey = (paymentId: string, accountNo: string) => `orgrefund:${paymentId}:${accountNo}`;

/**
 * Debits every line of a refunded payment back, in its account's shard, under `refundKey` (so at most once per
 * account, whatever repeats this), after crediting any line that never was: each account ends with its share
 * credited and debited, nothing created or lost. Then the payment is marked settled, and leaves the sweep's rows.
 */
export async function debitLines(data: DataAccess, paymentId: string, method: PaymentMethod, now = new Date()): Promise<void> {
  await creditLines(data, paymentId, method, now);
  const store = storeOf(data, paymentId);
  const lines = await linesWhere(data, store, paymentId, false);
  const byShard = new Map<ShardBinding, typeof lines>();
  for (const l of lines) if (isShardBinding(l.shard)) byShard.set(l.shard, [...(byShard.get(l.shard) ?? []), l]);
  const [ru, en] = METHOD_TEXT[method].refunded;
  const failures: unknown[] = [];
  for (const [binding, part] of byShard) {
    try {
      for (const chunk of q.chunks(part, CREDIT_BATCH))
        await rawBatch(
          data.shard(binding),
          chunk.map((l) =>
            entryIf(
              {
                accountNo: l.accountNo,
                kind: "adjustment",
                amountKop: -l.amountKop,
                occurredAt: now,
                localDay: localDay(regionTz(l.region), now),
                descriptionRu: `${ru} (платёж организации)`,
                descriptionEn: `${en} (organisation's payment)`,
                idempotencyKey: refundKey(paymentId, l.accountNo),
              },
              sql`1`,
            ),
          ),
        );
    } catch (e) {
      log("warn", "org_payment.refund_failed", { paymentId, shard: binding, error: e instanceof Error ? e.name : "unknown" });
      failures.push(e);
    }
  }
  if (failures.length > 0) throw failures[0];
  const rev = namesHomeShard(paymentId) ? await openRev(data, paymentId) : null;
  const settled = await store
    .update(homeOrgPayments)
    .set({ creditedAt: now })
    .where(and(eq(homeOrgPayments.id, paymentId), eq(homeOrgPayments.status, "refunded"), isNull(homeOrgPayments.creditedAt)))
    .returning({ id: homeOrgPayments.id });
  if (settled.length > 0) await unswept(data, paymentId, rev);
}

/** Brings the ledgers to agree with a finished payment: credits (succeeded) or credits and debits back (refunded). */
async function settleLedgers(data: DataAccess, paymentId: string, status: OrgPaymentStatus, method: PaymentMethod, now: Date) {
  if (status === "succeeded") await creditLines(data, paymentId, method, now);
  else if (status === "refunded") await debitLines(data, paymentId, method, now);
}

/**
 * One payment of the organisation, for the result page: the payer's own, or any for an administrator (a member
 * with `pay` who is neither sees a 404). An unfinished one is asked of the acquirer first; a succeeded one whose
 * lines are not all credited is credited now (a failure is logged and left to the next report or the sweep).
 */
export async function getOrgPayment(
  data: DataAccess,
  acquirer: Acquirer,
  notify: Notify,
  subscriberId: string,
  orgId: string,
  paymentId: string,
) {
  guardId(orgId);
  const [member, [found]] = await memberAndPayment(data, subscriberId, orgId, paymentId);
  const me = authorize(member, "pay");
  if (!found || (found.payerId !== subscriberId && me.role !== "administrator")) throw new AppError(404, "not_found");
  const store = storeOf(data, paymentId);
  try {
    if ((found.status === "created" || found.status === "pending") && found.acquirerPaymentId) {
      const ap = await acquirer.getPayment(found.acquirerPaymentId);
      if (ap && ap.status !== "pending" && ap.status !== "waiting_for_3ds") await applyOrgPayment(data, notify, ap, "sync");
    } else if (!found.creditedAt && (found.status === "succeeded" || found.status === "refunded")) {
      // Back in the sweep's rows first, should a sweep have dropped them: settled here or, failing that, by the sweep.
      if (namesHomeShard(found.id)) await markOpen(data, found);
      await settleLedgers(data, found.id, found.status, found.method, new Date());
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    log("warn", "org_payment.settle_failed", { paymentId, error: e instanceof Error ? e.name : "unknown" });
  }
  const now = (await store.select().from(homeOrgPayments).where(eq(homeOrgPayments.id, paymentId)).get()) ?? found;
  return withLines(store, now);
}

/** The receipt of a succeeded payment (the payer's, or an administrator's to see). */
export async function getOrgReceipt(data: DataAccess, subscriberId: string, orgId: string, paymentId: string): Promise<OrgReceipt> {
  guardId(orgId);
  const [member, [found]] = await memberAndPayment(data, subscriberId, orgId, paymentId);
  const me = authorize(member, "pay");
  if (!found?.receipt || (found.payerId !== subscriberId && me.role !== "administrator")) throw new AppError(404, "not_found");
  return JSON.parse(found.receipt) as OrgReceipt;
}

/**
 * Which payments the hourly sweep looks at (asked of the acquirer: started 15 minutes to 3 days ago; to settle in the
 * ledgers: any), a page of 50 at a time, within 600 D1 queries a queue message; a chain taken over after 30 quiet minutes.
 */
export const SWEEP = { minAgeMs: 15 * 60_000, maxAgeMs: 3 * 24 * 3600_000, page: 50, budget: 600, staleMs: 30 * 60_000 };
const SWEEP_LEASE = "org_payments.sweep";

/**
 * D1 queries a payment of `lines` accounts costs the sweep at most: an entry a line (a batch a shard, each on its own
 * at worst), the marks in one batch, and the reads around them. A refund whose lines were never all credited is
 * credited by one pass and debited by the next (`sweepOne`), so no pass writes both.
 */
export const sweepCalls = (lines: number) => lines + 2 * Math.ceil(lines / 90) + 14;

/** D1 queries a page of the sweep costs before its payments: its ids, a read a shard at most, the rows it drops. */
const sweepPageCalls = (page: number) => page + 2;

/** Where the sweep's chain got to: the last payment it looked at, in (created, id) order. */
export interface SweepCursor {
  at: number;
  id: string;
}

/** The billing queue's message of the sweep's chain: the payments after `after`, under the run's lease. */
export interface OrgSweepMessage {
  kind: "org_payments.sweep";
  run: string;
  after?: SweepCursor;
}

export function isOrgSweepMessage(body: unknown): body is OrgSweepMessage {
  const m = body as Partial<OrgSweepMessage> | null;
  return (
    m?.kind === "org_payments.sweep" &&
    typeof m.run === "string" &&
    m.run.length > 0 &&
    m.run.length <= 60 &&
    (m.after === undefined ||
      (typeof m.after === "object" &&
        m.after !== null &&
        Number.isSafeInteger(m.after.at) &&
        typeof m.after.id === "string" &&
        /^[\w-]{1,64}$/.test(m.after.id)))
  );
}

/** Cron (hourly): the sweep's chain from the first payment, unless the last hour's still runs. Whether it started. */
export async function startOrgSweep(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  const run = await startChain(data.global, SWEEP_LEASE, now, SWEEP.staleMs, (r) =>
    queue.send({ kind: "org_payments.sweep", run: r } satisfies OrgSweepMessage),
  );
  return run !== null;
}

/**
 * The hourly sweep: organisations' payments whose result never arrived are asked of the acquirer and applied, and
 * succeeded ones with lines not yet credited (a crash between shards, a shard that was down) are credited. One
 * payment that fails does not stop the rest, nor hold back the ones after it: the sweep goes over them in order from
 * `m.after`, a page at a time, while its `budget` of D1 queries lasts (each payment's cost known before it starts,
 * from its lines; the first goes whatever it costs), then hands on to the next message from where it got to. A
 * message of a chain that was taken over does nothing; the chain's last gives its lease back. Without `m.run` (a
 * call of its own) it goes to the end of its budget and stops there.
 */
export async function sweepOrgPayments(
  data: DataAccess,
  acquirer: Acquirer,
  notify: Notify,
  now = new Date(),
  m: Omit<OrgSweepMessage, "kind" | "run"> & { run?: string } = {},
  queue: Queue<unknown> | null = null,
  { budget, page } = { budget: SWEEP.budget, page: SWEEP.page },
) {
  const done = { asked: 0, credited: 0, handedOn: false };
  if (m.run !== undefined && !(await beat(data.global, SWEEP_LEASE, m.run, now))) return done;
  const start = queriesUsed(data.stats);
  let first = true;
  let after = m.after ?? null;
  const handOn = async () => {
    if (m.run !== undefined && queue) {
      await queue.send({ kind: "org_payments.sweep", run: m.run, ...(after ? { after } : {}) } satisfies OrgSweepMessage);
      done.handedOn = true;
    }
    return done;
  };
  for (;;) {
    // A page only where it and its first payment fit (the first page goes whatever it costs).
    if (!first && queriesUsed(data.stats) - start + sweepPageCalls(page) + sweepCalls(1) > budget) return handOn();
    // The payments of the home shards the sweep still has rows of, and an older deployment's in the global table that
    // are to be asked or settled, in one (created, id) order; each side seeks its index to the cursor.
    const cursor = "created_at >= ?3 AND (created_at > ?3 OR id > ?4)";
    const { results: ids } = await d1Of(data.global)
      .prepare(
        `SELECT id, created_at AS at, rev FROM (
           SELECT id, created_at, NULL AS rev FROM org_payments WHERE ((status IN ('created', 'pending') AND credited_at IS NULL
               AND acquirer_payment_id IS NOT NULL AND created_at <= ?1 AND created_at >= ?2) OR (status IN ('succeeded', 'refunded') AND credited_at IS NULL)) AND ${cursor}
           UNION ALL SELECT id, created_at, rev FROM org_payments_open WHERE ${cursor})
         ORDER BY created_at, id LIMIT ?5`,
      )
      .bind(now.getTime() - SWEEP.minAgeMs, now.getTime() - SWEEP.maxAgeMs, after?.at ?? -1, after?.id ?? "", page)
      .all<{ id: string; at: number; rev: number | null }>();
    const rows = await sweepRows(data, ids, now);
    for (const r of rows) {
      if (!r.due) continue;
      if (!first && queriesUsed(data.stats) - start + sweepCalls(r.lines) > budget) return handOn();
      first = false;
      await sweepOne(data, acquirer, notify, r, now, done);
      // Still not settled three days on (an account gone from the directory, a shard that keeps failing): operators'.
      if ((r.status === "succeeded" || r.status === "refunded") && r.createdAt.getTime() < now.getTime() - SWEEP.maxAgeMs)
        log("error", "org_payment.unsettled", { paymentId: r.id, status: r.status });
      // The cursor is the page's own order (the sweep's row's time, which a payment's own never passes).
      after = { at: r.at, id: r.id };
    }
    first = false;
    const last = ids[ids.length - 1];
    if (last) after = { at: last.at, id: last.id };
    if (ids.length < page) {
      if (m.run !== undefined) await release(data.global, SWEEP_LEASE, m.run);
      return done;
    }
  }
}

/**
 * A page of the sweep's ids as payments (read where each is: a read a shard; a shard that cannot be read now is passed
 * over, its rows kept), each with its count of lines and whether the sweep has something to do with it now. The rows
 * of home shards' payments it has nothing more to do with (settled, failed, past the days they are asked, or never
 * written, once older than a payment takes to write) are dropped from `org_payments_open`, each only as it was read.
 */
export async function sweepRows(data: DataAccess, ids: readonly { id: string; at: number; rev: number | null }[], now: Date) {
  const byStore = new Map<string, { store: RegionDb; ids: string[] }>();
  for (const { id } of ids) {
    const store = paymentStore(data, id);
    const key = paymentShard(id) ?? "global";
    if (store) byStore.set(key, { store, ids: [...(byStore.get(key)?.ids ?? []), id] });
    else log("error", "org.payment_shard_unbound", { shard: key });
  }
  const lines = sql<number>`(SELECT count(*) FROM ${orgPaymentLines} WHERE ${orgPaymentLines.paymentId} = ${homeOrgPayments.id})`;
  const reads = await Promise.allSettled(
    [...byStore.values()].map(({ store, ids: list }) =>
      store
        .select({
          id: homeOrgPayments.id,
          status: homeOrgPayments.status,
          method: homeOrgPayments.method,
          acquirerPaymentId: homeOrgPayments.acquirerPaymentId,
          createdAt: homeOrgPayments.createdAt,
          creditedAt: homeOrgPayments.creditedAt,
          lines,
        })
        .from(homeOrgPayments)
        .where(inList(homeOrgPayments.id, list)),
    ),
  );
  const readable = new Set<string>();
  const found = [];
  for (const [i, { ids: list }] of [...byStore.values()].entries()) {
    const read = reads[i];
    if (read?.status === "fulfilled") {
      for (const id of list) readable.add(id);
      found.push(...read.value);
    } else log("warn", "org_payment.sweep_shard_failed", { payments: list.length });
  }
  const byId = new Map(found.map((p) => [p.id, p]));
  const rows = [];
  const drop: { id: string; rev: number }[] = [];
  for (const { id, at, rev } of ids) {
    const p = byId.get(id);
    const unfinished = p?.status === "created" || p?.status === "pending";
    const ask = !!p && unfinished && p.acquirerPaymentId !== null && p.createdAt.getTime() <= now.getTime() - SWEEP.minAgeMs;
    const settle = !!p && (p.status === "succeeded" || p.status === "refunded") && p.creditedAt === null;
    const young = !!p && unfinished && p.createdAt.getTime() >= now.getTime() - SWEEP.maxAgeMs;
    // A row whose payment is not there yet may be of one being written now: dropped only once it is surely not.
    const never = !p && at <= now.getTime() - SWEEP.minAgeMs;
    if (rev !== null && readable.has(id) && (p ? !settle && !young : never)) drop.push({ id, rev });
    if (p) rows.push({ ...p, at, lines: Number(p.lines), due: (ask && young) || settle });
  }
  // One statement, the rows as one JSON parameter.
  if (drop.length > 0)
    await d1Of(data.global)
      .prepare(
        "DELETE FROM org_payments_open WHERE rowid IN (SELECT o.rowid FROM org_payments_open o JOIN json_each(?) j ON o.id = json_extract(j.value, '$.id') AND o.rev = json_extract(j.value, '$.rev'))",
      )
      .bind(JSON.stringify(drop))
      .run();
  return rows;
}

/** One payment of the sweep: asked of the acquirer, or credited, or its refund debited; a failure is logged. */
async function sweepOne(
  data: DataAccess,
  acquirer: Acquirer,
  notify: Notify,
  r: { id: string; status: OrgPaymentStatus; method: PaymentMethod; acquirerPaymentId: string | null },
  now: Date,
  done: { asked: number; credited: number },
) {
  try {
    if (r.status === "succeeded") done.credited += await creditLines(data, r.id, r.method, now);
    else if (r.status === "refunded") {
      // Credit what never was first, the debits on the next pass (the payment stays unsettled until then).
      const credited = await creditLines(data, r.id, r.method, now);
      if (credited === 0) await debitLines(data, r.id, r.method, now);
    } else if (r.acquirerPaymentId) {
      done.asked++;
      const ap = await acquirer.getPayment(r.acquirerPaymentId);
      if (ap && ap.status !== "pending" && ap.status !== "waiting_for_3ds") await applyOrgPayment(data, notify, ap, "sync", now);
    }
  } catch (e) {
    log("warn", "org_payment.sweep_failed", { paymentId: r.id, error: e instanceof Error ? e.name : "unknown" });
  }
}
