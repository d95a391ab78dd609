import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import {
  accountDirectory,
  closingCounters,
  closingDocuments as legacyClosingDocuments,
  orgAccounts,
  organisations,
  orgMembers,
  subscribers,
} from "../../db/schema/global";
import { homeClosingDocuments as closingDocuments, homeClosingLines as closingLines, cronProgress } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import { insertAuditNamed } from "./audit.writer";
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

/** The month's documents of an organisation in one place (its home shard, or the global tables), oldest revision first. */
export function selectMonthDocuments(db: RegionDb, orgId: string, period: string) {
  return db
    .select()
    .from(closingDocuments)
    .where(and(eq(closingDocuments.orgId, orgId), eq(closingDocuments.period, period)))
    .orderBy(asc(closingDocuments.revision))
    .all();
}

export function selectLines(db: RegionDb, docIds: string[]) {
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
 * The document's insert, without its number (`setNumber` gives it one). A second insert for the same organisation,
 * month and revision does nothing: a rerun or a parallel run keeps the first document and its number.
 */
export function insertDocument(db: RegionDb, d: NewDocument) {
  return db
    .insert(closingDocuments)
    .values({ ...d, number: null, seq: null, status: "generating", pdfKey: null, xmlKey: null, readyAt: null })
    .onConflictDoNothing({ target: [closingDocuments.orgId, closingDocuments.period, closingDocuments.revision] });
}

/**
 * The next number of a kind and year (УПД-2026-000124), from the one global sequence (the documents are on many
 * shards): one statement, so no two documents take the same, whichever shards they are on. It goes on past the
 * global table's highest number too: an older deployment's Worker, still running for a while after the migration
 * that started the sequence, numbered its documents there.
 */
export async function takeNumber(db: GlobalDb, kind: "upd" | "ukd", year: number): Promise<{ number: string; seq: number }> {
  const c = closingCounters;
  const legacy = sql`coalesce((SELECT max(${legacyClosingDocuments.seq}) FROM ${legacyClosingDocuments} WHERE ${legacyClosingDocuments.kind} = ${kind} AND ${legacyClosingDocuments.year} = ${year}), 0)`;
  const [row] = await db
    .insert(c)
    .values({ kind, year, last: sql`${legacy} + 1` })
    .onConflictDoUpdate({ target: [c.kind, c.year], set: { last: sql`max(${c.last}, ${legacy}) + 1` } })
    .returning({ last: c.last });
  const seq = row?.last ?? 0;
  return { number: `${PREFIX[kind]}-${year}-${String(seq).padStart(6, "0")}`, seq };
}

/** Gives a written document the number taken for it; false when it had one (a parallel run's: this one goes unused). */
export async function setNumber(db: RegionDb, docId: string, n: { number: string; seq: number }): Promise<boolean> {
  const done = await db
    .update(closingDocuments)
    .set(n)
    .where(and(eq(closingDocuments.id, docId), isNull(closingDocuments.number)))
    .returning({ id: closingDocuments.id });
  return done.length > 0;
}

/** Lines a statement: one JSON parameter each (D1 binds at most 100 values to a statement). */
const LINES_PER_STATEMENT = 400;

/** The document's lines, written only if the document was (the same batch, after its insert). */
export function insertLines(db: RegionDb, docId: string, lines: readonly DocLine[]) {
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
export async function markReady(db: RegionDb, docId: string, keys: { pdfKey: string; xmlKey: string | null }, at: Date) {
  const done = await db
    .update(closingDocuments)
    .set({ status: "ready", pdfKey: keys.pdfKey, xmlKey: keys.xmlKey, readyAt: at })
    .where(and(eq(closingDocuments.id, docId), eq(closingDocuments.status, "generating")))
    .returning({ id: closingDocuments.id });
  return done.length > 0;
}

/** Notes that the organisation's УПД for the month is ready, for the monthly job's pages (never back to an earlier month). */
export function markDocsThrough(db: GlobalDb, orgId: string, period: string) {
  return db
    .update(organisations)
    .set({ docsThrough: period })
    .where(and(eq(organisations.id, orgId), or(isNull(organisations.docsThrough), sql`${organisations.docsThrough} < ${period}`)));
}

/**
 * Organisations with accounts that have no ready УПД for the month yet: what the monthly job queues (a document
 * left `generating` by a run that died is queued again and finished from its rows). The documents are on the
 * organisations' home shards; `docs_through` says here which month each has its УПД for.
 */
export function selectOrgsWithoutDocument(db: GlobalDb, period: string, after: string | null, limit: number) {
  return db
    .select({ id: organisations.id })
    .from(organisations)
    .where(
      and(
        after === null ? undefined : gt(organisations.id, after),
        sql`EXISTS (SELECT 1 FROM ${orgAccounts} WHERE ${orgAccounts.orgId} = ${organisations.id})`,
        or(isNull(organisations.docsThrough), sql`${organisations.docsThrough} < ${period}`),
      ),
    )
    .orderBy(asc(organisations.id))
    .limit(limit)
    .all();
}

/** An organisation's documents in one place, newest month first, each month's revisions in order. */
export function selectOrgDocuments(db: RegionDb, orgId: string) {
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
      correctsId: closingDocuments.correctsId,
      createdAt: closingDocuments.createdAt,
    })
    .from(closingDocuments)
    .where(eq(closingDocuments.orgId, orgId))
    .orderBy(desc(closingDocuments.period), asc(closingDocuments.revision))
    .limit(ORG_DOCUMENTS_SHOWN)
    .all();
}

/** Documents of the organisation by id in one place: the originals a listed correction refers to. */
export function selectDocumentsById(db: RegionDb, orgId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select({ id: closingDocuments.id, number: closingDocuments.number })
    .from(closingDocuments)
    .where(and(eq(closingDocuments.orgId, orgId), inArray(closingDocuments.id, ids.slice(0, 90))))
    .all();
}

/** The documents a list shows: 20 years of months with a correction or so each. */
export const ORG_DOCUMENTS_SHOWN = 240;

/** One document of the organisation in one place (another organisation's id is simply not found). */
export function selectOrgDocument(db: RegionDb, orgId: string, docId: string) {
  return db
    .select()
    .from(closingDocuments)
    .where(and(eq(closingDocuments.orgId, orgId), eq(closingDocuments.id, docId)))
    .all();
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

/**
 * The audit entry of a document, in the batch that writes it on the organisation's home shard, after it: written
 * only if the document was (a rerun's insert does nothing, and neither does its entry).
 */
export function insertDocumentAudit(
  db: RegionDb,
  e: {
    id: string;
    orgId: string;
    docId: string;
    action: "closing.issued" | "closing.corrected";
    period: string;
    details: unknown;
    at: Date;
  },
) {
  return insertAuditNamed(
    db,
    { orgId: e.orgId, actorId: null, action: e.action, target: e.period, details: e.details, address: null, at: e.at },
    "Kabinet",
    e.id,
    sql`EXISTS (SELECT 1 FROM ${closingDocuments} WHERE ${closingDocuments.id} = ${e.docId})`,
  );
}

/** Organisations with a УПД ready for the month (or a later one): what the day after the issue days checks again for changes. */
export function selectOrgsWithDocument(db: GlobalDb, period: string, after: string | null, limit: number) {
  return db
    .select({ id: organisations.id })
    .from(organisations)
    .where(and(sql`${organisations.docsThrough} >= ${period}`, after === null ? undefined : gt(organisations.id, after)))
    .orderBy(asc(organisations.id))
    .limit(limit)
    .all();
}
