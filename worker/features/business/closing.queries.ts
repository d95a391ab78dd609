import { and, asc, desc, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import {
  accountDirectory,
  closingDocuments,
  closingLines,
  orgAccounts,
  organisations,
  orgMembers,
  subscribers,
} from "../../db/schema/global";
import { cronProgress } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import type { DocLine } from "./closing.document";

/** The organisation's accounts with each one's region and shard: what a month's document covers. */
export function selectOrgAccounts(db: GlobalDb, orgId: string) {
  return db
    .select({ accountNo: orgAccounts.accountNo, region: accountDirectory.region, shard: accountDirectory.shard })
    .from(orgAccounts)
    .innerJoin(accountDirectory, eq(accountDirectory.accountNo, orgAccounts.accountNo))
    .where(eq(orgAccounts.orgId, orgId))
    .orderBy(asc(orgAccounts.accountNo))
    .all();
}

/** The last local day a region has been charged for (the daily charge's progress), or undefined. */
export async function chargedThrough(db: RegionDb, region: string): Promise<string | undefined> {
  const row = await db
    .select({ doneDay: cronProgress.doneDay })
    .from(cronProgress)
    .where(and(eq(cronProgress.job, "midnight"), eq(cronProgress.region, region)))
    .get();
  return row?.doneDay;
}

/** The month's documents of an organisation, oldest revision first. */
export function selectMonthDocuments(db: GlobalDb, orgId: string, period: string) {
  return db
    .select()
    .from(closingDocuments)
    .where(and(eq(closingDocuments.orgId, orgId), eq(closingDocuments.period, period)))
    .orderBy(asc(closingDocuments.revision))
    .all();
}

export function selectLines(db: GlobalDb, docIds: string[]) {
  if (docIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(closingLines)
    .where(inArray(closingLines.docId, docIds))
    .orderBy(asc(closingLines.docId), asc(closingLines.lineNo))
    .all();
}

export interface NewDocument {
  id: string;
  orgId: string;
  period: string;
  revision: number;
  kind: "upd" | "ukd";
  year: number;
  correctsId: string | null;
  docDate: string;
  totalKop: number;
  vatKop: number;
  parties: string;
  fileGuid: string;
  createdAt: Date;
}

const PREFIX = { upd: "УПД", ukd: "УКД" } as const;

/**
 * The document's insert: its number is the next of its kind and year (УПД-2026-000124), taken by the same
 * statement (D1 runs statements one at a time, and the (kind, year, seq) index is unique, so no two documents
 * share one and none is skipped). A second insert for the same organisation, month and revision does nothing: a
 * rerun or a parallel run keeps the first document and its number.
 */
export function insertDocument(db: GlobalDb, d: NewDocument) {
  const c = closingDocuments;
  const next = sql`(SELECT coalesce(max(${c.seq}), 0) + 1 FROM ${c} WHERE ${c.kind} = ${d.kind} AND ${c.year} = ${d.year})`;
  // Columns in the table's order: id, org_id, period, revision, kind, number, year, seq, corrects_id, doc_date, total_kop,
  // vat_kop, parties, file_guid, status, pdf_key, xml_key, created_at, ready_at.
  return db
    .insert(c)
    .select(
      sql`SELECT ${d.id}, ${d.orgId}, ${d.period}, ${d.revision}, ${d.kind}, ${`${PREFIX[d.kind]}-${d.year}-`} || printf('%06d', n.seq), ${d.year}, n.seq,
      ${d.correctsId}, ${d.docDate}, ${d.totalKop}, ${d.vatKop}, ${d.parties}, ${d.fileGuid}, 'generating', NULL, NULL, ${d.createdAt.getTime()}, NULL
      FROM (SELECT ${next} AS seq) n WHERE true`,
    )
    .onConflictDoNothing({ target: [c.orgId, c.period, c.revision] });
}

/** Lines a statement: one JSON parameter each (D1 binds at most 100 values to a statement). */
const LINES_PER_STATEMENT = 400;

/** The document's lines, written only if the document was (the same batch, after its insert). */
export function insertLines(db: GlobalDb, docId: string, lines: readonly DocLine[]) {
  const out = [];
  const field = (name: keyof DocLine) => sql`json_extract(j.value, ${`$.${name}`})`;
  for (let i = 0; i < lines.length; i += LINES_PER_STATEMENT) {
    const json = JSON.stringify(lines.slice(i, i + LINES_PER_STATEMENT));
    // Columns in the table's order: doc_id, line_no, account_no, region, service_id, name_ru, before_kop, vat_before_kop, amount_kop, vat_kop.
    out.push(
      db.insert(closingLines).select(
        sql`SELECT ${docId}, ${field("lineNo")}, ${field("accountNo")}, ${field("region")}, ${field("serviceId")}, ${field("nameRu")},
          ${field("beforeKop")}, ${field("vatBeforeKop")}, ${field("amountKop")}, ${field("vatKop")}
        FROM json_each(${json}) j
        WHERE EXISTS (SELECT 1 FROM ${closingDocuments} WHERE id = ${docId} AND status = 'generating')
          AND NOT EXISTS (SELECT 1 FROM ${closingLines} WHERE doc_id = ${docId} AND line_no = ${field("lineNo")})`,
      ),
    );
  }
  return out;
}

/** Marks a document ready with its files; true only for the call that did it (the notice goes once). */
export async function markReady(db: GlobalDb, docId: string, keys: { pdfKey: string; xmlKey: string | null }, at: Date) {
  const done = await db
    .update(closingDocuments)
    .set({ status: "ready", pdfKey: keys.pdfKey, xmlKey: keys.xmlKey, readyAt: at })
    .where(and(eq(closingDocuments.id, docId), eq(closingDocuments.status, "generating")))
    .returning({ id: closingDocuments.id });
  return done.length > 0;
}

/**
 * Organisations with accounts that have no ready УПД for the month yet: what the monthly job queues (a document
 * left `generating` by a run that died is queued again and finished from its rows).
 */
export function selectOrgsWithoutDocument(db: GlobalDb, period: string, after: string | null, limit: number) {
  const d = closingDocuments;
  return db
    .select({ id: organisations.id })
    .from(organisations)
    .where(
      and(
        after === null ? undefined : gt(organisations.id, after),
        sql`EXISTS (SELECT 1 FROM ${orgAccounts} WHERE ${orgAccounts.orgId} = ${organisations.id})`,
        sql`NOT EXISTS (SELECT 1 FROM ${d} WHERE ${d.orgId} = ${organisations.id} AND ${d.period} = ${period} AND ${d.revision} = 0 AND ${d.status} = 'ready')`,
      ),
    )
    .orderBy(asc(organisations.id))
    .limit(limit)
    .all();
}

/** The organisation's documents, newest month first, each month's revisions in order, with the number corrected. */
export function selectOrgDocuments(db: GlobalDb, orgId: string) {
  const original = alias(closingDocuments, "original");
  return db
    .select({
      id: closingDocuments.id,
      kind: closingDocuments.kind,
      number: closingDocuments.number,
      period: closingDocuments.period,
      revision: closingDocuments.revision,
      docDate: closingDocuments.docDate,
      totalKop: closingDocuments.totalKop,
      vatKop: closingDocuments.vatKop,
      status: closingDocuments.status,
      hasXml: sql<number>`${closingDocuments.xmlKey} IS NOT NULL`.mapWith(Boolean),
      correctsNumber: original.number,
      createdAt: closingDocuments.createdAt,
    })
    .from(closingDocuments)
    .leftJoin(original, eq(original.id, closingDocuments.correctsId))
    .where(eq(closingDocuments.orgId, orgId))
    .orderBy(desc(closingDocuments.period), asc(closingDocuments.revision))
    .limit(240);
}

/** One document of the organisation (another organisation's id is simply not found). */
export function selectOrgDocument(db: GlobalDb, orgId: string, docId: string) {
  return db
    .select()
    .from(closingDocuments)
    .where(and(eq(closingDocuments.orgId, orgId), eq(closingDocuments.id, docId)));
}

/** Who hears that the month's documents are ready: the organisation's administrators and accountants with an email. */
export function selectDocumentReaders(db: GlobalDb, orgId: string) {
  return db
    .select({ id: subscribers.id, email: subscribers.email })
    .from(orgMembers)
    .innerJoin(subscribers, eq(subscribers.id, orgMembers.subscriberId))
    .where(and(eq(orgMembers.orgId, orgId), inArray(orgMembers.role, ["administrator", "accountant"]), isNotNull(subscribers.email)))
    .all();
}

/** True once the document with this id is written (the audit entry goes in the same batch, after it). */
export const documentExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${closingDocuments} WHERE ${closingDocuments.id} = ${id})`;

/** Organisations with a УПД for the month: what the day after the issue days checks again for changes. */
export function selectOrgsWithDocument(db: GlobalDb, period: string, after: string | null, limit: number) {
  return db
    .selectDistinct({ id: closingDocuments.orgId })
    .from(closingDocuments)
    .where(
      and(
        eq(closingDocuments.period, period),
        eq(closingDocuments.revision, 0),
        after === null ? undefined : gt(closingDocuments.orgId, after),
      ),
    )
    .orderBy(asc(closingDocuments.orgId))
    .limit(limit)
    .all();
}
