import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountServices, accounts, tariffs } from "../../worker/db/schema/region";
import {
  appendEntry,
  balanceOf,
  closePageQuery,
  historyPageQuery,
  periodOf,
  runningBalanceQuery,
  selectBalances,
  selectHistory,
  selectSpending,
} from "../../worker/features/billing/ledger.service";
import { closeMonthPart } from "../../worker/features/billing/period-close.service";
import { closeMonths, isRegionDayMessage } from "../../worker/features/cron/daily.service";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { localDay } from "../../worker/platform/region";
import { api, holdersFromLinks, json, login } from "./helpers";
import { type MoneyEvent, writeMoneyEvents } from "./money-events";

const data = () => createDataAccess(env);
const db = () => data().shardForRegion("msk");
const d1 = () => (db() as unknown as { $client: D1Database }).$client;
const CLOSED_AT = new Date("2026-11-01T03:00:00Z");

let made = 0;
/** A fresh account in a region of its own (the close works a region at a time), with one service on a real tariff. */
async function freshAccount(region: string) {
  made++;
  const accountNo = makeAccountNo(`2020${String((Date.now() + made * 7919) % 10_000_000).padStart(7, "0")}`);
  await db().insert(accounts).values({ accountNo, region, holderName: "Тест", address: "Москва", status: "active", createdAt: new Date() });
  const tariff = await db().select({ id: tariffs.id, nameRu: tariffs.nameRu, nameEn: tariffs.nameEn }).from(tariffs).limit(1).get();
  if (!tariff) throw new Error("no tariff seeded");
  const serviceId = `svc-${accountNo}`;
  await db()
    .insert(accountServices)
    .values({ id: serviceId, accountNo, tariffId: tariff.id, status: "active", startedAt: new Date("2026-01-01T00:00:00Z") });
  return { accountNo, serviceId, tariff };
}

/** One generated money event: a day of October 2026 (or of September/November around it), a kind and an amount. */
interface Event extends MoneyEvent {
  month: "2026-09" | "2026-10" | "2026-11";
}

const event = fc.record<Event>({
  month: fc.constantFrom("2026-09", "2026-10", "2026-10", "2026-10", "2026-11"),
  day: fc.integer({ min: 1, max: 28 }),
  kind: fc.constantFrom("daily", "daily", "daily", "fee", "payment", "refund", "promised_payment", "bonus", "adjustment"),
  kop: fc.integer({ min: 1, max: 500_000 }),
});

/** Writes the events on an account as the features do (test/worker/money-events.ts). */
const write = (accountNo: string, serviceId: string, events: Event[], tag: string) =>
  writeMoneyEvents(db(), accountNo, serviceId, events, tag);

/** What a subscriber can see of an account: its balance, every history line (amount, kind, date shown) and the running balance on top. */
async function seen(accountNo: string) {
  const { rows, balanceAfterFirst } = await selectHistory(db(), accountNo, { limit: 500 });
  const byKind: Record<string, number> = {};
  for (const r of rows) byKind[r.kind] = (byKind[r.kind] ?? 0) + r.amountKop;
  const total = rows.reduce((t, r) => t + r.amountKop, 0);
  return { balance: await balanceOf(db(), accountNo), runningOnTop: balanceAfterFirst, total, byKind, lines: rows.length };
}

/** Every row the account has in the ledger and the periods, read from the tables, with the account number blanked (to compare two accounts). */
async function snapshot(accountNo: string, serviceId: string) {
  const blank = (s: unknown) => String(s).replaceAll(accountNo, "ACC").replaceAll(serviceId, "SVC");
  const { results: entries } = await d1()
    .prepare(
      "SELECT id, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key FROM ledger_entries WHERE account_no = ? ORDER BY idempotency_key",
    )
    .bind(accountNo)
    .all<Record<string, unknown>>();
  const { results: periods } = await d1()
    .prepare("SELECT * FROM ledger_periods WHERE account_no = ? ORDER BY month")
    .bind(accountNo)
    .all<Record<string, unknown>>();
  const norm = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, k === "id" && !String(v).startsWith("rollup") ? "-" : typeof v === "string" ? blank(v) : v]),
    );
  return {
    entries: entries
      .map(norm)
      .map((e) => JSON.stringify(e))
      .sort(),
    periods: periods.map(norm),
  };
}

async function dailyRowsOf(accountNo: string, month: string) {
  const row = await d1()
    .prepare("SELECT count(*) AS n FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'charge:%' AND local_day LIKE ?")
    .bind(accountNo, `${month}-%`)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

let regions = 0;
const newRegion = () => `t${++regions}`;

describe("the monthly period close", () => {
  it("keeps every balance and history total, rolls the daily charges up, and a second close changes nothing (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(event, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 3 }), async (perAccount) => {
        const region = newRegion();
        const accs = [];
        for (const events of perAccount) {
          const a = await freshAccount(region);
          await write(a.accountNo, a.serviceId, events, region);
          accs.push({ ...a, events, before: await seen(a.accountNo) });
        }
        // Page size 1: every account is its own batch, as in a region of many pages.
        await closeMonthPart(db(), region, "2026-10", "", 100, CLOSED_AT, 1);
        for (const a of accs) {
          const after = await seen(a.accountNo);
          expect(after.balance).toBe(a.before.balance);
          expect(after.runningOnTop).toBe(a.before.runningOnTop);
          expect(after.total).toBe(a.before.total);
          expect(after.byKind).toEqual(a.before.byKind);
          expect(await dailyRowsOf(a.accountNo, "2026-10")).toBe(0);
          const octoberDays = new Set(a.events.filter((e) => e.kind === "daily" && e.month === "2026-10").map((e) => e.day));
          const { rows } = await selectHistory(db(), a.accountNo, { from: "2026-10-01", to: "2026-10-31", kinds: ["charge"], limit: 500 });
          const rolled = rows.filter((r) => r.descriptionRu.startsWith("Абонентская плата за октябрь 2026: "));
          expect(rolled).toHaveLength(octoberDays.size > 0 ? 1 : 0);
          if (rolled[0]) expect(rolled[0].descriptionEn).toBe(`Subscription fee for October 2026: ${a.tariff.nameEn}`);
          // Payments, refunds, bonuses and promised payments stay one line each.
          const individual = a.events.filter((e) => e.month === "2026-10" && !["daily", "fee"].includes(e.kind)).length;
          const { rows: credits } = await selectHistory(db(), a.accountNo, {
            from: "2026-10-01",
            to: "2026-10-31",
            kinds: ["payment", "refund", "bonus", "promised_payment", "adjustment"],
            limit: 500,
          });
          expect(credits).toHaveLength(individual);
          const period = await periodOf(db(), a.accountNo, "2026-10");
          expect(period?.closingKop).toBe(a.before.balance - (await novemberSum(a.accountNo)));
          expect(period?.openingKop).toBe(a.before.balance - (await novemberSum(a.accountNo)) - (await octoberSum(a.accountNo)));
        }
        const once = await Promise.all(accs.map((a) => snapshot(a.accountNo, a.serviceId)));
        await closeMonthPart(db(), region, "2026-10", "", 100, new Date(CLOSED_AT.getTime() + 3_600_000), 1);
        const twice = await Promise.all(accs.map((a) => snapshot(a.accountNo, a.serviceId)));
        expect(twice).toEqual(once);
      }),
      { seed: 20_261_031, numRuns: 25 },
    );
  }, 120_000);

  it("gives the same ledger when a close is interrupted after any page and run again (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(event, { minLength: 1, maxLength: 25 }), { minLength: 2, maxLength: 4 }),
        fc.nat(),
        async (perAccount, crashSeed) => {
          // The same events on two sets of accounts: one closed straight through, one with a crash.
          const clean = newRegion();
          const crashed = newRegion();
          const pairs = [];
          for (const events of perAccount) {
            const a = await freshAccount(clean);
            const b = await freshAccount(crashed);
            await write(a.accountNo, a.serviceId, events, "ev");
            await write(b.accountNo, b.serviceId, events, "ev");
            pairs.push({ a, b, balance: await balanceOf(db(), b.accountNo) });
          }
          await closeMonthPart(db(), clean, "2026-10", "", 100, CLOSED_AT, 1);
          const crashAfter = (crashSeed % perAccount.length) + 1;
          let pages = 0;
          await expect(
            closeMonthPart(db(), crashed, "2026-10", "", 100, CLOSED_AT, 1, () => {
              if (++pages === crashAfter) throw new Error("injected crash");
            }),
          ).rejects.toThrow("injected crash");
          // Mid-way, every account's balance is already right: closed or not.
          for (const p of pairs) expect(await balanceOf(db(), p.b.accountNo)).toBe(p.balance);
          await closeMonthPart(db(), crashed, "2026-10", "", 100, CLOSED_AT, 1);
          for (const p of pairs) {
            expect(await snapshot(p.b.accountNo, p.b.serviceId)).toEqual(await snapshot(p.a.accountNo, p.a.serviceId));
            expect(await balanceOf(db(), p.b.accountNo)).toBe(p.balance);
          }
        },
      ),
      { seed: 4_242, numRuns: 15 },
    );
  }, 120_000);

  it("never loses a refund dated in a closed month that arrives after the close: it lands in the open month, its date kept", async () => {
    const region = newRegion();
    const a = await freshAccount(region);
    await write(
      a.accountNo,
      a.serviceId,
      [
        { month: "2026-10", day: 3, kind: "payment", kop: 100_000 },
        { month: "2026-10", day: 4, kind: "daily", kop: 2_000 },
        { month: "2026-10", day: 5, kind: "daily", kop: 2_000 },
      ],
      "late",
    );
    await closeMonthPart(db(), region, "2026-10", "", 100, CLOSED_AT, 10);
    const closed = await periodOf(db(), a.accountNo, "2026-10");
    expect(closed?.closingKop).toBe(96_000);
    // The rolled-up line itself is as append-only as any entry.
    await expect(
      d1().prepare("DELETE FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'rollup:%'").bind(a.accountNo).run(),
    ).rejects.toThrow(/append-only/);

    const refundAt = new Date("2026-10-20T12:00:00+03:00");
    await appendEntry(db(), {
      accountNo: a.accountNo,
      kind: "refund",
      amountKop: 5_000,
      occurredAt: refundAt,
      localDay: "2026-10-20",
      descriptionRu: "Возврат за октябрь",
      descriptionEn: "Refund for October",
      idempotencyKey: `late-refund:${a.accountNo}`,
    });
    expect(await balanceOf(db(), a.accountNo)).toBe(101_000);
    // The closed month stays as it was closed.
    expect(await periodOf(db(), a.accountNo, "2026-10")).toEqual(closed);
    const { rows } = await selectHistory(db(), a.accountNo, { from: "2026-11-01", limit: 50 });
    const refund = rows.find((r) => r.kind === "refund");
    expect(refund?.occurredAt.toISOString()).toBe(refundAt.toISOString());
    expect(refund?.localDay).toBe("2026-11-01");
    const [, [total]] = await selectSpending(db(), a.accountNo, "2026-01-01");
    expect(total?.s).toBe(101_000);

    // November's close carries it.
    await closeMonthPart(db(), region, "2026-11", "", 100, new Date("2026-12-01T03:00:00Z"), 10);
    const november = await periodOf(db(), a.accountNo, "2026-11");
    expect(november).toMatchObject({ openingKop: 96_000, refundsKop: 5_000, closingKop: 101_000 });
    expect(await balanceOf(db(), a.accountNo)).toBe(101_000);
  });

  it("is run by the region's daily work once every job has done the month's last day, and resumes from the last account closed", async () => {
    const region = "msk";
    const a = await freshAccount(region);
    await write(
      a.accountNo,
      a.serviceId,
      [
        { month: "2026-09", day: 30, kind: "daily", kop: 1_000 },
        { month: "2026-10", day: 1, kind: "daily", kop: 1_000 },
        { month: "2026-10", day: 2, kind: "payment", kop: 50_000 },
      ],
      "cron",
    );
    const sent: unknown[] = [];
    const queue = { send: async (m: unknown) => void sent.push(m) } as unknown as Queue;
    const message = { region, at: Date.parse("2026-11-01T12:00:00Z") };
    // The alerts of November 1st (which read October 31st's charges) are not done yet: nothing is closed.
    const notYet = new Map([
      ["midnight", "2026-11-01"],
      ["bonus", "2026-11-01"],
      ["alerts", "2026-10-31"],
      ["close", "2026-09-30"],
    ] as const);
    expect(await closeMonths(data(), queue, message, new Map(notYet), new Date())).toEqual({ closed: [], continued: false });
    // Nor while the points of October 31st (earned on November 1st from its charges) are not.
    const bonusBehind = new Map([...notYet, ["alerts", "2026-11-01"], ["bonus", "2026-10-31"]] as const);
    expect(await closeMonths(data(), queue, message, bonusBehind, new Date())).toEqual({ closed: [], continued: false });
    expect(await periodOf(db(), a.accountNo, "2026-10")).toBeUndefined();
    // One page per message: the month goes on in a message of its own, after the last account closed.
    const progress = new Map([...notYet, ["alerts", "2026-11-01"]] as const);
    const first = await closeMonths(data(), queue, message, new Map(progress), new Date(), 1, 1);
    expect(first.continued).toBe(true);
    const next = sent.at(-1) as { closeResume: { month: string; afterAccount: string } };
    expect(isRegionDayMessage(next)).toBe(true);
    expect(next.closeResume.month).toBe("2026-10");
    let out = first;
    for (let i = 0; i < 500 && out.continued; i++) {
      const m = sent.at(-1) as { region: string; at: number; closeResume?: { month: string; afterAccount: string } };
      out = await closeMonths(data(), queue, m, new Map(progress), new Date(), 1, 1);
    }
    expect(out).toEqual({ closed: ["2026-10"], continued: false });
    expect(await periodOf(db(), a.accountNo, "2026-10")).toMatchObject({ openingKop: -1_000, chargesKop: -1_000, closingKop: 48_000 });
    expect(await dailyRowsOf(a.accountNo, "2026-10")).toBe(0);
    expect(await balanceOf(db(), a.accountNo)).toBe(48_000);
  });

  it("shows a subscriber's closed month the same: balance, history totals, a rolled-up line per service, insight by service name", async () => {
    const cookie = await login("anna");
    const today = localDay("Europe/Moscow", new Date());
    const [y, m] = today.split("-").map(Number) as [number, number];
    const month = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
    const last = new Date(Date.UTC(y, m - 1, 0)).toISOString().slice(0, 10);
    // The demo's own months come closed by the seed: a new account of Anna's with last month still open, charged
    // daily and paid once, as the demo accounts were before their close.
    const { accountNo: anna, serviceId, tariff } = await freshAccount("msk");
    await env.DB.batch([
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', 0)").bind(anna),
      env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-anna', ?, 'owner', 0)").bind(
        anna,
      ),
    ]);
    await holdersFromLinks();
    const entry = (day: number, kind: "charge" | "payment", amountKop: number) => {
      const localDay = `${month}-${String(day).padStart(2, "0")}`;
      return appendEntry(db(), {
        accountNo: anna,
        kind,
        amountKop,
        occurredAt: new Date(`${localDay}T12:00:00+03:00`),
        localDay,
        serviceId: kind === "charge" ? serviceId : null,
        // The daily charge's line, as the cron writes it: the tariff's name.
        descriptionRu: kind === "charge" ? `Абонентская плата: ${tariff.nameRu}` : "Оплата банковской картой",
        descriptionEn: kind === "charge" ? `Subscription fee: ${tariff.nameEn}` : "Card payment",
        idempotencyKey: kind === "charge" ? `charge:${serviceId}:${localDay}` : `anna-open-month:pay:${anna}`,
      });
    };
    await entry(5, "payment", 90_000);
    for (let d = 1; d <= Number(last.slice(8, 10)); d++) await entry(d, "charge", -2_500);
    type Line = { kind: string; amountKop: number; balanceAfterKop: number | null; description: { ru: string; en: string } };
    type Insight = {
      balanceKop: number;
      months: { month: string; totalKop: number; services: { name: { ru: string; en: string }; spentKop: number }[] }[];
    };
    const view = async () => {
      const history = await json<{ items: Line[] }>(await api(cookie, `/accounts/${anna}/history?from=${month}-01&to=${last}&limit=100`));
      const top = await json<{ items: Line[] }>(await api(cookie, `/accounts/${anna}/history?limit=1`));
      const insight = await json<Insight>(await api(cookie, `/accounts/${anna}/insight`));
      const list = await json<{ items: { accountNo: string; balanceKop: number }[] }>(await api(cookie, "/accounts"));
      const total = (kind: string) => history.items.filter((i) => i.kind === kind).reduce((t, i) => t + i.amountKop, 0);
      return {
        balance: list.items.find((a) => a.accountNo === anna)?.balanceKop,
        runningOnTop: top.items[0]?.balanceAfterKop,
        charges: total("charge"),
        payments: total("payment"),
        insight: insight.months.find((x) => x.month === month),
        insightBalance: insight.balanceKop,
        history,
      };
    };
    const before = await view();
    expect(before.charges).toBeLessThan(0);
    await closeMonthPart(db(), "msk", month, "", 100, new Date());
    const after = await view();
    expect(after.balance).toBe(before.balance);
    expect(after.runningOnTop).toBe(before.runningOnTop);
    expect(after.insightBalance).toBe(before.insightBalance);
    expect(after.charges).toBe(before.charges);
    expect(after.payments).toBe(before.payments);
    expect(after.insight).toEqual(before.insight);
    const rolled = after.history.items.filter((i) => i.kind === "charge");
    expect(rolled.length).toBeLessThan(before.history.items.filter((i) => i.kind === "charge").length);
    const [ry, rm] = month.split("-").map(Number) as [number, number];
    const ruMonth = new Intl.DateTimeFormat("ru", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(ry, rm - 1, 1)));
    const enMonth = new Intl.DateTimeFormat("en", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(ry, rm - 1, 1)));
    for (const line of rolled) {
      expect(line.description.ru).toMatch(new RegExp(`^Абонентская плата за ${ruMonth} ${ry}: .+`));
      expect(line.description.en).toMatch(new RegExp(`^Subscription fee for ${enMonth} ${ry}: .+`));
    }

    // A refund for the closed month arriving now: in the open month's history, with its own date shown.
    const refundAt = new Date(`${month}-15T12:00:00+03:00`);
    await appendEntry(db(), {
      accountNo: anna,
      kind: "refund",
      amountKop: 7_700,
      occurredAt: refundAt,
      localDay: `${month}-15`,
      descriptionRu: "Перерасчёт",
      descriptionEn: "Recalculation",
      idempotencyKey: `late-refund-anna:${month}`,
    });
    const nextDay = new Date(Date.UTC(y, m - 1, 1)).toISOString().slice(0, 10);
    const open = await json<{ items: (Line & { localDay: string; bookedDay: string; occurredAt: string })[] }>(
      await api(cookie, `/accounts/${anna}/history?from=${nextDay}&type=refund&limit=100`),
    );
    const late = open.items.find((i) => i.description.ru === "Перерасчёт");
    expect(late?.localDay).toBe(`${month}-15`);
    expect(late?.bookedDay).toBe(nextDay);
    expect(late?.occurredAt).toBe(refundAt.toISOString());
    const list = await json<{ items: { accountNo: string; balanceKop: number }[] }>(await api(cookie, "/accounts"));
    expect(list.items.find((a) => a.accountNo === anna)?.balanceKop).toBe((before.balance ?? 0) + 7_700);
  });

  it("starts a region that never closed at the month of its first entry, and closes every month since", async () => {
    const region = "msk";
    const a = await freshAccount(region);
    await write(
      a.accountNo,
      a.serviceId,
      [
        { month: "2026-09", day: 1, kind: "daily", kop: 1_000 },
        { month: "2026-09", day: 2, kind: "daily", kop: 1_000 },
      ],
      "first",
    );
    await appendEntry(db(), {
      accountNo: a.accountNo,
      kind: "charge",
      amountKop: -3_000,
      occurredAt: new Date("2024-02-10T00:00:00+03:00"),
      localDay: "2024-02-10",
      serviceId: a.serviceId,
      descriptionRu: "Абонентская плата: Тест",
      descriptionEn: "Subscription fee: Test",
      idempotencyKey: `charge:${a.serviceId}:2024-02-10`,
    });
    const queue = { send: async () => undefined } as unknown as Queue;
    const done = new Map([
      ["midnight", "2026-11-01"],
      ["bonus", "2026-11-01"],
      ["alerts", "2026-11-01"],
    ] as const);
    const out = await closeMonths(data(), queue, { region, at: Date.parse("2026-11-01T12:00:00Z") }, new Map(done), new Date(), 1_000);
    expect(out.continued).toBe(false);
    // The demo's accounts of the region may start earlier; this account's first month is closed in any case.
    expect((out.closed[0] ?? "9999") <= "2024-02").toBe(true);
    expect(out.closed).toContain("2025-06");
    expect(out.closed.at(-1)).toBe("2026-10");
    expect(await periodOf(db(), a.accountNo, "2024-02")).toMatchObject({ openingKop: 0, closingKop: -3_000 });
    expect(await periodOf(db(), a.accountNo, "2026-09")).toMatchObject({ openingKop: -3_000, closingKop: -5_000 });
    expect(await dailyRowsOf(a.accountNo, "2024-02")).toBe(0);
    expect(await dailyRowsOf(a.accountNo, "2026-09")).toBe(0);
    expect(await balanceOf(db(), a.accountNo)).toBe(-5_000);
  });

  it("reads each page of a region's accounts along an index, without sorting the region (a region of 200,000 is 200 pages)", async () => {
    const { sql, params } = closePageQuery(db(), "msk", "201000000012", 1000).toSQL();
    const plan = await d1()
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const steps = plan.results.map((r) => r.detail).join("; ");
    expect(steps).toMatch(/SEARCH accounts USING (COVERING )?INDEX accounts_region_account_idx \(region=\? AND account_no>\?\)/);
    expect(steps).not.toContain("TEMP B-TREE");
  });

  it("reads a month years back, a running balance and a balance from the ledger's index, not a row per entry", async () => {
    const plan = async (q: { toSQL(): { sql: string; params: unknown[] } }) => {
      const { sql, params } = q.toSQL();
      const rows = await d1()
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      return rows.results.map((r) => r.detail).join("; ");
    };
    // The month's page walks the account's entries newest first along the index, testing each one's day there
    // (SQLite reads a row only for an entry of the month): no sort, and no other index.
    const page = await plan(historyPageQuery(db(), "201000000012", { from: "2024-05-01", to: "2024-05-31", limit: 20 }));
    expect(page).toMatch(/SEARCH ledger_entries USING INDEX ledger_account_history_idx \(account_no=\?\)/);
    expect(page).not.toContain("TEMP B-TREE");
    // The sums read no row at all.
    const running = await plan(runningBalanceQuery(db(), "201000000012", { occurredAt: new Date("2024-05-31T12:00:00Z"), id: "x" }));
    expect(running).toMatch(/USING COVERING INDEX ledger_account_history_idx/);
    expect(running).not.toMatch(/USING INDEX ledger_account_history_idx/);
    const balances = await plan(selectBalances(db(), ["201000000012"]));
    expect(balances).toMatch(/SEARCH ledger_entries USING COVERING INDEX ledger_account_history_idx \(account_no=\?\)/);
  });

  it("refuses to delete a ledger entry outside a close", async () => {
    const region = newRegion();
    const a = await freshAccount(region);
    await write(a.accountNo, a.serviceId, [{ month: "2026-10", day: 4, kind: "daily", kop: 2_000 }], "del");
    await expect(d1().prepare("DELETE FROM ledger_entries WHERE account_no = ?").bind(a.accountNo).run()).rejects.toThrow(/append-only/);
    expect(await balanceOf(db(), a.accountNo)).toBe(-2_000);
  });
});

async function monthSum(accountNo: string, month: string) {
  const row = await d1()
    .prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ? AND local_day LIKE ?")
    .bind(accountNo, `${month}-%`)
    .first<{ s: number }>();
  return row?.s ?? 0;
}
const novemberSum = (accountNo: string) => monthSum(accountNo, "2026-11");
const octoberSum = (accountNo: string) => monthSum(accountNo, "2026-10");
