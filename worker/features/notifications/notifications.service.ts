import { and, desc, eq, gte, isNull, not, sql } from "drizzle-orm";
import type { Context } from "hono";
import {
  CHANNELS,
  type Channel,
  globalInbox,
  globalPushSubscriptions,
  NOTIFICATION_KINDS,
  type NotificationKind,
  notificationPrefs,
  notificationSettings,
  outages,
} from "../../db/schema/global";
import { accounts, homeNotificationPrefs, homeNotificationSettings, inbox, pushSubscriptions } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { type DataAccess, type GlobalDb, inList, isShardBinding, type RegionDb, type ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { isolateCache } from "../../platform/isolate-cache";
import { sendInBatches } from "../../platform/queue";
import { preread, readLinks, readWithSession, type SessionSubscriber, sessionLinks, subscriberIs } from "../../platform/session";
import { requireAccount } from "../accounts/accounts.service";
import { KINDS } from "./notifications.catalog";
import type { NotificationMessage } from "./notifications.messages";
import { inboxCutoff } from "./notifications.retention";

/** The global database's inbox and delivery rows moved to the home shards, a share a run (the housekeeping cron). */
export { drainLegacyNotifications } from "./notifications.drain";
/** The inbox and deliveries past their retention, deleted in bounded pages (the housekeeping cron calls it). */
export { expireNotifications } from "./notifications.retention";

/** Puts messages on the notifications queue (the binding, or a test's recorder). */
export interface NotificationQueue {
  send(body: NotificationMessage, options?: { delaySeconds?: number }): Promise<void>;
  sendBatch(messages: { body: NotificationMessage; delaySeconds?: number }[]): Promise<void>;
}

/** The messages in as few batches as Queues' limits allow (100 messages and 256 KB a batch). */
export async function sendAll(queue: NotificationQueue, bodies: NotificationMessage[]): Promise<void> {
  await sendInBatches(
    queue,
    bodies.map((body) => ({ body })),
  );
}

// ---------- Preferences ----------

export const ALL_ACCOUNTS = "*";

export interface KindPrefs {
  kind: NotificationKind;
  channels: Channel[];
  /** True when these are the defaults (nothing chosen for this account or all accounts). */
  isDefault: boolean;
}

const parseChannels = (s: string) => s.split(",").filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c));

/** A choice row as read from either place: `channels` null is no choice (a reset's mark on the home shard). */
export type ChoiceRow = Omit<typeof notificationPrefs.$inferSelect, "channels"> & { channels: string | null };

/**
 * The subscriber's choices from their home shard and from the global table's rows not yet drained: a home row (even a
 * reset's mark) wins over the global one for the same account and kind; the marks themselves are left out.
 */
export function mergeChoices(home: readonly ChoiceRow[], legacy: readonly ChoiceRow[]): (typeof notificationPrefs.$inferSelect)[] {
  const key = (r: ChoiceRow) => `${r.subscriberId}|${r.accountNo}|${r.kind}`;
  const mine = new Set(home.map(key));
  return [...home, ...legacy.filter((r) => !mine.has(key(r)))].flatMap((r) =>
    r.channels === null ? [] : [{ ...r, channels: r.channels }],
  );
}

/**
 * Subscribers by their home shard, for a read a shard of what they keep there (choices, settings): each once, and only
 * on shards this Worker is bound to.
 */
export function byHomeShard(data: DataAccess, people: readonly { subscriberId: string; homeShard: string }[]): Map<ShardBinding, string[]> {
  const homes = new Map<ShardBinding, Set<string>>();
  for (const { subscriberId, homeShard } of people)
    if (isShardBinding(homeShard) && data.hasShard(homeShard)) homes.set(homeShard, (homes.get(homeShard) ?? new Set()).add(subscriberId));
  return new Map([...homes].map(([shard, ids]) => [shard, [...ids]]));
}

/** The preferences page's route, whose reads of the global table go with the session. */
const PREFERENCES = "GET /api/v1/notifications/preferences";
/** The global table's choices not yet drained (every account: a few rows a kind), read with the session on the preferences page. */
const PREFS_READ = readWithSession([PREFERENCES], (db, who) =>
  db.select().from(notificationPrefs).where(subscriberIs(notificationPrefs.subscriberId, who)),
);

/** The subscriber's choices for these accounts ('*' among them), or all of them: the home shard's and the global table's. */
async function readChoices(data: DataAccess, owner: InboxOwner, accountNos: readonly string[] | null) {
  const home = data.shard(owner.homeShard);
  const mine = eq(homeNotificationPrefs.subscriberId, owner.subscriberId);
  const [own, legacy] = await Promise.all([
    home
      .select()
      .from(homeNotificationPrefs)
      .where(accountNos ? and(mine, inList(homeNotificationPrefs.accountNo, [...accountNos])) : mine),
    preread(data.global, owner.subscriberId, PREFS_READ) ??
      data.global
        .select()
        .from(notificationPrefs)
        .where(
          and(
            eq(notificationPrefs.subscriberId, owner.subscriberId),
            accountNos ? inList(notificationPrefs.accountNo, [...accountNos]) : undefined,
          ),
        ),
  ]);
  return mergeChoices(own, accountNos ? legacy.filter((r) => accountNos.includes(r.accountNo)) : legacy);
}

/** The channels per kind for one account (its own choice, else the all-accounts choice, else the defaults). */
export async function channelsFor(data: DataAccess, owner: InboxOwner, accountNo: string | null): Promise<KindPrefs[]> {
  return channelsFrom(await readChoices(data, owner, accountNo ? [accountNo, ALL_ACCOUNTS] : [ALL_ACCOUNTS]), accountNo);
}

/** The channels per kind for one account, from the subscriber's choice rows (others' and other accounts' are ignored). */
export function channelsFrom(rows: readonly (typeof notificationPrefs.$inferSelect)[], accountNo: string | null): KindPrefs[] {
  return NOTIFICATION_KINDS.map((kind) => {
    const own = rows.find((r) => r.kind === kind && r.accountNo === accountNo);
    const all = rows.find((r) => r.kind === kind && r.accountNo === ALL_ACCOUNTS);
    const chosen = own ?? all;
    return { kind, channels: chosen ? parseChannels(chosen.channels) : [...KINDS[kind].defaults], isDefault: !chosen };
  });
}

/** A subscriber's choices for one account (or '*'), of these kinds or all, in either table (the columns are the same). */
const choicesOf = (
  t: typeof notificationPrefs | typeof homeNotificationPrefs,
  subscriberId: string,
  accountNo: string,
  kinds?: readonly string[],
) => and(eq(t.subscriberId, subscriberId), eq(t.accountNo, accountNo), kinds ? inList(t.kind, [...kinds]) : undefined);

/**
 * Sets the subscriber's channels for an account (or all of them). In their home shard, then the same choices deleted
 * from the global table (an older deployment's rows): the home row wins meanwhile, so a failure between leaves the new
 * choice in force. Where the deployment keeps choices global (`CHOICES_STORE`), in the global table, and the same
 * choice on the home shard (a deployment's that wrote them there) deleted, so that it does not hide the new one.
 */
export async function setChannels(
  data: DataAccess,
  owner: InboxOwner,
  accountNoInput: string,
  items: { kind: NotificationKind; channels: Channel[] }[],
  now = new Date(),
): Promise<void> {
  const { subscriberId } = owner;
  const accountNo = accountNoInput === ALL_ACCOUNTS ? ALL_ACCOUNTS : (await requireAccount(data, subscriberId, accountNoInput)).accountNo;
  for (const { kind, channels } of items) {
    const required = KINDS[kind].required;
    if (required && !channels.some((c) => required.includes(c)))
      throw new AppError(422, "notification_required", { kindRu: KINDS[kind].label.ru, kindEn: KINDS[kind].label.en }, [
        { field: kind, message: "field.someChannel" },
      ]);
  }
  const rows = items.map(({ kind, channels }) => ({
    subscriberId,
    accountNo,
    kind,
    channels: CHANNELS.filter((c) => channels.includes(c)).join(","),
    updatedAt: now,
  }));
  if (rows.length === 0) return;
  if (data.choicesStore === "global") {
    const [first, ...rest] = rows.map((r) =>
      data.global
        .insert(notificationPrefs)
        .values(r)
        .onConflictDoUpdate({
          target: [notificationPrefs.subscriberId, notificationPrefs.accountNo, notificationPrefs.kind],
          set: { channels: r.channels, updatedAt: now },
        }),
    );
    if (first) await data.global.batch([first, ...rest]);
    // A home row of the same choice (left by a deployment that wrote them there) would hide this one: it goes.
    await data
      .shard(owner.homeShard)
      .delete(homeNotificationPrefs)
      .where(
        choicesOf(
          homeNotificationPrefs,
          subscriberId,
          accountNo,
          rows.map((r) => r.kind),
        ),
      );
    return;
  }
  const home = data.shard(owner.homeShard);
  const [first, ...rest] = rows.map((r) =>
    home
      .insert(homeNotificationPrefs)
      .values(r)
      .onConflictDoUpdate({
        target: [homeNotificationPrefs.subscriberId, homeNotificationPrefs.accountNo, homeNotificationPrefs.kind],
        set: { channels: r.channels, updatedAt: now },
      }),
  );
  if (first) await home.batch([first, ...rest]);
  await data.global.delete(notificationPrefs).where(
    choicesOf(
      notificationPrefs,
      subscriberId,
      accountNo,
      rows.map((r) => r.kind),
    ),
  );
}

/**
 * Forgets an account's own choices: it follows the all-accounts choice again. In the home shard nothing is deleted:
 * each kind chosen there or in the global table gets a mark of no choice (`channels` null) dated now, and only then
 * are the global rows deleted. A copy the drain read before (one drain or two at once, and whether this reset is the
 * first, a repeated one or a retry) is older than the mark and does not replace it (`PREFS_UPSERT`), so the choice
 * cannot come back; a failure before the global delete leaves the marks in force, and a retry marks again. Where the
 * deployment keeps choices global (`CHOICES_STORE`), the global rows are deleted (nothing drains them there).
 */
export async function resetChannels(data: DataAccess, owner: InboxOwner, accountNoInput: string, now = new Date()): Promise<void> {
  const { subscriberId } = owner;
  const { accountNo } = await requireAccount(data, subscriberId, accountNoInput);
  const legacyRows = choicesOf(notificationPrefs, subscriberId, accountNo);
  if (data.choicesStore === "global") {
    await data.global.delete(notificationPrefs).where(legacyRows);
    await data
      .shard(owner.homeShard)
      .delete(homeNotificationPrefs)
      .where(choicesOf(homeNotificationPrefs, subscriberId, accountNo));
    return;
  }
  const home = data.shard(owner.homeShard);
  // The global table first, then the home shard: the drain copies a row home before it deletes it here, so a row
  // this read misses is in the home shard by the time the next one reads it.
  const legacy = await data.global.select({ kind: notificationPrefs.kind }).from(notificationPrefs).where(legacyRows);
  const own = await home
    .select({ kind: homeNotificationPrefs.kind })
    .from(homeNotificationPrefs)
    .where(choicesOf(homeNotificationPrefs, subscriberId, accountNo));
  const [first, ...rest] = [...new Set([...own, ...legacy].map((r) => r.kind))].map((kind) =>
    home
      .insert(homeNotificationPrefs)
      .values({ subscriberId, accountNo, kind, channels: null, updatedAt: now })
      .onConflictDoUpdate({
        target: [homeNotificationPrefs.subscriberId, homeNotificationPrefs.accountNo, homeNotificationPrefs.kind],
        set: { channels: null, updatedAt: now },
      }),
  );
  if (first) await home.batch([first, ...rest]);
  if (legacy.length > 0) await data.global.delete(notificationPrefs).where(legacyRows);
}

export interface Settings {
  /** Minutes after local midnight; both null = no quiet hours. */
  quietFrom: number | null;
  quietTo: number | null;
  marketing: boolean;
}

const selectSettings = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select().from(notificationSettings).where(subscriberIs(notificationSettings.subscriberId, who)).limit(1);
/** The global table's row not yet drained, read with the session on the preferences page. */
const SETTINGS_READ = readWithSession([PREFERENCES], selectSettings);

/** The subscriber's settings: their home shard's row, else the global table's not yet drained, else the defaults. */
export async function getSettings(data: DataAccess, owner: InboxOwner): Promise<Settings> {
  const [[home], [legacy]] = await Promise.all([
    data
      .shard(owner.homeShard)
      .select()
      .from(homeNotificationSettings)
      .where(eq(homeNotificationSettings.subscriberId, owner.subscriberId)),
    preread(data.global, owner.subscriberId, SETTINGS_READ) ?? selectSettings(data.global, owner.subscriberId),
  ]);
  return settingsFrom(home ?? legacy);
}

/** The subscriber's settings from their row, or the defaults: quiet from 22:00 to 08:00, no marketing (consent is never assumed). */
export function settingsFrom(row: typeof notificationSettings.$inferSelect | undefined): Settings {
  return row
    ? { quietFrom: row.quietFrom, quietTo: row.quietTo, marketing: row.marketing }
    : { quietFrom: 22 * 60, quietTo: 8 * 60, marketing: false };
}

/**
 * Sets the settings in the home shard, then deletes the global table's row (the home row wins meanwhile); where the
 * deployment keeps choices global (`CHOICES_STORE`), in the global table.
 */
export async function setSettings(data: DataAccess, owner: InboxOwner, s: Settings, now = new Date()): Promise<void> {
  if ((s.quietFrom === null) !== (s.quietTo === null))
    throw new AppError(400, "validation", {}, [{ field: "quiet", message: "field.quietBoth" }]);
  if (data.choicesStore === "global") {
    await data.global
      .insert(notificationSettings)
      .values({ subscriberId: owner.subscriberId, ...s, updatedAt: now })
      .onConflictDoUpdate({ target: notificationSettings.subscriberId, set: { ...s, updatedAt: now } });
    await data.shard(owner.homeShard).delete(homeNotificationSettings).where(eq(homeNotificationSettings.subscriberId, owner.subscriberId));
    return;
  }
  await data
    .shard(owner.homeShard)
    .insert(homeNotificationSettings)
    .values({ subscriberId: owner.subscriberId, ...s, updatedAt: now })
    .onConflictDoUpdate({ target: homeNotificationSettings.subscriberId, set: { ...s, updatedAt: now } });
  await data.global.delete(notificationSettings).where(eq(notificationSettings.subscriberId, owner.subscriberId));
}

/** Minutes after local midnight of `at` in `tz`. */
export function localMinutes(tz: string, at: Date): number {
  const [h, m] = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(at)
    .split(":")
    .map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * When quiet hours hold at `at` in `tz`, the moment they end; otherwise null.
 * A window may cross midnight (22:00–08:00) or not (13:00–15:00).
 */
export function quietUntil(s: Settings, tz: string, at: Date): Date | null {
  if (s.quietFrom === null || s.quietTo === null || s.quietFrom === s.quietTo) return null;
  const now = localMinutes(tz, at);
  const inside = s.quietFrom < s.quietTo ? now >= s.quietFrom && now < s.quietTo : now >= s.quietFrom || now < s.quietTo;
  if (!inside) return null;
  const wait = (s.quietTo - now + 24 * 60) % (24 * 60);
  // Whole minutes: the end is the first minute after the window.
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + wait * 60_000);
}

// ---------- Inbox ----------

/** Messages a page of the inbox shows. */
export const INBOX_PAGE = 50;
/** Unread messages of the global table (before the move to the home shards) one request counts, at most. */
export const LEGACY_UNREAD_MAX = 1_000;

/** A message is shown and counted for 12 months (INBOX_RETENTION_MONTHS), whether or not housekeeping has deleted it yet. */
const kept = (column: typeof inbox.createdAt | typeof globalInbox.createdAt, at = new Date()) => gte(column, inboxCutoff(at));

/** Where a page of the inbox starts: below this message's (created_at, id), newest first. */
export interface InboxPosition {
  at: number;
  id: string;
}

/** The position after a page's last message, opaque to the client (base64url of JSON, as the history's cursor). */
export const encodeInboxCursor = (p: InboxPosition) =>
  btoa(JSON.stringify([p.at, p.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** A cursor back into a position, or null when it is not one this API made. */
function parseInboxCursor(cursor: string): InboxPosition | null {
  try {
    const [at, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (Number.isSafeInteger(at) && (at as number) >= 0 && typeof id === "string" && id.length > 0 && id.length <= 64)
      return { at: at as number, id };
  } catch {
    // not base64 or not JSON: null
  }
  return null;
}

/** A cursor back into a position; anything that is not one this API made is a 400 naming `before`. */
export function decodeInboxCursor(cursor: string): InboxPosition {
  const p = parseInboxCursor(cursor);
  if (!p) throw new AppError(400, "validation", {}, [{ field: "before", message: "field.bankCursor" }]);
  return p;
}

/** Whose inbox: the subscriber and the shard that keeps it (the session's `homeShard`). */
export interface InboxOwner {
  subscriberId: string;
  homeShard: ShardBinding;
}

/**
 * A page of the subscriber's messages in their home shard, newest first, from `before` on: one range of
 * `inbox_subscriber_idx` (subscriber, created_at, id) read backwards, `limit` rows (the caller asks one more to learn
 * whether there are more). The cursor only says where to start within the subscriber's own rows.
 */
export const selectInbox = (db: RegionDb, subscriberId: string, limit: number, before?: InboxPosition) =>
  db
    .select()
    .from(inbox)
    .where(
      and(
        eq(inbox.subscriberId, subscriberId),
        kept(inbox.createdAt),
        before ? sql`(${inbox.createdAt}, ${inbox.id}) < (${before.at}, ${before.id})` : undefined,
      ),
    )
    .orderBy(desc(inbox.createdAt), desc(inbox.id))
    .limit(limit);

/** The same page of the global table (rows from before the move, until housekeeping has drained them). */
const selectLegacyInbox = (db: GlobalDb, who: string | SessionSubscriber, limit: number, before?: InboxPosition) =>
  db
    .select()
    .from(globalInbox)
    .where(
      and(
        subscriberIs(globalInbox.subscriberId, who),
        kept(globalInbox.createdAt),
        before ? sql`(${globalInbox.createdAt}, ${globalInbox.id}) < (${before.at}, ${before.id})` : undefined,
      ),
    )
    .orderBy(desc(globalInbox.createdAt), desc(globalInbox.id))
    .limit(limit);

/** The ids of the subscriber's unread messages still in the global table (none once drained). */
const selectLegacyUnread = (db: GlobalDb, who: string | SessionSubscriber) =>
  db
    .select({ id: globalInbox.id })
    .from(globalInbox)
    .where(and(subscriberIs(globalInbox.subscriberId, who), isNull(globalInbox.readAt), kept(globalInbox.createdAt)))
    .limit(LEGACY_UNREAD_MAX);

/** The request's `before` as the session's batch sees it (a malformed one reads the first page; the handler refuses it). */
const beforeOf = (c?: Context<AppEnv>) => {
  const before = c?.req.query("before");
  return before === undefined ? undefined : (parseInboxCursor(before) ?? undefined);
};
const INBOX_ROUTE = "GET /api/v1/notifications";
// The global table's part of the inbox is read with the session (one round trip for both); the home shard's after it.
const LEGACY_PAGE_READ = readWithSession([INBOX_ROUTE], (db, who, c) => selectLegacyInbox(db, who, INBOX_PAGE + 1, beforeOf(c)));
const LEGACY_UNREAD_READ = readWithSession([INBOX_ROUTE, "POST /api/v1/notifications/read"], selectLegacyUnread);

type InboxRow = typeof inbox.$inferSelect;

/**
 * The home shard's rows and the global table's, newest first, each message once: a row being drained is in both
 * for a moment under the same id (and an event delivered before the move has no second row: the consumer looks
 * for it), so the two pages merge as one range of (created_at, id).
 */
export function mergeInbox(own: readonly InboxRow[], legacy: readonly InboxRow[], limit: number): InboxRow[] {
  const seen = new Set<string>();
  const events = new Set<string>();
  const out: InboxRow[] = [];
  const all = [...own, ...legacy].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  for (const r of all) {
    if (seen.has(r.id) || events.has(r.eventId)) continue;
    seen.add(r.id);
    events.add(r.eventId);
    out.push(r);
    if (out.length === limit) break;
  }
  return out;
}

/** How many of the subscriber's messages in the home shard are unread, those also still in the global table left out. */
const selectUnread = (db: RegionDb, subscriberId: string, legacyIds: readonly string[]) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(inbox)
    .where(
      and(
        eq(inbox.subscriberId, subscriberId),
        isNull(inbox.readAt),
        kept(inbox.createdAt),
        legacyIds.length ? not(inList(inbox.id, legacyIds)) : undefined,
      ),
    );

/**
 * A page of the inbox (the newest, or the one below `before`), whether older messages follow (`next`: the cursor
 * for them, null at the end), and the unread count of all 12 months. The subscriber's home shard in one round trip
 * (the page and the count in a batch); the global table's rows not yet drained are read with the session.
 */
export async function listInbox(data: DataAccess, owner: InboxOwner, limit = INBOX_PAGE, before?: InboxPosition) {
  const { subscriberId } = owner;
  const [legacyRows, legacyUnread] = await Promise.all([
    limit === 0
      ? []
      : limit === INBOX_PAGE
        ? (preread(data.global, subscriberId, LEGACY_PAGE_READ) ?? selectLegacyInbox(data.global, subscriberId, limit + 1, before))
        : selectLegacyInbox(data.global, subscriberId, limit + 1, before),
    preread(data.global, subscriberId, LEGACY_UNREAD_READ) ?? selectLegacyUnread(data.global, subscriberId),
  ]);
  const legacyIds = legacyUnread.map((r) => r.id);
  const home = data.shard(owner.homeShard);
  const unreadQuery = selectUnread(home, subscriberId, legacyIds);
  const [rows, [unread]] =
    limit === 0 ? [[], await unreadQuery] : await home.batch([selectInbox(home, subscriberId, limit + 1, before), unreadQuery]);
  const merged = mergeInbox(rows, legacyRows, limit + 1);
  const items = merged.slice(0, limit);
  const last = items[items.length - 1];
  const next = merged.length > limit && last ? encodeInboxCursor({ at: last.createdAt.getTime(), id: last.id }) : null;
  return { items, next, unread: Number(unread?.n ?? 0) + legacyIds.length };
}

/**
 * Marks the subscriber's own messages read (ids of others are ignored, not revealed); `all` marks everything. In the
 * home shard, and in the global table only when it still holds unread messages of theirs (read with the session).
 * Returns how many messages were marked and how many stay unread.
 */
export async function markRead(data: DataAccess, owner: InboxOwner, ids: string[] | "all", now = new Date()) {
  const { subscriberId } = owner;
  const chosen = ids === "all" ? undefined : ids.slice(0, 100);
  const legacyUnread = (
    preread(data.global, subscriberId, LEGACY_UNREAD_READ) ?? (await selectLegacyUnread(data.global, subscriberId))
  ).map((r) => r.id);
  const legacyHit = chosen ? legacyUnread.filter((id) => chosen.includes(id)) : legacyUnread;
  const home = data.shard(owner.homeShard);
  const [marked, legacyMarked] = await Promise.all([
    home
      .update(inbox)
      .set({ readAt: now })
      .where(
        and(
          eq(inbox.subscriberId, subscriberId),
          isNull(inbox.readAt),
          kept(inbox.createdAt, now),
          // The ids as one parameter: a hundred bound one by one, with the three others, were past D1's 100.
          chosen ? inList(inbox.id, chosen) : undefined,
        ),
      )
      .returning({ id: inbox.id }),
    legacyHit.length
      ? data.global
          .update(globalInbox)
          .set({ readAt: now })
          .where(and(eq(globalInbox.subscriberId, subscriberId), isNull(globalInbox.readAt), inList(globalInbox.id, legacyHit)))
          .returning({ id: globalInbox.id })
      : [],
  ]);
  const legacyLeft = legacyUnread.filter((id) => !legacyMarked.some((r) => r.id === id));
  const [unread] = await selectUnread(home, subscriberId, legacyLeft);
  return {
    marked: new Set([...marked, ...legacyMarked].map((r) => r.id)).size,
    unread: Number(unread?.n ?? 0) + legacyLeft.length,
  };
}

// ---------- Push subscriptions ----------

export const MAX_SUBSCRIPTIONS = 10;

/** Devices the global table still holds for the subscriber (rows from before the move, until drained). */
/** Devices the global table still holds for the subscriber (rows from before the move, until drained): their ids. */
const selectLegacyDevices = (db: GlobalDb, who: string | SessionSubscriber) =>
  db
    .select({ id: globalPushSubscriptions.id })
    .from(globalPushSubscriptions)
    .where(subscriberIs(globalPushSubscriptions.subscriberId, who));
const LEGACY_DEVICES_READ = readWithSession([PREFERENCES], selectLegacyDevices);

/**
 * How many devices receive the subscriber's pushes: their home shard's, and the global table's not yet drained, each
 * once (a device being drained is in both places for a moment).
 */
export async function pushDeviceCount(data: DataAccess, owner: InboxOwner): Promise<number> {
  const [legacy, home] = await Promise.all([
    preread(data.global, owner.subscriberId, LEGACY_DEVICES_READ) ?? selectLegacyDevices(data.global, owner.subscriberId),
    data
      .shard(owner.homeShard)
      .select({ id: pushSubscriptions.id })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.subscriberId, owner.subscriberId)),
  ]);
  return new Set([...legacy, ...home].map((d) => d.id)).size;
}

export async function subscribe(
  data: DataAccess,
  owner: InboxOwner,
  origin: string,
  sub: { endpoint: string; p256dh: string; auth: string },
  lang: "ru" | "en",
  now = new Date(),
): Promise<{ id: string }> {
  const key = (s: string) => {
    try {
      return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    } catch {
      return new Uint8Array();
    }
  };
  const endpoint = URL.canParse(sub.endpoint) ? new URL(sub.endpoint) : null;
  const fields = [
    ...(endpoint?.protocol === "https:" ? [] : [{ field: "endpoint", message: "field.httpsUrl" }]),
    ...(key(sub.p256dh).length === 65 && key(sub.p256dh)[0] === 4 ? [] : [{ field: "keys.p256dh", message: "field.pushKey" }]),
    ...(key(sub.auth).length === 16 ? [] : [{ field: "keys.auth", message: "field.pushAuth" }]),
  ];
  if (fields.length) throw new AppError(400, "validation", {}, fields);
  const id = newId(now.getTime());
  const home = data.shard(owner.homeShard);
  // The same browser subscribing again takes its endpoint over: in the home shard, and a row from before the move.
  // In one batch (a transaction): two requests with the same endpoint at once each leave one row, never a 500.
  await Promise.all([
    home.batch([
      home.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, sub.endpoint)),
      home.insert(pushSubscriptions).values({ id, subscriberId: owner.subscriberId, origin, ...sub, lang, createdAt: now }),
    ]),
    data.global.delete(globalPushSubscriptions).where(eq(globalPushSubscriptions.endpoint, sub.endpoint)),
  ]);
  // At most ten devices: the oldest go.
  const all = await home
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.subscriberId, owner.subscriberId))
    .orderBy(desc(pushSubscriptions.createdAt), desc(pushSubscriptions.id));
  const extra = all.slice(MAX_SUBSCRIPTIONS).map((r) => r.id);
  if (extra.length) await home.delete(pushSubscriptions).where(inList(pushSubscriptions.id, extra));
  return { id };
}

/** Forgets one of the subscriber's devices, wherever it is kept. */
export async function unsubscribe(data: DataAccess, owner: InboxOwner, endpoint: string): Promise<boolean> {
  const [home, legacy] = await Promise.all([
    data
      .shard(owner.homeShard)
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.subscriberId, owner.subscriberId), eq(pushSubscriptions.endpoint, endpoint)))
      .returning({ id: pushSubscriptions.id }),
    data.global
      .delete(globalPushSubscriptions)
      .where(and(eq(globalPushSubscriptions.subscriberId, owner.subscriberId), eq(globalPushSubscriptions.endpoint, endpoint)))
      .returning({ id: globalPushSubscriptions.id }),
  ]);
  return home.length + legacy.length > 0;
}

// ---------- Outages ----------

/** "Москва, ул. Профсоюзная, д. 12, кв. 45" → street "ул. Профсоюзная", house "12". */
export function parseAddress(address: string): { street: string | null; house: string | null } {
  const parts = address.split(",").map((p) => p.trim());
  const houseIdx = parts.findIndex((p) => /^(д\.|дом|уч\.)\s*/i.test(p));
  const house = houseIdx >= 0 ? (parts[houseIdx] ?? "").replace(/^(д\.|дом|уч\.)\s*/i, "").toLowerCase() : null;
  const street = houseIdx > 0 ? (parts[houseIdx - 1] ?? null) : null;
  return { street, house };
}

const norm = (s: string) => s.toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim();

/** Whether an address is in an outage's area: the region's, on the street (if given), in the houses (if given). */
export function inArea(address: string, street: string | null, houses: string[] | null): boolean {
  if (!street) return true;
  const a = parseAddress(address);
  if (!a.street || norm(a.street) !== norm(street)) return false;
  return !houses || houses.some((h) => norm(h) === (a.house ?? ""));
}

export function outageJson(o: typeof outages.$inferSelect) {
  return {
    id: o.id,
    region: o.region,
    street: o.street,
    houses: o.houses ? (JSON.parse(o.houses) as string[]) : null,
    title: o.title,
    expectedEnd: o.expectedEnd.toISOString(),
    declaredAt: o.declaredAt.toISOString(),
    resolvedAt: o.resolvedAt?.toISOString() ?? null,
  };
}

/**
 * How long an isolate keeps a region's unresolved outages: a city-wide outage's visits (its login storm's) read them
 * once an isolate and region in this time, not once a visit. An outage declared or resolved through this isolate is
 * seen here at once, and by the others within this time.
 */
export const OUTAGES_TTL_MS = 30_000;
const activeOutages = isolateCache<(typeof outages.$inferSelect)[]>(OUTAGES_TTL_MS);

/** Forgets this isolate's copy of a region's outages (after declaring or resolving one there). */
export const forgetOutages = (region: string) => activeOutages.forget(region);

/** The active outages at the addresses of the subscriber's accounts (each with the accounts it hits). */
/**
 * A kept list that disagrees with the outage notice the app was opened from is read again, but not more often than
 * this per isolate and region (a notice's link with an id that is no outage's cannot make every request read).
 */
export const OUTAGES_RECHECK_MS = 2_000;

/** The outage notice the app was opened from (`/?outage=<id>`, `/?outage-resolved=<id>`), if any. */
export interface OutageNotice {
  declared?: string | undefined;
  resolved?: string | undefined;
}

/**
 * `told`: the outage notice the page or request was opened from. The isolate's copy of a region's outages is read
 * again where it disagrees with it (the outage declared is not in it, or the one resolved still is): the notice may
 * be newer than the copy, which another isolate's change does not reach for up to 30 s.
 */
export async function myOutages(data: DataAccess, subscriberId: string, told: OutageNotice = {}) {
  // The links read with the request's session, when there is one (no second round trip for them).
  const mine = sessionLinks(data.global, subscriberId) ?? (await readLinks(data, subscriberId));
  const regionsOfMine = [...new Set(mine.map((m) => m.region))];
  // The regions this isolate has not kept (or whose copy the notice contradicts) are read together: one round trip at most.
  // A notice contradicts the copy when the outage declared is in none of the kept regions' lists (its region is not
  // known here: each is read again), or the one resolved is still in a region's.
  const now = Date.now();
  const kept = regionsOfMine.map((region) => activeOutages.peek(region, now) ?? []);
  const declaredMissing = told.declared !== undefined && !kept.some((list) => list.some((o) => o.id === told.declared));
  const contradicted = (_region: string, list: (typeof outages.$inferSelect)[], checkedAt: number) =>
    now - checkedAt >= OUTAGES_RECHECK_MS && (declaredMissing || (told.resolved !== undefined && list.some((o) => o.id === told.resolved)));
  const byRegion = await activeOutages.many(
    regionsOfMine,
    async (missing) => {
      const rows = await data.global
        .select()
        .from(outages)
        .where(and(inList(outages.region, missing), isNull(outages.resolvedAt)));
      return new Map(missing.map((region) => [region, rows.filter((o) => o.region === region)]));
    },
    now,
    told.declared === undefined && told.resolved === undefined ? undefined : contradicted,
  );
  const active = [...byRegion.values()].flat().sort((a, b) => a.declaredAt.getTime() - b.declaredAt.getTime() || (a.id < b.id ? -1 : 1));
  // The addresses of the subscriber's accounts in the regions hit, read once per shard that holds them.
  const regionsHit = new Set(active.map((o) => o.region));
  const hitShards = [...new Set(mine.filter((m) => regionsHit.has(m.region) && isShardBinding(m.shard)).map((m) => m.shard))];
  const addresses = new Map<string, { accountNo: string; address: string }[]>();
  const read = await Promise.all(
    hitShards.map((shard) =>
      data
        .shard(shard as ShardBinding)
        .select({ accountNo: accounts.accountNo, region: accounts.region, address: accounts.address })
        .from(accounts)
        // As one parameter: a contact may hold hundreds of accounts in one region.
        .where(
          inList(
            accounts.accountNo,
            mine.filter((m) => m.shard === shard && regionsHit.has(m.region)).map((m) => m.accountNo),
          ),
        ),
    ),
  );
  for (const r of read.flat()) addresses.set(r.region, [...(addresses.get(r.region) ?? []), r]);
  const items = [];
  for (const o of active) {
    const houses = o.houses ? (JSON.parse(o.houses) as string[]) : null;
    const hit = (addresses.get(o.region) ?? []).filter((a) => inArea(a.address, o.street, houses)).map((a) => a.accountNo);
    if (hit.length) items.push({ ...outageJson(o), accountNos: hit });
  }
  return items;
}
