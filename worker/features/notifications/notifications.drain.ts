import { eq } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { DEAD_LETTER_RETENTION_MS } from "../../adapters/provider-messages";
import { cards, drainCursors, externalIdentities, passkeys } from "../../db/schema/global";
import {
  deliveries,
  homeApplicationDirectory,
  homeCards,
  homeIdentities,
  homeNotificationPrefs,
  homeNotificationSettings,
  homePasskeys,
  homeSupportDirectory,
  inbox,
  pushSubscriptions,
} from "../../db/schema/region";
import { type DataAccess, d1Of, type IdentityDb, rawBatch, type ShardBinding } from "../../platform/db";
import { identityKey, identityStoreIndex } from "../../platform/identity-stores";
import { errorText, log } from "../../platform/log";
import { insertRowsSql, jsonChunks } from "../../platform/shard-map";
import { KEY_CLAIM_MS } from "../auth/identities.service";
import { DRAIN_CALLS, DRAIN_PAGE } from "./drain.limits";

/**
 * The upgrade's drain (issue 20): the inbox, delivery and push subscription rows a deployment kept in the global
 * database, the directories of subscribers' applications, chats and requests, their notification choices and
 * settings, and their saved cards and passkeys, moved to their subscribers' home
 * shards a page at a time by the housekeeping cron, until the global tables are empty.
 *
 * Each page is copied to its shards first (one upsert per shard, idempotent: a page copied twice changes nothing)
 * and deleted from the global table only where the row is still what was copied: a message marked read or a
 * delivery recorded again meanwhile stays and is copied again by the next page. A run that stops anywhere leaves
 * every row in the global table, the shard or both, never neither; the next run goes on after the last row read
 * (`drain_cursors`), and from the start once a run has reached the table's end, so rows it may not move yet (their shard
 * not bound, or held back: someone else's row of the same id in the shard) are read again in turn, never first by
 * every run in place of the rest.
 *
 * While rows are left, nobody sees one twice or misses one: the inbox is read from both places and merged by id
 * (`listInbox`), counted once (`selectUnread` leaves out the global table's ids), marked read in both (`markRead`),
 * and the consumer makes no shard row for an event whose row the global table still holds (`fanOutEvent`). A
 * subscriber's choices and settings are read from both, the home shard's winning (`mergeChoices`), and a change
 * writes the home shard and deletes the global row.
 * Deliveries are moved only once older than any message that may still claim them there: a message queued before
 * the upgrade (no `homeShard`) lives at most 14 days in the queue and 21 in `dead_letters`, and records in the
 * global table.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** A delivery row moves once no message queued before the upgrade can claim it in the global table. */
export const DELIVERY_DRAIN_AFTER_MS = DEAD_LETTER_RETENTION_MS + DAY_MS;
/** Where a row of no known subscriber goes (a delivery with no subscriber): the column default of `home_shard`. */
const FALLBACK_SHARD: ShardBinding = "DB_MOSCOW";

type Row = Record<string, unknown> & { _home: string | null };
/** What `held` names a row by, unless its plan says otherwise (`heldId`). */
const rowId = (r: Row) => r.id as string;

type Drained =
  | typeof inbox
  | typeof deliveries
  | typeof pushSubscriptions
  | typeof homeApplicationDirectory
  | typeof homeSupportDirectory
  | typeof homeNotificationPrefs
  | typeof homeNotificationSettings
  // Saved cards and passkeys: the global tables' columns (their home tables have a removal's mark besides).
  | typeof cards
  | typeof passkeys
  // Links to identity providers: the global table's columns (the home table has a removal's mark besides).
  | typeof externalIdentities;

/**
 * A page of a global table's rows after a rowid (`t`), each with its subscriber's home shard (`_home`); `more`: further
 * conditions on `t`, whose parameters are bound between the rowid and the limit.
 */
const pageWithHome = (table: Drained, more = "") =>
  `SELECT t.rowid AS _r, ${getTableConfig(table)
    .columns.map((c) => `t.${c.name}`)
    .join(
      ", ",
    )}, s.home_shard AS _home FROM ${getTableConfig(table).name} t LEFT JOIN subscribers s ON s.id = t.subscriber_id WHERE t.rowid > ?${more} ORDER BY t.rowid LIMIT ?`;

/** A copied inbox row keeps whichever copy was read (a message read in either place is read). */
const INBOX_UPSERT = `${insertRowsSql(inbox)} WHERE true ON CONFLICT(id) DO UPDATE SET read_at = coalesce(inbox.read_at, excluded.read_at) ON CONFLICT(subscriber_id, event_id) DO UPDATE SET read_at = coalesce(inbox.read_at, excluded.read_at)`;
/** A copied delivery row replaces the shard's only if it is newer. */
const DELIVERIES_UPSERT = `${insertRowsSql(deliveries)} WHERE true ON CONFLICT(dedupe_key) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, detail = excluded.detail, updated_at = excluded.updated_at WHERE excluded.updated_at > deliveries.updated_at`;

/**
 * A copied choice or setting replaces the shard's only if it is newer: the subscriber's own change since (written in
 * the shard, with a later time) and a reset's mark of no choice stay.
 */
const PREFS_UPSERT = `${insertRowsSql(homeNotificationPrefs)} WHERE true ON CONFLICT(subscriber_id, account_no, kind) DO UPDATE SET channels = excluded.channels, updated_at = excluded.updated_at WHERE excluded.updated_at > notification_prefs.updated_at`;
const SETTINGS_UPSERT = `${insertRowsSql(homeNotificationSettings)} WHERE true ON CONFLICT(subscriber_id) DO UPDATE SET quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, marketing = excluded.marketing, updated_at = excluded.updated_at WHERE excluded.updated_at > notification_settings.updated_at`;

/**
 * A copied passkey keeps the higher counter and the later use (a login may have found it in either place), and is not
 * copied over a removal's mark (platform/credentials.ts).
 */
const PASSKEYS_UPSERT = `${insertRowsSql(homePasskeys)} WHERE true ON CONFLICT(id) DO UPDATE SET counter = max(passkeys.counter, excluded.counter), last_used_at = coalesce(max(passkeys.last_used_at, excluded.last_used_at), passkeys.last_used_at, excluded.last_used_at) WHERE passkeys.removed_at IS NULL AND passkeys.subscriber_id = excluded.subscriber_id`;

/** The ids of a copied page's rows the shard holds for the same subscriber (the row, or the mark of its removal). */
const heldSql = (table: "cards" | "passkeys") =>
  `SELECT t.id FROM ${table} t JOIN json_each(?) j ON t.id = json_extract(j.value, '$.id') AND t.subscriber_id = json_extract(j.value, '$.subscriber_id')`;

/**
 * The links of a copied page the shard holds for the same subscriber, provider and subject (the link, or the mark of a
 * removal no older than the row: a mark older than it hides nothing, the row was linked again since), or replaces (a live
 * link of the same subscriber and provider and another subject: the row logs nobody in), and whether each is live (the
 * same subject, not removed: its key is then written before the global row goes).
 */
const IDENTITIES_HELD =
  "SELECT json_extract(j.value, '$.subscriber_id') || ' ' || json_extract(j.value, '$.provider') || ' ' || json_extract(j.value, '$.subject') AS id, max(t.subject = json_extract(j.value, '$.subject') AND t.removed_at IS NULL) AS live FROM identities t JOIN json_each(?) j ON t.subscriber_id = json_extract(j.value, '$.subscriber_id') AND t.provider = json_extract(j.value, '$.provider') WHERE (t.subject = json_extract(j.value, '$.subject') AND (t.removed_at IS NULL OR t.removed_at >= json_extract(j.value, '$.created_at'))) OR (t.subject != json_extract(j.value, '$.subject') AND t.removed_at IS NULL) GROUP BY 1";

/**
 * A drained link's key, written where it is absent or already its subscriber's (never over someone else's: the row then
 * stays in the global table, where a login still finds it), and the keys that now name the copied rows' subscribers.
 */
const KEYS_UPSERT =
  "INSERT INTO login_keys (key, subscriber_id, home_shard, created_at) SELECT json_extract(value, '$.key'), json_extract(value, '$.subscriber_id'), json_extract(value, '$.home_shard'), json_extract(value, '$.created_at') FROM json_each(?) WHERE true ON CONFLICT(key) DO NOTHING";
const KEYS_HELD =
  "SELECT k.key, k.subscriber_id, k.home_shard, k.created_at FROM login_keys k JOIN json_each(?) j ON k.key = json_extract(j.value, '$.key')";
/**
 * Keys taken over from subscribers whose links they no longer stand for, each unless it changed since it was read: one
 * statement for a JSON array of them.
 */
const KEYS_TAKEOVER =
  "UPDATE login_keys SET subscriber_id = json_extract(j.value, '$.to'), home_shard = json_extract(j.value, '$.home'), created_at = json_extract(j.value, '$.now') FROM json_each(?) j WHERE login_keys.key = json_extract(j.value, '$.key') AND login_keys.subscriber_id = json_extract(j.value, '$.from') AND login_keys.created_at = json_extract(j.value, '$.at') RETURNING login_keys.key";
/** Which of these (subscriber, provider, subject) a shard holds live. */
const LIVE_LINKS =
  "SELECT t.subscriber_id || ' ' || t.provider || ' ' || t.subject AS id FROM identities t JOIN json_each(?) j ON t.subscriber_id = json_extract(j.value, '$[0]') AND t.provider = json_extract(j.value, '$[1]') AND t.subject = json_extract(j.value, '$[2]') WHERE t.removed_at IS NULL";

interface TablePlan {
  name:
    | "inbox"
    | "deliveries"
    | "pushSubscriptions"
    | "applicationEntries"
    | "supportEntries"
    | "choices"
    | "settings"
    | "cards"
    | "passkeys"
    | "identities";
  /** The page after a cursor (rows whose shard is not bound here stay and are passed over). */
  read: (after: number, limit: number, now: Date) => [string, ...unknown[]];
  upsert: string;
  /** Deletes the copied rows that are still as copied: a JSON array of the copied rows. */
  remove: string;
  /** What identifies a row and its state, for `remove`. */
  pick: (r: Row) => Record<string, unknown>;
  /**
   * For a table whose copy may be refused (a row of the same id there that is not the subscriber's): the ids the shard
   * holds, after the copy, for the copied rows' subscribers (a JSON array of the copied rows, in the copy's batch);
   * only those are deleted from the global table.
   */
  held?: string;
  /** What `held` names a row by: its `id` unless said. */
  heldId?: (r: Row) => string;
  /**
   * The identity stores' keys of the held rows that `held` says are live (`live` column): written before the global rows
   * are deleted, and a row whose key is someone else's stays (held back).
   */
  keys?: (r: Row) => string;
}

const PLANS: TablePlan[] = [
  {
    name: "inbox",
    read: (after, limit) => [pageWithHome(inbox), after, limit],
    upsert: INBOX_UPSERT,
    remove:
      "DELETE FROM inbox WHERE rowid IN (SELECT i.rowid FROM inbox i JOIN json_each(?) j ON i.id = json_extract(j.value, '$.id') WHERE i.read_at IS json_extract(j.value, '$.read_at'))",
    pick: (r) => ({ id: r.id, read_at: r.read_at }),
  },
  {
    name: "deliveries",
    read: (after, limit, now) => [pageWithHome(deliveries, " AND t.updated_at < ?"), after, now.getTime() - DELIVERY_DRAIN_AFTER_MS, limit],
    upsert: DELIVERIES_UPSERT,
    remove:
      "DELETE FROM deliveries WHERE rowid IN (SELECT d.rowid FROM deliveries d JOIN json_each(?) j ON d.dedupe_key = json_extract(j.value, '$.dedupe_key') WHERE d.updated_at IS json_extract(j.value, '$.updated_at') AND d.status IS json_extract(j.value, '$.status'))",
    pick: (r) => ({ dedupe_key: r.dedupe_key, updated_at: r.updated_at, status: r.status }),
  },
  {
    // A device is never changed, only forgotten: copied unless its id or endpoint is in the shard already (the
    // browser subscribed there afresh since), then deleted by id.
    name: "pushSubscriptions",
    read: (after, limit) => [pageWithHome(pushSubscriptions), after, limit],
    upsert: insertRowsSql(pushSubscriptions),
    remove: "DELETE FROM push_subscriptions WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?))",
    pick: (r) => ({ id: r.id }),
  },
  // A directory entry is never changed, only taken back (a chat whose claim was lost): copied unless its id is there,
  // deleted by id. A list reads both places and shows each id once (support.queries `selectDirectory`,
  // applications.queries `selectSubscriberShards`), and one's own application by id falls back to the global table.
  {
    name: "applicationEntries",
    read: (after, limit) => [pageWithHome(homeApplicationDirectory), after, limit],
    upsert: insertRowsSql(homeApplicationDirectory),
    remove: "DELETE FROM application_directory WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?))",
    pick: (r) => ({ id: r.id }),
  },
  {
    name: "supportEntries",
    read: (after, limit) => [pageWithHome(homeSupportDirectory), after, limit],
    upsert: insertRowsSql(homeSupportDirectory),
    remove: "DELETE FROM support_directory WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?))",
    pick: (r) => ({ id: r.id }),
  },
  // A choice or setting is replaced in the global table only by an older deployment (this one writes the home shard
  // and deletes the global row): deleted where it is still as copied, else copied again by a later page.
  {
    name: "choices",
    read: (after, limit) => [pageWithHome(homeNotificationPrefs), after, limit],
    upsert: PREFS_UPSERT,
    remove:
      "DELETE FROM notification_prefs WHERE rowid IN (SELECT p.rowid FROM notification_prefs p JOIN json_each(?) j ON p.subscriber_id = json_extract(j.value, '$.subscriber_id') AND p.account_no = json_extract(j.value, '$.account_no') AND p.kind = json_extract(j.value, '$.kind') WHERE p.updated_at IS json_extract(j.value, '$.updated_at') AND p.channels IS json_extract(j.value, '$.channels'))",
    pick: (r) => ({
      subscriber_id: r.subscriber_id,
      account_no: r.account_no,
      kind: r.kind,
      updated_at: r.updated_at,
      channels: r.channels,
    }),
  },
  {
    name: "settings",
    read: (after, limit) => [pageWithHome(homeNotificationSettings), after, limit],
    upsert: SETTINGS_UPSERT,
    remove:
      "DELETE FROM notification_settings WHERE rowid IN (SELECT n.rowid FROM notification_settings n JOIN json_each(?) j ON n.subscriber_id = json_extract(j.value, '$.subscriber_id') WHERE n.updated_at IS json_extract(j.value, '$.updated_at'))",
    pick: (r) => ({ subscriber_id: r.subscriber_id, updated_at: r.updated_at }),
  },
  // A saved card is never changed, only removed: copied unless its id is there (the card, or the mark of its removal),
  // then deleted by id. A removal writes its mark in the home shard before deleting the global row, so a page read before
  // it cannot bring the card back (platform/credentials.ts).
  {
    name: "cards",
    read: (after, limit) => [pageWithHome(cards), after, limit],
    upsert: insertRowsSql(homeCards),
    remove: "DELETE FROM cards WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?))",
    pick: (r) => ({ id: r.id }),
    held: heldSql("cards"),
  },
  // A passkey an older deployment's login used meanwhile (its counter and last use) stays and is copied again.
  {
    name: "passkeys",
    read: (after, limit) => [pageWithHome(passkeys), after, limit],
    upsert: PASSKEYS_UPSERT,
    remove:
      "DELETE FROM passkeys WHERE rowid IN (SELECT p.rowid FROM passkeys p JOIN json_each(?) j ON p.id = json_extract(j.value, '$.id') WHERE p.counter IS json_extract(j.value, '$.counter') AND p.last_used_at IS json_extract(j.value, '$.last_used_at'))",
    pick: (r) => ({ id: r.id, counter: r.counter, last_used_at: r.last_used_at }),
    held: heldSql("passkeys"),
  },
  // A link is copied unless the shard names it (the link, or the mark of its removal) or holds another live one of the
  // provider (INSERT OR IGNORE), its key written, then deleted where it is still as copied (a link of another subject
  // written over it in place, as the global table's unique pair lets an older deployment do, stays and is read again).
  // features/auth/identities.service.ts.
  {
    name: "identities",
    read: (after, limit) => [pageWithHome(externalIdentities), after, limit],
    upsert: insertRowsSql(homeIdentities),
    remove:
      "DELETE FROM external_identities WHERE rowid IN (SELECT t.rowid FROM external_identities t JOIN json_each(?) j ON t.subscriber_id = json_extract(j.value, '$.subscriber_id') AND t.provider = json_extract(j.value, '$.provider') AND t.subject = json_extract(j.value, '$.subject') WHERE t.created_at IS json_extract(j.value, '$.created_at'))",
    pick: (r) => ({ subscriber_id: r.subscriber_id, provider: r.provider, subject: r.subject, created_at: r.created_at }),
    held: IDENTITIES_HELD,
    heldId: (r) => `${r.subscriber_id} ${r.provider} ${r.subject}`,
    keys: (r) => identityKey(r.provider as string, r.subject as string),
  },
];

export interface DrainResult {
  inbox: number;
  deliveries: number;
  /** Push subscriptions (devices) moved. */
  pushSubscriptions: number;
  /** Directory entries of applications, and of chats and requests, moved. */
  applicationEntries: number;
  supportEntries: number;
  /** Notification choices and settings (quiet hours, consent) moved. */
  choices: number;
  settings: number;
  /** Saved cards and passkeys moved. */
  cards: number;
  passkeys: number;
  /** Links to identity providers moved. */
  identities: number;
  /**
   * Rows read and left in the global table: their home shard is not bound here, or it holds a row of the same id for
   * someone else (logged as `drain.held_back`; each is read again once the table's cursor comes round).
   */
  heldBack: number;
  /** D1 calls made (reads, upserts, deletes). */
  calls: number;
  /** Whether the global tables were found drained (nothing left that may move yet). */
  drained: boolean;
}

/**
 * Moves up to `calls` D1 calls' worth of each global table's rows to their subscribers' home shards, `page` rows a
 * read (see the module's comment). Safe to run any number of times, and at once with itself.
 */
export async function drainLegacyNotifications(
  data: DataAccess,
  now = new Date(),
  {
    page = DRAIN_PAGE,
    calls = DRAIN_CALLS,
    afterRead,
  }: {
    page?: number;
    calls?: number;
    /** Runs between a page's read and its copy (tests: a change the subscriber makes meanwhile). */
    afterRead?: () => Promise<void>;
  } = {},
): Promise<DrainResult> {
  const result: DrainResult = {
    inbox: 0,
    deliveries: 0,
    pushSubscriptions: 0,
    applicationEntries: 0,
    supportEntries: 0,
    choices: 0,
    settings: 0,
    cards: 0,
    passkeys: 0,
    identities: 0,
    heldBack: 0,
    calls: 0,
    drained: true,
  };
  const global = d1Of(data.global);
  // The directories move only once new entries go to the home shards (`DIRECTORY_STORE`): a deployment that still
  // writes them to the global tables keeps them there, for a rollback past it to find them.
  // So do the notification choices and settings (`CHOICES_STORE`), saved cards and passkeys (`CREDENTIALS_STORE`), and
  // links to identity providers (`IDENTITIES_STORE`).
  const plans = PLANS.filter(
    (p) =>
      (data.directoryStore === "home" || (p.name !== "applicationEntries" && p.name !== "supportEntries")) &&
      (data.choicesStore === "home" || (p.name !== "choices" && p.name !== "settings")) &&
      (data.credentialsStore === "home" || (p.name !== "cards" && p.name !== "passkeys")) &&
      (data.identitiesStore === "home" || p.name !== "identities"),
  );
  // Tables left where they are are not drained.
  if (plans.length < PLANS.length) result.drained = false;
  // Where each table's last run stopped (one read; written back in one batch at the end: 2 calls a run in all). A failed
  // read starts every table from the beginning (slower, never wrong).
  const cursors = new Map(
    (
      await data.global
        .select({ plan: drainCursors.plan, after: drainCursors.after })
        .from(drainCursors)
        .all()
        .catch((e: unknown) => {
          log("warn", "drain.cursors_unread", { error: errorText(e) });
          return [];
        })
    ).map((c) => [c.plan, c.after]),
  );
  result.calls++;
  const moved: { plan: string; from: number; after: number }[] = [];
  const heldBy: Record<string, number> = {};
  try {
    for (const plan of plans) await drainTable(plan, cursors.get(plan.name) ?? 0);
  } finally {
    await saveCursors();
  }
  if (result.heldBack > 0) log("warn", "drain.held_back", { rows: result.heldBack, byTable: JSON.stringify(heldBy) });
  return result;

  /** One table's share of the run, from its cursor; what the next run starts from goes to `moved`. */
  async function drainTable(plan: TablePlan, from: number) {
    let spent = 0;
    let after = from;
    let read = false;
    let end = false;
    const holdBack = (n: number) => {
      if (n <= 0) return;
      result.heldBack += n;
      heldBy[plan.name] = (heldBy[plan.name] ?? 0) + n;
    };
    // The first row of a page some of whose copied rows were not deleted (changed meanwhile): the next run reads from
    // there again, as it would have without the cursor, not a lap later.
    let retry = Number.POSITIVE_INFINITY;
    // A page costs its read, one upsert per shard it touches and the delete: where its rows could be on more shards
    // than the calls left (thousands of shards), it reads only as many rows as there are calls left for them.
    // A table with keys also writes each identity store its rows' keys hash to (a row costs up to two calls then), and
    // keeps two calls for taking a key over (a read of its holder's shard, a write of its store): takeovers check what is
    // left of the run, and a row whose takeover does not fit is held back for a later lap.
    const stores = plan.keys ? data.identities.all.length : 0;
    const fanOut = data.shards.length + stores;
    const perRow = plan.keys ? 2 : 1;
    const reserve = plan.keys ? 2 : 0;
    for (;;) {
      const room = calls - spent - 2;
      const fit = fanOut + reserve <= room ? page : Math.min(page, Math.floor((room - reserve) / perRow));
      // Too few calls left to move a row with its key (the read, its shard, its store, the delete), enough to see that
      // none is left: one row is read, and moved by a later run.
      const probe = fit < 1 && room >= 1;
      if (fit < 1 && !probe) break;
      const limit = Math.max(fit, 1);
      const [query, ...params] = plan.read(after, limit, now);
      const rows = (
        await global
          .prepare(query)
          .bind(...params)
          .all<Row & { _r: number }>()
      ).results;
      spent++;
      if (rows.length === 0) {
        end = true;
        break;
      }
      read = true;
      if (probe) break;
      // The page's held rows the shard holds live (not a removal's mark), by `heldId`: their keys are written.
      const live = new Set<string>();
      await afterRead?.();
      after = rows[rows.length - 1]?._r ?? after;
      const byShard = new Map<ShardBinding, Row[]>();
      for (const r of rows) {
        const home = (r._home ?? FALLBACK_SHARD) as ShardBinding;
        // A shard this Worker is not bound to (a removed binding): the row waits in the global table.
        if (!data.shards.includes(home)) {
          result.heldBack++;
          heldBy[plan.name] = (heldBy[plan.name] ?? 0) + 1;
          continue;
        }
        byShard.set(home, [...(byShard.get(home) ?? []), r]);
      }
      // One batch (one call, one transaction) per shard, in as many statements as its rows' JSON needs.
      const copied: Row[] = [];
      for (const [shard, list] of byShard) {
        const chunks = jsonChunks(list);
        const results = await rawBatch(data.shard(shard), [
          ...chunks.map((json): [string, string] => [plan.upsert, json]),
          ...(plan.held ? chunks.map((json): [string, string] => [plan.held as string, json]) : []),
        ]);
        spent++;
        if (!plan.held) copied.push(...list);
        else {
          // Only the rows the shard now holds for their own subscriber leave the global table.
          const heldRows = results.slice(chunks.length).flatMap((r) => r.results as { id: string; live?: number }[]);
          const held = new Set(heldRows.map((x) => x.id));
          for (const x of heldRows) if (x.live) live.add(x.id);
          const idOf = plan.heldId ?? rowId;
          const kept = list.filter((r) => held.has(idOf(r)));
          holdBack(list.length - kept.length);
          copied.push(...kept);
        }
      }
      if (plan.keys && copied.length > 0) {
        // What is left of the run's calls after the delete: for taking over keys that no live link stands behind.
        const keyed = await writeKeys(plan, copied, live, calls - spent - 1);
        spent += keyed.calls;
        holdBack(copied.length - keyed.rows.length);
        copied.splice(0, copied.length, ...keyed.rows);
      }
      if (copied.length > 0) {
        const removed = await global
          .prepare(plan.remove)
          .bind(JSON.stringify(copied.map(plan.pick)))
          .run();
        spent++;
        result[plan.name] += removed.meta.changes;
        if (removed.meta.changes < copied.length) retry = Math.min(retry, (rows[0]?._r ?? 1) - 1);
      }
      if (rows.length < limit) {
        end = true;
        break;
      }
    }
    result.calls += spent;
    // The next run goes on after the last row read, or from the start once this one reached the end: rows passed over
    // (waiting for their shard, or held back) are read again then, not first by every run.
    const next = end ? 0 : Math.min(after, retry);
    if (next !== from) moved.push({ plan: plan.name, from, after: next });
    // Rows were read (moved, or waiting), or the run began past some: not known to be drained until a run from the
    // start finds the table empty.
    if (read || from > 0 || spent === 0) result.drained = false;
  }

  /**
   * Writes the keys of a page's live copied rows to their identity stores (one batch a store: the keys, then which of
   * them name the rows' subscribers), and returns the rows that may leave the global table: the removed ones, and the
   * live ones whose key is their subscriber's. With no identity store bound, only the removed ones.
   */
  async function writeKeys(
    plan: TablePlan,
    rows: Row[],
    live: ReadonlySet<string>,
    allowance: number,
  ): Promise<{ rows: Row[]; calls: number }> {
    const keyOf = plan.keys as (r: Row) => string;
    const idOf = plan.heldId ?? rowId;
    const stores = data.identities.all;
    const needing = rows.filter((r) => live.has(idOf(r)));
    const byStore = new Map<number, Row[]>();
    if (stores.length > 0)
      for (const r of needing) {
        const i = identityStoreIndex(keyOf(r), stores.length);
        byStore.set(i, [...(byStore.get(i) ?? []), r]);
      }
    const named = new Set<string>();
    type Key = { key: string; subscriber_id: string; home_shard: string; created_at: number };
    const others: { row: Row; key: Key; store: number }[] = [];
    let calls = 0;
    for (const [i, list] of byStore) {
      const chunks = jsonChunks(
        list.map((r) => ({ key: keyOf(r), subscriber_id: r.subscriber_id, home_shard: r._home, created_at: now.getTime() })),
      );
      const results = await rawBatch(stores[i] as IdentityDb, [
        ...chunks.map((json): [string, string] => [KEYS_UPSERT, json]),
        ...chunks.map((json): [string, string] => [KEYS_HELD, json]),
      ]);
      calls++;
      const found = new Map(results.slice(chunks.length).flatMap((r) => (r.results as Key[]).map((k) => [k.key, k] as const)));
      for (const r of list) {
        const k = found.get(keyOf(r));
        if (k?.subscriber_id === r.subscriber_id) named.add(keyOf(r));
        // Someone else's key, past a link being written: theirs only if their home shard holds the link live.
        else if (k && k.created_at < now.getTime() - KEY_CLAIM_MS) others.push({ row: r, key: k, store: i });
      }
    }
    // Keys no live link stands behind (a link or an unlink that stopped half-way) are taken over, as a link takes them
    // (features/auth/identities.service.ts); within the run's calls: a read a holder's shard, a batch a store.
    if (others.length > 0) {
      const holders = new Map<string, typeof others>();
      for (const o of others)
        if (data.hasShard(o.key.home_shard)) holders.set(o.key.home_shard, [...(holders.get(o.key.home_shard) ?? []), o]);
      // A key naming a shard this Worker is not bound to stands for no link it can find, as a link sees it (`findLinked`).
      const free: typeof others = others.filter((o) => !data.hasShard(o.key.home_shard));
      for (const [shard, list] of holders) {
        if (calls + 1 + new Set(free.map((f) => f.store)).size + 1 > allowance) break;
        const linkOf = (o: (typeof others)[number]) => [o.key.subscriber_id, o.row.provider, o.row.subject];
        const held = await d1Of(data.shard(shard as ShardBinding))
          .prepare(LIVE_LINKS)
          .bind(JSON.stringify(list.map(linkOf)))
          .all<{ id: string }>();
        calls++;
        const liveIds = new Set(held.results.map((x) => x.id));
        free.push(...list.filter((o) => !liveIds.has(linkOf(o).join(" "))));
      }
      const byStoreFree = new Map<number, typeof free>();
      for (const f of free) byStoreFree.set(f.store, [...(byStoreFree.get(f.store) ?? []), f]);
      for (const [i, list] of byStoreFree) {
        if (calls + 1 > allowance) break;
        const json = list.map((f) => ({
          key: f.key.key,
          to: f.row.subscriber_id,
          home: f.row._home,
          now: now.getTime(),
          from: f.key.subscriber_id,
          at: f.key.created_at,
        }));
        const results = await rawBatch(
          stores[i] as IdentityDb,
          jsonChunks(json).map((chunk): [string, string] => [KEYS_TAKEOVER, chunk]),
        );
        calls++;
        for (const r of results) for (const x of r.results as { key: string }[]) named.add(x.key);
      }
    }
    return { rows: rows.filter((r) => !live.has(idOf(r)) || named.has(keyOf(r))), calls };
  }

  /**
   * Writes the tables' cursors, each only where it still holds what this run started from (a drain at once with this one
   * may have moved it): one batch. A failure is logged; the next run then reads again from where this one began.
   */
  async function saveCursors() {
    const [first, ...rest] = moved.map((m) =>
      data.global
        .insert(drainCursors)
        .values({ plan: m.plan, after: m.after, updatedAt: now })
        .onConflictDoUpdate({
          target: drainCursors.plan,
          set: { after: m.after, updatedAt: now },
          setWhere: eq(drainCursors.after, m.from),
        }),
    );
    if (!first) return;
    try {
      await data.global.batch([first, ...rest]);
    } catch (e) {
      log("warn", "drain.cursors_unsaved", { error: errorText(e) });
    }
    result.calls++;
  }
}
