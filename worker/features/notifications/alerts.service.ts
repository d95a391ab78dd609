import { and, eq, sql } from "drizzle-orm";
import { notificationPrefs } from "../../db/schema/global";
import { accounts, homeNotificationPrefs } from "../../db/schema/region";
import { type DataAccess, inList, type RegionDb, type ShardBinding } from "../../platform/db";
import { holdersOn } from "../../platform/holders";
import { daysInMonth } from "../../platform/money";
import type { Notify } from "../../platform/notify";
import { SEND_BATCH_MESSAGES } from "../../platform/queue";
import { localDay, type Region, regionsAtHour } from "../../platform/region";
import { branchShards, type StepCursor, type StepPage, startAt } from "../../platform/shard-map";
import { shardSummaries } from "../accounts/accounts.service";
import { chargedOnDay } from "../billing/ledger.service";
import type { NotificationMessage } from "./notifications.messages";
import { byHomeShard, channelsFrom, mergeChoices } from "./notifications.service";

/** The local hour at which balance alerts go out: after the night's charge, well outside quiet hours. */
export const ALERT_HOUR = 10;
/** "Money runs out in N days" from this many days on. */
export const RUNS_OUT_DAYS = 3;

/** Accounts of a region one page reads on a shard (and its balances, in one statement of at most 90 bound values). */
export const ALERTS_PAGE = 90;

/**
 * Cron, for the regions given (by default those where it is 10:00): low balance (each
 * subscriber's own threshold), the forecast "money runs out in N days", and
 * yesterday's charges for those who asked for them. Event ids name the
 * account and the day, so a cron run repeated in the same hour sends nothing twice.
 *
 * A page at a time: the region's accounts on each shard of its branch in the order of accounts_region_idx, then
 * the page's links (with the directory, so an account being moved is told about where it lives, and the subscribers'
 * home shards) and the charge alerts asked for by the page's subscribers (in their home shards, and those not yet
 * drained from the global database), each one query bound as one JSON value. With
 * `page.limit`, it stops after that many accounts and says where to go on (`next`); a region of millions of accounts
 * is then many messages, each within an invocation's D1 queries (at most 5 a page and one a home shard of its
 * subscribers, plus its events: in batches of 100
 * where the notifier sends batches, `notify.many`, else one call each).
 */
export async function balanceAlerts(
  data: DataAccess,
  notify: Notify<NotificationMessage>,
  at: Date,
  regions: readonly Region[] = regionsAtHour(at, ALERT_HOUR),
  page: StepPage = {},
) {
  const done: { lowBalance: number; runsOut: number; charges: number; next: StepCursor | null } = {
    lowBalance: 0,
    runsOut: 0,
    charges: 0,
    next: null,
  };
  let left = page.limit ?? Number.POSITIVE_INFINITY;
  // A cursor is one region's: its rowid means nothing in another's pages.
  if (page.from && regions.length > 1) throw new RangeError("paged alerts are for one region");
  // D1 queries and queue sends made so far: a page is worked only if its most possible calls still fit the budget.
  const budget = page.calls ?? Number.POSITIVE_INFINITY;
  let spent = 0;
  let pages = 0;
  for (const { code, tz } of regions) {
    const day = localDay(tz, at);
    const yesterday = localDay(tz, new Date(at.getTime() - 24 * 3600_000));
    const shards = (await branchShards(data, code)).filter((s) => page.only === undefined || s === page.only);
    const { first, after: afterOn } = startAt(shards, page.from);
    for (let i = first; i < shards.length; i++) {
      const binding = shards[i] as ShardBinding;
      const shard = data.shard(binding);
      let after = afterOn(i);
      for (;;) {
        if (left <= 0) {
          done.next = { shard: binding, afterRowid: after };
          return done;
        }
        const size = Math.min(left, ALERTS_PAGE);
        const rows = await shard
          .select({ rowid: sql<number>`${accounts}.rowid`, accountNo: accounts.accountNo })
          .from(accounts)
          .where(and(eq(accounts.region, code), sql`${accounts}.rowid > ${after}`))
          .orderBy(sql`${accounts}.rowid`)
          .limit(size);
        if (rows.length === 0) break;
        // Their holders, with their alerts and home shards: the shard's rows of its own accounts (platform/holders.ts).
        const links = (
          await holdersOn(
            data,
            binding,
            rows.map((r) => r.accountNo),
            { here: true },
          )
        ).map(({ role: _, ...l }) => l);
        spent += 2;
        // Its balances, charges and the charge alerts asked for (those not yet drained from the global table, and one
        // read a home shard of the page's subscribers), then at most two events a link: in batches of 100 where the
        // notifier sends batches, else one call each.
        const events = 2 * links.length;
        const homes = byHomeShard(data, links);
        const cost = links.length > 0 ? 3 + homes.size + (notify.many ? Math.ceil(events / SEND_BATCH_MESSAGES) : events) : 0;
        if (pages > 0 && spent + cost > budget) {
          done.next = { shard: binding, afterRowid: after };
          return done;
        }
        after = rows[rows.length - 1]?.rowid ?? after;
        left -= rows.length;
        pages++;
        if (links.length > 0) spent += 3 + homes.size + (await alertPage(data, shard, notify, links, homes, day, yesterday, done));
        if (rows.length < size) break;
      }
    }
  }
  return done;
}

type PageLink = { accountNo: string; subscriberId: string; lowBalanceKop: number | null; homeShard: string };

/**
 * The page's subscribers' choices for yesterday's charges, from their home shards (one read each) and the global
 * table's rows not yet drained (one), merged as the preferences page merges them: an account's own choice, «off»
 * included, over the all-accounts one.
 */
async function chargeChoices(data: DataAccess, links: readonly PageLink[], homes: Map<ShardBinding, string[]>) {
  const ids = [...new Set(links.map((l) => l.subscriberId))];
  const [legacy, ...home] = await Promise.all([
    data.global
      .select()
      .from(notificationPrefs)
      .where(and(inList(notificationPrefs.subscriberId, ids), eq(notificationPrefs.kind, "charge_made"))),
    ...[...homes].map(([shard, who]) =>
      data
        .shard(shard)
        .select()
        .from(homeNotificationPrefs)
        .where(and(inList(homeNotificationPrefs.subscriberId, who), eq(homeNotificationPrefs.kind, "charge_made"))),
    ),
  ]);
  const bySubscriber = new Map<string, (typeof notificationPrefs.$inferSelect)[]>();
  for (const r of mergeChoices(home.flat(), legacy)) bySubscriber.set(r.subscriberId, [...(bySubscriber.get(r.subscriberId) ?? []), r]);
  return bySubscriber;
}

async function alertPage(
  data: DataAccess,
  shard: RegionDb,
  notify: Notify<NotificationMessage>,
  links: PageLink[],
  homes: Map<ShardBinding, string[]>,
  day: string,
  yesterday: string,
  done: { lowBalance: number; runsOut: number; charges: number },
): Promise<number> {
  const nos = [...new Set(links.map((l) => l.accountNo))];
  const out: NotificationMessage[] = [];
  const balance = new Map<string, number>();
  const monthly = new Map<string, number>();
  for (const a of await shardSummaries(shard, nos)) {
    if (a.status !== "active") continue;
    balance.set(a.accountNo, a.balanceKop);
    for (const s of a.services) if (s.status === "active") monthly.set(a.accountNo, (monthly.get(a.accountNo) ?? 0) + s.priceKop);
  }
  const charged = await chargedOnDay(shard, nos, yesterday);
  const wanted = await chargeChoices(data, links, homes);
  for (const l of links) {
    const kop = balance.get(l.accountNo);
    if (kop === undefined) continue;
    const event = (kind: "low_balance" | "runs_out" | "charge_made", id: string, params: Record<string, number | string>) =>
      void out.push({ channel: "event", eventId: id, kind, subscriberId: l.subscriberId, accountNo: l.accountNo, params });
    if (l.lowBalanceKop !== null && kop < l.lowBalanceKop) {
      event("low_balance", `low_balance:${l.accountNo}:${day}`, { balanceKop: kop, thresholdKop: l.lowBalanceKop });
      done.lowBalance++;
    } else {
      const perDay = (monthly.get(l.accountNo) ?? 0) / daysInMonth(day);
      const days = perDay > 0 ? Math.floor(kop / perDay) : Number.POSITIVE_INFINITY;
      if (kop > 0 && days <= RUNS_OUT_DAYS) {
        event("runs_out", `runs_out:${l.accountNo}:${day}`, { days, balanceKop: kop });
        done.runsOut++;
      }
    }
    const spent = charged.get(l.accountNo) ?? 0;
    const chosen = channelsFrom(wanted.get(l.subscriberId) ?? [], l.accountNo).find((p) => p.kind === "charge_made");
    if (spent > 0 && chosen && chosen.channels.length > 0) {
      event("charge_made", `charge_made:${l.accountNo}:${yesterday}`, {
        amountKop: spent,
        day: yesterday.split("-").reverse().join("."),
      });
      done.charges++;
    }
  }
  // The page's events: in batches where the notifier sends them (a call or two), else one call each.
  if (notify.many) return out.length > 0 ? notify.many(out) : 0;
  for (const m of out) await notify(m);
  return out.length;
}
