import { and, desc, eq, gt, ne, or, sql } from "drizzle-orm";
import { BONUS_RULES, pointsForCharges, type Reward, ratesFor, rewardsFor } from "../../data/bonus.data";
import { REGIONS } from "../../data/regions.data";
import {
  accountServices,
  accounts,
  autopay,
  bonusLedger,
  bonusMembers,
  bonusRedemptions,
  type TariffKind,
  tariffs,
} from "../../db/schema/region";
import { settledHere } from "../../platform/arriving";
import type { DataAccess, RegionDb, ShardBinding } from "../../platform/db";
import { queriesUsed, rawBatch } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { addDays, localDay, localInstant, regionsAtHour } from "../../platform/region";
import type { SessionInfo } from "../../platform/session";
import { branchShards, type StepCursor, type StepPage, startAt } from "../../platform/shard-map";
import { requireAccount } from "../accounts/accounts.service";
import { chargedByTariffKind, entryIf } from "../billing/ledger.service";

const MONTH_MS = 30.44 * 24 * 3600_000;
const expiry = (at: Date) => new Date(at.getTime() + BONUS_RULES.expiryMonths * MONTH_MS);

export async function bonusBalance(db: RegionDb, accountNo: string): Promise<number> {
  const row = await db
    .select({ p: sql<number>`coalesce(sum(${bonusLedger.points}), 0)` })
    .from(bonusLedger)
    .where(eq(bonusLedger.accountNo, accountNo))
    .get();
  return Number(row?.p ?? 0);
}

async function shardOf(data: DataAccess, subscriberId: string, accountNo: string, need: "viewer" | "owner") {
  const link = await requireAccount(data, subscriberId, accountNo, need);
  return { accountNo: link.accountNo, db: data.shard(link.shard), region: link.region as string };
}

/** The programme for one account: membership, balance, points expiring within a month, history, the region's rules. */
export async function bonusOverview(data: DataAccess, subscriberId: string, accountNoInput: string, now = new Date()) {
  const { accountNo, db, region } = await shardOf(data, subscriberId, accountNoInput, "viewer");
  const [member, balance, history] = await Promise.all([
    db.select().from(bonusMembers).where(eq(bonusMembers.accountNo, accountNo)).get(),
    bonusBalance(db, accountNo),
    db
      .select()
      .from(bonusLedger)
      .where(eq(bonusLedger.accountNo, accountNo))
      .orderBy(desc(bonusLedger.createdAt), desc(bonusLedger.id))
      .limit(50),
  ]);
  const soon = new Date(now.getTime() + 31 * 24 * 3600_000);
  const expiring = Math.max(0, (await expiringBy(db, accountNo, soon)) - (await expiringBy(db, accountNo, now)));
  return {
    accountNo,
    status: member?.status === "active" ? ("active" as const) : member ? ("left" as const) : ("none" as const),
    balance,
    expiringSoon: expiring,
    history: history.map((h) => ({
      id: h.id,
      kind: h.kind,
      points: h.points,
      description: { ru: h.descriptionRu, en: h.descriptionEn },
      createdAt: h.createdAt.toISOString(),
      expiresAt: h.expiresAt?.toISOString() ?? null,
    })),
    rules: {
      version: BONUS_RULES.version,
      ratePct: ratesFor(region),
      autopayMonthly: BONUS_RULES.autopayMonthly,
      tenureYearly: BONUS_RULES.tenureYearly,
      expiryMonths: BONUS_RULES.expiryMonths,
    },
  };
}

/**
 * Points that must have expired by `at` (FIFO: spending uses the oldest
 * points first): everything earned that expires by then, less everything
 * already spent, expired or forfeited, never below zero.
 */
async function expiringBy(db: RegionDb, accountNo: string, at: Date): Promise<number> {
  const row = await db
    .select({
      due: sql<number>`coalesce(sum(case when ${bonusLedger.kind} = 'earn' and ${bonusLedger.expiresAt} <= ${at.getTime()} then ${bonusLedger.points} else 0 end), 0)`,
      debits: sql<number>`coalesce(-sum(case when ${bonusLedger.points} < 0 then ${bonusLedger.points} else 0 end), 0)`,
    })
    .from(bonusLedger)
    .where(eq(bonusLedger.accountNo, accountNo))
    .get();
  return Math.max(0, Number(row?.due ?? 0) - Number(row?.debits ?? 0));
}

export async function joinBonus(data: DataAccess, session: SessionInfo, accountNoInput: string, now = new Date()) {
  const { accountNo, db } = await shardOf(data, session.subscriberId, accountNoInput, "owner");
  await db
    .insert(bonusMembers)
    .values({ accountNo, status: "active", joinedAt: now, leftAt: null, joinedBy: session.subscriberId, rulesVersion: BONUS_RULES.version })
    .onConflictDoUpdate({
      target: bonusMembers.accountNo,
      set: { status: "active", joinedAt: now, leftAt: null, joinedBy: session.subscriberId, rulesVersion: BONUS_RULES.version },
    });
}

/** Leaving forfeits the balance (the rules shown before joining and leaving say so), in one transaction with the status. */
export async function leaveBonus(data: DataAccess, session: SessionInfo, accountNoInput: string, now = new Date()) {
  const { accountNo, db } = await shardOf(data, session.subscriberId, accountNoInput, "owner");
  const id = newId(now.getTime());
  await rawBatch(db, [
    [
      `INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at)
       SELECT ?, ?, 'forfeit', -b.p, ?, NULL, 'Выход из программы: баллы сгорели', 'Left the programme: points forfeited', ?
       FROM (SELECT coalesce(sum(points), 0) p FROM bonus_ledger WHERE account_no = ?) b
       WHERE b.p > 0 AND EXISTS (SELECT 1 FROM bonus_members WHERE account_no = ? AND status = 'active')`,
      id,
      accountNo,
      `forfeit:${accountNo}:${now.getTime()}`,
      now.getTime(),
      accountNo,
      accountNo,
    ],
    ["UPDATE bonus_members SET status = 'left', left_at = ? WHERE account_no = ? AND status = 'active'", now.getTime(), accountNo],
  ]);
}

/** Kinds of service the account has (not ended); a bundle with mobile data counts as mobile. */
async function serviceNeedsMet(db: RegionDb, accountNo: string): Promise<Set<NonNullable<Reward["needs"]>>> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(accountServices)
    .innerJoin(tariffs, eq(tariffs.id, accountServices.tariffId))
    .where(
      and(
        eq(accountServices.accountNo, accountNo),
        ne(accountServices.status, "ended"),
        or(eq(tariffs.kind, "mobile"), gt(tariffs.dataGb, 0)),
      ),
    )
    .get();
  return new Set(Number(row?.n ?? 0) > 0 ? (["mobile"] as const) : []);
}

/** The rewards of the account's region that are of use to it: one that needs a service the account lacks is not offered. */
export async function rewardsForAccount(data: DataAccess, subscriberId: string, accountNoInput: string): Promise<Reward[]> {
  const { accountNo, db, region } = await shardOf(data, subscriberId, accountNoInput, "viewer");
  const met = await serviceNeedsMet(db, accountNo);
  return rewardsFor(region).filter((r) => !r.needs || met.has(r.needs));
}

/** A reward code: 10 characters without look-alikes (0/O, 1/I), from the CSPRNG. */
function rewardCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => alphabet[b % 32]).join("");
}

export interface Redemption {
  id: string;
  rewardId: string;
  points: number;
  code: string | null;
  creditedKop: number | null;
  createdAt: string;
}

const toRedemption = (r: typeof bonusRedemptions.$inferSelect): Redemption => ({
  id: r.id,
  rewardId: r.rewardId,
  points: r.points,
  code: r.code,
  creditedKop: r.creditedKop,
  createdAt: r.createdAt.toISOString(),
});

/**
 * Exchanges points for a reward, exactly once per idempotency key, in one D1
 * transaction: the debit is written only if the balance covers it (so
 * concurrent redemptions can never take it below zero), and the redemption
 * and a discount's money credit only if that debit was written.
 */
export async function redeem(
  data: DataAccess,
  session: SessionInfo,
  accountNoInput: string,
  rewardId: string,
  idempotencyKey: string,
  now = new Date(),
): Promise<{ redemption: Redemption; replayed: boolean }> {
  const { accountNo, db, region } = await shardOf(data, session.subscriberId, accountNoInput, "owner");
  const existing = await db
    .select()
    .from(bonusRedemptions)
    .where(and(eq(bonusRedemptions.accountNo, accountNo), eq(bonusRedemptions.idempotencyKey, idempotencyKey)))
    .get();
  if (existing) return { redemption: toRedemption(existing), replayed: true };
  const reward: Reward | undefined = rewardsFor(region).find((r) => r.id === rewardId);
  if (!reward) throw new AppError(404, "not_found");
  if (reward.needs && !(await serviceNeedsMet(db, accountNo)).has(reward.needs))
    throw new AppError(409, "bonus_reward_needs_service", {}, [{ field: "rewardId", message: `field.bonus.needs_${reward.needs}` }]);
  const member = await db.select({ s: bonusMembers.status }).from(bonusMembers).where(eq(bonusMembers.accountNo, accountNo)).get();
  if (member?.s !== "active") throw new AppError(409, "bonus_not_member");
  const ledgerId = newId(now.getTime());
  const redemptionId = newId(now.getTime());
  const code = reward.kind === "discount" ? null : rewardCode();
  const tz = REGIONS.find((r) => r.code === region)?.tz ?? "Europe/Moscow";
  const statements: [string, ...unknown[]][] = [
    [
      `INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at)
       SELECT ?, ?, 'redeem', ?, ?, NULL, ?, ?, ?
       WHERE (SELECT coalesce(sum(points), 0) FROM bonus_ledger WHERE account_no = ?) >= ?
         AND EXISTS (SELECT 1 FROM bonus_members WHERE account_no = ? AND status = 'active')
       ON CONFLICT (source_key) DO NOTHING`,
      ledgerId,
      accountNo,
      -reward.cost,
      `redeem:${accountNo}:${idempotencyKey}`,
      `Обмен: ${reward.titleRu}`,
      `Redeemed: ${reward.titleEn}`,
      now.getTime(),
      accountNo,
      reward.cost,
      accountNo,
    ],
    [
      `INSERT INTO bonus_redemptions (id, account_no, reward_id, points, code, credited_kop, idempotency_key, created_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bonus_ledger WHERE id = ?)`,
      redemptionId,
      accountNo,
      reward.id,
      reward.cost,
      code,
      reward.valueKop ?? null,
      idempotencyKey,
      now.getTime(),
      ledgerId,
    ],
  ];
  if (reward.kind === "discount" && reward.valueKop)
    statements.push(
      entryIf(
        {
          accountNo,
          kind: "bonus",
          amountKop: reward.valueKop,
          occurredAt: now,
          localDay: localDay(tz, now),
          descriptionRu: `Бонусы: ${reward.titleRu}`,
          descriptionEn: `Bonus: ${reward.titleEn}`,
          idempotencyKey: `bonus:${ledgerId}`,
        },
        sql`EXISTS (SELECT 1 FROM ${bonusLedger} WHERE ${bonusLedger.id} = ${ledgerId})`,
      ),
    );
  try {
    await rawBatch(db, statements);
  } catch (e) {
    // A concurrent request with the same key won the unique index of redemptions: it is the same redemption.
    if (!String(e).includes("UNIQUE")) throw e;
  }
  const row = await db
    .select()
    .from(bonusRedemptions)
    .where(and(eq(bonusRedemptions.accountNo, accountNo), eq(bonusRedemptions.idempotencyKey, idempotencyKey)))
    .get();
  if (!row) throw new AppError(409, "bonus_insufficient", { cost: reward.cost });
  return { redemption: toRedemption(row), replayed: row.id !== redemptionId };
}

export async function listRedemptions(data: DataAccess, subscriberId: string, accountNoInput: string) {
  const { accountNo, db } = await shardOf(data, subscriberId, accountNoInput, "viewer");
  const rows = await db
    .select()
    .from(bonusRedemptions)
    .where(eq(bonusRedemptions.accountNo, accountNo))
    .orderBy(desc(bonusRedemptions.createdAt))
    .limit(50);
  return rows.map(toRedemption);
}

/** The hour (local) the billing cron earns points: after the midnight charge. */
export const EARN_HOUR = 2;

/**
 * Cron: for every active member in the regions where it is 02:00, the share
 * of yesterday's charges (by kind of service and regional rate), the monthly
 * autopay bonus on the 1st, the yearly tenure bonus on the account's
 * anniversary, and the expiry of old points. Every entry has a source key
 * naming the account and the day, so running it twice earns nothing twice.
 */
export async function bonusTick(data: DataAccess, at: Date, regions = regionsAtHour(at, EARN_HOUR), page: StepPage = {}) {
  const done: { earned: number; expired: number; next: StepCursor | null } = { earned: 0, expired: 0, next: null };
  let left = page.limit ?? Number.POSITIVE_INFINITY;
  // A cursor is one region's: its rowid means nothing in another's pages.
  if (page.from && regions.length > 1) throw new RangeError("a paged bonus tick is for one region");
  // Calls this tick has made: a member is started only while its most possible calls fit `page.calls`.
  const start = queriesUsed(data.stats);
  // A region's members may be on every shard of its branch (the home one and those added).
  const placed = (await Promise.all(regions.map(async (r) => (await branchShards(data, r.code)).map((s) => ({ s, r }))))).flat();
  const { first, after: afterOn } = startAt(data.shards, page.from);
  for (let i = first; i < data.shards.length; i++) {
    const shard = data.shards[i] as ShardBinding;
    const inShard = placed.filter((p) => p.s === shard).map((p) => p.r);
    if (inShard.length === 0 || (page.only !== undefined && shard !== page.only)) continue;
    const db = data.shard(shard);
    for (const r of inShard) {
      const today = localDay(r.tz, at);
      const yesterday = localDay(r.tz, new Date(at.getTime() - 24 * 3600_000));
      // Members a page at a time in the order of the region's accounts (accounts_region_idx), from the cursor on.
      let after = afterOn(i);
      for (;;) {
        if (left <= 0) {
          done.next = { shard, afterRowid: after };
          return done;
        }
        const size = Math.min(left, BONUS_PAGE);
        const members = await db
          .select({
            rowid: sql<number>`${accounts}.rowid`,
            accountNo: bonusMembers.accountNo,
            createdAt: accounts.createdAt,
            joinedAt: bonusMembers.joinedAt,
          })
          .from(bonusMembers)
          .innerJoin(accounts, eq(accounts.accountNo, bonusMembers.accountNo))
          .where(
            and(
              eq(bonusMembers.status, "active"),
              eq(accounts.region, r.code),
              sql`${accounts}.rowid > ${after}`,
              settledHere(accounts.accountNo),
            ),
          )
          .orderBy(sql`${accounts}.rowid`)
          .limit(size);
        for (const m of members) {
          if (page.calls !== undefined && queriesUsed(data.stats) - start + MEMBER_CALLS > page.calls) {
            done.next = { shard, afterRowid: after };
            return done;
          }
          await earnFor(db, m, r, today, yesterday, at, done);
          after = m.rowid;
          left--;
        }
        if (members.length < size) break;
      }
    }
  }
  return done;
}

/**
 * One account's earnings of a region's day (`day`: the local day of the run, which earns for the day before), as the
 * region's run (`bonusTick`) makes them, on the shard that holds it: for a shard move's catch-up, whose source's run
 * skipped the account frozen. Nothing for an account that is not an active member; each entry once by its key, so
 * racing or repeating the region's run earns nothing twice. The points earned.
 */
export async function earnForAccountDay(
  db: RegionDb,
  accountNo: string,
  region: { code: string; tz: string },
  day: string,
  now: Date,
): Promise<number> {
  const member = await db
    .select({ accountNo: bonusMembers.accountNo, createdAt: accounts.createdAt, joinedAt: bonusMembers.joinedAt })
    .from(bonusMembers)
    .innerJoin(accounts, eq(accounts.accountNo, bonusMembers.accountNo))
    .where(and(eq(bonusMembers.accountNo, accountNo), eq(bonusMembers.status, "active")))
    .get();
  if (!member) return 0;
  const at = new Date(Math.min(localInstant(region.tz, day, EARN_HOUR).getTime(), now.getTime()));
  const done = { earned: 0, expired: 0 };
  await earnFor(db, member, region, day, addDays(day, -1), at, done);
  return done.earned;
}

/** Members one query reads. */
const BONUS_PAGE = 100;
/** A member's most D1 calls: its charges, autopay, up to three earnings and the expiry. */
const MEMBER_CALLS = 6;

async function earnFor(
  db: RegionDb,
  m: { accountNo: string; createdAt: Date; joinedAt: Date },
  r: { code: string; tz: string },
  today: string,
  yesterday: string,
  at: Date,
  done: { earned: number; expired: number },
) {
  const charges = await chargedByTariffKind(db, m.accountNo, yesterday);
  const earn: { key: string; points: number; ru: string; en: string }[] = [];
  const fromCharges = pointsForCharges(
    r.code,
    Object.fromEntries(charges.map((c) => [c.kind, Number(c.kop)])) as Record<TariffKind, number>,
  );
  if (fromCharges > 0)
    earn.push({
      key: `earn:charge:${m.accountNo}:${yesterday}`,
      points: fromCharges,
      ru: `За оплату услуг ${yesterday}`,
      en: `For services paid ${yesterday}`,
    });
  if (today.endsWith("-01")) {
    const ap = await db.select({ s: autopay.status }).from(autopay).where(eq(autopay.accountNo, m.accountNo)).get();
    if (ap?.s === "active")
      earn.push({
        key: `earn:autopay:${m.accountNo}:${today.slice(0, 7)}`,
        points: BONUS_RULES.autopayMonthly,
        ru: "За автоплатёж",
        en: "For autopay",
      });
  }
  const since = localDay(r.tz, m.createdAt);
  const years = Number(today.slice(0, 4)) - Number(since.slice(0, 4));
  if (years > 0 && today.slice(5) === since.slice(5))
    earn.push({
      key: `earn:tenure:${m.accountNo}:${today.slice(0, 4)}`,
      points: BONUS_RULES.tenureYearly,
      ru: `${years}-й год с нами`,
      en: `Year ${years} with us`,
    });
  // Each earning once by its source key (a row written now, or none: the day's run was here before), and only while
  // the account is still a member: one who left since the page was read keeps nothing after the forfeit.
  for (const e of earn) {
    const [written] = await rawBatch(db, [
      [
        `INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at)
         SELECT ?, ?, 'earn', ?, ?, ?, ?, ?, ?
         WHERE EXISTS (SELECT 1 FROM bonus_members WHERE account_no = ? AND status = 'active')
         ON CONFLICT DO NOTHING`,
        newId(at.getTime()),
        m.accountNo,
        e.points,
        e.key,
        expiry(at).getTime(),
        e.ru,
        e.en,
        at.getTime(),
        m.accountNo,
      ],
    ]);
    done.earned += (written?.meta.changes ?? 0) === 1 ? e.points : 0;
  }
  // The points due to expire are worked out in the statement that writes their expiry: a redemption or a forfeit
  // made meanwhile is counted (oldest points first), so it is never taken twice.
  const [expired] = await rawBatch(db, [
    [
      `INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at)
       SELECT ?, ?, 'expire', -d.due, ?, NULL, 'Срок действия баллов истёк', 'Points expired', ?
       FROM (
         SELECT MAX(0, coalesce(sum(CASE WHEN kind = 'earn' AND expires_at <= ? THEN points ELSE 0 END), 0)
                     - coalesce(-sum(CASE WHEN points < 0 THEN points ELSE 0 END), 0)) AS due
         FROM bonus_ledger WHERE account_no = ?
       ) d
       WHERE d.due > 0
       ON CONFLICT DO NOTHING
       RETURNING -points AS due`,
      newId(at.getTime()),
      m.accountNo,
      `expire:${m.accountNo}:${today}`,
      at.getTime(),
      at.getTime(),
      m.accountNo,
    ],
  ]);
  done.expired += Number((expired?.results[0] as { due?: number } | undefined)?.due ?? 0);
}
