import { eq } from "drizzle-orm";
import { SELLER } from "../../data/seller.data";
import { organisations } from "../../db/schema/global";
import type { DataAccess, GlobalDb, RegionDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { type GatherShard, type GatherState, gather, shardPlan } from "../../platform/gather";
import { siteUrlFrom } from "../../platform/host";
import { isId, newId } from "../../platform/ids";
import { beat, release, startChain } from "../../platform/lease";
import { errorText, log } from "../../platform/log";
import { retryDelaySeconds, sendInBatches } from "../../platform/queue";
import { localDay } from "../../platform/region";
import { vatPercentOn } from "../../platform/vat";
import { archivableYear } from "../billing/archive.service";
import { monthChargesByService, monthDays } from "../billing/ledger.service";
import type { NotificationMessage } from "../notifications/notifications.messages";
import type { PdfFonts } from "../usage/pdf.service";
import * as bq from "./business.queries";
import { authorize } from "./business.service";
import {
  type ChargeLine,
  type ClosingDoc,
  correctionLines,
  currentState,
  type DocLine,
  monthRu,
  type Parties,
  rubPrint,
  totalsOf,
  updLines,
} from "./closing.document";
import { CLOSING_LEASE_STALE_MS, CLOSING_PAGE } from "./closing.limits";
import { ClosingMessage, ClosingPageMessage } from "./closing.messages";
import { closingPdf } from "./closing.pdf";
import * as q from "./closing.queries";
import { encodeWindows1251, updFileId, updXml } from "./closing.xml";
import { docHome, docStores } from "./org-home";

/** The calendar of the documents: the seller's, Moscow. */
const MSK = "Europe/Moscow";
/** НК ст. 168 п. 3: a счёт-фактура within five calendar days of the services. The monthly job runs on days 1–5. */
export const ISSUE_DAYS = 5;
/** Attempts at one organisation's month before the message is dropped (the next hourly tick queues it again). */
export const MAX_CLOSING_ATTEMPTS = 3;

export interface ClosingDeps {
  data: DataAccess;
  /** The `reports` queue, where the monthly job's chain queues its next page (`queueClosingPage`). */
  queue: Queue;
  files: R2Bucket;
  fonts: () => Promise<PdfFonts>;
  notify: (m: NotificationMessage) => Promise<void>;
  /** SITE_URL (with `{region}`): the link in the notice. */
  siteTemplate: string;
}

function previousMonth(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

function moscowHour(at: Date): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: MSK, hour: "2-digit", hourCycle: "h23" }).format(at));
}

/**
 * Cron (hourly): on the first five days of a month, one message on the `reports` queue per organisation whose
 * УПД for the month before is not ready yet; at the first tick of the sixth day, one per organisation that has
 * one, to check the month once more (a charge that reached the month after its УПД becomes a correction). A
 * message is cheap to repeat: the consumer issues each document once. The first page of organisations is queued
 * here, the rest by a chain of page messages on the same queue (`queueClosingPage`), each from where the last ended.
 */
export async function queueClosingMonth(data: DataAccess, queue: Queue, at: Date, page = CLOSING_PAGE): Promise<number> {
  const today = localDay(MSK, at);
  const day = Number(today.slice(8, 10));
  const period = previousMonth(today.slice(0, 7));
  const check = day <= ISSUE_DAYS ? false : day === ISSUE_DAYS + 1 && moscowHour(at) === 0 ? true : null;
  if (check === null) return 0;
  // One chain at a time: while the last hour's still queues its pages, this tick starts none.
  let queued = 0;
  const run = await startChain(data.global, closingLease(period, check), at, CLOSING_LEASE_STALE_MS, async (r) => {
    queued = await queueClosingPage(data, queue, { period, check, after: null, run: r }, page, at);
  });
  if (run === null) log("info", "closing.chain_running", { period, check });
  return queued;
}

/** The lease of a month's chain of pages (its issue, or the sixth day's check). */
const closingLease = (period: string, check: boolean) => `closing:${period}:${check ? "check" : "issue"}`;

/**
 * One page of the monthly job: a message per organisation of the page, then, when the page was full, the message
 * for the next one; the last page gives the chain's lease back. A page of a run that was taken over queues nothing.
 * Redelivered, it queues the same organisations again (cheap: each document is issued once).
 */
export async function queueClosingPage(
  data: DataAccess,
  queue: Queue,
  p: { period: string; check: boolean; after: string | null; run?: string | undefined },
  page = CLOSING_PAGE,
  now = new Date(),
): Promise<number> {
  const lease = closingLease(p.period, p.check);
  // (A page message from before leases has no run: it goes on as it did.)
  if (p.run !== undefined && p.after !== null && !(await beat(data.global, lease, p.run, now))) {
    log("info", "closing.chain_superseded", { period: p.period, check: p.check });
    return 0;
  }
  const orgs = p.check
    ? await q.selectOrgsWithDocument(data.global, p.period, p.after, page)
    : await q.selectOrgsWithoutDocument(data.global, p.period, p.after, page);
  const messages = orgs.map((o) => ({ body: { kind: "closing_documents", orgId: o.id, period: p.period } satisfies ClosingMessage }));
  await sendInBatches(queue, messages);
  const last = orgs.at(-1)?.id;
  if (orgs.length === page && last)
    await queue.send({
      kind: "closing_page",
      period: p.period,
      check: p.check,
      after: last,
      ...(p.run !== undefined ? { run: p.run } : {}),
    } satisfies ClosingPageMessage);
  else if (p.run !== undefined) await release(data.global, lease, p.run);
  return messages.length;
}

type OrgAccount = { accountNo: string; region: string };

/** One shard's share of the month's charges of the organisation's accounts, per service (a query per 90 accounts). */
async function shardCharges(data: DataAccess, s: GatherShard<OrgAccount>, period: string): Promise<ChargeLine[]> {
  const regionOf = new Map(s.accounts.map((a) => [a.accountNo, a.region]));
  const parts = await Promise.all(
    bq.chunks(s.accounts.map((a) => a.accountNo)).map((chunk) => monthChargesByService(data.shard(s.shard), chunk, period)),
  );
  return parts.flat().map((c): ChargeLine => ({ ...c, region: regionOf.get(c.accountNo) ?? "" }));
}

function partiesOf(org: typeof organisations.$inferSelect): Parties {
  return {
    seller: { name: SELLER.name, inn: SELLER.inn, kpp: SELLER.kpp, address: SELLER.address, edoId: SELLER.edoId },
    buyer: { name: org.name, inn: org.inn, kpp: org.kpp, address: org.legalAddress, kind: org.kind },
    signer: { ...SELLER.signer },
    contract: { number: org.id, date: localDay(MSK, org.createdAt) },
  };
}

type DocRow = Awaited<ReturnType<typeof q.selectMonthDocuments>>[number];
type LineRow = Awaited<ReturnType<typeof q.selectLines>>[number];
/** A document with where it is (its home shard, or an older deployment's global tables) and its lines. */
type Placed = DocRow & { db: RegionDb };

/** The month's documents wherever they are, oldest revision first, with their lines. */
async function monthDocuments(stores: readonly RegionDb[], orgId: string, period: string) {
  const found = await Promise.all(
    stores.map(async (db) => {
      const docs = await q.selectMonthDocuments(db, orgId, period);
      const lines = await q.selectLines(
        db,
        docs.map((d) => d.id),
      );
      return { docs: docs.map((d): Placed => ({ ...d, db })), lines };
    }),
  );
  return {
    docs: found.flatMap((f) => f.docs).sort((a, b) => a.revision - b.revision),
    lines: found.flatMap((f) => f.lines),
  };
}

function toDoc(row: DocRow, lines: LineRow[], corrects: DocRow | undefined): ClosingDoc {
  return {
    id: row.id,
    kind: row.kind,
    number: row.number ?? "",
    period: row.period,
    docDate: row.docDate,
    totalKop: row.totalKop,
    vatKop: row.vatKop,
    parties: JSON.parse(row.parties) as Parties,
    fileGuid: row.fileGuid,
    createdAt: row.createdAt,
    lines: lines.map((l): DocLine => ({ ...l })),
    corrects: corrects ? { number: corrects.number ?? "", docDate: corrects.docDate } : null,
  };
}

export type ClosingOutcome = "issued" | "corrected" | "unchanged" | "waiting" | "empty" | "skipped" | "gathering";

/**
 * Makes an organisation's closing documents for a month, from the ledger: the УПД the first time; later, if the
 * month's charges changed since, a correction (УКД) with the difference that refers to it; otherwise nothing. A
 * document is written once (number, parties, lines and totals in one batch) and its files are then rendered from
 * those rows into R2, so a rerun or a retry yields the same number and content. Waits while any region of the
 * organisation's accounts is not yet charged to the month's last day. An organisation whose accounts are on more
 * shards than one invocation reads has its month's charges read over a chain of its messages (platform/gather.ts):
 * each reads its share, and the last makes the document ("gathering" until then).
 */
export async function issueMonth(
  deps: ClosingDeps,
  orgId: string,
  period: string,
  now = new Date(),
  state?: GatherState,
  budget?: number,
): Promise<ClosingOutcome> {
  const db = deps.data.global;
  const org = await db.select().from(organisations).where(eq(organisations.id, orgId)).get();
  if (!org) return "skipped";
  const { last } = monthDays(period);
  // What the first message found before reading: no account, or a region not charged through the month yet.
  const early: { outcome?: ClosingOutcome } = {};
  const got = await gather({
    files: deps.files,
    global: db,
    prefix: `closing/${orgId}/${period}`,
    state,
    plan: async () => {
      const accounts = await q.selectOrgAccounts(db, orgId);
      if (accounts.length === 0) early.outcome = "skipped";
      const regions = [...new Set(accounts.map((a) => a.region))];
      const through = await Promise.all(regions.map((r) => q.chargedThrough(deps.data.shardForRegion(r), r)));
      if (through.some((d) => d === undefined || d < last)) early.outcome ??= "waiting";
      return early.outcome
        ? []
        : shardPlan(accounts.map((a) => ({ shard: a.shard, account: { accountNo: a.accountNo, region: a.region } })));
    },
    read: (s) => shardCharges(deps.data, s, period),
    cost: (s) => Math.ceil(s.accounts.length / 90),
    now,
    ...(budget !== undefined ? { budget } : {}),
  });
  if (early.outcome) return early.outcome;
  if (got.kind === "gone") return "skipped";
  if (got.kind === "more") {
    await deps.queue.send({ kind: "closing_documents", orgId, period, gather: got.next } satisfies ClosingMessage);
    return "gathering";
  }
  const charges = got.rows;
  const stores = docStores(deps.data, org);
  const { docs: existing, lines: existingLines } = await monthDocuments(stores, orgId, period);
  let outcome: ClosingOutcome = "unchanged";
  const original = existing[0];
  // The rate of the period of the services (its first day), the same for the УПД and every correction of it.
  const percent = vatPercentOn(period);
  const lines = original
    ? correctionLines(
        currentState(existing.map((d) => ({ revision: d.revision, lines: existingLines.filter((l) => l.docId === d.id) }))),
        charges,
        percent,
      )
    : updLines(charges, percent);
  if (lines.length > 0) {
    const id = newId(now.getTime());
    const docDate = original ? localDay(MSK, now) : last;
    const revision = original ? (existing[existing.length - 1]?.revision ?? 0) + 1 : 0;
    const kind = original ? "ukd" : "upd";
    const totals = totalsOf(lines);
    // On the organisation's home shard, in one batch: the document, its lines and its audit entry, or none of them.
    const home = docHome(deps.data, org);
    await home.batch([
      q.insertDocument(home, {
        id,
        orgId,
        period,
        revision,
        kind,
        year: Number(docDate.slice(0, 4)),
        correctsId: original?.id ?? null,
        docDate,
        ...totals,
        parties: JSON.stringify(partiesOf(org)),
        fileGuid: crypto.randomUUID(),
        createdAt: now,
      }),
      ...q.insertLines(home, id, lines),
      q.insertDocumentAudit(home, {
        id: newId(now.getTime()),
        orgId,
        docId: id,
        action: original ? "closing.corrected" : "closing.issued",
        period,
        details: { revision, lines: lines.length, totalKop: totals.totalKop, vatKop: totals.vatKop },
        at: now,
      }),
    ]);
    outcome = original ? "corrected" : "issued";
  } else if (!original) {
    await got.done();
    return "empty";
  }
  await renderPending(deps, org, period, now);
  await got.done();
  return outcome;
}

/**
 * Finishes the month's documents not finished yet, wherever they are: a number from the global sequence for one
 * written without (`takeNumber`: a run that died after taking one leaves it unused), a PDF each and the 5.03 XML for
 * a УПД in R2, then ready, and the organisation is told. The month's УПД ready, the organisation's `docs_through`
 * says so, and the monthly job's pages pass it.
 */
async function renderPending(deps: ClosingDeps, org: typeof organisations.$inferSelect, period: string, now: Date) {
  const { docs, lines } = await monthDocuments(docStores(deps.data, org), org.id, period);
  const pending = docs.filter((d) => d.status === "generating");
  if (pending.length > 0) {
    const fonts = await deps.fonts();
    for (const row of pending) {
      if (row.number === null) {
        const n = await q.takeNumber(deps.data.global, row.kind, row.year);
        if (await q.setNumber(row.db, row.id, n)) Object.assign(row, n);
        else {
          const [again] = await q.selectOrgDocument(row.db, org.id, row.id);
          if (!again?.number) throw new Error(`closing document ${row.id} has no number`);
          Object.assign(row, { number: again.number, seq: again.seq });
        }
      }
      const doc = toDoc(
        row,
        lines.filter((l) => l.docId === row.id),
        row.correctsId ? docs.find((d) => d.id === row.correctsId) : undefined,
      );
      const base = `closing/${org.id}/${doc.id}`;
      await deps.files.put(`${base}.pdf`, await closingPdf(fonts, doc), { httpMetadata: { contentType: "application/pdf" } });
      let xmlKey: string | null = null;
      if (doc.kind === "upd") {
        xmlKey = `${base}.xml`;
        await deps.files.put(xmlKey, encodeWindows1251(updXml(doc)), { httpMetadata: { contentType: XML_TYPE } });
      }
      if (await q.markReady(row.db, doc.id, { pdfKey: `${base}.pdf`, xmlKey }, now)) await tellReady(deps, org, doc);
    }
  }
  if (docs.some((d) => d.revision === 0)) await q.markDocsThrough(deps.data.global, org.id, period);
}

/** An email to each administrator and accountant (and the contract's address): the month's document is ready. */
async function tellReady(deps: ClosingDeps, org: typeof organisations.$inferSelect, doc: ClosingDoc) {
  const readers = await q.selectDocumentReaders(deps.data.global, org.id);
  const to = new Map<string, string | undefined>();
  for (const r of readers) if (r.email) to.set(r.email, r.id);
  if (org.contactEmail && !to.has(org.contactEmail)) to.set(org.contactEmail, undefined);
  const region = (await q.selectOrgAccounts(deps.data.global, org.id))[0]?.region ?? "msk";
  const link = `${siteUrlFrom(deps.siteTemplate, region)}/business/${org.id}/documents/closing`;
  const what = doc.kind === "upd" ? "УПД" : "Корректировочный документ (УКД)";
  const subject = `${org.name}: ${what} № ${doc.number} за ${monthRu(doc.period)}`;
  const text = `${what} № ${doc.number} за ${monthRu(doc.period)} на сумму ${rubPrint(doc.totalKop)} ₽ (в т. ч. НДС ${vatPercentOn(doc.period)} % ${rubPrint(doc.vatKop)} ₽) сформирован${doc.kind === "upd" ? "" : ` и относится к УПД № ${doc.corrects?.number ?? ""}`}.\n\nPDF${doc.kind === "upd" ? " и XML для ЭДО (формат ФНС 5.03)" : ""} — в корпоративном кабинете: ${link}\n\nThe closing document ${doc.number} for ${doc.period} is ready in the business cabinet.`;
  for (const [email, subscriberId] of to)
    await deps.notify({
      channel: "email",
      to: email,
      subject,
      text,
      dedupeKey: `closing:${doc.id}:${email}`,
      eventId: `closing:${doc.id}`,
      ...(subscriberId ? { subscriberId } : {}),
    });
}

/** The `reports` queue's closing messages: each acked when done (or waiting for the charge: the next tick queues it again), retried with backoff on an error. */
export async function consumeClosing(messages: readonly Message<unknown>[], deps: ClosingDeps): Promise<void> {
  for (const message of messages) {
    const page = ClosingPageMessage.safeParse(message.body);
    if (page.success) {
      try {
        const queued = await queueClosingPage(deps.data, deps.queue, page.data);
        log("info", "closing.page", { period: page.data.period, check: page.data.check, queued });
        message.ack();
      } catch (err) {
        log("warn", "closing.page_error", { period: page.data.period, attempts: message.attempts, error: errorText(err) });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
      continue;
    }
    const parsed = ClosingMessage.safeParse(message.body);
    if (!parsed.success) {
      log("warn", "closing.malformed", { messageId: message.id });
      message.ack();
      continue;
    }
    const started = Date.now();
    try {
      const outcome = await issueMonth(deps, parsed.data.orgId, parsed.data.period, new Date(), parsed.data.gather);
      log("info", "closing.done", { orgId: parsed.data.orgId, period: parsed.data.period, outcome, ms: Date.now() - started });
      message.ack();
    } catch (err) {
      const last = message.attempts >= MAX_CLOSING_ATTEMPTS;
      log(last ? "error" : "warn", "closing.error", {
        orgId: parsed.data.orgId,
        attempts: message.attempts,
        error: errorText(err),
      });
      if (last) message.ack();
      else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

// ── The business cabinet: the list and the files ───────────────────────────────

const XML_TYPE = "application/xml; charset=windows-1251";
const validOrgId = (id: string) => /^[a-z0-9-]{1,40}$/.test(id);

/**
 * The caller's right to the organisation's closing documents (the `documents` role, over the whole organisation), and
 * the organisation (where they are): one round trip.
 */
async function documentsMember(db: GlobalDb, subscriberId: string, orgId: string) {
  if (!validOrgId(orgId)) throw new AppError(404, "not_found");
  const [member, [org]] = await db.batch([bq.selectMember(db, orgId, subscriberId), bq.selectOrganisation(db, orgId)]);
  const me = authorize(member, "documents");
  // A document covers every account of the contract: an employee limited to some accounts does not see it.
  if (me.accountScope !== null) throw new AppError(403, "closing_scope");
  if (!org) throw new AppError(404, "not_found");
  return org;
}

const fileUrl = (orgId: string, docId: string, format: "pdf" | "xml") =>
  `/api/v1/business/organisations/${encodeURIComponent(orgId)}/documents/closing/${docId}/${format}`;

/** The organisation's closing documents, newest month first (administrators and accountants), wherever they are. */
export async function listClosingDocuments(data: DataAccess, subscriberId: string, orgId: string) {
  const org = await documentsMember(data.global, subscriberId, orgId);
  const stores = docStores(data, org);
  const found = await Promise.all(stores.map((db) => q.selectOrgDocuments(db, orgId)));
  const rows = found
    .flat()
    .sort((a, b) => (a.period === b.period ? a.revision - b.revision : a.period < b.period ? 1 : -1))
    .slice(0, q.ORG_DOCUMENTS_SHOWN);
  const numberOf = new Map(found.flat().map((r) => [r.id, r.number]));
  // A correction whose original is past the rows read: its number looked up by id (a few, at most 90 a place).
  const missing = [...new Set(rows.map((r) => r.correctsId).filter((id): id is string => id !== null && !numberOf.has(id)))];
  if (missing.length > 0)
    for (const more of await Promise.all(stores.map((db) => q.selectDocumentsById(db, orgId, missing))))
      for (const r of more) numberOf.set(r.id, r.number);
  return {
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      number: r.number,
      period: r.period,
      revision: r.revision,
      correctsNumber: r.correctsId ? (numberOf.get(r.correctsId) ?? null) : null,
      docDate: r.docDate,
      totalKop: r.totalKop,
      vatKop: r.vatKop,
      vatPercent: vatPercentOn(r.period),
      status: r.status,
      pdfUrl: r.status === "ready" ? fileUrl(orgId, r.id, "pdf") : null,
      xmlUrl: r.status === "ready" && r.hasXml ? fileUrl(orgId, r.id, "xml") : null,
    })),
  };
}

/**
 * A document's file (`pdf`, or `xml` for a УПД), with its type and name; anything else, a correction's XML or
 * another organisation's document is a 404, a document still being made a 409.
 */
export async function closingFile(data: DataAccess, files: R2Bucket, subscriberId: string, orgId: string, docId: string, format: string) {
  const org = await documentsMember(data.global, subscriberId, orgId);
  if (!isId(docId) || (format !== "pdf" && format !== "xml")) throw new AppError(404, "not_found");
  let row: DocRow | undefined;
  for (const db of docStores(data, org)) {
    [row] = await q.selectOrgDocument(db, orgId, docId);
    if (row) break;
  }
  if (!row) throw new AppError(404, "not_found");
  if (format === "xml" && row.kind !== "upd") throw new AppError(404, "not_found");
  const key = format === "pdf" ? row.pdfKey : row.xmlKey;
  if (row.status !== "ready" || !key) throw new AppError(409, "closing_not_ready");
  const object = await files.get(key);
  if (!object) throw new AppError(409, "closing_not_ready");
  const ascii = (row.number ?? "").replace("УПД", "UPD").replace("УКД", "UKD");
  const filename = format === "pdf" ? `${ascii}.pdf` : `${updFileId(toDoc(row, [], undefined))}.xml`;
  return {
    body: object.body,
    contentType: format === "pdf" ? "application/pdf" : XML_TYPE,
    disposition: `attachment; filename="${filename}"; filename*=UTF-8''${encodeURIComponent(format === "pdf" ? `${row.number ?? ""}.pdf` : filename)}`,
  };
}

/**
 * An operator asks for a past month's documents now (the demo, a month whose charges were corrected): one queue
 * message. Not for a month of a year whose money went to R2 (billing/archive.service.ts): its charges left D1.
 */
export async function queueClosing(data: DataAccess, queue: Queue, orgId: string, period: string, now = new Date()) {
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(period) ? period : null;
  if (!month || month >= localDay(MSK, now).slice(0, 7) || Number(month.slice(0, 4)) <= archivableYear(now))
    throw new AppError(400, "validation", {}, [{ field: "period", message: "field.closingPeriod" }]);
  if (!validOrgId(orgId)) throw new AppError(404, "not_found");
  const org = await data.global.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, orgId)).get();
  if (!org) throw new AppError(404, "not_found");
  await queue.send({ kind: "closing_documents", orgId, period: month } satisfies ClosingMessage);
  return { orgId, period: month };
}
