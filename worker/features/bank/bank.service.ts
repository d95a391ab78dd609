import { and, asc, eq, gt, inArray, or, sql } from "drizzle-orm";
import { OPERATOR_REQUISITES } from "../../data/operator.data";
import {
  type BankLineStatus,
  bankStatementLines,
  bankStatements,
  invoices,
  orgAccounts,
  organisations,
  orgMembers,
} from "../../db/schema/global";
import { sha256Hex } from "../../platform/crypto";
import { type DataAccess, type GlobalDb, isShardBinding, queriesUsed, rawBatch } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { holdersWithin } from "../../platform/holders";
import { newId, parseAccountNo } from "../../platform/ids";
import { beat, release, startChain } from "../../platform/lease";
import { errorText, log } from "../../platform/log";
import { type Place, placeOf, placesOf, placesQueries } from "../../platform/places";
import { sendInBatches } from "../../platform/queue";
import { addDays, localDay, regionTz } from "../../platform/region";
import { entryIf, type RawStatement } from "../billing/ledger.service";
import { auditStatement } from "../business/audit.service";
import {
  invoiceIdsByNumber,
  invoicesById,
  invoiceUnavailable,
  lineInvoice,
  numbersOf,
  payHomeInvoices,
} from "../business/invoice-payments.service";
import { holdersMessages } from "../notifications/notifications.messages";
import { decodeStatement } from "./bank.decode";
import { BANK_LINE_MAX_AGE_DAYS, BANK_LINE_RETENTION_DAYS } from "./bank.limits";
import { parseStatement, type StatementDocument, StatementFormatError } from "./bank.parse";

/** How old a payment an upload still imports is, for housekeeping's keeping of invoice numbers. */
export { BANK_LINE_MAX_AGE_DAYS };

/**
 * Bank statement import (импорт банковской выписки), exactly once per statement line:
 *
 * 1. The file is decoded and parsed whole (a malformed one is refused with its line); only incoming payments to the
 *    operator's settlement account are kept.
 * 2. Each is stored once in `bank_statement_lines` under an id derived from its content (`lineId`): a repeated upload,
 *    an overlapping statement or a parallel upload inserts nothing new (INSERT OR IGNORE on the primary key).
 * 3. A `new` line is matched once, by a conditional update (`WHERE status = 'new'`): what it credits (`targets`) is
 *    fixed then and never recomputed, so a second upload, even in parallel, credits the same accounts the same sums.
 * 4. A `matched` line is credited: a ledger entry per target keyed `bank:<line>:<account>` (written once by its unique
 *    key), then marked `credited` with its invoice's `paid_kop` raised in the same global batch, only if the mark
 *    changed the row (`changes() = 1`). A crash between the two leaves it `matched`: the next upload (or the queue)
 *    credits it again, which writes nothing twice, and marks it.
 *
 * Each step is bounded: pages of `PAGE` lines, lookups in chunks under D1's 100 bound parameters per statement, writes
 * in `db.batch` round trips (a batch is one of the 1,000 subrequests an invocation may make). A line credits up to
 * 500 accounts (an invoice's lines), each maybe on its own shard: its calls grow with its targets, so lines are
 * credited in groups of at most `CREDIT_TARGETS` targets, each started only while the invocation's budget of calls
 * allows it (`UPLOAD_CALLS` for an upload, `QUEUE_CALLS` for a queue message). An upload stores all its lines
 * (≤ 5,000: 50 statements of 100, in one batch) and matches and credits what its budget allows; the rest is
 * finished by the billing queue
 * (`BankLinesMessage`): a chain of messages over the pending lines in order, each from the line the last got to, so
 * a line that cannot be credited (its account gone) is passed over, not worked again by every message. The hourly
 * cron starts a chain over every pending line, under a lease (platform/lease.ts): one at a time.
 *
 * Matching, in order: an invoice number in the purpose (`СЧ-2026-000123`: the invoice's accounts are credited pro
 * rata to its lines, see `splitProRata`; its `paid_kop` grows by the payment and it becomes `paid` once that reaches
 * its total, else `part_paid`); else one known account number (12 digits, valid check digit); else the payer's ИНН,
 * when it is one organisation's with exactly one account. Two invoices or two accounts named, a cancelled invoice,
 * or an ИНН of an organisation with several accounts: the operators' queue.
 */

/** Lines stored by one statement (their JSON one bound value, up to about 60 KB). */
const STORE_ROWS = 100;
/** Lines per page of matching: one round of lookups for the page. */
export const PAGE = 40;
/** Targets (accounts credited) one group of lines credits at most: a line with more (up to 500) is a group alone. */
export const CREDIT_TARGETS = 500;
/**
 * D1 queries an upload's request may have used when it starts a page or a group; the rest goes to the queue. What
 * follows it (the lines' counts by status: 56 queries for 5,000 lines) and the request's own (its session) stay
 * under 1,000.
 */
export const UPLOAD_CALLS = 850;
/**
 * D1 queries one queue message spends before it hands on (a page of matching at most past it: `MATCH_CALLS`). Its first
 * group of lines to credit goes even past it, up to `QUEUE_HARD_CALLS` (500 targets over a page's 40 lines cost
 * about 700, see `creditCalls`), so every message gets on and none passes an invocation's 1,000.
 */
export const QUEUE_CALLS = 600;
const QUEUE_HARD_CALLS = 950;
/** A chain started by the cron is taken over when it has not reported for this long (its message dead-lettered). */
export const LINES_LEASE_STALE_MS = 30 * 60_000;
const LINES_LEASE = "bank.lines";

/**
 * Shards a credit's notice reads the accounts' holders on, one read each (platform/holders.ts); the accounts on others
 * are handed to the notifications queue, a `holders` message a shard and 50 accounts, whose consumer reads them.
 */
export const NOTICE_SHARDS = 50;

/**
 * D1 queries (platform/db.ts `queriesUsed`: a batch's statements each count) a group of `lines` crediting `targets`
 * accounts makes at most: a ledger entry a target, in a batch per shard; the accounts' places (`places`: what
 * platform/places.ts `placesQueries` says); the owners', subscribers' and members' lookups in chunks of 90; a home
 * invoice's payment (its row and its sum: two statements a line, in a batch on its shard); a line's mark, its audit
 * entries (one an organisation: two at most, typically) and an older deployment's invoice's payment in one batch; and
 * its notice's reads of the holders (the places once more, then a read a shard up to `NOTICE_SHARDS`).
 */
export const creditCalls = (targets: number, lines: number, places = 1) =>
  targets + 5 * lines + 3 * Math.ceil(targets / 90) + places + 1 + places + Math.min(targets, NOTICE_SHARDS);

/**
 * D1 queries a page of matching makes at most: the page's read; the invoice numbers (two a chunk of 90, both places),
 * an older deployment's invoices with their lines (two a chunk), a home invoice's with its lines (two a shard, a line
 * naming one at most); the accounts' and organisations' lookups; and an update a line.
 */
export const MATCH_CALLS = 3 * PAGE + 10 + 10;

/** Where a chain over the pending lines got to: the last line it passed, in (created, id) order. */
export interface LinesCursor {
  at: number;
  id: string;
}

/**
 * The billing queue's message that finishes pending statement lines: those after `after` (all, without it), in
 * order, within its budget; then the next message from where it stopped. `run`: the cron's chain, under its lease.
 */
export interface BankLinesMessage {
  kind: "bank.lines";
  after?: LinesCursor;
  run?: string;
}

export function isBankLinesMessage(body: unknown): body is BankLinesMessage {
  const m = body as Partial<BankLinesMessage> | null;
  return (
    m?.kind === "bank.lines" &&
    (m.after === undefined ||
      (typeof m.after === "object" && m.after !== null && Number.isSafeInteger(m.after.at) && /^[0-9a-f]{64}$/.test(String(m.after.id)))) &&
    (m.run === undefined || (typeof m.run === "string" && m.run.length > 0 && m.run.length <= 60))
  );
}

export interface Target {
  accountNo: string;
  amountKop: number;
}

type LineRow = typeof bankStatementLines.$inferSelect;

/** A statement line's identity: the same payment in any statement, any upload, has the same id. */
export function lineId(doc: Pick<StatementDocument, "date" | "number" | "amountKop" | "payerAccount" | "payerInn" | "payeeAccount">) {
  return sha256Hex(["bank-line-v1", doc.date, doc.number, doc.amountKop, doc.payerAccount, doc.payerInn, doc.payeeAccount].join("|"));
}

/** Whether a document is money coming in to the operator (its settlement account is the payee, not the payer). */
export function isIncoming(doc: StatementDocument): boolean {
  const ours = OPERATOR_REQUISITES.settlementAccount;
  return (doc.payeeAccount === ours || doc.payeeSettlementAccount === ours) && doc.payerAccount !== ours;
}

// Six digits, or seven once a year's sequence passes 999,999 (printf's width is a minimum: 4.2 M invoices a year at the target).
const INVOICE_NO = /[СC]Ч-(\d{4})-(\d{6}|[1-9]\d{6})(?!\d)/giu;
const ACCOUNT_NO = /(?<!\d)\d{12}(?!\d)/g;

/** Invoice numbers (`СЧ-2026-000123`, a Latin C too) and valid account numbers named in a payment's purpose. */
export function referencesIn(purpose: string, payerInn = ""): { invoiceNos: string[]; accountNos: string[] } {
  const invoiceNos = [...new Set([...purpose.matchAll(INVOICE_NO)].map((m) => `СЧ-${m[1]}-${m[2]}`))].slice(0, 5);
  const withoutInvoices = purpose.replace(INVOICE_NO, " ");
  const accountNos = [
    ...new Set(
      [...withoutInvoices.matchAll(ACCOUNT_NO)]
        .map((m) => m[0])
        .filter((d) => d !== payerInn)
        .map((d) => parseAccountNo(d))
        .filter((d): d is string => d !== null),
    ),
  ].slice(0, 5);
  return { invoiceNos, accountNos };
}

/**
 * A payment split over an invoice's lines in proportion to their amounts (pro rata), in whole kopecks summing to
 * the payment exactly: each share rounded down, the kopecks left over go one each to the lines with the largest
 * remainders (ties: by account number). A payment equal to the invoice's total credits each line its own amount.
 */
export function splitProRata(amountKop: number, lines: readonly Target[]): Target[] {
  const sorted = [...lines].sort((a, b) => (a.accountNo < b.accountNo ? -1 : a.accountNo > b.accountNo ? 1 : 0));
  const total = sorted.reduce((s, l) => s + BigInt(l.amountKop), 0n);
  if (total <= 0n) return [];
  const amount = BigInt(amountKop);
  const shares = sorted.map((l, i) => {
    const exact = amount * BigInt(l.amountKop);
    return { accountNo: l.accountNo, kop: exact / total, rem: exact % total, i };
  });
  let left = amount - shares.reduce((s, x) => s + x.kop, 0n);
  for (const s of [...shares].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1))) {
    if (left <= 0n) break;
    s.kop += 1n;
    left -= 1n;
  }
  return shares.map((s) => ({ accountNo: s.accountNo, amountKop: Number(s.kop) })).filter((s) => s.amountKop > 0);
}

/** Runs a lookup over values in chunks that stay under D1's 100 bound parameters per statement. */
async function inChunks<T>(values: string[], lookup: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(values)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += 90) out.push(...(await lookup(unique.slice(i, i + 90))));
  return out;
}

type Decision =
  | { status: "matched"; matchedBy: "invoice" | "account" | "inn"; invoiceId: string | null; targets: Target[] }
  | { status: "queued"; reason: string };

/** What each new line credits, from one round of lookups for the whole page. */
async function decide(data: DataAccess, rows: LineRow[]): Promise<Map<string, Decision>> {
  const refs = new Map(rows.map((r) => [r.id, referencesIn(r.purpose, r.payerInn)]));
  // Invoices by number, in the global tables (an older deployment's) and through `invoice_numbers` (on home shards);
  // read, with their lines, only for a line naming exactly one that exists (two are the operators' queue anyway), so a
  // page reads at most a home shard a line.
  const idByNo = await invoiceIdsByNumber(
    data,
    [...refs.values()].flatMap((r) => r.invoiceNos),
  );
  const namedIds = (ref: { invoiceNos: string[] }) => [
    ...new Set(ref.invoiceNos.map((n) => idByNo.get(n)).filter((id) => id !== undefined)),
  ];
  const found = await invoicesById(
    data,
    [...refs.values()].map(namedIds).flatMap((ids) => (ids.length === 1 ? ids : [])),
  );
  const knownAccounts = new Set(
    (
      await placesOf(
        data,
        [...refs.values()].flatMap((r) => r.accountNos),
      )
    ).keys(),
  );
  const inns = rows.map((r) => r.payerInn).filter(Boolean);
  const orgRows = await inChunks(inns, (chunk) =>
    data.global
      .select({ inn: organisations.inn, orgId: organisations.id, accountNo: orgAccounts.accountNo })
      .from(organisations)
      .leftJoin(orgAccounts, eq(orgAccounts.orgId, organisations.id))
      .where(inArray(organisations.inn, chunk))
      .all(),
  );
  const decisions = new Map<string, Decision>();
  for (const row of rows) {
    const ref = refs.get(row.id) ?? { invoiceNos: [], accountNos: [] };
    const named = namedIds(ref);
    if (named.length > 1) {
      decisions.set(row.id, { status: "queued", reason: "ambiguous" });
      continue;
    }
    const invoice = found.get(named[0] ?? "");
    if (invoice) {
      const split = splitProRata(row.amountKop, invoice.lines);
      if (invoice.status === "cancelled") decisions.set(row.id, { status: "queued", reason: "invoice_cancelled" });
      else if (split.length === 0) decisions.set(row.id, { status: "queued", reason: "ambiguous" });
      else decisions.set(row.id, { status: "matched", matchedBy: "invoice", invoiceId: invoice.id, targets: split });
      continue;
    }
    // A number known whose invoice cannot be read: its home shard not bound here (a configuration error, logged), or
    // never written (its issue's home write failed and was not retried). The operators', not an account's named beside
    // it, which would leave the invoice the payer meant unpaid.
    if (named[0] !== undefined) {
      decisions.set(row.id, { status: "queued", reason: invoiceUnavailable(data, named[0]) ? "invoice_unavailable" : "invoice_not_found" });
      continue;
    }
    const accountsNamed = ref.accountNos.filter((a) => knownAccounts.has(a));
    if (accountsNamed.length > 1) {
      decisions.set(row.id, { status: "queued", reason: "ambiguous" });
      continue;
    }
    if (accountsNamed.length === 1) {
      const accountNo = accountsNamed[0] as string;
      decisions.set(row.id, {
        status: "matched",
        matchedBy: "account",
        invoiceId: null,
        targets: [{ accountNo, amountKop: row.amountKop }],
      });
      continue;
    }
    const byInn = row.payerInn ? orgRows.filter((o) => o.inn === row.payerInn) : [];
    const orgs = new Set(byInn.map((o) => o.orgId));
    const accountsOfInn = [...new Set(byInn.map((o) => o.accountNo).filter((a): a is string => a !== null))];
    if (orgs.size === 1 && accountsOfInn.length === 1) {
      const accountNo = accountsOfInn[0] as string;
      decisions.set(row.id, { status: "matched", matchedBy: "inn", invoiceId: null, targets: [{ accountNo, amountKop: row.amountKop }] });
      continue;
    }
    const reason = orgs.size > 0 ? "ambiguous" : ref.invoiceNos.length > 0 ? "invoice_not_found" : "no_match";
    decisions.set(row.id, { status: "queued", reason });
  }
  return decisions;
}

const ruDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

/**
 * Credits matched lines: one ledger batch per shard (entries keyed `bank:<line>:<account>`, never twice), then each
 * line marked `credited` and its invoice paid, in one global batch. Returns the ids it marked now.
 */
async function credit(data: DataAccess, rows: LineRow[], now: Date, notifications?: Queue<unknown>): Promise<string[]> {
  if (rows.length === 0) return [];
  const targetsOf = new Map(rows.map((r) => [r.id, JSON.parse(r.targets ?? "[]") as Target[]]));
  const where = await placesOf(
    data,
    [...targetsOf.values()].flatMap((ts) => ts.map((t) => t.accountNo)),
  );
  const byShard = new Map<string, RawStatement[]>();
  const creditable: LineRow[] = [];
  for (const row of rows) {
    const targets = targetsOf.get(row.id) ?? [];
    if (targets.length === 0 || targets.some((t) => !where.has(t.accountNo) || !isShardBinding(where.get(t.accountNo)?.shard ?? ""))) {
      log("error", "bank.line_target_unknown", { lineId: row.id });
      continue;
    }
    creditable.push(row);
    for (const t of targets) {
      const place = where.get(t.accountNo) as Place;
      const statements = byShard.get(place.shard) ?? [];
      statements.push(
        entryIf(
          {
            accountNo: t.accountNo,
            kind: "payment",
            amountKop: t.amountKop,
            occurredAt: now,
            localDay: localDay(regionTz(place.region), now),
            descriptionRu: `Оплата по платёжному поручению № ${row.docNumber} от ${ruDate(row.docDate)}`,
            descriptionEn: `Payment by payment order No. ${row.docNumber} of ${ruDate(row.docDate)}`,
            idempotencyKey: `bank:${row.id}:${t.accountNo}`,
          },
          sql`1 = 1`,
        ),
      );
      byShard.set(place.shard, statements);
    }
  }
  // Shards in a fixed order (by binding name): a failure midway leaves the same ones done, whoever retries.
  for (const [shard, statements] of [...byShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isShardBinding(shard)) continue;
    await rawBatch(data.shard(shard), statements);
  }
  if (creditable.length === 0) return [];
  // A home invoice's payment by each line, on its shard, before the lines are marked (written once by the line's key).
  // A line whose invoice could not be paid (its shard not bound, or failing now) is not marked: it stays matched for
  // the next pass, and does not hold up the others (as a line whose account is gone).
  const unpaid = await payHomeInvoices(
    data,
    creditable.flatMap((r) => (r.homeInvoiceId ? [{ invoiceId: r.homeInvoiceId, lineId: r.id, amountKop: r.amountKop }] : [])),
    now,
  );
  if (unpaid.size > 0) creditable.splice(0, creditable.length, ...creditable.filter((r) => !unpaid.has(r.id)));
  if (creditable.length === 0) return [];
  const t = now.getTime();
  // The organisations whose accounts a line credits: each gets the credit in its audit log, with the line's mark.
  const owners = await inChunks([...new Set(creditable.flatMap((r) => (targetsOf.get(r.id) ?? []).map((x) => x.accountNo)))], (chunk) =>
    data.global
      .select({ accountNo: orgAccounts.accountNo, orgId: orgAccounts.orgId })
      .from(orgAccounts)
      .where(inArray(orgAccounts.accountNo, chunk))
      .all(),
  );
  const orgOf = new Map(owners.map((o) => [o.accountNo, o.orgId]));
  const marks: RawStatement[] = [];
  const perRow: number[] = [];
  for (const row of creditable) {
    const before = marks.length;
    marks.push(["UPDATE bank_statement_lines SET status = 'credited', credited_at = ? WHERE id = ? AND status = 'matched'", t, row.id]);
    // What follows the mark runs only in the batch whose mark changed the row (a parallel upload's did not): each
    // statement checks that the one before it changed a row — the mark, then each audit entry written after it —
    // so the line's audit entries and its invoice payment are written once. (Not by the mark's time: two uploads
    // in the same millisecond would both match it.)
    const afterMark = sql`changes() = 1`;
    // Once per line and organisation.
    const byOrg = new Map<string, Target[]>();
    for (const x of targetsOf.get(row.id) ?? []) {
      const orgId = orgOf.get(x.accountNo);
      if (orgId) byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), x]);
    }
    for (const [orgId, targets] of byOrg)
      marks.push(
        auditStatement(
          data.global,
          {
            orgId,
            actorId: null,
            operatorName: row.payerName,
            action: "payment.bank_credited",
            target: `№ ${row.docNumber} от ${ruDate(row.docDate)}`,
            details: {
              amountKop: targets.reduce((sum, x) => sum + x.amountKop, 0),
              split: targets.map((x) => ({ accountNo: x.accountNo, amountKop: x.amountKop })),
              matchedBy: row.matchedBy,
            },
            address: null,
            at: now,
          },
          afterMark,
        ),
      );
    // An older deployment's invoice is paid by this line once: after the mark (and its audit entries) changed rows.
    if (row.invoiceId)
      marks.push([
        `UPDATE invoices SET paid_kop = paid_kop + ?, status = CASE WHEN paid_kop + ? >= total_kop THEN 'paid' ELSE 'part_paid' END
           WHERE id = ? AND status != 'cancelled' AND changes() = 1`,
        row.amountKop,
        row.amountKop,
        row.invoiceId,
      ]);
    perRow.push(marks.length - before);
  }
  const results = await rawBatch(data.global, marks);
  const marked: string[] = [];
  let i = 0;
  creditable.forEach((row, n) => {
    if ((results[i]?.meta.changes ?? 0) === 1) marked.push(row.id);
    i += perRow[n] ?? 1;
  });
  if (notifications && marked.length > 0) {
    const now = new Set(marked);
    await notifyCredited(
      data,
      notifications,
      creditable.filter((r) => now.has(r.id)).flatMap((r) => (targetsOf.get(r.id) ?? []).map((t) => ({ lineId: r.id, ...t }))),
    );
  }
  return marked;
}

/**
 * «Платёж зачислен» to everyone who sees a credited account: its subscribers (account links) and, for an
 * organisation's account, its administrators and accountants whose scope includes it. One event per line and
 * account (`bank:<line>:<account>`), so a redelivered message is one inbox entry.
 */
async function notifyCredited(data: DataAccess, queue: Queue<unknown>, credits: (Target & { lineId: string })[]) {
  const accountNos = credits.map((c) => c.accountNo);
  // The accounts' holders: their rows in the accounts' shards (platform/holders.ts), a read a shard up to
  // `NOTICE_SHARDS` of them (counted in `creditCalls`); those on the others are told by the notifications consumer.
  const { holders: links, beyond } = await holdersWithin(data, [...new Set(accountNos)], NOTICE_SHARDS);
  const elsewhere = new Map(beyond.map((b) => [b.accountNo, b.shard]));
  const members = await inChunks(accountNos, (chunk) =>
    data.global
      .select({ subscriberId: orgMembers.subscriberId, accountNo: orgAccounts.accountNo, scope: orgMembers.accountScope })
      .from(orgAccounts)
      .innerJoin(orgMembers, eq(orgMembers.orgId, orgAccounts.orgId))
      .where(and(inArray(orgAccounts.accountNo, chunk), inArray(orgMembers.role, ["administrator", "accountant"])))
      .all(),
  );
  const who = new Map<string, Set<string>>();
  const add = (accountNo: string, subscriberId: string) => who.set(accountNo, (who.get(accountNo) ?? new Set()).add(subscriberId));
  for (const l of links) add(l.accountNo, l.subscriberId);
  for (const m of members) if (!m.scope || (JSON.parse(m.scope) as string[]).includes(m.accountNo)) add(m.accountNo, m.subscriberId);
  const events = credits.map((c) => ({
    eventId: `bank:${c.lineId}:${c.accountNo}`,
    kind: "payment_credited" as const,
    accountNo: c.accountNo,
    params: { amountKop: c.amountKop, method: "bank" },
  }));
  const messages = events.flatMap((e) =>
    [...(who.get(e.accountNo) ?? [])].map((subscriberId) => ({ body: { channel: "event" as const, subscriberId, ...e } })),
  );
  // The holders of the accounts on the shards not read (someone who is also the organisation's member, told above, is
  // told once: the event's dedupe key).
  const forHolders = holdersMessages(
    events.flatMap((event) => {
      const shard = elsewhere.get(event.accountNo);
      return shard ? [{ shard, event }] : [];
    }),
  ).map((body) => ({ body }));
  await sendInBatches(queue, [...messages, ...forHolders]);
}

/**
 * Works a page of lines (in their order): matches its new lines (once: the first decision stays), then credits its
 * matched ones a group of at most `CREDIT_TARGETS` targets at a time, each group only if `fits` its calls. `handled`:
 * how many of `ids`, from the first, are done with (credited, queued, or passed over); the rest wait for the next.
 */
async function workPage(
  data: DataAccess,
  ids: string[],
  now: Date,
  fits: (calls: number) => boolean,
  notifications?: Queue<unknown>,
  groupTargets = CREDIT_TARGETS,
): Promise<{ credited: string[]; handled: number }> {
  const rows = await data.global.select().from(bankStatementLines).where(inArray(bankStatementLines.id, ids)).all();
  const fresh = rows.filter((r) => r.status === "new");
  if (fresh.length > 0) {
    const decisions = await decide(data, fresh);
    const updates = fresh.map((r) => {
      const d = decisions.get(r.id) ?? { status: "queued" as const, reason: "no_match" };
      return data.global
        .update(bankStatementLines)
        .set(
          d.status === "matched"
            ? {
                status: "matched",
                matchedBy: d.matchedBy,
                ...lineInvoice(data, d.invoiceId),
                targets: JSON.stringify(d.targets),
                matchedAt: now,
              }
            : { status: "queued", reason: d.reason },
        )
        .where(and(eq(bankStatementLines.id, r.id), eq(bankStatementLines.status, "new")));
    });
    const [first, ...rest] = updates;
    if (first) await data.global.batch([first, ...rest]);
  }
  // Read back: a parallel upload may have decided first; what is stored is what is credited.
  const position = new Map(ids.map((id, i) => [id, i]));
  const matched = (
    await data.global
      .select()
      .from(bankStatementLines)
      .where(and(inArray(bankStatementLines.id, ids), eq(bankStatementLines.status, "matched")))
      .all()
  ).sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  // Groups of lines in order, each at most CREDIT_TARGETS targets (a line with more alone).
  const groups: { rows: LineRow[]; targets: number }[] = [];
  for (const row of matched) {
    const n = (JSON.parse(row.targets ?? "[]") as Target[]).length;
    const last = groups.at(-1);
    if (last && last.targets + n <= groupTargets) {
      last.rows.push(row);
      last.targets += n;
    } else groups.push({ rows: [row], targets: n });
  }
  const credited: string[] = [];
  for (const group of groups) {
    const firstRow = group.rows[0] as LineRow;
    if (!fits(creditCalls(group.targets, group.rows.length, placesQueries(data))))
      return { credited, handled: position.get(firstRow.id) ?? 0 };
    credited.push(...(await credit(data, group.rows, now, notifications)));
  }
  return { credited, handled: ids.length };
}

/**
 * Housekeeping's deletes (in its batch of the global tables' expiry): a page of the lines imported and credited more
 * than `BANK_LINE_RETENTION_DAYS` ago, along their (status, created) index, and only those whose payment is dated
 * before the oldest day an upload still imports (so a line deleted is refused if its statement comes again, whatever
 * date it bore; a line new, matched or in the operators' queue stays); then a page of the uploads no line names any
 * more. Their ledger entries, audit entries and invoice payments stay.
 */
export function expiredBankLines(db: GlobalDb, now: Date, pageSize: number) {
  const before = now.getTime() - BANK_LINE_RETENTION_DAYS * 24 * 3600_000;
  const refused = addDays(localDay("Europe/Moscow", now), -BANK_LINE_MAX_AGE_DAYS - 1);
  return [
    db
      .delete(bankStatementLines)
      .where(
        sql`rowid IN (SELECT rowid FROM ${bankStatementLines} WHERE ${bankStatementLines.status} = 'credited' AND ${bankStatementLines.createdAt} < ${before}
          AND ${bankStatementLines.creditedAt} < ${before} AND ${bankStatementLines.docDate} < ${refused} ORDER BY ${bankStatementLines.createdAt} LIMIT ${pageSize})`,
      )
      .returning({ key: bankStatementLines.id }),
    db
      .delete(bankStatements)
      .where(
        sql`rowid IN (SELECT s.rowid FROM ${bankStatements} s WHERE s.uploaded_at < ${before} AND NOT EXISTS (SELECT 1 FROM ${bankStatementLines} l WHERE l.statement_id = s.id) ORDER BY s.uploaded_at LIMIT ${pageSize})`,
      )
      .returning({ key: bankStatements.id }),
  ] as const;
}

export interface ImportResult {
  statementId: string;
  encoding: string;
  documents: number;
  incoming: number;
  /** Lines this upload stored for the first time (the rest were known from earlier statements). */
  newLines: number;
  lines: { credited: number; queued: number; pending: number };
  /** Lines this upload credited itself. */
  creditedNow: number;
  /** Incoming payments dated more than a year before the upload, not imported (for the operators to handle by hand). */
  tooOld: number;
}

/** Imports one bank statement file (its bytes); see the module's comment. */
export async function importStatement(
  data: DataAccess,
  bytes: Uint8Array,
  meta: { fileName: string | null; uploadedBy: string; address: string | null; queue?: Queue<unknown>; notifications?: Queue<unknown> },
  now = new Date(),
): Promise<ImportResult> {
  const { text, encoding } = decodeStatement(bytes);
  let parsed: ReturnType<typeof parseStatement>;
  try {
    parsed = parseStatement(text);
  } catch (err) {
    if (err instanceof StatementFormatError)
      throw new AppError(400, "bank_statement_invalid", { line: err.line }, [
        { field: "file", message: `bankStatement.${err.reason}`, params: { ...err.params, line: err.line } },
      ]);
    throw err;
  }
  const incoming = parsed.documents.filter(isIncoming);
  // A payment dated over a year before the upload is a repeat of an old statement: its line may have been deleted
  // since (BANK_LINE_RETENTION_DAYS), and imported again it would be matched and its invoice paid a second time.
  const oldest = addDays(localDay("Europe/Moscow", now), -BANK_LINE_MAX_AGE_DAYS);
  const recent = incoming.filter((doc) => doc.date >= oldest);
  const tooOld = incoming.length - recent.length;
  if (tooOld > 0) log("warn", "bank.lines_too_old", { lines: tooOld });
  const statementId = newId(now.getTime());
  const fileSha256 = await sha256Hex(text);
  await data.global.insert(bankStatements).values({
    id: statementId,
    fileSha256,
    fileName: meta.fileName,
    encoding,
    documents: parsed.documents.length,
    incoming: incoming.length,
    uploadedBy: meta.uploadedBy,
    address: meta.address,
    uploadedAt: now,
  });
  const rows = new Map<string, typeof bankStatementLines.$inferInsert>();
  for (const doc of recent) {
    const id = await lineId(doc);
    rows.set(id, {
      id,
      statementId,
      docNumber: doc.number,
      docDate: doc.date,
      receivedOn: doc.receivedOn,
      amountKop: doc.amountKop,
      payerInn: doc.payerInn,
      payerAccount: doc.payerAccount,
      payerName: doc.payerName,
      payeeAccount: doc.payeeAccount,
      purpose: doc.purpose,
      status: "new",
      createdAt: now,
    });
  }
  const ids = [...rows.keys()];
  let newLines = 0;
  // STORE_ROWS lines a statement, bound as one JSON value (D1 binds at most 100 values to a statement, and counts
  // each statement of a batch against an invocation's 1,000 queries: 5,000 lines are 50 statements, not 1,000).
  const inserts = [];
  const values = [...rows.values()];
  const field = (name: keyof typeof bankStatementLines.$inferInsert) => sql`json_extract(j.value, ${`$.${name}`})`;
  for (let i = 0; i < values.length; i += STORE_ROWS) {
    const json = JSON.stringify(values.slice(i, i + STORE_ROWS).map((v) => ({ ...v, createdAt: now.getTime() })));
    inserts.push(
      data.global
        .insert(bankStatementLines)
        .select(
          sql`SELECT ${field("id")}, ${statementId}, ${field("docNumber")}, ${field("docDate")}, ${field("receivedOn")}, ${field("amountKop")},
            ${field("payerInn")}, ${field("payerAccount")}, ${field("payerName")}, ${field("payeeAccount")}, ${field("purpose")}, 'new',
            NULL, NULL, NULL, NULL, NULL, NULL, ${field("createdAt")}, NULL, NULL, NULL
          FROM json_each(${json}) j WHERE true`,
        )
        .onConflictDoNothing(),
    );
  }
  for (let i = 0; i < inserts.length; i += 50) {
    const [first, ...rest] = inserts.slice(i, i + 50);
    if (first) for (const r of await data.global.batch([first, ...rest])) newLines += r.meta.changes ?? 0;
  }
  let creditedNow = 0;
  // The upload's own lines, a page at a time, while its invocation's queries allow; the rest to the queue.
  const fits = (calls: number) => queriesUsed(data.stats) + calls <= UPLOAD_CALLS;
  let done = true;
  for (let p = 0; p < ids.length; p += PAGE) {
    // A page's matching: its read and lookups, and an update a line.
    if (!fits(MATCH_CALLS)) {
      done = false;
      break;
    }
    const page = ids.slice(p, p + PAGE);
    const worked = await workPage(data, page, now, fits, meta.notifications);
    creditedNow += worked.credited.length;
    if (worked.handled < page.length) {
      done = false;
      break;
    }
  }
  if (!done && meta.queue) await meta.queue.send({ kind: "bank.lines" } satisfies BankLinesMessage);
  const counts = await statusCounts(data, ids);
  return {
    statementId,
    encoding,
    documents: parsed.documents.length,
    incoming: incoming.length,
    newLines,
    lines: { credited: counts.credited, queued: counts.queued, pending: counts.new + counts.matched },
    creditedNow,
    tooOld,
  };
}

async function statusCounts(data: DataAccess, ids: string[]): Promise<Record<BankLineStatus, number>> {
  const counts: Record<BankLineStatus, number> = { new: 0, queued: 0, matched: 0, credited: 0 };
  const rows = await inChunks(ids, (chunk) =>
    data.global
      .select({ status: bankStatementLines.status, n: sql<number>`count(*)` })
      .from(bankStatementLines)
      .where(inArray(bankStatementLines.id, chunk))
      .groupBy(bankStatementLines.status)
      .all(),
  );
  for (const r of rows) counts[r.status] += Number(r.n);
  return counts;
}

/**
 * The hourly cron's pass over every pending line: a chain from the first, unless the last hour's still runs (its
 * lease). Returns whether it started one.
 */
export async function startPendingLines(data: DataAccess, queue: Queue<unknown>, now = new Date()): Promise<boolean> {
  const run = await startChain(data.global, LINES_LEASE, now, LINES_LEASE_STALE_MS, (r) =>
    queue.send({ kind: "bank.lines", run: r } satisfies BankLinesMessage),
  );
  return run !== null;
}

/**
 * One message of a chain over the pending lines (new or matched), in (created, id) order from `m.after`: page after
 * page while its `budget` of D1 calls lasts, then the next message from the line it got to. A line left pending (its
 * account gone: logged) is passed over; the next chain tries it again. A message of a chain that was taken over does
 * nothing; the chain's last gives its lease back.
 */
export async function processPendingLines(
  data: DataAccess,
  queue: Queue<unknown> | null,
  notifications?: Queue<unknown>,
  now = new Date(),
  m: Omit<BankLinesMessage, "kind"> = {},
  { budget, page, groupTargets } = { budget: QUEUE_CALLS, page: PAGE, groupTargets: CREDIT_TARGETS },
): Promise<number> {
  if (m.run !== undefined && !(await beat(data.global, LINES_LEASE, m.run, now))) return 0;
  const start = queriesUsed(data.stats);
  const spent = () => queriesUsed(data.stats) - start;
  // The message's first group to credit may go past the budget, up to the hard limit (at most creditCalls(500) ≈
  // 700, after a page or so): so a message that starts with the largest group gets on. Later groups keep to the budget.
  let first = true;
  const fits = (calls: number) => {
    const ok = spent() + calls <= (first ? Math.max(budget, QUEUE_HARD_CALLS) : budget);
    if (ok) first = false;
    return ok;
  };
  let credited = 0;
  let after = m.after ?? null;
  const handOn = async () => {
    if (queue)
      await queue.send({ kind: "bank.lines", ...(after ? { after } : {}), ...(m.run ? { run: m.run } : {}) } satisfies BankLinesMessage);
    return credited;
  };
  const end = async () => {
    if (m.run !== undefined) await release(data.global, LINES_LEASE, m.run);
    return credited;
  };
  for (;;) {
    if (spent() >= budget) return handOn();
    const later = after
      ? or(
          gt(bankStatementLines.createdAt, new Date(after.at)),
          and(eq(bankStatementLines.createdAt, new Date(after.at)), gt(bankStatementLines.id, after.id)),
        )
      : undefined;
    const rows = await data.global
      .select({ id: bankStatementLines.id, createdAt: bankStatementLines.createdAt })
      .from(bankStatementLines)
      .where(and(inArray(bankStatementLines.status, ["new", "matched"]), later))
      .orderBy(asc(bankStatementLines.createdAt), asc(bankStatementLines.id))
      .limit(page)
      .all();
    if (rows.length === 0) return end();
    const worked = await workPage(
      data,
      rows.map((r) => r.id),
      now,
      fits,
      notifications,
      groupTargets,
    );
    credited += worked.credited.length;
    const last = rows[worked.handled - 1];
    if (last) after = { at: last.createdAt.getTime(), id: last.id };
    if (worked.handled < rows.length) return handOn();
    if (rows.length < page) return end();
  }
}

export interface LineDto {
  id: string;
  docNumber: string;
  docDate: string;
  receivedOn: string | null;
  amountKop: number;
  payerName: string;
  payerInn: string;
  payerAccount: string;
  purpose: string;
  status: BankLineStatus;
  reason: string | null;
  matchedBy: string | null;
  invoiceNumber: string | null;
  targets: Target[];
  assignedBy: string | null;
  assignedAddress: string | null;
  matchedAt: string | null;
  createdAt: string;
  creditedAt: string | null;
}

function toDto(r: LineRow, invoiceNumber: string | null): LineDto {
  return {
    id: r.id,
    docNumber: r.docNumber,
    docDate: r.docDate,
    receivedOn: r.receivedOn,
    amountKop: r.amountKop,
    payerName: r.payerName,
    payerInn: r.payerInn,
    payerAccount: r.payerAccount,
    purpose: r.purpose,
    status: r.status,
    reason: r.reason,
    matchedBy: r.matchedBy,
    invoiceNumber,
    targets: r.targets ? (JSON.parse(r.targets) as Target[]) : [],
    assignedBy: r.assignedBy,
    assignedAddress: r.assignedAddress,
    matchedAt: r.matchedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    creditedAt: r.creditedAt?.toISOString() ?? null,
  };
}

/** Statement lines in one status (the operators' queue is `queued`), oldest first, after a cursor. */
export async function listLines(data: DataAccess, status: BankLineStatus, limit: number, after?: string) {
  const conds = [eq(bankStatementLines.status, status)];
  if (after) {
    const [at, id] = [Number(after.split(":")[0]), after.split(":")[1] ?? ""];
    if (!Number.isSafeInteger(at) || !/^[0-9a-f]{64}$/.test(id))
      throw new AppError(400, "validation", {}, [{ field: "after", message: "field.bankCursor" }]);
    const later = or(
      gt(bankStatementLines.createdAt, new Date(at)),
      and(eq(bankStatementLines.createdAt, new Date(at)), gt(bankStatementLines.id, id)),
    );
    if (later) conds.push(later);
  }
  const rows = await data.global
    .select({ line: bankStatementLines, invoiceNumber: invoices.number })
    .from(bankStatementLines)
    .leftJoin(invoices, eq(invoices.id, bankStatementLines.invoiceId))
    .where(and(...conds))
    .orderBy(asc(bankStatementLines.createdAt), asc(bankStatementLines.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  // A home invoice's number is on its shard (the join above finds an older deployment's).
  const homeNumbers = await numbersOf(
    data,
    page.flatMap((r) => (r.line.homeInvoiceId ? [r.line.homeInvoiceId] : [])),
  );
  return {
    items: page.map((r) => toDto(r.line, r.invoiceNumber ?? homeNumbers.get(r.line.homeInvoiceId ?? "") ?? null)),
    next: rows.length > limit && last ? `${last.line.createdAt.getTime()}:${last.line.id}` : null,
  };
}

/**
 * An operator's assignment of a queued line to an account or an invoice: the line moves `queued` → `matched` once
 * (a second assignment, or one racing it, is a 409) and is credited like any matched line.
 */
export async function assignLine(
  data: DataAccess,
  id: string,
  to: { accountNo?: string | undefined; invoiceNumber?: string | undefined },
  by: { name: string; address: string | null },
  notifications?: Queue<unknown>,
  now = new Date(),
): Promise<LineDto> {
  const line = await data.global.select().from(bankStatementLines).where(eq(bankStatementLines.id, id)).get();
  if (!line) throw new AppError(404, "not_found");
  if (line.status !== "queued") throw new AppError(409, "bank_line_not_queued", { status: line.status });
  let targets: Target[];
  let invoiceId: string | null = null;
  if (to.invoiceNumber) {
    const number = to.invoiceNumber.trim().toUpperCase().replace(/^C/, "С");
    const id = (await invoiceIdsByNumber(data, [number])).get(number);
    const invoice = id ? (await invoicesById(data, [id])).get(id) : undefined;
    if (!invoice || invoice.status === "cancelled")
      throw new AppError(400, "validation", {}, [{ field: "invoiceNumber", message: "field.bankInvoice" }]);
    targets = splitProRata(line.amountKop, invoice.lines);
    if (targets.length === 0) throw new AppError(400, "validation", {}, [{ field: "invoiceNumber", message: "field.bankInvoice" }]);
    invoiceId = invoice.id;
  } else {
    const accountNo = parseAccountNo(to.accountNo ?? "");
    const known = accountNo ? await placeOf(data, accountNo) : undefined;
    if (!accountNo || !known) throw new AppError(400, "validation", {}, [{ field: "accountNo", message: "field.bankAccount" }]);
    targets = [{ accountNo, amountKop: line.amountKop }];
  }
  const updated = await data.global
    .update(bankStatementLines)
    .set({
      status: "matched",
      matchedBy: "operator",
      ...lineInvoice(data, invoiceId),
      targets: JSON.stringify(targets),
      assignedBy: by.name,
      assignedAddress: by.address,
      matchedAt: now,
    })
    .where(and(eq(bankStatementLines.id, id), eq(bankStatementLines.status, "queued")))
    .returning()
    .all();
  const row = updated[0];
  if (!row) throw new AppError(409, "bank_line_not_queued", { status: "matched" });
  await credit(data, [row], now, notifications);
  const after = await data.global.select().from(bankStatementLines).where(eq(bankStatementLines.id, id)).get();
  // The assignment is made: a failure to read the number back (its home shard, briefly) is not the answer's.
  const invoiceNumber = invoiceId
    ? ((
        await numbersOf(data, [invoiceId]).catch((e: unknown) => {
          log("warn", "bank.invoice_number_unread", { error: errorText(e) });
          return new Map<string, string>();
        })
      ).get(invoiceId) ?? null)
    : null;
  return toDto(after ?? row, invoiceNumber);
}
