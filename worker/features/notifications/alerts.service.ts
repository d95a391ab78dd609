import { and, eq, ne } from "drizzle-orm";
import { accountDirectory, accountLinks, notificationPrefs } from "../../db/schema/global";
import { type DataAccess, isShardBinding, type ShardBinding } from "../../platform/db";
import { daysInMonth } from "../../platform/money";
import { localDay, type Region, regionsAtHour } from "../../platform/region";
import { shardSummaries } from "../accounts/accounts.service";
import { chargedOnDay } from "../billing/ledger.service";
import type { NotificationMessage } from "./notifications.messages";

/** The local hour at which balance alerts go out: after the night's charge, well outside quiet hours. */
export const ALERT_HOUR = 10;
/** "Money runs out in N days" from this many days on. */
export const RUNS_OUT_DAYS = 3;

/**
 * Cron, for the regions given (by default those where it is 10:00): low balance (each
 * subscriber's own threshold), the forecast "money runs out in N days", and
 * yesterday's charges for those who asked for them. Event ids name the
 * account and the day, so a cron run repeated in the same hour sends nothing twice.
 */
export async function balanceAlerts(
  data: DataAccess,
  notify: (m: NotificationMessage) => Promise<void>,
  at: Date,
  regions: readonly Region[] = regionsAtHour(at, ALERT_HOUR),
) {
  const done = { lowBalance: 0, runsOut: 0, charges: 0 };
  for (const { code, tz } of regions) {
    const day = localDay(tz, at);
    const yesterday = localDay(tz, new Date(at.getTime() - 24 * 3600_000));
    const links = await data.global
      .select({
        accountNo: accountLinks.accountNo,
        subscriberId: accountLinks.subscriberId,
        lowBalanceKop: accountLinks.lowBalanceKop,
        shard: accountDirectory.shard,
      })
      .from(accountLinks)
      .innerJoin(accountDirectory, eq(accountDirectory.accountNo, accountLinks.accountNo))
      .where(eq(accountDirectory.region, code));
    if (links.length === 0) continue;
    // The region's accounts may be on several shards of its branch: each account is read where the directory has it.
    const byShard = new Map<string, Set<string>>();
    for (const l of links) {
      if (!isShardBinding(l.shard)) continue;
      const set = byShard.get(l.shard) ?? new Set<string>();
      set.add(l.accountNo);
      byShard.set(l.shard, set);
    }
    const chunks = [...byShard].flatMap(([binding, set]) => {
      const nos = [...set];
      return Array.from({ length: Math.ceil(nos.length / 90) }, (_, i) => ({ binding, chunk: nos.slice(i * 90, i * 90 + 90) }));
    });
    const balance = new Map<string, number>();
    const monthly = new Map<string, number>();
    const charged = new Map<string, number>();
    for (const { binding, chunk } of chunks) {
      const shard = data.shard(binding as ShardBinding);
      for (const a of await shardSummaries(shard, chunk)) {
        if (a.status !== "active") continue;
        balance.set(a.accountNo, a.balanceKop);
        for (const s of a.services) if (s.status === "active") monthly.set(a.accountNo, (monthly.get(a.accountNo) ?? 0) + s.priceKop);
      }
      for (const [accountNo, kop] of await chargedOnDay(shard, chunk, yesterday)) charged.set(accountNo, kop);
    }
    const wantsCharges = new Set(
      (
        await data.global
          .select({ s: notificationPrefs.subscriberId, a: notificationPrefs.accountNo })
          .from(notificationPrefs)
          .where(and(eq(notificationPrefs.kind, "charge_made"), ne(notificationPrefs.channels, "")))
      ).map((r) => `${r.s}|${r.a}`),
    );
    for (const l of links) {
      const kop = balance.get(l.accountNo);
      if (kop === undefined) continue;
      const event = (kind: "low_balance" | "runs_out" | "charge_made", id: string, params: Record<string, number | string>) =>
        notify({ channel: "event", eventId: id, kind, subscriberId: l.subscriberId, accountNo: l.accountNo, params });
      if (l.lowBalanceKop !== null && kop < l.lowBalanceKop) {
        await event("low_balance", `low_balance:${l.accountNo}:${day}`, { balanceKop: kop, thresholdKop: l.lowBalanceKop });
        done.lowBalance++;
      } else {
        const perDay = (monthly.get(l.accountNo) ?? 0) / daysInMonth(day);
        const days = perDay > 0 ? Math.floor(kop / perDay) : Number.POSITIVE_INFINITY;
        if (kop > 0 && days <= RUNS_OUT_DAYS) {
          await event("runs_out", `runs_out:${l.accountNo}:${day}`, { days, balanceKop: kop });
          done.runsOut++;
        }
      }
      const spent = charged.get(l.accountNo) ?? 0;
      if (spent > 0 && (wantsCharges.has(`${l.subscriberId}|${l.accountNo}`) || wantsCharges.has(`${l.subscriberId}|*`))) {
        await event("charge_made", `charge_made:${l.accountNo}:${yesterday}`, {
          amountKop: spent,
          day: yesterday.split("-").reverse().join("."),
        });
        done.charges++;
      }
    }
  }
  return done;
}
