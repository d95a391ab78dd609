import type { InferSelectModel } from "drizzle-orm";
import type { Context } from "hono";
import { OPERATOR } from "../../data/operator.data";
import type { invoices } from "../../db/schema/global";
import type { AppEnv } from "../../env";
import { sha256Hex } from "../../platform/crypto";
import type { DataAccess, GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { isId, newId, parseAccountNo } from "../../platform/ids";
import { localDay } from "../../platform/region";
import { preread, readWithSession } from "../../platform/session";
import { vatIncludedKop, vatPercentOn } from "../../platform/vat";
import * as q from "./business.queries";
import { authorize, prereads } from "./business.service";
import type { InvoiceDocument } from "./invoices.pdf";
import * as iq from "./invoices.queries";
import { gostPayload, type LineInput, MAX_INVOICE_LINES, purposeOf, resolveLines } from "./invoices.rules";

/** Invoices are dated by Moscow's calendar (the operator's seat), whatever the payer's region. */
const INVOICE_TZ = "Europe/Moscow";

/** Organisation ids are ours (letters, digits, dashes); invoice ids are `newId()`s; anything else is not found. */
const guardOrg = (id: string) => {
  if (!/^[a-z0-9-]{1,40}$/.test(id)) throw new AppError(404, "not_found");
};
const guardInvoice = (id: string) => {
  if (!isId(id)) throw new AppError(404, "not_found");
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
 * the lines without one (`resolveLines`). The number comes from the year's sequence in the same transaction as
 * the invoice, its lines and the audit entry. The same Idempotency-Key returns the first invoice (`created`
 * false) for 30 days (housekeeping then deletes the key's row); with another request it is a 409.
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
  const { ofOrg } = await q.selectAccountFacts(db, orgId, nos as string[]);
  const scope = me.accountScope ? new Set(me.accountScope) : null;
  if (ofOrg.length !== nos.length || (scope && !nos.every((n) => scope.has(n as string)))) throw invalid("lines", "field.invoiceAccounts");

  const requestHash = await sha256Hex(JSON.stringify([resolved.totalKop, resolved.lines.map((l) => [l.accountNo, l.amountKop])]));
  const replay = async (found: { requestHash: string; invoiceId: string }) => {
    if (found.requestHash !== requestHash) throw new AppError(409, "idempotency_mismatch");
    return { invoice: await readInvoice(db, orgId, found.invoiceId), created: false };
  };
  const [earlier] = await iq.selectRequest(db, orgId, actor.subscriberId, idempotencyKey);
  if (earlier) return replay(earlier);

  const id = newId(now.getTime());
  const totalKop = resolved.totalKop;
  // The rate of the invoice's issue day (Moscow), the day its number and purpose carry.
  const vatKop = vatIncludedKop(totalKop, vatPercentOn(localDay(INVOICE_TZ, now)));
  const { mine, statements } = iq.issueStatements(db, {
    id,
    orgId,
    issuedBy: actor.subscriberId,
    key: idempotencyKey,
    requestHash,
    year: Number(localDay(INVOICE_TZ, now).slice(0, 4)),
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
  const recorded = (results[results.length - 1] as { requestHash: string; invoiceId: string }[])[0];
  if (!recorded) throw new Error("invoice request not recorded");
  if (recorded.invoiceId !== id) return replay(recorded);
  return { invoice: await readInvoice(db, orgId, id), created: true };
}

async function readInvoice(db: GlobalDb, orgId: string, invoiceId: string): Promise<InvoiceDto> {
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
  return { before: cursor && isId(cursor) ? cursor : null, limit: Number.isInteger(n) && n >= 1 && n <= 100 ? n : 30 };
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
const ORG_READ = readWithSession(ONE, (db, _who, c) => q.selectOrganisation(db, pathOf(c).orgId));
const INVOICE_READ = readWithSession(ONE, (db, who, c) => iq.selectVisibleInvoice(db, pathOf(c).orgId, who, pathOf(c).invoiceId));
const LINES_READ = readWithSession(ONE, (db, _who, c) => iq.selectLines(db, [pathOf(c).invoiceId]));

/** The caller's membership of the organisation (as read with the session, or read now). */
export async function membership(db: GlobalDb, subscriberId: string, orgId: string) {
  return preread(db, subscriberId, MEMBER_READ) ?? (await q.selectMember(db, orgId, subscriberId));
}

/** A page of the organisation's invoices, newest first (permission `documents`; a limited employee sees those of their accounts). */
export async function listInvoices(db: GlobalDb, subscriberId: string, orgId: string, cursor: string | undefined, limit: number) {
  guardOrg(orgId);
  if (cursor && !isId(cursor)) throw invalid("cursor", "problem.validation");
  const [member, rows, lines] =
    prereads(db, subscriberId, [MEMBER_READ, PAGE_READ, PAGE_LINES_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      iq.selectInvoices(db, orgId, subscriberId, cursor ?? null, limit),
      iq.selectPageLines(db, orgId, subscriberId, cursor ?? null, limit),
    ]));
  allowed(member, "documents");
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => invoiceDto(r, lines)),
    nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** One invoice the employee may see (permission `documents`), with the organisation as payer. */
export async function getInvoice(db: GlobalDb, subscriberId: string, orgId: string, invoiceId: string) {
  guardOrg(orgId);
  const [member, [org], [row], lines] =
    prereads(db, subscriberId, [MEMBER_READ, ORG_READ, INVOICE_READ, LINES_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      q.selectOrganisation(db, orgId),
      iq.selectVisibleInvoice(db, orgId, subscriberId, invoiceId),
      iq.selectLines(db, [invoiceId]),
    ]));
  allowed(member, "documents");
  guardInvoice(invoiceId);
  if (!org || !row) throw new AppError(404, "not_found");
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
