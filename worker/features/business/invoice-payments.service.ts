import { inArray, lt } from "drizzle-orm";
import { invoiceLines, invoiceNumbers, invoices } from "../../db/schema/global";
import { homeInvoices } from "../../db/schema/region";
import { type DataAccess, type GlobalDb, type RegionDb, rawBatch, type ShardBinding } from "../../platform/db";
import { errorText, log } from "../../platform/log";
import { localDay } from "../../platform/region";
import { chunks } from "./business.queries";
import { INVOICE_NUMBER_YEARS } from "./invoices.limits";
import { selectHomeLines } from "./invoices.queries";
import { invoiceStore } from "./org-home";

/**
 * The invoices the bank statement import pays (issue 20): an older deployment's in the global tables, found by their
 * unique number, and those on the organisations' home shards, found by their number's row in the global
 * `invoice_numbers`, whose invoice id names the shard. Every lookup goes in chunks under D1's 100 bound parameters.
 */

/** An invoice as the import matches and pays it: its status and its lines (what a payment is split over). */
export interface FoundInvoice {
  id: string;
  number: string;
  status: "issued" | "part_paid" | "paid" | "cancelled";
  lines: { accountNo: string; amountKop: number }[];
}

/** Distinct values in chunks under D1's 100 bound parameters a statement. */
const chunked = (values: string[]) => chunks([...new Set(values)]);

/**
 * Invoice ids by where their ids say they are: an older deployment's (the global tables), home ones by the shard they
 * name, and those naming a shard this Worker has not (a configuration error: home shards are never removed), logged,
 * which the callers leave out (matching: the line waits in the operators' queue; a payment: the line stays matched,
 * retried once the shard is bound).
 */
function placeInvoices(data: DataAccess, ids: readonly string[]) {
  const legacy: string[] = [];
  const homes = new Map<ShardBinding, { db: RegionDb; ids: string[] }>();
  const unbound = new Set<string>();
  for (const id of new Set(ids)) {
    const store = invoiceStore(data, id);
    if (!store) {
      log("error", "bank.invoice_shard_unbound", { invoiceId: id });
      unbound.add(id);
    } else if (!store.home) legacy.push(id);
    else {
      const home = homes.get(store.home) ?? { db: store.db, ids: [] };
      home.ids.push(id);
      homes.set(store.home, home);
    }
  }
  return { legacy, homes: [...homes.values()], unbound };
}

/** Which invoice each number is, in either place: its id (an older deployment's plain one, or one naming its shard). */
export async function invoiceIdsByNumber(data: DataAccess, numbers: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunked(numbers)) {
    const [legacy, numbered] = await data.global.batch([
      data.global.select({ id: invoices.id, number: invoices.number }).from(invoices).where(inArray(invoices.number, chunk)),
      data.global
        .select({ id: invoiceNumbers.invoiceId, number: invoiceNumbers.number })
        .from(invoiceNumbers)
        .where(inArray(invoiceNumbers.number, chunk)),
    ]);
    for (const r of [...legacy, ...numbered]) found.set(r.number, r.id);
  }
  return found;
}

/**
 * These invoices with their status and lines (`withLines`), by id: an older deployment's from the global tables, a home
 * one from its shard (one batch a shard). An id with no invoice behind it (a number taken by an issue whose home write
 * never got through, and never retried) is left out: the import finds no invoice for its number.
 */
export async function invoicesById(data: DataAccess, ids: string[], withLines = true): Promise<Map<string, FoundInvoice>> {
  const out = new Map<string, FoundInvoice>();
  const add = (
    rows: { id: string; number: string; status: FoundInvoice["status"] }[],
    lines: { invoiceId: string; accountNo: string; amountKop: number }[],
  ) => {
    for (const r of rows) out.set(r.id, { ...r, lines: [] });
    for (const l of lines) out.get(l.invoiceId)?.lines.push({ accountNo: l.accountNo, amountKop: l.amountKop });
  };
  const { legacy, homes } = placeInvoices(data, ids);
  for (const chunk of chunked(legacy)) {
    const g = data.global;
    const rows = g
      .select({ id: invoices.id, number: invoices.number, status: invoices.status })
      .from(invoices)
      .where(inArray(invoices.id, chunk));
    if (!withLines) add(await rows, []);
    else {
      const [found, lines] = await g.batch([
        rows,
        g
          .select({ invoiceId: invoiceLines.invoiceId, accountNo: invoiceLines.accountNo, amountKop: invoiceLines.amountKop })
          .from(invoiceLines)
          .where(inArray(invoiceLines.invoiceId, chunk)),
      ]);
      add(found, lines);
    }
  }
  for (const { db: home, ids: shardIds } of homes)
    for (const chunk of chunked(shardIds)) {
      const rows = home
        .select({ id: homeInvoices.id, number: homeInvoices.number, status: homeInvoices.status })
        .from(homeInvoices)
        .where(inArray(homeInvoices.id, chunk));
      if (!withLines) add(await rows, []);
      else {
        const [found, lines] = await home.batch([rows, selectHomeLines(home, chunk)]);
        add(found, lines);
      }
    }
  for (const inv of out.values()) inv.lines.sort((a, b) => (a.accountNo < b.accountNo ? -1 : a.accountNo > b.accountNo ? 1 : 0));
  return out;
}

/** The numbers of these invoices (a page of statement lines names them by id), from wherever each is. */
export async function numbersOf(data: DataAccess, ids: string[]): Promise<Map<string, string>> {
  const found = await invoicesById(data, ids, false);
  return new Map([...found.values()].map((i) => [i.id, i.number]));
}

/** A line's columns naming the invoice it pays: an older deployment's by the foreign key, a home one beside it. */
export const lineInvoice = (data: DataAccess, invoiceId: string | null) =>
  invoiceId && isHomeInvoice(data, invoiceId) ? { invoiceId: null, homeInvoiceId: invoiceId } : { invoiceId, homeInvoiceId: null };

/** Whether an invoice id is a home one (its payment is written on its shard, not in the global line's mark batch). */
export const isHomeInvoice = (data: DataAccess, id: string) => Boolean(invoiceStore(data, id)?.home);

/**
 * A statement line's payment of a home invoice, on its shard, before the line is marked credited: the line's row in
 * `invoice_payments` (once: its key), then the invoice's paid amount set to the sum of its rows and its status from it,
 * in one batch a shard. A retry (the mark failed, or a parallel upload credits the same line) writes the same figures
 * again. Returns the lines whose invoice could not be paid (its shard not bound, or failing now), logged: they are not
 * to be marked, and stay matched for the next pass, while the others go on.
 */
export async function payHomeInvoices(
  data: DataAccess,
  payments: { invoiceId: string; lineId: string; amountKop: number }[],
  now: Date,
): Promise<Set<string>> {
  const { homes, unbound } = placeInvoices(
    data,
    payments.map((p) => p.invoiceId),
  );
  const unpaid = new Set(payments.filter((p) => unbound.has(p.invoiceId)).map((p) => p.lineId));
  for (const { db: home, ids } of homes) {
    const list: [string, ...unknown[]][] = [];
    for (const p of payments.filter((x) => ids.includes(x.invoiceId))) {
      list.push([
        `INSERT INTO invoice_payments (invoice_id, line_id, amount_kop, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        p.invoiceId,
        p.lineId,
        p.amountKop,
        now.getTime(),
      ]);
      list.push([
        `UPDATE invoices SET paid_kop = (SELECT coalesce(sum(amount_kop), 0) FROM invoice_payments WHERE invoice_id = ?1),
           status = CASE WHEN (SELECT coalesce(sum(amount_kop), 0) FROM invoice_payments WHERE invoice_id = ?1) >= total_kop THEN 'paid' ELSE 'part_paid' END
         WHERE id = ?1 AND status != 'cancelled'`,
        p.invoiceId,
      ]);
    }
    await rawBatch(home, list).catch((e: unknown) => {
      log("error", "bank.invoice_payment_failed", { invoices: ids.length, error: errorText(e) });
      for (const p of payments) if (ids.includes(p.invoiceId)) unpaid.add(p.lineId);
    });
  }
  return unpaid;
}

/** Whether an invoice id names a home shard this Worker has not (its invoice cannot be read or paid here). */
export const invoiceUnavailable = (data: DataAccess, id: string) => invoiceStore(data, id) === null;

/**
 * Housekeeping's delete of a page of `invoice_numbers` of years more than `INVOICE_NUMBER_YEARS` before the year of the
 * oldest payment an upload still imports (`oldestImported`), along the key: a number sorts by its year
 * (`СЧ-<year>-<digits>`), so the rows before `СЧ-<first kept year>-` are those years'.
 */
export function expiredInvoiceNumbers(db: GlobalDb, oldestImported: Date, pageSize: number) {
  const firstKept = `СЧ-${Number(localDay("Europe/Moscow", oldestImported).slice(0, 4)) - INVOICE_NUMBER_YEARS}-`;
  return db
    .delete(invoiceNumbers)
    .where(
      inArray(
        invoiceNumbers.number,
        db
          .select({ n: invoiceNumbers.number })
          .from(invoiceNumbers)
          .where(lt(invoiceNumbers.number, firstKept))
          .orderBy(invoiceNumbers.number)
          .limit(pageSize),
      ),
    )
    .returning({ key: invoiceNumbers.number });
}
