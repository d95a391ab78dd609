import { and, asc, desc, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import {
  accountDirectory,
  invoiceCounters,
  invoiceLines,
  invoiceNumbers,
  invoiceRequests,
  invoices,
  orgAudit,
  orgMembers,
  subscribers,
} from "../../db/schema/global";
import { homeInvoiceLines, homeInvoices } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import { subscriberIs } from "../../platform/session";
import { effectiveScope, type Who } from "./business.queries";

/** The issue request of this key by this person in this organisation (empty when none). */
export function selectRequest(db: GlobalDb, orgId: string, issuedBy: string, key: string) {
  return db
    .select({
      requestHash: invoiceRequests.requestHash,
      invoiceId: invoiceRequests.invoiceId,
      createdAt: invoiceRequests.createdAt,
      number: invoiceRequests.number,
    })
    .from(invoiceRequests)
    .where(and(eq(invoiceRequests.orgId, orgId), eq(invoiceRequests.issuedBy, issuedBy), eq(invoiceRequests.idempotencyKey, key)));
}

export interface NewInvoice {
  id: string;
  orgId: string;
  issuedBy: string;
  key: string;
  requestHash: string;
  year: number;
  totalKop: number;
  vatKop: number;
  lines: { accountNo: string; amountKop: number }[];
  at: Date;
}

/** The request's row under its key, naming this invoice: what every statement after its insert is conditional on. */
const requestIs = (n: Pick<NewInvoice, "orgId" | "issuedBy" | "key" | "id">) =>
  and(
    eq(invoiceRequests.orgId, n.orgId),
    eq(invoiceRequests.issuedBy, n.issuedBy),
    eq(invoiceRequests.idempotencyKey, n.key),
    eq(invoiceRequests.invoiceId, n.id),
  );

/** The number the year's sequence stands at: `СЧ-<year>-<6 digits>` (7 past 999,999: printf's width is a minimum). */
const NUMBER = sql`'СЧ-' || ${invoiceCounters.year} || '-' || printf('%06d', ${invoiceCounters.last})`;

/**
 * The first two statements of an issue, in either place: the request recorded under its key (a second request with
 * the same key records nothing), then the year's sequence advanced only if this request's row is the one recorded
 * (`mine`).
 */
function takeNumber(db: GlobalDb, n: Omit<NewInvoice, "totalKop" | "vatKop" | "lines">) {
  const mine = sql`EXISTS (SELECT 1 FROM ${invoiceRequests} WHERE ${requestIs(n)})`;
  return {
    mine,
    statements: [
      db
        .insert(invoiceRequests)
        .values({
          orgId: n.orgId,
          issuedBy: n.issuedBy,
          idempotencyKey: n.key,
          requestHash: n.requestHash,
          invoiceId: n.id,
          createdAt: n.at,
        })
        .onConflictDoNothing(),
      // INSERT … SELECT … WHERE … ON CONFLICT: SQLite's upsert needs the WHERE to parse (lang_upsert.html § 2.2).
      db
        .insert(invoiceCounters)
        .select(sql`SELECT ${n.year}, 1 WHERE ${mine}`)
        .onConflictDoUpdate({ target: invoiceCounters.year, set: { last: sql`${invoiceCounters.last} + 1` } }),
    ] as const,
  };
}

/**
 * The statements that issue an invoice, for one D1 batch (one transaction): the request is recorded first under
 * its key (a second request with the same key records nothing); every later statement runs only if this request's
 * row is the one recorded (`mine`), so the sequence advances exactly when an invoice is inserted, by one, and the
 * invoice takes the number it advanced to. Put the audit entry after these with the same `mine` condition.
 */
export function issueStatements(db: GlobalDb, n: NewInvoice) {
  const { mine, statements: taken } = takeNumber(db, n);
  const at = n.at.getTime();
  return {
    mine,
    statements: [
      ...taken,
      // Columns in the table's order: id, number, org_id, issued_by, total_kop, vat_kop, paid_kop, status, created_at.
      db
        .insert(invoices)
        .select(
          sql`SELECT ${n.id}, ${NUMBER}, ${n.orgId}, ${n.issuedBy}, ${n.totalKop}, ${n.vatKop}, 0, 'issued', ${at} FROM ${invoiceCounters} WHERE ${invoiceCounters.year} = ${n.year} AND ${mine}`,
        ),
      // The lines as one JSON parameter (up to 500 lines in one statement, within D1's 100 bound values).
      db
        .insert(invoiceLines)
        .select(
          sql`SELECT ${n.id}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(n.lines.map((l) => [l.accountNo, l.amountKop]))}) WHERE ${mine}`,
        ),
    ] as const,
  };
}

/**
 * The audit entry of an issue, after the invoice in the same batch and under the same `mine` condition: its target
 * is the number the invoice took, read by the statement itself (as `insertAudit` of business.queries does otherwise).
 */
export function insertIssueAudit(
  db: GlobalDb,
  e: { id: string; orgId: string; actorId: string; invoiceId: string; details: unknown; address: string; at: Date },
  mine: SQL,
) {
  const actorName = sql`coalesce((SELECT ${subscribers.displayName} FROM ${subscribers} WHERE ${subscribers.id} = ${e.actorId}), '')`;
  const number = sql`(SELECT ${invoices.number} FROM ${invoices} WHERE ${invoices.id} = ${e.invoiceId})`;
  // The columns in the table's order: id, org_id, actor_id, actor_name, action, target, details, address, created_at.
  return db
    .insert(orgAudit)
    .select(
      sql`SELECT ${e.id}, ${e.orgId}, ${e.actorId}, ${actorName}, 'invoice.issued', ${number}, ${JSON.stringify(e.details)}, ${e.address}, ${e.at.getTime()} WHERE ${mine}`,
    );
}

export function selectInvoice(db: GlobalDb, orgId: string, invoiceId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), eq(invoices.id, invoiceId)));
}

/** The lines of these invoices, with each account's region. */
export function selectLines(db: GlobalDb, invoiceIds: string[] | SQL) {
  return db
    .select({
      invoiceId: invoiceLines.invoiceId,
      accountNo: invoiceLines.accountNo,
      amountKop: invoiceLines.amountKop,
      region: accountDirectory.region,
    })
    .from(invoiceLines)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, invoiceLines.accountNo))
    .where(
      Array.isArray(invoiceIds)
        ? inArray(invoiceLines.invoiceId, invoiceIds.length > 0 ? invoiceIds : [""])
        : sql`${invoiceLines.invoiceId} IN ${invoiceIds}`,
    )
    .orderBy(asc(invoiceLines.invoiceId), asc(invoiceLines.accountNo));
}

/**
 * An employee limited to some accounts sees an invoice only if every one of its accounts is theirs (the scope is
 * read by the same statement, as for the accounts list).
 */
function withinScope(orgId: string, who: Who): SQL {
  // The effective scope, as the membership's read gives it (the accounts of the member's sites are in it).
  const scope = sql`(SELECT ${effectiveScope} FROM ${orgMembers} WHERE ${orgMembers.orgId} = ${orgId} AND ${subscriberIs(orgMembers.subscriberId, who)})`;
  return sql`(${scope} IS NULL OR NOT EXISTS (SELECT 1 FROM ${invoiceLines} WHERE ${invoiceLines.invoiceId} = ${invoices.id} AND ${invoiceLines.accountNo} NOT IN (SELECT value FROM json_each(${scope}))))`;
}

/** A page of the organisation's invoices the member may see, newest first, before the invoice id `before`. */
export function selectInvoices(db: GlobalDb, orgId: string, who: Who, before: string | null, limit: number) {
  return db
    .select()
    .from(invoices)
    .where(pageOf(orgId, who, before))
    .orderBy(desc(invoices.id))
    .limit(limit + 1);
}

const pageOf = (orgId: string, who: Who, before: string | null) =>
  and(eq(invoices.orgId, orgId), withinScope(orgId, who), before ? lt(invoices.id, before) : undefined);

/** The lines of that same page, by the same condition as a subquery: read in the same batch as the page. */
export function selectPageLines(db: GlobalDb, orgId: string, who: Who, before: string | null, limit: number) {
  const ids = sql`(SELECT ${invoices.id} FROM ${invoices} WHERE ${pageOf(orgId, who, before)} ORDER BY ${invoices.id} DESC LIMIT ${limit + 1})`;
  return selectLines(db, ids);
}

/** One invoice if the member may see it (same scope rule as the list). */
export function selectVisibleInvoice(db: GlobalDb, orgId: string, who: Who, invoiceId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), eq(invoices.id, invoiceId), withinScope(orgId, who)));
}

// ── Invoices on the organisation's home shard (issue 20) ─────────────────────────────────────────────────────────

/**
 * The global half of a home invoice's issue, for one D1 batch: the request recorded under its key, the year's
 * sequence advanced, the number it took written on the request's row and in `invoice_numbers` (naming the invoice id),
 * each only if this request's row is the one recorded (`mine`), as `issueStatements` does for an invoice kept here. The
 * invoice itself is written on the home shard after it (`homeIssueStatements`), with the number the request's row
 * gives back (`selectRequest`, also what a replay reads).
 */
export function numberStatements(db: GlobalDb, n: Omit<NewInvoice, "totalKop" | "vatKop" | "lines">) {
  return [
    ...takeNumber(db, n).statements,
    db
      .update(invoiceRequests)
      .set({ number: sql`(SELECT ${NUMBER} FROM ${invoiceCounters} WHERE ${invoiceCounters.year} = ${n.year})` })
      .where(and(requestIs(n), isNull(invoiceRequests.number))),
    db
      .insert(invoiceNumbers)
      .select(
        sql`SELECT ${invoiceRequests.number}, ${invoiceRequests.invoiceId} FROM ${invoiceRequests} WHERE ${requestIs(n)} AND ${invoiceRequests.number} IS NOT NULL`,
      ),
  ] as const;
}

/**
 * The home half of an issue: the invoice and its lines, written once (a retry of the same request writes nothing: the
 * invoice's key, and the lines only with an invoice written by this batch). The audit entry goes before them with
 * `homeNotIssued` as its condition.
 */
export function homeIssueStatements(
  home: RegionDb,
  n: { id: string; number: string; orgId: string; issuedBy: string; totalKop: number; vatKop: number; at: Date },
  lines: { accountNo: string; amountKop: number; region: string }[],
) {
  return [
    // Two requests of one key at once (a double click) may both write it: the second writes nothing.
    home
      .insert(homeInvoices)
      .values({
        id: n.id,
        number: n.number,
        orgId: n.orgId,
        issuedBy: n.issuedBy,
        totalKop: n.totalKop,
        vatKop: n.vatKop,
        paidKop: 0,
        status: "issued",
        createdAt: n.at,
      })
      .onConflictDoNothing(),
    // The lines as one JSON parameter (up to 500 lines in one statement, within D1's 100 bound values).
    home
      .insert(homeInvoiceLines)
      .select(
        sql`SELECT ${n.id}, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(${JSON.stringify(lines.map((l) => [l.accountNo, l.amountKop, l.region]))}) WHERE changes() = 1`,
      )
      .onConflictDoNothing(),
  ] as const;
}

/** Whether the home invoice is not written yet: the condition of its audit entry, put before it in the same batch. */
export const homeNotIssued = (invoiceId: string) => sql`NOT EXISTS (SELECT 1 FROM ${homeInvoices} WHERE ${homeInvoices.id} = ${invoiceId})`;

/** An employee limited to `scope` sees a home invoice only if every one of its accounts is in it (null: all). */
const homeWithinScope = (scope: string[] | null): SQL | undefined =>
  scope === null
    ? undefined
    : sql`NOT EXISTS (SELECT 1 FROM ${homeInvoiceLines} WHERE ${homeInvoiceLines.invoiceId} = ${homeInvoices.id} AND ${homeInvoiceLines.accountNo} NOT IN (SELECT value FROM json_each(${JSON.stringify(scope)})))`;

/** A page of the organisation's home invoices the member may see, newest first, before the key `before` (`invoiceKey`). */
export function selectHomeInvoices(home: RegionDb, orgId: string, scope: string[] | null, before: string | null, limit: number) {
  return home
    .select()
    .from(homeInvoices)
    .where(and(eq(homeInvoices.orgId, orgId), homeWithinScope(scope), before ? lt(homeInvoices.id, `iv-${before}`) : undefined))
    .orderBy(desc(homeInvoices.id))
    .limit(limit + 1);
}

/** One home invoice if the member may see it. */
export function selectHomeInvoice(home: RegionDb, orgId: string, scope: string[] | null, invoiceId: string) {
  return home
    .select()
    .from(homeInvoices)
    .where(and(eq(homeInvoices.orgId, orgId), eq(homeInvoices.id, invoiceId), homeWithinScope(scope)));
}

/** The lines of these home invoices (a list of ids, or a subquery of them), with their accounts' regions. */
export function selectHomeLines(home: RegionDb, invoiceIds: string[] | SQL) {
  return home
    .select({
      invoiceId: homeInvoiceLines.invoiceId,
      accountNo: homeInvoiceLines.accountNo,
      amountKop: homeInvoiceLines.amountKop,
      region: homeInvoiceLines.region,
    })
    .from(homeInvoiceLines)
    .where(
      Array.isArray(invoiceIds)
        ? inArray(homeInvoiceLines.invoiceId, invoiceIds.length > 0 ? invoiceIds : [""])
        : sql`${homeInvoiceLines.invoiceId} IN ${invoiceIds}`,
    )
    .orderBy(asc(homeInvoiceLines.invoiceId), asc(homeInvoiceLines.accountNo));
}

/** The lines of that same page of home invoices, by the same condition as a subquery: read in one batch with it. */
export function selectHomePageLines(home: RegionDb, orgId: string, scope: string[] | null, before: string | null, limit: number) {
  const ids = sql`(SELECT ${homeInvoices.id} FROM ${homeInvoices} WHERE ${and(eq(homeInvoices.orgId, orgId), homeWithinScope(scope), before ? lt(homeInvoices.id, `iv-${before}`) : undefined)} ORDER BY ${homeInvoices.id} DESC LIMIT ${limit + 1})`;
  return selectHomeLines(home, ids);
}
