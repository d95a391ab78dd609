import { and, eq, inArray } from "drizzle-orm";
import { accountLinks, shardMoves, subscribers } from "../../db/schema/global";
import { accountHolders, type LedgerKind } from "../../db/schema/region";
import { contractContactsOf } from "../../platform/contract-contacts";
import { type DataAccess, type GlobalDb, inList, isShardBinding, type RegionDb, rawBatch, type ShardBinding } from "../../platform/db";
import { AppError, accountMovingError, isAccountMoving } from "../../platform/errors";
import { addHolders, dropHolders, markRemoving, setHolderLowBalance, settleHolders } from "../../platform/holders";
import { parseAccountNo } from "../../platform/ids";
import { dropHomeLinks, homeRowsOf } from "../../platform/links";
import { errorText, log } from "../../platform/log";
import { daysInMonth } from "../../platform/money";
import { placeOf } from "../../platform/places";
import { localDay, regionTz } from "../../platform/region";
import { linksHolderOf, readLinks, type SessionLink, sessionLinks } from "../../platform/session";
import { confirmGuards, takeAttempt } from "../../platform/throttle";
import { consumeCode, issueCode, type Notify, refundCodeAttempt, spendCode, unspendCode } from "../auth/codes.service";
import { historyWithArchive } from "../billing/archive.service";
import { selectSpending } from "../billing/ledger.service";
import { selectAccountSummaries, selectLink } from "./accounts.queries";

export type Role = "owner" | "payer" | "viewer";
const RANK: Record<Role, number> = { viewer: 0, payer: 1, owner: 2 };

/**
 * The subscriber's link to an account, or a 404 identical to a missing
 * account (a stranger learns nothing); a link with too weak a role is a 403.
 */
export async function requireAccount(data: DataAccess, subscriberId: string, accountNoInput: string, need: Role = "viewer") {
  const accountNo = parseAccountNo(accountNoInput);
  // The links read with this request's session answer without another round trip; an account not among them
  // is asked for (a link made earlier in this very request), so a miss is still exactly a missing account.
  const link = accountNo
    ? (sessionLinks(data.global, subscriberId)?.find((l) => l.accountNo === accountNo) ??
      (await readLinks(data, subscriberId, { accountNos: [accountNo] }))[0])
    : undefined;
  if (!accountNo || !link || !isShardBinding(link.shard)) throw new AppError(404, "not_found");
  if (RANK[link.role] < RANK[need]) throw new AppError(403, "forbidden");
  return { ...link, accountNo, shard: link.shard as ShardBinding };
}

/** Tomorrow in the region: when the next daily charge is made. */
function nextChargeDay(region: string, now: Date): string {
  const tz = regionTz(region);
  return localDay(tz, new Date(now.getTime() + 24 * 60 * 60 * 1000));
}

type LinkRow = Pick<SessionLink, "accountNo" | "role" | "lowBalanceKop" | "region" | "shard">;

/**
 * Accounts of one shard with their balances, bonus points and services not ended, in one statement (the home
 * screen's read): for other features' sweeps (balance alerts).
 */
export function shardSummaries(db: RegionDb, accountNos: readonly string[]) {
  return selectAccountSummaries(db, accountNos);
}

/** Accounts with balances and services for the given links: one statement per shard, the shards in parallel. */
async function summarizeLinks(data: DataAccess, links: LinkRow[], now: Date) {
  const byShard = new Map<ShardBinding, string[]>();
  for (const l of links) {
    if (!isShardBinding(l.shard)) continue;
    byShard.set(l.shard, [...(byShard.get(l.shard) ?? []), l.accountNo]);
  }
  const perShard = await Promise.all([...byShard].map(([shard, nos]) => selectAccountSummaries(data.shard(shard), nos)));
  const accounts = new Map(perShard.flat().map((a) => [a.accountNo, a]));
  // Tomorrow is the same day for every account of a region: worked out once per region.
  const chargeDays = new Map<string, string>();
  return links.flatMap((l) => {
    const a = accounts.get(l.accountNo);
    if (!a) return [];
    let chargeDay = chargeDays.get(l.region);
    if (chargeDay === undefined) {
      chargeDay = nextChargeDay(l.region, now);
      chargeDays.set(l.region, chargeDay);
    }
    return [
      {
        accountNo: l.accountNo,
        role: l.role,
        region: l.region,
        holderName: a.holderName,
        address: a.address,
        status: a.status,
        balanceKop: a.balanceKop,
        lowBalanceKop: l.lowBalanceKop,
        lowBalance: l.lowBalanceKop !== null && a.balanceKop < l.lowBalanceKop,
        monthlyKop: a.services.reduce((t, s) => (s.status === "active" ? t + s.priceKop : t), 0),
        nextChargeDay: chargeDay,
        bonusPoints: a.bonusPoints,
        services: a.services.map((s) => ({
          id: s.id,
          tariffId: s.tariffId,
          kind: s.kind,
          name: { ru: s.nameRu, en: s.nameEn },
          priceKop: s.priceKop,
          status: s.status,
          since: s.startedAt.toISOString(),
        })),
      },
    ];
  });
}

/**
 * Every account the subscriber holds or was given, from whichever shards hold them, with balances and services.
 * The total is the money the subscriber manages (own accounts and relatives' with full access); view-only
 * relatives' money is not theirs to count, so it is summed apart.
 */
export async function listAccounts(data: DataAccess, subscriberId: string, now = new Date()) {
  const links = sessionLinks(data.global, subscriberId) ?? (await readLinks(data, subscriberId));
  const items = await summarizeLinks(data, links, now);
  const sum = (list: typeof items) => list.reduce((t, a) => t + a.balanceKop, 0);
  return { items, totalKop: sum(items.filter((a) => a.role !== "viewer")), viewOnlyKop: sum(items.filter((a) => a.role === "viewer")) };
}

/** One account: only its own shard is read. */
export async function accountDetail(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const acc = await requireAccount(data, subscriberId, accountNo);
  const [item] = await summarizeLinks(data, [acc], now);
  if (!item) throw new AppError(404, "not_found");
  return item;
}

export interface HistoryQuery {
  from?: string;
  to?: string;
  type?: LedgerKind[];
  service?: string;
  cursor?: string;
  limit: number;
}

const minDay = (a: string, b: string) => (a < b ? a : b);

const encodeCursor = (at: number, id: string) => btoa(JSON.stringify([at, id])).replace(/=+$/, "");
function decodeCursor(c: string): { at: number; id: string } {
  try {
    const [at, id] = JSON.parse(atob(c)) as [number, string];
    if (Number.isFinite(at) && typeof id === "string") return { at, id };
  } catch {
    // fall through
  }
  throw new AppError(400, "validation", {}, [{ field: "cursor", message: "problem.validation" }]);
}

/** Payments and charges, newest first, with the balance after each entry; cursor-paginated. */
export async function accountHistory(data: DataAccess, files: R2Bucket, subscriberId: string, accountNo: string, q: HistoryQuery) {
  const acc = await requireAccount(data, subscriberId, accountNo);
  const tz = regionTz(acc.region);
  const { rows, balanceAfterFirst } = await historyWithArchive(data.shard(acc.shard), files, acc.accountNo, {
    from: q.from,
    to: q.to,
    kinds: q.type,
    serviceId: q.service,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit,
  });
  const page = rows.slice(0, q.limit);
  // With filters, the running balance is still the account's (all entries), shown on the entries listed.
  let running = balanceAfterFirst;
  const filtered = Boolean(q.type?.length || q.service);
  const items = page.map((r, i) => {
    const item = {
      id: r.id,
      kind: r.kind,
      amountKop: r.amountKop,
      occurredAt: r.occurredAt.toISOString(),
      // The day it happened: an entry that came after its month was closed is booked on the first open day
      // (where the filters find it), but shows its own date.
      localDay: minDay(r.localDay, localDay(tz, r.occurredAt)),
      bookedDay: r.localDay,
      tz,
      serviceId: r.serviceId,
      description: { ru: r.descriptionRu, en: r.descriptionEn },
      balanceAfterKop: filtered && i > 0 ? null : running,
    };
    running -= r.amountKop;
    return item;
  });
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.occurredAt.getTime(), last.id) : null };
}

/** Spending per month and service (last 6 months), the daily rate, and how long the money lasts. */
export async function accountInsight(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const acc = await requireAccount(data, subscriberId, accountNo);
  const tz = regionTz(acc.region);
  const today = localDay(tz, now);
  const [y, m] = today.split("-").map(Number) as [number, number];
  const since = new Date(Date.UTC(y, m - 6, 1)).toISOString().slice(0, 10);
  const [rows, [total]] = await selectSpending(data.shard(acc.shard), acc.accountNo, since);
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const byMonth = months.map((month) => ({
    month,
    totalKop: rows.filter((r) => r.month === month).reduce((t, r) => t + Number(r.spentKop), 0),
    services: rows
      .filter((r) => r.month === month)
      .map((r) => ({
        serviceId: r.serviceId,
        // A daily charge («Абонентская плата: …») or a closed month's rolled-up one («Абонентская плата за ноябрь 2026: …»).
        name: {
          ru: r.description.replace(/^Абонентская плата(?: за [^:]+)?: /, ""),
          en: r.descriptionEn.replace(/^Subscription fee(?: for [^:]+)?: /, ""),
        },
        spentKop: Number(r.spentKop),
      })),
  }));
  const [detail] = await summarizeLinks(data, [acc], now);
  if (!detail) throw new AppError(404, "not_found");
  // The daily rate from what is subscribed now (a month's fees over the days of this month).
  const dailyKop = detail.monthlyKop / daysInMonth(today);
  const balanceKop = total?.s ?? 0;
  const daysLeft = dailyKop > 0 ? Math.floor(Math.max(0, balanceKop) / dailyKop) : null;
  const lastsUntil = daysLeft === null ? null : localDay(tz, new Date(now.getTime() + daysLeft * 86_400_000));
  return { balanceKop, dailyKop: Math.round(dailyKop), daysLeft, lastsUntil, lowBalanceKop: acc.lowBalanceKop, months: byMonth };
}

export async function setLowBalance(data: DataAccess, subscriberId: string, accountNo: string, kop: number | null) {
  const db = data.global;
  const acc = await requireAccount(data, subscriberId, accountNo);
  // The holder row first (the alerts read it), then the link the subscriber's pages read: a failure between them
  // shows the old threshold, and the subscriber sets it again.
  await setHolderLowBalance(data, acc, subscriberId, kop).catch((e: unknown) => {
    throw isAccountMoving(e) ? accountMovingError() : e;
  });
  if (data.globalLinks === "keep")
    await db
      .update(accountLinks)
      .set({ lowBalanceKop: kop })
      .where(and(eq(accountLinks.subscriberId, subscriberId), eq(accountLinks.accountNo, acc.accountNo)));
}

// ── Relatives' accounts (привязка лицевого счёта) ─────────────────────────

/** Sends a code to the contract's phone (or email) of the account to link. Same answer for unknown accounts. */
export async function startLink(
  data: DataAccess,
  notify: Notify,
  subscriberId: string,
  accountNoInput: string,
  channel: "sms" | "email",
  address: string,
) {
  const accountNo = parseAccountNo(accountNoInput);
  if (!accountNo) throw new AppError(400, "validation", {}, [{ field: "accountNo", message: "field.accountNo" }]);
  // The contract's contacts: the account's row in its shard (or an older release's directory row).
  const contacts = await contractContactsOf(data, accountNo);
  const to = channel === "email" ? contacts.email : contacts.phone;
  return issueCode(data, notify, {
    purpose: "link_account",
    target: `link:${subscriberId}:${accountNo}`,
    deliver: to ? { channel, to } : null,
    subscriberId,
    address,
  });
}

/**
 * Links the account with the code sent to its contract's contact. Each try is counted per subscriber (and per
 * address) before the code is checked, whatever the account: trying many accounts is no faster than one.
 */
export async function confirmLink(
  data: DataAccess,
  subscriberId: string,
  accountNoInput: string,
  code: string,
  role: "payer" | "viewer",
  address: string,
) {
  const accountNo = parseAccountNo(accountNoInput);
  if (!accountNo) throw new AppError(400, "validation", {}, [{ field: "accountNo", message: "field.accountNo" }]);
  // Not while a shard move of the account is under way (its source's freeze refuses the holder row; at its switch, its
  // holders' copies of their links are forgotten, and a holder added then would keep the old shard in theirs,
  // platform/session.ts): asked before the code is used, so the retry the 503 asks for can use it; the holder row and
  // the link's own statement refuse again.
  const db = data.global;
  if (await movingAccount(db, accountNo)) throw accountMovingError();
  const attempt = await takeAttempt(await confirmGuards(subscriberId, address));
  const checked = await consumeCode(data, { purpose: "link_account", target: `link:${subscriberId}:${accountNo}`, code }, new Date(), {
    spend: false,
  });
  const spentAt = new Date();
  await spendCode(checked, spentAt);
  await attempt.succeeded();
  // The holder row in the account's shard first (`adding`, platform/holders.ts), refused while the account is frozen for
  // a move; then the global link; then the row settled.
  const [place, me] = await Promise.all([
    placeOf(data, accountNo),
    db.select({ homeShard: subscribers.homeShard }).from(subscribers).where(eq(subscribers.id, subscriberId)).get(),
  ]).catch(async (e: unknown) => {
    // Where the account is could not be asked (a 503 to retry: platform/places.ts): the code and its attempt go back.
    if (e instanceof AppError && e.status === 503) {
      await unspendCode(checked, spentAt);
      await refundCodeAttempt(checked);
    }
    throw e;
  });
  const shard = place?.shard;
  if (!shard || !isShardBinding(shard) || !me) throw new AppError(404, "not_found");
  const holder = { accountNo, shard, subscriberId, role, homeShard: me.homeShard };
  // Refused before the link is written (a move froze the account or reached its switch since it was asked, or a shard
  // that failed): the code and its attempt are given back for the retry.
  const giveBack = async () => {
    await unspendCode(checked, spentAt);
    await refundCodeAttempt(checked);
  };
  const addedAt = new Date();
  await addHolders(data, [holder], addedAt).catch(async (e: unknown) => {
    await giveBack();
    throw isAccountMoving(e) ? accountMovingError() : e;
  });
  // A holder linked earlier is among those the move found; one linked after its switch reads the new shard. Without
  // global links (GLOBAL_LINKS = "drop") the same question is a read.
  const refused =
    data.globalLinks === "keep"
      ? ((
          await rawBatch(db, [
            [
              `INSERT INTO account_links (subscriber_id, account_no, role, created_at)
               SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM shard_moves WHERE account_no = ? AND step = 'verified')
               ON CONFLICT DO NOTHING`,
              subscriberId,
              accountNo,
              role,
              Date.now(),
              accountNo,
            ],
          ])
        )[0]?.meta.changes ?? 0) === 0 && !(await selectLink(db, subscriberId, accountNo))
      : (await db
          .select({ step: shardMoves.step })
          .from(shardMoves)
          .where(and(eq(shardMoves.accountNo, accountNo), eq(shardMoves.step, "verified")))
          .get()) !== undefined;
  if (refused) {
    await dropHolders(data, [holder], subscriberId, "adding", addedAt).catch((e: unknown) =>
      log("warn", "holders.left", { error: errorText(e) }),
    );
    await giveBack();
    throw accountMovingError();
  }
  // While the global links are kept, the link is made: a settle that fails is housekeeping's (it settles by the global
  // link). Without them the settle's home link is what makes it: one that fails is undone, and the code given back.
  await settleHolders(data, [holder], subscriberId).catch(async (e: unknown) => {
    log("warn", "holders.settle_failed", { error: errorText(e) });
    if (data.globalLinks === "keep") return;
    await dropHolders(data, [holder], subscriberId, "adding", addedAt).catch((d: unknown) =>
      log("warn", "holders.left", { error: errorText(d) }),
    );
    await giveBack();
    throw e;
  });
}

/**
 * The steps of a shard move in which no holder may be added to its account: from its start to its switch (its source's
 * freeze refuses the holder row, platform/holders.ts; at the switch its holders' copies are forgotten,
 * platform/session.ts). A move stuck there (a verification that does not match) refuses them until it is resumed or
 * abandoned (docs/operations.md).
 */
const MOVING_STEPS = ["started", "frozen", "copied", "verified"] as const;

/**
 * Those of the accounts a shard move is under way for (`MOVING_STEPS`), as a query: asked before a code is used, so
 * that the retry a 503 asks for can use it.
 */
export function selectMovingAccounts(db: GlobalDb, accountNos: readonly string[]) {
  return db
    .select({ accountNo: shardMoves.accountNo })
    .from(shardMoves)
    .where(and(inList(shardMoves.accountNo, accountNos), inArray(shardMoves.step, [...MOVING_STEPS])));
}

/** Whether a shard move of the account is under way (`MOVING_STEPS`: no holder is added then). */
export async function movingAccount(db: GlobalDb, accountNo: string): Promise<boolean> {
  return (await selectMovingAccounts(db, [accountNo]).get()) !== undefined;
}

/** Removes the subscriber's own link to an account (an owner cannot drop ownership this way). */
export async function unlinkAccount(data: DataAccess, subscriberId: string, accountNo: string) {
  const db = data.global;
  const acc = await requireAccount(data, subscriberId, accountNo);
  if (acc.role === "owner") throw new AppError(409, "owner_unlink");
  // The holder row marked first (no notice of the account reaches them from now on), then the link, then the row.
  const markedAt = new Date();
  const shard = await markRemoving(data, acc, subscriberId, markedAt).catch((e: unknown) => {
    throw isAccountMoving(e) ? accountMovingError() : e;
  });
  // The global link is deleted even where they are no longer written (GLOBAL_LINKS = "drop"): one an older release made
  // would otherwise outlive the removal while a Worker that still decides by them may run (a flip under way). There it
  // is a leftover, so a failure is only logged: housekeeping empties the table, and a row is settled by a global link
  // only if it was written with or after the row.
  const deleteGlobal = db
    .delete(accountLinks)
    .where(and(eq(accountLinks.subscriberId, subscriberId), eq(accountLinks.accountNo, acc.accountNo)));
  if (data.globalLinks === "keep") await deleteGlobal;
  else await deleteGlobal.catch((e: unknown) => log("warn", "links.global_left", { error: errorText(e) }));
  // The link in their home shard goes with the row (platform/holders.ts), dated as the row; on its own where the account
  // had no row (below). A failure is logged: the row is marked, and housekeeping finishes the removal.
  const rows = await dropHolders(data, [{ accountNo: acc.accountNo, shard }], subscriberId, "removing", markedAt).catch((e: unknown) => {
    log("warn", "holders.left", { error: errorText(e) });
    return -1;
  });
  // Without global links, none found is either a relink in another tab that took the row over (its home link is not
  // this removal's) or a home link left without its row by a change that raced another (the sweep's, days away): the
  // latter, only where the account's shard has no row for it at all, is deleted as it was dated before that was read,
  // so a relink that writes its link after (dated anew) is spared.
  if (rows === 0 && data.globalLinks === "keep")
    await dropHomeLinks(data, [
      { subscriberId, accountNo: acc.accountNo, homeShard: (await linksHolderOf(data, subscriberId)).homeShard },
    ]).catch((e: unknown) => log("warn", "links.left", { error: errorText(e) }));
  else if (rows === 0)
    await dropOrphanHomeLink(data, subscriberId, acc.accountNo, shard).catch((e: unknown) =>
      log("warn", "links.left", { error: errorText(e) }),
    );
}

/** `unlinkAccount`'s end for a home link whose account's shard has no holder row for it (see there). */
async function dropOrphanHomeLink(data: DataAccess, subscriberId: string, accountNo: string, shard: ShardBinding) {
  // The home link first, then the row: a relink writes its row before its link, so either its row is seen here (and
  // nothing is deleted) or its link, written after, is dated anew and spared by the dated delete.
  const who = await linksHolderOf(data, subscriberId);
  const [home] = await homeRowsOf(data, [who], { accountNos: [accountNo] });
  if (!home) return;
  const held = await data
    .shard(shard)
    .select({ state: accountHolders.state })
    .from(accountHolders)
    .where(and(eq(accountHolders.accountNo, accountNo), eq(accountHolders.subscriberId, subscriberId)))
    .get();
  if (!held) await dropHomeLinks(data, [{ subscriberId, accountNo, homeShard: who.homeShard, createdAt: home.createdAt }]);
}
