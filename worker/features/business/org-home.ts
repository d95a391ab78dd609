import { type DataAccess, isShardBinding, type RegionDb, type ShardBinding } from "../../platform/db";
import { isId, newId } from "../../platform/ids";
import { log } from "../../platform/log";

/**
 * Where an organisation's documents and audit are (issue 20): its home shard (`organisations.home_shard`), and the
 * global tables of the same names, where an older deployment wrote them. The regional tables keep the global ones'
 * names and columns (db/schema/region.ts, "An organisation's documents"), so one query reads either; the global
 * database is handed to them as a regional handle for that (`legacyOf`), for reading what it kept and finishing what
 * it started, never for new documents of an organisation with a home.
 */

type Org = { id: string; homeShard: string | null };

/** The global database's tables of an organisation's documents, read as the home shard's (same names, same columns). */
export function legacyOf(data: DataAccess): RegionDb {
  return data.global as unknown as RegionDb;
}

/** The organisation's home shard, or null when it has none this Worker is bound to: also the audit's to read. */
export function auditHome(data: DataAccess, org: Org): RegionDb | null {
  return org.homeShard && data.hasShard(org.homeShard) ? data.shard(org.homeShard) : null;
}

/**
 * The organisation's home shard for a list that reads it beside the global tables: null, logged, when the Worker is not
 * bound to it (a configuration error: the list then shows what the global tables have, and says so in the log).
 */
export function listHome(data: DataAccess, org: Org): RegionDb | null {
  const home = auditHome(data, org);
  if (!home && org.homeShard) log("error", "org.home_shard_unbound", { orgId: org.id, shard: org.homeShard });
  return home;
}

/**
 * Where the organisation's new documents go: its home shard. An organisation without one (none is left after the
 * migration that gave each its home) or with a home this Worker is not bound to (a configuration error: home shards
 * are never removed) has its documents' message fail and come back, logged, rather than written anywhere else.
 */
export function docHome(data: DataAccess, org: Org): RegionDb {
  const home = auditHome(data, org);
  if (home) return home;
  log("error", "org.home_shard_unbound", { orgId: org.id, shard: org.homeShard });
  throw new Error(`organisation ${org.id}: home shard ${org.homeShard ?? "(none)"} is not bound`);
}

/** Every place the organisation's documents may be: its home first, then the global tables (an older deployment's). */
export function docStores(data: DataAccess, org: Org): RegionDb[] {
  const home = auditHome(data, org);
  return home ? [home, legacyOf(data)] : [legacyOf(data)];
}

/** A payment id naming its home shard (since issue 20): `op-`, a time-ordered id, `-` and the shard's binding. */
const HOME_PAYMENT_ID = /^op-[0-9a-v]{26}-(DB_[A-Z0-9_]{1,31})$/;

/** The home shard a payment id names, or null (an older deployment's id). */
export const paymentShard = (paymentId: string): string | null => HOME_PAYMENT_ID.exec(paymentId)?.[1] ?? null;

/** Whether a payment id names its home shard (a payment of this deployment's, which the sweep finds in `org_payments_open`). */
export const namesHomeShard = (paymentId: string) => HOME_PAYMENT_ID.test(paymentId);

/** A new payment's id, naming the organisation's home shard: the acquirer's report and the sweep find it there. */
export function newOrgPaymentId(home: ShardBinding, at: number): string {
  return `op-${newId(at)}-${home}`;
}

/**
 * Where an organisation's payment is, from its id: the home shard it names, or the global table for any other id (an
 * older deployment's, which names no shard; read as a home shard, as the documents are). Null for an id naming a
 * shard this Worker is not bound to: a 404 to a person (any id can be typed), a failure to the acquirer's report and
 * the sweep, which log it (home shards are never removed).
 */
export function paymentStore(data: DataAccess, paymentId: string): RegionDb | null {
  return namedStore(data, HOME_PAYMENT_ID.exec(paymentId)?.[1])?.db ?? null;
}

/**
 * The store an id's shard names: that shard (null if this Worker has not bound it), or the global tables for an id
 * that names none (an older deployment's; read as a home shard).
 */
function namedStore(data: DataAccess, shard: string | undefined): { db: RegionDb; home: ShardBinding | null } | null {
  if (shard === undefined) return { db: legacyOf(data), home: null };
  return isShardBinding(shard) && data.hasShard(shard) ? { db: data.shard(shard), home: shard } : null;
}

/** An invoice id naming its home shard (since issue 20): `iv-`, a time-ordered id, `-` and the shard's binding. */
const HOME_INVOICE_ID = /^iv-([0-9a-v]{26})-(DB_[A-Z0-9_]{1,31})$/;

/** A new invoice's id, naming the organisation's home shard: the bank import and the routes find it there. */
export function newInvoiceId(home: ShardBinding, at: number): string {
  return `iv-${newId(at)}-${home}`;
}

/** Whether a string is an invoice id: one naming its home shard, or an older deployment's plain id. */
export const isInvoiceId = (id: string) => HOME_INVOICE_ID.test(id) || isId(id);

/**
 * The time-ordered part of an invoice id, by which a list of both places' invoices is ordered and paged: the id itself
 * for an older deployment's, the middle of one naming its shard.
 */
export const invoiceKey = (id: string) => HOME_INVOICE_ID.exec(id)?.[1] ?? id;

/**
 * Where an invoice is, from its id: the home shard it names, or the global tables for an older deployment's (read as
 * a home shard, as the documents are). Null for an id naming a shard this Worker is not bound to (a 404 to a person:
 * any id can be typed; the bank import logs it and leaves the line to the operators, `invoice_unavailable`).
 */
export function invoiceStore(data: DataAccess, invoiceId: string): { db: RegionDb; home: ShardBinding | null } | null {
  return namedStore(data, HOME_INVOICE_ID.exec(invoiceId)?.[2]);
}

/** An act of reconciliation's id naming its home shard (since issue 20): `rc-`, a time-ordered id, `-` and the shard's binding. */
const HOME_ACT_ID = /^rc-[0-9a-v]{26}-(DB_[A-Z0-9_]{1,31})$/;

/** A new act's id, naming the organisation's home shard: the reports queue's message and the routes find it there. */
export function newReconciliationId(home: ShardBinding, at: number): string {
  return `rc-${newId(at)}-${home}`;
}

/** Whether a string is an act's id: one naming its home shard, or an older deployment's plain id. */
export const isReconciliationId = (id: string) => HOME_ACT_ID.test(id) || isId(id);

/**
 * Where an act of reconciliation is, from its id: the home shard it names, or the global table for an older
 * deployment's plain id (read as a home shard). Null for an id naming a shard this Worker is not bound to.
 */
export function reconciliationStore(data: DataAccess, id: string): RegionDb | null {
  return namedStore(data, HOME_ACT_ID.exec(id)?.[1])?.db ?? null;
}
