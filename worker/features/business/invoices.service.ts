import type { InferSelectModel } from "drizzle-orm";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { OPERATOR } from "../../data/operator.data";
import { type invoices, subscribers } from "../../db/schema/global";
import type { AppEnv } from "../../env";
import { sha256Hex } from "../../platform/crypto";
import type { DataAccess, GlobalDb, RegionDb, ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId, parseAccountNo } from "../../platform/ids";
import { placesOf } from "../../platform/places";
import { localDay } from "../../platform/region";
import { preread, readWithSession } from "../../platform/session";
import { vatIncludedKop, vatPercentOn } from "../../platform/vat";
import * as q from "./business.queries";
import { authorize, prereads } from "./business.service";
import type { InvoiceDocument } from "./invoices.pdf";
import * as iq from "./invoices.queries";
import { gostPayload, type LineInput, MAX_INVOICE_LINES, purposeOf, resolveLines } from "./invoices.rules";
import { docHome, invoiceKey, invoiceStore, isInvoiceId, listHome, newInvoiceId } from "./org-home";

/** Invoices are dated by Moscow's calendar (the operator's seat), whatever the payer's region. */
const INVOICE_TZ = "Europe/Moscow";

/** Organisation ids are ours (letters, digits, dashes); invoice ids are `newId()`s; anything else is not found. */
const guardOrg = (id: string) => {
  if (!/^[a-z0-9-]{1,40}$/.test(id)) throw new AppError(404, "not_found");
};
const guardInvoice = (id: string) => {
  if (!isInvoiceId(id)) throw new AppError(404, "not_found");
};
const invalid = (field: string, message: string) => new AppError(400, "validation", {}, [{ field, message }]);

/**
 * The role matrix's answer (business.service `authorize`: 404 for a stranger), with a 403 that says who may: the
 * administrator or the accountant, not the administrator alone as for the organisation's people.
 */
export function allowed(rows: Parameters<typeof authorize>[0], need: "pay" | "documents") {
  try {
    return authorize(rows, need);
  } catch (e) {
    if (e instanceof AppError && e.status === 403) throw new AppError(403, "invoices_forbidden", e.params);
    throw e;
  }
}

export interface Actor {
  subscriberId: string;
  address: string;
}

type InvoiceRow = InferSelectModel<typeof invoices>;
/** An issue request's row as recorded under its key: the number is there for an invoice kept on its home shard. */
type Recorded = { requestHash: string; invoiceId: string; createdAt: Date; number: string | null };
type LineRow = { invoiceId: string; accountNo: string; amountKop: number; region: string };

export const PAYEE = {
  name: OPERATOR.name,
  personalAcc: OPERATOR.bank.settlementAccount,
  bankName: OPERATOR.bank.name,
  bic: OPERATOR.bank.bik,
  correspAcc: OPERATOR.bank.correspondentAccount,
  payeeInn: OPERATOR.inn,
  kpp: OPERATOR.kpp,
};

/** What a client sees of an invoice: its figures, lines, the purpose of payment and the payment QR's text. */
export function invoiceDto(row: InvoiceRow, lines: LineRow[]) {
  const day = localDay(INVOICE_TZ, row.createdAt);
  const purpose = purposeOf(row.number, day, row.vatKop);
  return {
    id: row.id,
    number: row.number,
    date: day,
    totalKop: row.totalKop,
    vatKop: row.vatKop,
    paidKop: row.paidKop,
    status: row.status,
    lines: lines.filter((l) => l.invoiceId === row.id).map((l) => ({ accountNo: l.accountNo, region: l.region, amountKop: l.amountKop })),
    purpose,
    qrPayload: gostPayload(PAYEE, purpose, row.totalKop),
    createdAt: row.createdAt.toISOString(),
  };
}
export type InvoiceDto = ReturnType<typeof invoiceDto>;

/**
 * Issues an invoice for payment (счёт на оплату) for one or several of the organisation's accounts the employee
 * may see (administrators and accountants: permission `pay`). Amounts per line, or a total split evenly across
 * the lines without one (`resolveLines`). The same Idempotency-Key returns the first invoice (`created` false) for 30
 * days (housekeeping then deletes the key's row); with another request it is a 409.
 *
 * Where it is written (issue 20): on the organisation's home shard, its id naming the shard. The number comes from the
 * year's sequence in one global batch with the key's row and the number's row in `invoice_numbers` (where the bank
 * import finds it); then the invoice, its lines and its audit entry are written on the home shard in one batch, once.
 * A failure between the two leaves the number taken and no invoice: the same request again (its key) writes the
 * invoice with that number, and a number nobody retries is one the bank import finds no invoice for (the operators'
 * queue), never a number used twice. While `INVOICES_STORE = "global"` it is written in the global tables as before:
 * number, invoice, lines and audit entry in one transaction.
 */
export async function issueInvoice(
  data: DataAccess,
  actor: Actor,
  orgId: string,
  input: { lines: LineInput[]; totalKop?: number },
  idempotencyKey: string,
  now = new Date(),
): Promise<{ invoice: InvoiceDto; created: boolean }> {
  guardOrg(orgId);
  const db = data.global;
  const me = allowed(await membership(db, actor.subscriberId, orgId), "pay");
  if (!/^[\w-]{8,100}$/.test(idempotencyKey)) throw invalid("Idempotency-Key", "field.idempotencyKey");
  if (input.lines.length < 1 || input.lines.length > MAX_INVOICE_LINES) throw invalid("lines", "field.invoiceLines");
  const nos = input.lines.map((l) => parseAccountNo(l.accountNo));
  if (nos.some((n) => !n) || new Set(nos).size !== nos.length) throw invalid("lines", "field.invoiceAccounts");
  const lines = input.lines.map((l, i) => ({ ...l, accountNo: nos[i] as string }));
  const resolved = resolveLines(lines, input.totalKop);
  if (!resolved.ok) throw invalid(resolved.field, resolved.message);
  // Only the organisation's accounts, and of those only the employee's scope.
  const [{ ofOrg }, places] = await Promise.all([q.selectAccountFacts(db, orgId, nos as string[]), placesOf(data, nos as string[])]);
  // The accounts' regions, which a home invoice's lines keep (the directory is not on its shard): each must be there
  // before a number is taken, or a retry would fail after it again.
  const regionOf = new Map([...places.values()].map((r) => [r.accountNo, r.region]));
  if (nos.some((n) => !regionOf.has(n as string))) throw invalid("lines", "field.invoiceAccounts");
  const scope = me.accountScope ? new Set(me.accountScope) : null;
  if (ofOrg.length !== nos.length || (scope && !nos.every((n) => scope.has(n as string)))) throw invalid("lines", "field.invoiceAccounts");

  const requestHash = await sha256Hex(JSON.stringify([resolved.totalKop, resolved.lines.map((l) => [l.accountNo, l.amountKop])]));
  const totalKop = resolved.totalKop;
  // The rate of the invoice's issue day (Moscow), the day its number and purpose carry.
  const vatOn = (at: Date) => vatIncludedKop(totalKop, vatPercentOn(localDay(INVOICE_TZ, at)));
  const replay = async (found: Recorded) => {
    if (found.requestHash !== requestHash) throw new AppError(409, "idempotency_mismatch");
    const store = invoiceStore(data, found.invoiceId);
    const written = await readInvoice(data, orgId, found.invoiceId).catch((e: unknown) => {
      if (e instanceof AppError && e.status === 404 && store?.home) return null;
      throw e;
    });
    if (written) return { invoice: written, created: false };
    if (store?.home) {
      // The same request: the invoice it took a number for is written now, its home write not having got through.
      const at = found.createdAt;
      await writeHome(data, store.db, {
        id: found.invoiceId,
        number: found.number,
        orgId,
        actor,
        totalKop,
        vatKop: vatOn(at),
        lines: resolved.lines,
        regionOf,
        at,
      });
    }
    return { invoice: await readInvoice(data, orgId, found.invoiceId), created: false };
  };
  // The key's earlier request, and the organisation (its home shard) in the same round trip.
  const [[earlier], [org]] = await db.batch([
    iq.selectRequest(db, orgId, actor.subscriberId, idempotencyKey),
    q.selectOrganisation(db, orgId),
  ]);
  if (earlier) return replay(earlier);

  const vatKop = vatOn(now);
  const year = Number(localDay(INVOICE_TZ, now).slice(0, 4));
  if (data.invoicesStore === "home") {
    const home = docHome(data, { id: orgId, homeShard: org?.homeShard ?? null });
    const id = newInvoiceId(org?.homeShard as ShardBinding, now.getTime());
    const n = { id, orgId, issuedBy: actor.subscriberId, key: idempotencyKey, requestHash, year, at: now };
    const results = await db.batch([...iq.numberStatements(db, n), iq.selectRequest(db, orgId, actor.subscriberId, idempotencyKey)]);
    const recorded = (results[results.length - 1] as Recorded[])[0];
    if (!recorded) throw new Error("invoice request not recorded");
    if (recorded.invoiceId !== id) return replay(recorded);
    await writeHome(data, home, { id, number: recorded.number, orgId, actor, totalKop, vatKop, lines: resolved.lines, regionOf, at: now });
    return { invoice: await readInvoice(data, orgId, id), created: true };
  }

  const id = newId(now.getTime());
  const { mine, statements } = iq.issueStatements(db, {
    id,
    orgId,
    issuedBy: actor.subscriberId,
    key: idempotencyKey,
    requestHash,
    year,
    totalKop,
    vatKop,
    lines: resolved.lines,
    at: now,
  });
  const results = await db.batch([
    ...statements,
    iq.insertIssueAudit(
      db,
      {
        id: newId(now.getTime()),
        orgId,
        actorId: actor.subscriberId,
        invoiceId: id,
        details: { totalKop, vatKop, accounts: resolved.lines.length },
        address: actor.address,
        at: now,
      },
      mine,
    ),
    iq.selectRequest(db, orgId, actor.subscriberId, idempotencyKey),
  ]);
  const recorded = (results[results.length - 1] as Recorded[])[0];
  if (!recorded) throw new Error("invoice request not recorded");
  if (recorded.invoiceId !== id) return replay(recorded);
  return { invoice: await readInvoice(data, orgId, id), created: true };
}

/**
 * The home half of an issue: the invoice with the number its id took, its lines with their accounts' regions, and its
 * audit entry, in one batch on the home shard, written once (a second call writes nothing).
 */
async function writeHome(
  data: DataAccess,
  home: RegionDb,
  n: {
    id: string;
    number: string | null;
    orgId: string;
    actor: Actor;
    totalKop: number;
    vatKop: number;
    lines: { accountNo: string; amountKop: number }[];
    regionOf: Map<string, string>;
    at: Date;
  },
) {
  const db = data.global;
  const number = n.number;
  if (!number) throw new Error(`invoice ${n.id}: no number recorded`);
  const { regionOf } = n;
  if (n.lines.some((l) => !regionOf.has(l.accountNo))) throw new Error(`invoice ${n.id}: an account is not in the directory`);
  const actorName = await db.select({ name: subscribers.displayName }).from(subscribers).where(eq(subscribers.id, n.actor.subscriberId));
  await home.batch([
    q.insertAuditNamed(
      home,
      {
        orgId: n.orgId,
        actorId: n.actor.subscriberId,
        action: "invoice.issued",
        target: number,
        details: { totalKop: n.totalKop, vatKop: n.vatKop, accounts: n.lines.length },
        address: n.actor.address,
        at: n.at,
      },
      actorName[0]?.name ?? "",
      newId(n.at.getTime()),
      iq.homeNotIssued(n.id),
    ),
    ...iq.homeIssueStatements(
      home,
      { id: n.id, number, orgId: n.orgId, issuedBy: n.actor.subscriberId, totalKop: n.totalKop, vatKop: n.vatKop, at: n.at },
      n.lines.map((l) => ({ ...l, region: regionOf.get(l.accountNo) as string })),
    ),
  ]);
}

/** An invoice as issued, where its id says it is (the issuer's own read: no scope). */
async function readInvoice(data: DataAccess, orgId: string, invoiceId: string): Promise<InvoiceDto> {
  const store = invoiceStore(data, invoiceId);
  if (!store) throw new AppError(404, "not_found");
  if (store.home) {
    const [[row], lines] = await store.db.batch([
      iq.selectHomeInvoice(store.db, orgId, null, invoiceId),
      iq.selectHomeLines(store.db, [invoiceId]),
    ]);
    if (!row) throw new AppError(404, "not_found");
    return invoiceDto(row, lines);
  }
  const db = data.global;
  const [[row], lines] = await db.batch([iq.selectInvoice(db, orgId, invoiceId), iq.selectLines(db, [invoiceId])]);
  if (!row) throw new AppError(404, "not_found");
  return invoiceDto(row, lines);
}

// The GET routes' reads go into the session's batch (one global round trip a request, issue 21): the organisation,
// the invoice and the page come from the request itself.
const INVOICES = "GET /api/v1/business/organisations/:orgId/invoices";
const ONE = [`${INVOICES}/:invoiceId`, `${INVOICES}/:invoiceId/pdf`];
const PATH = /^\/api\/v1\/business\/organisations\/([^/]+)\/invoices(?:\/([^/]+))?/;
function pathOf(c?: Context<AppEnv>) {
  const m = PATH.exec(c?.req.path ?? "");
  const decode = (s: string | undefined) => {
    try {
      return decodeURIComponent(s ?? "");
    } catch {
      return "";
    }
  };
  return { orgId: decode(m?.[1]), invoiceId: decode(m?.[2]) };
}
function listPageOf(c?: Context<AppEnv>) {
  const n = Number(c?.req.query("limit") ?? 30);
  const cursor = c?.req.query("cursor") ?? null;
  return { before: cursor && isInvoiceId(cursor) ? invoiceKey(cursor) : null, limit: Number.isInteger(n) && n >= 1 && n <= 100 ? n : 30 };
}
const MEMBER_READ = readWithSession([INVOICES, "POST /api/v1/business/organisations/:orgId/invoices", ...ONE], (db, who, c) =>
  q.selectMember(db, pathOf(c).orgId, who),
);
const PAGE_READ = readWithSession([INVOICES], (db, who, c) => {
  const { before, limit } = listPageOf(c);
  return iq.selectInvoices(db, pathOf(c).orgId, who, before, limit);
});
const PAGE_LINES_READ = readWithSession([INVOICES], (db, who, c) => {
  const { before, limit } = listPageOf(c);
  return iq.selectPageLines(db, pathOf(c).orgId, who, before, limit);
});
const ORG_READ = readWithSession([INVOICES, ...ONE], (db, _who, c) => q.selectOrganisation(db, pathOf(c).orgId));
const INVOICE_READ = readWithSession(ONE, (db, who, c) => iq.selectVisibleInvoice(db, pathOf(c).orgId, who, pathOf(c).invoiceId));
const LINES_READ = readWithSession(ONE, (db, _who, c) => iq.selectLines(db, [pathOf(c).invoiceId]));

/** The caller's membership of the organisation (as read with the session, or read now). */
export async function membership(db: GlobalDb, subscriberId: string, orgId: string) {
  return preread(db, subscriberId, MEMBER_READ) ?? (await q.selectMember(db, orgId, subscriberId));
}

/**
 * A page of the organisation's invoices, newest first (permission `documents`; a limited employee sees those of their
 * accounts): those on its home shard and those an older deployment kept in the global tables (read with the session),
 * merged by the time in their ids. The cursor is that time-ordered part (`invoiceKey`) of the page's last invoice.
 */
export async function listInvoices(data: DataAccess, subscriberId: string, orgId: string, cursor: string | undefined, limit: number) {
  guardOrg(orgId);
  const db = data.global;
  if (cursor && !isInvoiceId(cursor)) throw invalid("cursor", "problem.validation");
  // An id (what a client kept of the last item) stands for the position its time-ordered part names.
  const before = cursor ? invoiceKey(cursor) : null;
  const [member, rows, lines, [org]] =
    prereads(db, subscriberId, [MEMBER_READ, PAGE_READ, PAGE_LINES_READ, ORG_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      iq.selectInvoices(db, orgId, subscriberId, before, limit),
      iq.selectPageLines(db, orgId, subscriberId, before, limit),
      q.selectOrganisation(db, orgId),
    ]));
  const me = allowed(member, "documents");
  const home = listHome(data, { id: orgId, homeShard: org?.homeShard ?? null });
  const [homeRows, homeLines] = home
    ? await home.batch([
        iq.selectHomeInvoices(home, orgId, me.accountScope, before, limit),
        iq.selectHomePageLines(home, orgId, me.accountScope, before, limit),
      ])
    : [[], []];
  const all = [...rows, ...homeRows].sort((a, b) => (invoiceKey(a.id) < invoiceKey(b.id) ? 1 : -1));
  const page = all.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => invoiceDto(r, [...lines, ...homeLines])),
    nextCursor: all.length > limit && last ? invoiceKey(last.id) : null,
  };
}

/**
 * One invoice the employee may see (permission `documents`), with the organisation as payer: on the home shard its id
 * names, or an older deployment's in the global tables (read with the session).
 */
export async function getInvoice(data: DataAccess, subscriberId: string, orgId: string, invoiceId: string) {
  guardOrg(orgId);
  const db = data.global;
  const [member, [org], [legacyRow], legacyLines] =
    prereads(db, subscriberId, [MEMBER_READ, ORG_READ, INVOICE_READ, LINES_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      q.selectOrganisation(db, orgId),
      iq.selectVisibleInvoice(db, orgId, subscriberId, invoiceId),
      iq.selectLines(db, [invoiceId]),
    ]));
  const me = allowed(member, "documents");
  guardInvoice(invoiceId);
  const store = invoiceStore(data, invoiceId);
  if (!org || !store) throw new AppError(404, "not_found");
  const [[row], lines] = store.home
    ? await store.db.batch([iq.selectHomeInvoice(store.db, orgId, me.accountScope, invoiceId), iq.selectHomeLines(store.db, [invoiceId])])
    : [[legacyRow], legacyLines];
  if (!row) throw new AppError(404, "not_found");
  return { invoice: invoiceDto(row, lines), org };
}

/** What the PDF prints: the invoice and the organisation as payer. */
export function documentOf(
  invoice: InvoiceDto,
  org: { name: string; inn: string; kpp: string | null; legalAddress: string },
): InvoiceDocument {
  return {
    number: invoice.number,
    date: invoice.date,
    totalKop: invoice.totalKop,
    vatKop: invoice.vatKop,
    purpose: invoice.purpose,
    qrPayload: invoice.qrPayload,
    lines: invoice.lines,
    payer: { name: org.name, inn: org.inn, kpp: org.kpp, address: org.legalAddress },
  };
}
