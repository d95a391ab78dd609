import { env } from "cloudflare:workers";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it, vi } from "vitest";
import type { ShardMoveStep } from "../../worker/db/schema/global";
import * as regionSchema from "../../worker/db/schema/region";
import { chargeDay } from "../../worker/features/billing/billing.service";
import { balanceOf } from "../../worker/features/billing/ledger.service";
import { closeMonthPart } from "../../worker/features/billing/period-close.service";
import { bonusTick, EARN_HOUR } from "../../worker/features/bonus/bonus.service";
import { computeAct, makeReconciliation, type ReconciliationMessage } from "../../worker/features/business/reconciliation.service";
import { SHARD_START_CALLS } from "../../worker/features/cron/daily.limits";
import { closeMonths, dueDay, isRegionDayMessage, type RegionDayMessage, runRegionDay } from "../../worker/features/cron/daily.service";
import { balanceAlerts } from "../../worker/features/notifications/alerts.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { expirePromised } from "../../worker/features/payments/promised.service";
import { applyBlocks } from "../../worker/features/services/blocks.service";
import { applyTariffChanges } from "../../worker/features/services/tariff-change.service";
import {
  type AbandonStep,
  ACCOUNT_TABLES,
  abandonMove,
  accountFigures,
  MOVE_QUERY_BUDGET,
  type MoveOptions,
  moveAccount,
} from "../../worker/features/shards/move.service";
import { assetFonts, makeReport } from "../../worker/features/usage/usage.consumer";
import { expireUsage } from "../../worker/features/usage/usage.service";
import { reportDeps } from "../../worker/index";
import { createDataAccess, type DataAccess, d1Of, queriesUsed, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo, newId } from "../../worker/platform/ids";
import { addDays, localDay, localInstant, type Region, regionByCode } from "../../worker/platform/region";
import { pageSql, registerAccount } from "../../worker/platform/shard-map";
import { call, forgetLinksOf, holdersFromLinks, json, login, SAME_ORIGIN, shardRows, subscriberAt } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const OPS = { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" };
const LATER = (ms = 60_000) => ({ now: new Date(Date.now() + ms) });

function ops(path: string, init: RequestInit = {}, site: string | null = null) {
  return call(site, `/ops/v1${path}`, { ...init, headers: { ...OPS, ...(init.headers as Record<string, string>) } });
}

function openShard(binding: string, open: boolean) {
  return ops(`/shards/${binding}`, { method: "PUT", body: JSON.stringify({ branch: "moscow", open }) });
}

async function shardOf(accountNo: string) {
  return (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<{ shard: string }>())
    ?.shard;
}

async function shardCounts() {
  const rows = await env.DB.prepare("SELECT binding, accounts FROM shards WHERE branch = 'moscow'").all<{
    binding: string;
    accounts: number;
  }>();
  return Object.fromEntries(rows.results.map((r) => [r.binding, r.accounts]));
}

const figures = (binding: ShardBinding, accountNo: string) => accountFigures(createDataAccess(env).shard(binding), accountNo);

let made = 0;
/**
 * A Moscow account of anna's made through the shard map (its directory row and count), with its own rows on the
 * shard placement chose: a service, payments with their events and receipt, ledger entries, bonus points.
 */
async function annaAccount(): Promise<{ accountNo: string; shard: ShardBinding; house: string }> {
  const accountNo = makeAccountNo(`8${String(Date.now() % 1e6).padStart(6, "0")}${String(++made).padStart(4, "0")}`);
  const data = createDataAccess(env);
  const now = new Date();
  const shard = await registerAccount(data, { accountNo, region: "msk", contactPhone: null, contactEmail: null, now });
  const t = now.getTime();
  const db = d1Of(data.shard(shard));
  const ledger = (i: number, kind: string, kop: number) =>
    db
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, ?, ?, ?, '2026-11-01', NULL, 'т', 't', ?, ?)`,
      )
      .bind(`${accountNo}-l${i}`, accountNo, kind, kop, t + i, `test:${accountNo}:${i}`, t);
  await db.batch([
    db
      .prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Анна', ?, 'active', ?)",
      )
      .bind(accountNo, `Москва, ул. Тестовая, д. ${made}, кв. 1`, t),
    db
      .prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'msk-inet-100', 'active', ?)")
      .bind(`${accountNo}-s1`, accountNo, t),
    // 150 ledger rows: more than one copy page.
    ...Array.from({ length: 150 }, (_, i) => ledger(i, i % 3 === 0 ? "payment" : "charge", i % 3 === 0 ? 50_000 + i : -(1_000 + i))),
    db
      .prepare(
        `INSERT INTO payments (id, account_no, payer_id, idempotency_key, request_hash, purpose, amount_kop, status, created_at, updated_at)
         VALUES (?, ?, 'demo-anna', ?, 'h', 'topup', 50000, 'succeeded', ?, ?)`,
      )
      .bind(`${accountNo}-p1`, accountNo, `k-${accountNo}`, t, t),
    db
      .prepare(
        "INSERT INTO bonus_members (account_no, status, joined_at, joined_by, rules_version) VALUES (?, 'active', ?, 'demo-anna', 'v1')",
      )
      .bind(accountNo, t),
    db
      .prepare(
        `INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at)
         VALUES (?, ?, 'earn', 120, ?, ?, 'б', 'b', ?)`,
      )
      .bind(`${accountNo}-b1`, accountNo, `bonus:${accountNo}`, t + 1e10, t),
    db
      .prepare("INSERT INTO payment_events (id, payment_id, source, to_status, applied, at) VALUES (?, ?, 'webhook', 'succeeded', 1, ?)")
      .bind(`${accountNo}-e1`, `${accountNo}-p1`, t),
  ]);
  await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-anna', ?, 'owner', ?)")
    .bind(accountNo, t)
    .run();
  await holdersFromLinks();
  await forgetLinksOf("demo-anna");
  return { accountNo, shard, house: String(made) };
}

/** An account of anna's placed on the second Moscow shard: it alone is open while the account is made. */
async function annaAccountOnSecond() {
  await openShard("DB_MOSCOW", false);
  await openShard("DB_MOSCOW_2", true);
  try {
    return await annaAccount();
  } finally {
    await openShard("DB_MOSCOW_2", false);
    await openShard("DB_MOSCOW", true);
  }
}

type Accounts = { items: { accountNo: string; balanceKop: number }[] };

/** The daily charge rows of an account on a shard for these days (a charge's id is `chg-…`). */
const chargesOn = async (binding: ShardBinding, accountNo: string, days: string[]) =>
  (
    await d1Of(createDataAccess(env).shard(binding))
      .prepare(
        "SELECT count(*) n FROM ledger_entries WHERE account_no = ? AND id LIKE 'chg-%' AND local_day IN (SELECT value FROM json_each(?))",
      )
      .bind(accountNo, JSON.stringify(days))
      .first<{ n: number }>()
  )?.n ?? 0;

describe("the shard map: two shards of the Moscow branch", () => {
  it("puts a new account on the open shard of its branch with the most room, counted there; a closed shard takes none", async () => {
    expect((await openShard("DB_MOSCOW_2", true)).status).toBe(200);
    const before = await shardCounts();
    const a = await annaAccount();
    expect(a.shard).toBe("DB_MOSCOW_2");
    expect(await shardOf(a.accountNo)).toBe("DB_MOSCOW_2");
    expect(await shardCounts()).toEqual({ ...before, DB_MOSCOW_2: (before.DB_MOSCOW_2 ?? 0) + 1 });
    // Made again (a retried creation): the same shard, counted once.
    const data = createDataAccess(env);
    expect(
      await registerAccount(data, { accountNo: a.accountNo, region: "msk", contactPhone: null, contactEmail: null, now: new Date() }),
    ).toBe("DB_MOSCOW_2");
    expect((await shardCounts()).DB_MOSCOW_2).toBe((before.DB_MOSCOW_2 ?? 0) + 1);
    expect((await openShard("DB_MOSCOW_2", false)).status).toBe(200);
    const b = await annaAccount();
    expect(b.shard).toBe("DB_MOSCOW");
    const map = await json<{ items: { binding: string; branch: string; open: boolean }[] }>(await ops("/shards"));
    expect(map.items.filter((s) => s.branch === "moscow").map((s) => [s.binding, s.open])).toEqual([
      ["DB_MOSCOW", true],
      ["DB_MOSCOW_2", false],
    ]);
  });

  it("puts a new account on the open shard least over its size when every open one is full, never on a closed one, and says so", async () => {
    // The second shard holds at least one account (this test may run alone).
    if (!(await shardCounts()).DB_MOSCOW_2) await annaAccountOnSecond();
    const counts = await shardCounts();
    const map = await json<{ items: { binding: string; maxAccounts: number }[] }>(await ops("/shards"));
    const size = map.items.find((x) => x.binding === "DB_MOSCOW_2")?.maxAccounts;
    expect(size).toBeGreaterThan(0);
    const errors = vi.spyOn(console, "error");
    try {
      // The home shard closed, the second open and full: the account goes to the second, with an error for operators.
      await openShard("DB_MOSCOW", false);
      await ops("/shards/DB_MOSCOW_2", {
        method: "PUT",
        body: JSON.stringify({ branch: "moscow", open: true, maxAccounts: counts.DB_MOSCOW_2 }),
      });
      const a = await annaAccount();
      expect(a.shard).toBe("DB_MOSCOW_2");
      const full = errors.mock.calls.map(([line]) => JSON.parse(String(line)) as { msg: string; shard?: string; branch?: string });
      expect(full.filter((l) => l.msg === "shard.branch_full")).toEqual([
        expect.objectContaining({ msg: "shard.branch_full", branch: "moscow", shard: "DB_MOSCOW_2" }),
      ]);
    } finally {
      errors.mockRestore();
      await ops("/shards/DB_MOSCOW_2", { method: "PUT", body: JSON.stringify({ branch: "moscow", open: false, maxAccounts: size }) });
      await openShard("DB_MOSCOW", true);
    }
  });

  it("copies a national branch's catalogue to a new shard over as many calls as D1's queries need (202 until then), placing no account there before it is whole", {
    timeout: 120_000,
  }, async () => {
    const home = d1Of(createDataAccess(env).shard("DB_MOSCOW"));
    const second = d1Of(createDataAccess(env).shard("DB_MOSCOW_2"));
    // A branch's coverage as a national operator has it: 20,000 street ranges, 200 pages of the copy.
    const N = 20_000;
    await home
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
         INSERT INTO coverage (id, region, street_key, street, house_from, house_to, technology, max_mbps, tv)
         SELECT 'cov-bulk-' || i, 'msk', 'улица ' || i, 'ул. Проверочная ' || i, 1, 99, 'gpon', 1000, 1 FROM n`,
      )
      .bind(N)
      .run();
    const before = await env.DB.prepare(
      "SELECT open, accounts, max_accounts AS maxAccounts FROM shards WHERE binding = 'DB_MOSCOW_2'",
    ).first<{
      open: number;
      accounts: number;
      maxAccounts: number;
    }>();
    const bulk = async (db: D1Database) =>
      (await db.prepare("SELECT count(*) AS n FROM coverage WHERE id LIKE 'cov-bulk-%'").first<{ n: number }>())?.n;
    try {
      // The second shard as a new one: not in the map. Added open, with the home shard closed.
      await env.DB.prepare("DELETE FROM shards WHERE binding = 'DB_MOSCOW_2'").run();
      await openShard("DB_MOSCOW", false);
      const first = await ops("/shards/DB_MOSCOW_2", { method: "PUT", body: JSON.stringify({ branch: "moscow", open: true }) });
      expect(first.status).toBe(202);
      expect(await json<{ catalogue: string; open: boolean }>(first)).toMatchObject({ catalogue: "copying", open: true });
      const part = await bulk(second);
      expect(part).toBeGreaterThan(0);
      expect(part).toBeLessThan(N);
      // Meanwhile no account goes there, nor is moved there: its services would name tariffs it may not have yet.
      expect((await annaAccount()).shard).toBe("DB_MOSCOW");
      const early = await ops("/shard-moves?lang=en", {
        method: "POST",
        body: JSON.stringify({ accountNo: ANNA_MSK, toShard: "DB_MOSCOW_2" }),
      });
      expect(early.status).toBe(409);
      expect((await json<{ title: string }>(early)).title).toMatch(/catalogue is still being copied to shard “DB_MOSCOW_2”/);
      // Called again until it is there: each call within its budget, on from where the last got to.
      let status = 202;
      for (let i = 0; status === 202 && i < 10; i++) {
        const again = await ops("/shards/DB_MOSCOW_2", { method: "PUT", body: JSON.stringify({ branch: "moscow", open: true }) });
        status = again.status;
        if (status === 200) expect(await json<{ catalogue: string }>(again)).toMatchObject({ catalogue: "ready" });
      }
      expect(status).toBe(200);
      expect(await bulk(second)).toBe(N);
      for (const table of ["tariffs", "service_options", "coverage"]) {
        const count = async (db: D1Database) =>
          (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE region = 'msk'`).first<{ n: number }>())?.n;
        expect(await count(second), table).toBe(await count(home));
      }
      // Whole: new accounts go there now.
      expect((await annaAccount()).shard).toBe("DB_MOSCOW_2");
      // A shard that has its catalogue is not copied to again: opening or closing it is one call.
      const reopened = await ops("/shards/DB_MOSCOW_2", { method: "PUT", body: JSON.stringify({ branch: "moscow", open: true }) });
      expect(reopened.status).toBe(200);
    } finally {
      await Promise.all([home, second].map((db) => db.prepare("DELETE FROM coverage WHERE id LIKE 'cov-bulk-%'").run()));
      await ops("/shards/DB_MOSCOW_2", {
        method: "PUT",
        body: JSON.stringify({ branch: "moscow", open: false, maxAccounts: before?.maxAccounts }),
      });
      await env.DB.prepare("UPDATE shards SET accounts = accounts + ?, catalogue_cursor = NULL WHERE binding = 'DB_MOSCOW_2'")
        .bind(before?.accounts ?? 0)
        .run();
      await openShard("DB_MOSCOW", true);
    }
  });

  it("shows a subscriber's accounts from both shards of one branch on the home page, reading both, each balance its own ledger's", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const cookie = await login("anna");
    const res = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(res.status).toBe(200);
    const timing = res.headers.get("server-timing") ?? "";
    expect(timing).toContain("d1-DB_MOSCOW;");
    expect(timing).toContain("d1-DB_MOSCOW_2;");
    const body = await json<Accounts>(res);
    const mine = body.items.filter((a) => a.accountNo === ANNA_MSK || a.accountNo === other.accountNo);
    expect(mine).toHaveLength(2);
    expect(mine.find((a) => a.accountNo === other.accountNo)?.balanceKop).toBe((await figures("DB_MOSCOW_2", other.accountNo)).ledger_kop);
    expect(mine.find((a) => a.accountNo === ANNA_MSK)?.balanceKop).toBe((await figures("DB_MOSCOW", ANNA_MSK)).ledger_kop);
    // A write to the account on the second shard lands there: a top-up is created on DB_MOSCOW_2.
    const pay = await call("msk", `/api/v1/accounts/${other.accountNo}/payments`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 30_000 }),
    });
    expect(pay.status).toBe(201);
    expect((await figures("DB_MOSCOW_2", other.accountNo)).payments).toBe(2);
    expect((await figures("DB_MOSCOW", other.accountNo)).payments).toBe(0);
  });
  it("charges a region's day on every shard of its branch, each service once", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    // Only the days this run charges are counted: in the first days of a month the same run also closes the month
    // before, whose daily rows become roll-up lines.
    const sent: RegionDayMessage[] = [];
    // The points' chains the region starts after its charge (one message a shard) are not this test's.
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m), sendBatch: async () => undefined } as unknown as Queue;
    let message: Pick<RegionDayMessage, "region" | "at" | "resume"> = { region: "msk", at: Date.now() };
    const days: string[] = [];
    // A message charges the home shard's services, then the second shard's (resumed from its own shard when cut short).
    for (let i = 0; ; i++) {
      const out = await runRegionDay(createDataAccess(env), async () => undefined, queue, message, new Date(), 1);
      days.push(...out.charged);
      // Each message's own continuation (the points' chains it may start last are not this test's).
      const next = sent.pop();
      if (!out.continued || !next) break;
      message = next;
      expect(i).toBeLessThan(10);
    }
    expect(days.length).toBeGreaterThan(0);
    const home = await chargesOn("DB_MOSCOW", ANNA_MSK, days);
    expect(home).toBeGreaterThan(0);
    // The second shard's account is charged for the same days as the home one's, once each (anna's Moscow account has
    // two paid services, the moved one one).
    expect(await chargesOn("DB_MOSCOW_2", other.accountNo, days)).toBe(home / 2);
  });
  it("spends one budget of calls over the branch's shards: a message that has used it hands the next shard to its own message", async () => {
    const other = await annaAccountOnSecond();
    const sent: RegionDayMessage[] = [];
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m), sendBatch: async () => undefined } as unknown as Queue;
    // A day of its own: the region's midnight done up to the day before (the tests above charge other days).
    const day = addDays(localDay("Europe/Moscow"), 45);
    await d1Of(createDataAccess(env).shard("DB_MOSCOW"))
      .prepare("UPDATE cron_progress SET done_day = ? WHERE job = 'midnight' AND region = 'msk'")
      .bind(addDays(day, -1))
      .run();
    const at = localInstant("Europe/Moscow", day, 12).getTime();
    let message: Pick<RegionDayMessage, "region" | "at" | "resume"> = { region: "msk", at };
    const days: string[] = [];
    const resumes: RegionDayMessage["resume"][] = [];
    // A budget that starts one shard a message (a branch of hundreds of shards at the target is the same, by the hundred).
    for (let i = 0; ; i++) {
      // Calls for one shard's start and no more: the first shard's own calls leave too few for the next.
      const budget = SHARD_START_CALLS + 1;
      const out = await runRegionDay(
        createDataAccess(env),
        async () => undefined,
        queue,
        message,
        new Date(at),
        undefined,
        undefined,
        budget,
      );
      days.push(...out.charged);
      const next = sent.pop();
      if (!out.continued || !next) break;
      resumes.push(next.resume);
      message = next;
      expect(i).toBeLessThan(40);
    }
    // The second shard went to a message of its own, from its first row; each day still charged once on each shard.
    expect(resumes).toContainEqual(expect.objectContaining({ shard: "DB_MOSCOW_2", afterRowid: 0 }));
    expect(days.length).toBeGreaterThan(0);
    const home = await chargesOn("DB_MOSCOW", ANNA_MSK, days);
    expect(home).toBeGreaterThan(0);
    expect(await chargesOn("DB_MOSCOW_2", other.accountNo, days)).toBe(home / 2);
  });

  it("closes a month on every shard of the branch: the second shard's account gets its period and its roll-up, its balance kept", async () => {
    const other = await annaAccountOnSecond();
    const data = createDataAccess(env);
    const second = data.shard("DB_MOSCOW_2");
    const db = d1Of(second);
    // Three daily charges of a closed October, written as the midnight charge writes them.
    await db.batch(
      [1, 2, 3].map((d) =>
        db
          .prepare(
            `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
             VALUES (?, ?, 'charge', -1000, ?, ?, ?, 'Абонентская плата', 'Subscription fee', ?, ?)`,
          )
          .bind(
            `${other.accountNo}-oct${d}`,
            other.accountNo,
            Date.parse(`2026-10-0${d}T00:00:00Z`),
            `2026-10-0${d}`,
            `${other.accountNo}-s1`,
            `charge:${other.accountNo}-s1:2026-10-0${d}`,
            Date.parse(`2026-10-0${d}T00:00:00Z`),
          ),
      ),
    );
    const before = await balanceOf(second, other.accountNo);
    const sent: RegionDayMessage[] = [];
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m) } as unknown as Queue;
    const progress = new Map([
      ["midnight", "2026-11-01"],
      ["bonus", "2026-11-01"],
      ["alerts", "2026-11-01"],
      ["close", "2026-09-30"],
    ] as const);
    let message: Pick<RegionDayMessage, "region" | "at" | "closeResume"> = { region: "msk", at: Date.parse("2026-11-01T12:00:00Z") };
    // Small pages, so that the month is cut short and resumed across both shards.
    for (let i = 0; ; i++) {
      const out = await closeMonths(data, queue, message, new Map(progress), new Date(), 2, 2);
      if (!out.continued) {
        expect(out.closed).toContain("2026-10");
        break;
      }
      message = sent.at(-1) as RegionDayMessage;
      expect(isRegionDayMessage(message)).toBe(true);
      expect(i).toBeLessThan(200);
    }
    const period = await db
      .prepare("SELECT closing_kop FROM ledger_periods WHERE account_no = ? AND month = '2026-10'")
      .bind(other.accountNo)
      .first<{ closing_kop: number }>();
    expect(period?.closing_kop).toBe(-3000);
    const october = await db
      .prepare("SELECT count(*) n, sum(amount_kop) s FROM ledger_entries WHERE account_no = ? AND local_day LIKE '2026-10-%'")
      .bind(other.accountNo)
      .first<{ n: number; s: number }>();
    // One rolled-up line instead of three daily ones, the same money.
    expect(october).toEqual({ n: 1, s: -3000 });
    expect(await balanceOf(second, other.accountNo)).toBe(before);
  });
  it("reads a first close's first ledger day a few shards a message, and starts at the earliest of them all", async () => {
    const other = await annaAccountOnSecond();
    const data = createDataAccess(env);
    const db = d1Of(data.shard("DB_MOSCOW_2"));
    // The branch's earliest entry is on its second shard.
    await db
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'payment', 5000, ?, '2019-03-05', NULL, 'Оплата', 'Payment', ?, ?)`,
      )
      .bind(`${other.accountNo}-early`, other.accountNo, Date.parse("2019-03-05T09:00:00Z"), `test:${other.accountNo}:early`, Date.now())
      .run();
    const sent: RegionDayMessage[] = [];
    const queue = { send: async (m: RegionDayMessage) => void sent.push(m) } as unknown as Queue;
    // Every daily job done, the region never closed.
    const progress = new Map([
      ["midnight", "2026-11-01"],
      ["bonus", "2026-11-01"],
      ["alerts", "2026-11-01"],
    ] as const);
    const at = Date.parse("2026-11-01T12:00:00Z");
    // A shard a message: the first reads the home shard only, closes nothing, and hands the scan on.
    const first = await closeMonths(data, queue, { region: "msk", at }, new Map(progress), new Date(), 1, 1, 1);
    expect(first).toEqual({ closed: [], continued: true });
    const scan = sent.at(-1) as RegionDayMessage;
    expect(isRegionDayMessage(scan)).toBe(true);
    expect(scan.firstScan?.throughShard).toBe("DB_MOSCOW");
    expect((scan.firstScan?.earliest ?? "9999") > "2019-03-05").toBe(true);
    expect(scan.closeResume).toBeUndefined();
    // The next reads the second shard, and the close starts at its month.
    const second = await closeMonths(data, queue, scan, new Map(progress), new Date(), 1, 1, 1);
    expect(second.continued).toBe(true);
    const resume = sent.at(-1) as RegionDayMessage;
    expect(resume.closeResume?.month).toBe("2019-03");
    // Cut short, the close goes on from its resume: the next page of the month, not the scan again.
    await closeMonths(data, queue, resume, new Map(progress), new Date(), 1, 1, 1);
    const after = sent.at(-1) as RegionDayMessage;
    expect(after.firstScan).toBeUndefined();
    expect(after.closeResume?.month).toBe("2019-03");
    const place = (m: RegionDayMessage) => `${m.closeResume?.shard ?? ""}/${m.closeResume?.afterAccount ?? ""}`;
    expect(place(after) > place(resume)).toBe(true);
    // A hostile scan is not a region message.
    expect(isRegionDayMessage({ ...scan, firstScan: { throughShard: "DB_X; DROP", earliest: null } })).toBe(false);
    expect(isRegionDayMessage({ ...scan, firstScan: { throughShard: "DB_MOSCOW", earliest: "yesterday" } })).toBe(false);
  });

  it("reads an act over two shards with an account moved between its messages where the account is now", async () => {
    const other = await annaAccountOnSecond();
    const nos = [ANNA_MSK, other.accountNo];
    const id = newId();
    await env.DB.prepare(
      "INSERT INTO reconciliations (id, org_id, requested_by, from_day, to_day, account_nos, lang, status, attempts, created_at) VALUES (?, 'org-demo-veter', 'test', '2026-11-01', '2026-11-01', ?, 'ru', 'queued', 0, ?)",
    )
      .bind(id, JSON.stringify(nos), Date.now())
      .run();
    const sent: ReconciliationMessage[] = [];
    const queue = { send: async (m: ReconciliationMessage) => void sent.push(m) } as unknown as Queue;
    const deps = () => ({ data: createDataAccess(env), files: env.FILES, fonts: assetFonts(env.ASSETS), queue, gatherBudget: 4 });
    // A shard a message: the first reads the home shard's share, and plans the second's.
    expect(await makeReconciliation(deps(), id)).toBe("gathering");
    // The second shard's account moves to the home shard meanwhile (its rows there, gone from the second).
    expect((await moveAccount(createDataAccess(env), other.accountNo, "DB_MOSCOW", { graceMs: 0 })).step).toBe("done");
    expect(await makeReconciliation(deps(), id, sent.at(-1)?.gather)).toBe("ready");
    const whole = await computeAct(createDataAccess(env), nos, "2026-11-01", "2026-11-01");
    expect(whole.creditKop).toBeGreaterThan(0);
    const row = await env.DB.prepare("SELECT opening_kop, debit_kop, credit_kop, closing_kop FROM reconciliations WHERE id = ?")
      .bind(id)
      .first();
    expect(row).toEqual({
      opening_kop: whole.openingKop,
      debit_kop: whole.debitKop,
      credit_kop: whole.creditKop,
      closing_kop: whole.closingKop,
    });
  });

  it("carries out a finished application on the shard that holds the account, not on the region's home shard", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const cookie = await login("anna");
    const service = `${other.accountNo}-s1`;
    const created = await call("msk", "/api/v1/applications", {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie },
      body: JSON.stringify({ kind: "disconnection", accountNo: other.accountNo, serviceId: service }),
    });
    expect(created.status).toBe(201);
    const { id } = await json<{ id: string }>(created);
    for (const to of ["in_work", "done"]) {
      const res = await ops(`/applications/${id}/transition`, { method: "POST", body: JSON.stringify({ to }) }, "msk");
      expect(res.status).toBe(200);
    }
    // The effects follow the answer (after the response): polled for a few seconds.
    const status = async () =>
      (
        await d1Of(createDataAccess(env).shard("DB_MOSCOW_2"))
          .prepare("SELECT status FROM account_services WHERE id = ?")
          .bind(service)
          .first<{ status: string }>()
      )?.status;
    for (let i = 0; i < 150 && (await status()) !== "ended"; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await status()).toBe("ended");
  });
  it("sends a low-balance alert for an account on the branch's second shard, reading its balance there", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const ledger_kop = Number((await figures("DB_MOSCOW_2", other.accountNo)).ledger_kop);
    await env.DB.prepare("UPDATE account_links SET low_balance_kop = ? WHERE account_no = ?")
      .bind(ledger_kop + 1, other.accountNo)
      .run();
    await holdersFromLinks();
    const sent: NotificationMessage[] = [];
    const msk = regionByCode("msk") as Region;
    await balanceAlerts(createDataAccess(env), async (m) => void sent.push(m), new Date(), [msk]);
    expect(sent.filter((m) => m.channel === "event" && m.accountNo === other.accountNo)).toEqual([
      expect.objectContaining({ kind: "low_balance", params: { balanceKop: ledger_kop, thresholdKop: ledger_kop + 1 } }),
    ]);
  });
  it("earns bonus points for yesterday's charges of a member whose account is on the branch's second shard", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const at = new Date();
    const yesterday = localDay("Europe/Moscow", new Date(at.getTime() - 24 * 3600_000));
    const db = d1Of(createDataAccess(env).shard("DB_MOSCOW_2"));
    await db
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'charge', -3000, ?, ?, ?, 'т', 't', ?, ?)`,
      )
      .bind(
        `${other.accountNo}-y`,
        other.accountNo,
        at.getTime(),
        yesterday,
        `${other.accountNo}-s1`,
        `test-y:${other.accountNo}`,
        at.getTime(),
      )
      .run();
    await bonusTick(createDataAccess(env), at, [regionByCode("msk") as Region]);
    const earned = await db
      .prepare("SELECT points FROM bonus_ledger WHERE source_key = ?")
      .bind(`earn:charge:${other.accountNo}:${yesterday}`)
      .all<{ points: number }>();
    expect(earned.results).toHaveLength(1);
    expect(earned.results[0]?.points).toBeGreaterThan(0);
  });
  it("finds an outage at the address of an account on the second shard, on the subscriber's list and in the fan-out", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const declared = await ops("/outages", {
      method: "POST",
      body: JSON.stringify({
        region: "msk",
        street: "ул. Тестовая",
        houses: [other.house],
        title: "Авария на Тестовой",
        expectedEnd: "2030-01-01T00:00:00Z",
        key: "shards-testovaya",
      }),
    });
    expect(declared.status).toBe(201);
    const cookie = await login("anna");
    const list = await json<{ items: { title: string; accountNos: string[] }[] }>(
      await call("msk", "/api/v1/outages", { headers: { cookie } }),
    );
    expect(list.items.find((o) => o.title === "Авария на Тестовой")?.accountNos).toContain(other.accountNo);
    // The fan-out (through the notifications queue) reaches anna for that account: her in-app inbox has the event.
    const inboxed = async () =>
      (await shardRows("SELECT 1 FROM inbox WHERE subscriber_id = 'demo-anna' AND kind = 'outage' AND account_no = ?", other.accountNo))
        .length;
    for (let i = 0; i < 150 && (await inboxed()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await inboxed()).toBe(1);
  });
  it("starts a voluntary block of an account on the second shard at the region's midnight: the service suspended, the fee charged once", async () => {
    const other = await annaAccountOnSecond();
    expect(other.shard).toBe("DB_MOSCOW_2");
    const day = localDay("Europe/Moscow");
    const db = d1Of(createDataAccess(env).shard("DB_MOSCOW_2"));
    await db
      .prepare(
        `INSERT INTO voluntary_blocks (id, account_no, service_id, region, from_day, to_day, status, fee_kop, application_id, created_at)
         VALUES (?, ?, ?, 'msk', ?, ?, 'scheduled', 1500, ?, ?)`,
      )
      .bind(`${other.accountNo}-vb`, other.accountNo, `${other.accountNo}-s1`, day, addDays(day, 10), `${other.accountNo}-app`, Date.now())
      .run();
    const before = Number((await figures("DB_MOSCOW_2", other.accountNo)).ledger_kop);
    const data = createDataAccess(env);
    expect((await applyBlocks(data, async () => undefined, "msk", day)).started).toBe(1);
    expect((await applyBlocks(data, async () => undefined, "msk", day)).started).toBe(0);
    const svc = await db
      .prepare("SELECT status FROM account_services WHERE id = ?")
      .bind(`${other.accountNo}-s1`)
      .first<{ status: string }>();
    expect(svc?.status).toBe("suspended");
    expect(Number((await figures("DB_MOSCOW_2", other.accountNo)).ledger_kop)).toBe(before - 1500);
  });
});

describe("moving an account between shards", () => {
  it("is for operators only, within the account's branch, with problems for bad input (ru, en)", async () => {
    const body = JSON.stringify({ accountNo: ANNA_MSK, toShard: "DB_MOSCOW_2" });
    expect(
      (await call(null, "/ops/v1/shard-moves", { method: "POST", body, headers: { "content-type": "application/json" } })).status,
    ).toBe(401);
    const bad = await ops("/shard-moves?lang=en", { method: "POST", body: JSON.stringify({ accountNo: "12", toShard: "x" }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const other = await ops("/shard-moves", { method: "POST", body: JSON.stringify({ accountNo: ANNA_MSK, toShard: "DB_CENTER" }) });
    expect(other.status).toBe(409);
    expect((await json<{ title: string }>(other)).title).toBe("Шард «DB_CENTER» принадлежит другому филиалу");
    const none = await ops("/shard-moves", { method: "POST", body: JSON.stringify({ accountNo: ANNA_MSK, toShard: "DB_NOWHERE" }) });
    expect(none.status).toBe(404);
    const same = await ops("/shard-moves", { method: "POST", body: JSON.stringify({ accountNo: ANNA_MSK, toShard: "DB_MOSCOW" }) });
    expect(same.status).toBe(409);
    expect((await ops("/shards/DB_NOWHERE", { method: "PUT", body: JSON.stringify({ branch: "moscow", open: true }) })).status).toBe(404);
  });

  it("copies every row, verifies counts and sums, switches the directory, then cleans the source after the grace period", async () => {
    const a = await annaAccount();
    expect(a.shard).toBe("DB_MOSCOW");
    const before = await figures("DB_MOSCOW", a.accountNo);
    const counts = await shardCounts();
    const res = await ops("/shard-moves", { method: "POST", body: JSON.stringify({ accountNo: a.accountNo, toShard: "DB_MOSCOW_2" }) });
    expect(res.status).toBe(202);
    const move = await json<{ id: string; step: string; verified: Record<string, number> }>(res);
    expect(move.step).toBe("switched");
    expect(move.verified).toEqual(before);
    expect(await shardOf(a.accountNo)).toBe("DB_MOSCOW_2");
    expect(await shardCounts()).toEqual({ ...counts, DB_MOSCOW: (counts.DB_MOSCOW ?? 0) - 1, DB_MOSCOW_2: (counts.DB_MOSCOW_2 ?? 0) + 1 });
    // During the grace period the source still has the rows (a request that read the directory just before finds them).
    expect(await figures("DB_MOSCOW", a.accountNo)).toEqual(before);
    const done = await moveAccount(createDataAccess(env), a.accountNo, "DB_MOSCOW_2", LATER());
    expect(done.step).toBe("done");
    expect(await figures("DB_MOSCOW_2", a.accountNo)).toEqual(before);
    const gone = await figures("DB_MOSCOW", a.accountNo);
    expect(Object.values(gone).every((n) => n === 0)).toBe(true);
    expect((await json<{ step: string }>(await ops(`/shard-moves/${move.id}`))).step).toBe("done");
    const cookie = await login("anna");
    const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    expect(home.items.filter((x) => x.accountNo === a.accountNo)).toEqual([expect.objectContaining({ balanceKop: before.ledger_kop })]);
  });

  const STEPS: ShardMoveStep[] = ["started", "frozen", "copied", "verified", "switched"];
  for (const step of STEPS) {
    it(`resumes a move that died right after «${step}»: it completes once, with the same money and no duplicate rows`, async () => {
      const a = await annaAccount();
      const from = a.shard;
      const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
      const before = await figures(from, a.accountNo);
      const counts = await shardCounts();
      const data = createDataAccess(env);
      // Anna's sessions keep a copy of her links (with the account's shard) from before the move.
      const cookie = await login("anna");
      const balances = async () =>
        (await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }))).items
          .filter((x) => x.accountNo === a.accountNo)
          .map((x) => x.balanceKop);
      expect(await balances()).toEqual([before.ledger_kop]);
      await expect(moveAccount(data, a.accountNo, to, { crashAfter: step })).rejects.toThrow(`injected crash after ${step}`);
      if (step === "switched") {
        // Switched: her sessions' copy of her links (which named the source) is forgotten already.
        const anna = await subscriberAt("demo-anna");
        const copy = await d1Of(createDataAccess(env).shard(anna.homeShard as ShardBinding))
          .prepare("SELECT links FROM session_links WHERE subscriber_id = 'demo-anna'")
          .first<{ links: string | null }>();
        expect(copy?.links ?? null).toBeNull();
      }
      // Meanwhile the account is there exactly once for a reader: where the directory points, with all its money.
      expect(await balances()).toEqual([before.ledger_kop]);
      // Resumed (no grace period here: the test is the only reader).
      const done = await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 });
      expect(done.step).toBe("done");
      // The source is cleaned: her sessions read the account on the target, all its money there, once.
      expect(await balances()).toEqual([before.ledger_kop]);
      expect(await shardOf(a.accountNo)).toBe(to);
      expect(await figures(to, a.accountNo)).toEqual(before);
      expect(Object.values(await figures(from, a.accountNo)).every((n) => n === 0)).toBe(true);
      expect(await shardCounts()).toEqual({ ...counts, [from]: (counts[from] ?? 0) - 1, [to]: (counts[to] ?? 0) + 1 });
      // Resumed once more: nothing happens twice.
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, LATER())).rejects.toMatchObject({ slug: "shard_move_same" });
      expect(await figures(to, a.accountNo)).toEqual(before);
      // And back: the tombstone the first move left does not stop the account returning.
      expect((await moveAccount(createDataAccess(env), a.accountNo, from, { graceMs: 0 })).step).toBe("done");
      expect(await figures(from, a.accountNo)).toEqual(before);
    });
  }

  it("makes a usage report ordered before the move on the shard the account moved to: refused while frozen, ready once after the switch", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const reportId = `rep-${a.accountNo}`;
    const day = localDay("Europe/Moscow", new Date());
    await d1Of(createDataAccess(env).shard(a.shard))
      .prepare(
        `INSERT INTO usage_reports (id, account_no, subscriber_id, from_day, to_day, categories, format, delivery, lang, status, created_at)
         VALUES (?, ?, 'demo-anna', ?, ?, 'internet', 'xlsx', 'cabinet', 'ru', 'queued', ?)`,
      )
      .bind(reportId, a.accountNo, addDays(day, -3), addDays(day, -1), Date.now())
      .run();
    // The message names the shard it was ordered on.
    const message = { kind: "usage_report" as const, reportId, accountNo: a.accountNo, shard: a.shard };
    const status = async (b: ShardBinding) =>
      (await d1Of(createDataAccess(env).shard(b))
        .prepare("SELECT status, file_key AS fileKey FROM usage_reports WHERE id = ?")
        .bind(reportId)
        .first<{ status: string; fileKey: string | null }>()) ?? null;
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "frozen" })).rejects.toThrow("injected crash");
    // Frozen: the source refuses the claim, so the queue retries it; nothing is made.
    await expect(makeReport(reportDeps(env), message)).rejects.toThrow();
    expect((await status(a.shard))?.status).toBe("queued");
    const moved = await moveAccount(createDataAccess(env), a.accountNo, to);
    expect(moved.step).toBe("switched");
    expect(await makeReport(reportDeps(env), message)).toBe("ready");
    const made = await status(to);
    expect(made?.status).toBe("ready");
    expect(await env.FILES.head(String(made?.fileKey))).not.toBeNull();
    // A redelivery makes nothing more; the source's copy, gone after the grace period, was never touched.
    expect(await makeReport(reportDeps(env), message)).toBe("skipped");
    expect((await status(a.shard))?.status).toBe("queued");
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, LATER())).step).toBe("done");
    expect(await status(a.shard)).toBeNull();
  });

  it("refuses a payment while the account is frozen with a 503 and Retry-After (ru, en); the one begun before the move is credited once after it", {
    timeout: 40_000,
  }, async () => {
    const cookie = await login("anna");
    const balance = async () =>
      (await json<{ balanceKop: number }>(await call("msk", `/api/v1/accounts/${ANNA_MSK}`, { headers: { cookie } }))).balanceKop;
    const pay = (lang = "ru") =>
      call("msk", `/api/v1/accounts/${ANNA_MSK}/payments?lang=${lang}`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ amountKop: 40_000 }),
      });
    const start = await balance();
    const first = await pay();
    expect(first.status).toBe(201);
    const { payment, confirmationUrl } = await json<{ payment: { id: string }; confirmationUrl: string }>(first);
    const from = (await shardOf(ANNA_MSK)) as ShardBinding;
    const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    await expect(moveAccount(createDataAccess(env), ANNA_MSK, to, { crashAfter: "frozen" })).rejects.toThrow();
    // The payer finishes on the acquirer's page during the move: no server error, nothing lost.
    const page = await call("msk", new URL(confirmationUrl).pathname, {
      method: "POST",
      body: new URLSearchParams({ number: "4242 4242 4242 4242", exp: "12/30", cvc: "123" }),
    });
    expect(page.status).toBeLessThan(500);
    const refused = await pay();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(refused)).toMatchObject({ type: "urn:kabinet:problem:account-moving", title: "Лицевой счёт переносится" });
    expect(await json(await pay("en"))).toMatchObject({ title: "The account is being moved" });
    // Reading still works while frozen.
    expect(await balance()).toBe(start);
    expect((await moveAccount(createDataAccess(env), ANNA_MSK, to, { graceMs: 0 })).step).toBe("done");
    // The payment that began before the move is settled on the new shard, once.
    const settled = await json<{ status: string }>(
      await call("msk", `/api/v1/accounts/${ANNA_MSK}/payments/${payment.id}`, { headers: { cookie } }),
    );
    expect(settled.status).toBe("succeeded");
    expect(await balance()).toBe(start + 40_000);
    const after = await figures(to, ANNA_MSK);
    expect(after.ledger_kop).toBe(start + 40_000);
    const dupes = await d1Of(createDataAccess(env).shard(to))
      .prepare(
        "SELECT count(*) n FROM (SELECT idempotency_key FROM ledger_entries WHERE account_no = ? GROUP BY idempotency_key HAVING count(*) > 1)",
      )
      .bind(ANNA_MSK)
      .first<{ n: number }>();
    expect(dupes?.n).toBe(0);
    // And a new payment now goes through, on the new shard.
    expect((await pay()).status).toBe(201);
    expect(Object.values(await figures(from, ANNA_MSK)).every((n) => n === 0)).toBe(true);
  });
});

/** Ledger rows of a day's subscription charge of an account on one shard (the midnight charge's keys). */
async function dayCharges(binding: ShardBinding, accountNo: string, day: string) {
  return (
    (
      await d1Of(createDataAccess(env).shard(binding))
        .prepare("SELECT count(*) n FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'charge:%:' || ?")
        .bind(accountNo, day)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

/** Whether an account has a month closed (its `ledger_periods` row) on a shard. */
async function closedMonth(binding: ShardBinding, accountNo: string, month: string) {
  const row = await d1Of(createDataAccess(env).shard(binding))
    .prepare("SELECT 1 AS y FROM ledger_periods WHERE account_no = ? AND month = ?")
    .bind(accountNo, month)
    .first<{ y: number }>();
  return row !== null;
}

/** Moscow's region day as its queue message runs it (blocks, tariff changes, the charge on every shard, the close), now. */
const runMskDay = () =>
  runRegionDay(createDataAccess(env), async () => undefined, { send: async () => undefined } as unknown as Queue, {
    region: "msk",
    at: Date.now(),
  });

/** Moscow's daily jobs as recorded done (`cron_progress` on its home shard). */
async function mskProgress(): Promise<Record<string, string>> {
  const rows = await d1Of(createDataAccess(env).shard("DB_MOSCOW"))
    .prepare("SELECT job, done_day FROM cron_progress WHERE region = 'msk'")
    .all<{ job: string; done_day: string }>();
  return Object.fromEntries(rows.results.map((r) => [r.job, r.done_day]));
}

/** Runs `work` with Moscow's daily jobs' progress as it is (`saved`), and puts that progress back after, whatever happened. */
async function withMskProgress(work: (saved: Record<string, string>) => Promise<void>) {
  const saved = await mskProgress();
  try {
    await work(saved);
  } finally {
    await setMskProgress(saved, true);
  }
}

/** Sets Moscow's jobs as done up to these days (`exact`: only these, the others removed — to put back what was). */
async function setMskProgress(done: Record<string, string>, exact = false) {
  const db = d1Of(createDataAccess(env).shard("DB_MOSCOW"));
  await db.batch([
    ...(exact ? [db.prepare("DELETE FROM cron_progress WHERE region = 'msk'")] : []),
    ...Object.entries(done).map(([job, day]) =>
      db
        .prepare("INSERT OR REPLACE INTO cron_progress (job, region, done_day, updated_at) VALUES (?, 'msk', ?, ?)")
        .bind(job, day, Date.now()),
    ),
  ]);
}

/**
 * Makes an account an active bonus member since `joinedAt` (ms) with a 30 ₽ charge of its service on each of these
 * days (each row's id and key given): what the region's bonus run earns on.
 */
async function memberCharged(
  binding: ShardBinding,
  accountNo: string,
  joinedAt: number,
  charges: { id: string; day: string; at: number; key: string }[],
) {
  const db = d1Of(createDataAccess(env).shard(binding));
  await db.batch([
    db
      .prepare(
        "INSERT OR REPLACE INTO bonus_members (account_no, status, joined_at, joined_by, rules_version) VALUES (?, 'active', ?, 'test', 'v1')",
      )
      .bind(accountNo, joinedAt),
    ...charges.map((c) =>
      db
        .prepare(
          `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
           VALUES (?, ?, 'charge', -3000, ?, ?, ?, 'т', 't', ?, ?)`,
        )
        .bind(c.id, accountNo, c.at, c.day, `${accountNo}-s1`, c.key, Date.now()),
    ),
  ]);
}

/** The points earned on a shard under the keys `LIKE` this pattern, by key. */
async function earnedOn(binding: ShardBinding, keys: string) {
  return (
    await d1Of(createDataAccess(env).shard(binding))
      .prepare("SELECT source_key AS k, points FROM bonus_ledger WHERE source_key LIKE ? ORDER BY source_key")
      .bind(keys)
      .all<{ k: string; points: number }>()
  ).results;
}

// Before the large-account tests: one of them leaves a move stuck on purpose (its target made to differ); the source's
// jobs skip a frozen account (see the second test here), so it no longer stops these tests' charges, but they charge
// and close the region with its progress set and put back.
describe("an account arriving on a shard while a move copies it", () => {
  it("is left alone by the target shard's midnight charge and month close until the switch: the move completes, the balance the source's, then charged once a day", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const from = a.shard;
    const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    const yesterday = addDays(today, -1);
    // Yesterday was charged on the source before the move began.
    await chargeDay(data.shard(from), "msk", yesterday);
    expect(await dayCharges(from, a.accountNo, yesterday)).toBe(1);
    const before = await figures(from, a.accountNo);
    // Anna's alert just above the balance, set before the move (the account's rows take no write while it is frozen).
    await env.DB.prepare("UPDATE account_links SET low_balance_kop = ? WHERE account_no = ?")
      .bind(Number(before.ledger_kop) + 1, a.accountNo)
      .run();
    await holdersFromLinks();
    // The first call stops after a few pages (its D1 budget): the account and its services are on the target already.
    const paused = await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 });
    expect(paused.step).toBe("frozen");
    expect((await figures(to, a.accountNo)).accounts).toBe(1);
    expect((await figures(to, a.accountNo)).account_services).toBe(1);
    // Midnight comes on the target shard: its charge and its close of last month run over the region's accounts.
    await chargeDay(data.shard(to), "msk", today);
    await closeMonthPart(data.shard(to), "msk", addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7), "", 10, new Date());
    expect(await dayCharges(to, a.accountNo, today)).toBe(0);
    expect((await figures(to, a.accountNo)).ledger_periods).toBe(0);
    // The balance alerts find the account where the directory has it (the source), once, with the source's balance.
    const alerts: NotificationMessage[] = [];
    await balanceAlerts(createDataAccess(env), async (m) => void alerts.push(m), new Date(), [regionByCode("msk") as Region]);
    expect(alerts.filter((m) => m.channel === "event" && m.accountNo === a.accountNo)).toEqual([
      expect.objectContaining({
        kind: "low_balance",
        params: { balanceKop: before.ledger_kop, thresholdKop: Number(before.ledger_kop) + 1 },
      }),
    ]);
    // Until the switch the subscriber reads the account on the source, all its money there.
    const cookie = await login("anna");
    const mid = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    expect(mid.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([before.ledger_kop]);
    // The move goes on and verifies: nothing the target's jobs wrote stands in its way.
    const done = await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 });
    expect(done.step).toBe("done");
    expect(await shardOf(a.accountNo)).toBe(to);
    expect(await figures(to, a.accountNo)).toEqual(before);
    expect(await balanceOf(data.shard(to), a.accountNo)).toBe(before.ledger_kop);
    // After the switch the target's next charge of today charges it, once however often it runs; yesterday, charged
    // on the source and copied, is not charged again.
    await chargeDay(data.shard(to), "msk", today);
    await chargeDay(data.shard(to), "msk", today);
    await chargeDay(data.shard(to), "msk", yesterday);
    expect(await dayCharges(to, a.accountNo, today)).toBe(1);
    expect(await dayCharges(to, a.accountNo, yesterday)).toBe(1);
    const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    expect(home.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([
      Number(before.ledger_kop) + (await todaysCharge(to, a.accountNo, today)),
    ]);
  });

  it("is skipped by the SOURCE's midnight run while frozen — the rest of the region is charged and its month closed on time — and the day and month it missed are charged and closed once, on the target after the switch", {
    timeout: 90_000,
  }, async () => {
    // Two accounts alike (the same rows, the same service) on the second shard: one is moved, one stays.
    const a = await annaAccountOnSecond();
    const b = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    expect([a.shard, b.shard]).toEqual([from, from]);
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    const lastMonth = addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
    await withMskProgress(async () => {
      // The region is charged up to yesterday and closed up to the month before last: its next run charges today and
      // closes last month (bonus points and alerts are done).
      await setMskProgress({ midnight: addDays(today, -1), bonus: today, alerts: today, close: addDays(`${lastMonth}-01`, -1) });
      const before = await figures(from, a.accountNo);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // The region's run (one queue message): blocks, tariff changes, the charge on both shards, the close.
      const out = await runMskDay();
      expect(out.charged).toEqual([today]);
      expect(out.closed).toEqual([lastMonth]);
      expect(out.continued).toBe(false);
      // The rest of the region is charged and closed on the frozen account's shard.
      expect(await dayCharges(from, b.accountNo, today)).toBe(1);
      expect(await closedMonth(from, b.accountNo, lastMonth)).toBe(true);
      // The frozen account is left as it was, on both shards.
      expect((await dayCharges(from, a.accountNo, today)) + (await dayCharges(to, a.accountNo, today))).toBe(0);
      expect(await figures(from, a.accountNo)).toEqual(before);
      expect(await closedMonth(to, a.accountNo, lastMonth)).toBe(false);
      // The move completes; its switch charges the day and closes the month the account missed, on the target.
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      expect(await closedMonth(to, a.accountNo, lastMonth)).toBe(true);
      // Never twice: the region's run again, the target's charge of today again, the move again.
      await runMskDay();
      await chargeDay(data.shard(to), "msk", today);
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, LATER())).rejects.toMatchObject({ slug: "shard_move_same" });
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      // The balance is the one it would have had without the move: the account that stayed has it.
      const cookie = await login("anna");
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      const balances = Object.fromEntries(home.items.map((x) => [x.accountNo, x.balanceKop]));
      expect(balances[a.accountNo]).toBe(balances[b.accountNo]);
      expect(balances[a.accountNo]).toBe(Number(before.ledger_kop) + (await todaysCharge(to, a.accountNo, today)));
    });
  });

  it("charges the day once when the switch lands while the region's day is under way: the target's charge already past the account, the source's having skipped it", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    await withMskProgress(async (saved) => {
      // The region recorded done through yesterday; its run for today starts while the account is frozen.
      await setMskProgress({ ...saved, midnight: addDays(today, -1) });
      const before = await figures(from, a.accountNo);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // Today's run is under way, shard by shard: the source's charge skips the frozen account, and the target's is
      // done before the switch (the account is not there yet); the day is not recorded done until every shard is.
      await chargeDay(data.shard(from), "msk", today);
      await chargeDay(data.shard(to), "msk", today);
      expect((await dayCharges(from, a.accountNo, today)) + (await dayCharges(to, a.accountNo, today))).toBe(0);
      // The switch: the account is charged for today on the target (before, neither side charged it).
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      // The region's run then finishes the day (and records it done): never a second charge.
      await runMskDay();
      await chargeDay(data.shard(to), "msk", today);
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      expect((await mskProgress()).midnight).toBe(today);
      // The money: what the account had, less today's charge.
      const cookie = await login("anna");
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      const balance = home.items.find((x) => x.accountNo === a.accountNo)?.balanceKop;
      expect(balance).toBe(Number(before.ledger_kop) + (await todaysCharge(to, a.accountNo, today)));
    });
  });

  it("closes the month once when the switch lands while the region's close is under way: the target's already past the account, the source's having skipped it", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    const lastMonth = addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
    await withMskProgress(async () => {
      // Every daily job is past last month, whose close is recorded only up to the month before: it is closable.
      await setMskProgress({ midnight: today, bonus: today, alerts: today, close: addDays(`${lastMonth}-01`, -1) });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // The region's close of last month is under way, shard by shard: the source's skips the frozen account, the
      // target's is through before the switch; it is recorded only when every shard is.
      const at = new Date();
      await closeMonthPart(data.shard(from), "msk", lastMonth, "", 100, at);
      await closeMonthPart(data.shard(to), "msk", lastMonth, "", 100, at);
      expect((await closedMonth(from, a.accountNo, lastMonth)) || (await closedMonth(to, a.accountNo, lastMonth))).toBe(false);
      // The switch closes it on the target (before, no one did, and a later month's close made it impossible).
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      expect(await closedMonth(to, a.accountNo, lastMonth)).toBe(true);
      // The region's close then finishes and records the month: one period row, never two.
      await runMskDay();
      expect((await mskProgress()).close).toBe(addDays(`${today.slice(0, 7)}-01`, -1));
      const periods = await d1Of(data.shard(to))
        .prepare("SELECT count(*) AS n FROM ledger_periods WHERE account_no = ? AND month = ?")
        .bind(a.accountNo, lastMonth)
        .first<{ n: number }>();
      expect(periods?.n).toBe(1);
    });
  });

  it("closes the months of a region's first close under way at the switch (no close recorded yet), up to the last closable", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    const lastMonth = addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
    await withMskProgress(async () => {
      // Every daily job is past last month, and the region has never recorded a close.
      await setMskProgress({ midnight: today, bonus: today, alerts: today }, true);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      const at = new Date();
      await closeMonthPart(data.shard(from), "msk", lastMonth, "", 100, at);
      await closeMonthPart(data.shard(to), "msk", lastMonth, "", 100, at);
      let step = "";
      for (let i = 0; i < 20 && step !== "done"; i++)
        step = (await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step;
      expect(step).toBe("done");
      expect(await closedMonth(to, a.accountNo, lastMonth)).toBe(true);
    });
  });

  it("starts a block due on the day under way at the switch before charging it: not charged, the fee once, the block in force", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const service = `${a.accountNo}-s1`;
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    // A block asked for as a subscriber does (40 days: 10 of them paid), then dated to start today.
    await forgetLinksOf("demo-anna");
    const asked = await call("msk", `/api/v1/accounts/${a.accountNo}/services/${service}/blocks`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie: await login("anna") },
      body: JSON.stringify({ from: `${Number(today.slice(0, 4)) + 1}-02-01`, to: addDays(`${Number(today.slice(0, 4)) + 1}-02-01`, 39) }),
    });
    expect(asked.status).toBe(201);
    const block = await json<{ id: string }>(asked);
    await d1Of(data.shard(from))
      .prepare("UPDATE voluntary_blocks SET from_day = ?, to_day = ? WHERE id = ?")
      .bind(today, addDays(today, 39), block.id)
      .run();
    await withMskProgress(async (saved) => {
      await setMskProgress({ ...saved, midnight: addDays(today, -1) });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // Today's run starts: its blocks (the frozen account's is left alone), then the charge shard by shard.
      const at = new Date();
      await applyBlocks(data, async () => undefined, "msk", today, at);
      await chargeDay(data.shard(from), "msk", today);
      await chargeDay(data.shard(to), "msk", today);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      const state = () =>
        d1Of(data.shard(to))
          .prepare(
            `SELECT b.status AS block, s.status AS service,
               (SELECT count(*) FROM ledger_entries WHERE idempotency_key = 'block:' || b.id || ':fee') AS fees
             FROM voluntary_blocks b JOIN account_services s ON s.id = b.service_id WHERE b.id = ?`,
          )
          .bind(block.id)
          .first<{ block: string; service: string; fees: number }>();
      expect(await state()).toEqual({ block: "active", service: "suspended", fees: 1 });
      expect(await dayCharges(to, a.accountNo, today)).toBe(0);
      // The region's run finishes the day: no charge, no second fee.
      await runMskDay();
      expect(await state()).toEqual({ block: "active", service: "suspended", fees: 1 });
      expect(await dayCharges(to, a.accountNo, today)).toBe(0);
    });
  });

  it("earns the bonus points a frozen account missed (the source's run skips it) once, on the target after the switch, though the day's run is still under way", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const now = Date.now();
    const tz = "Europe/Moscow";
    // The region's bonus run due now (02:00 Moscow time of today, or of yesterday before it), earning on the day
    // before's charges.
    const due = dueDay(tz, new Date(now), EARN_HOUR);
    const runAt = localInstant(tz, due, EARN_HOUR);
    const charged = addDays(due, -1);
    // A member with a charge that day: the run earns on it.
    await memberCharged(from, a.accountNo, now - 40 * 86_400_000, [
      { id: `${a.accountNo}-bonus-y`, day: charged, at: now, key: `test-bonus-y:${a.accountNo}` },
    ]);
    const earned = (shard: ShardBinding) => earnedOn(shard, `earn:charge:${a.accountNo}:${charged}`);
    await withMskProgress(async (saved) => {
      // The region's runs done through the day before; charged through the day of the run at least.
      await setMskProgress({ ...saved, bonus: addDays(due, -1), midnight: [saved.midnight ?? due, due].sort().at(-1) ?? due });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // The day's run, while the account is frozen: both shards pass it by. It is not recorded done yet (its chains
      // go on elsewhere), and the switch comes now.
      await bonusTick(createDataAccess(env), runAt, [regionByCode("msk") as Region]);
      expect([...(await earned(from)), ...(await earned(to))]).toEqual([]);
      // The switch earns them on the target, once; the region's run again, its day marked done and the move again
      // earn nothing more.
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      const [points, ...more] = await earned(to);
      expect(points?.points).toBeGreaterThan(0);
      expect(more).toEqual([]);
      await bonusTick(createDataAccess(env), runAt, [regionByCode("msk") as Region]);
      await setMskProgress({ bonus: due });
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, LATER())).rejects.toMatchObject({ slug: "shard_move_same" });
      expect(await earned(to)).toHaveLength(1);
      expect(await earned(from)).toEqual([]);
    });
  });

  it("earns the points of a month's last days on their own day's charges when the month was closed while frozen: before the catch-up closes it", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const now = Date.now();
    // A month well past (any day of the run, the bonus run due now is later than the day after it).
    const month = addDays(`${localDay("Europe/Moscow", new Date(now)).slice(0, 7)}-01`, -40).slice(0, 7);
    const last = addDays(`${addDays(`${month}-28`, 5).slice(0, 7)}-01`, -1);
    const [d1, d2, d3] = [addDays(last, -2), addDays(last, -1), last];
    // The month's last three days, charged by the region before the freeze: the same fee each day.
    await memberCharged(
      from,
      a.accountNo,
      now - 200 * 86_400_000,
      [d1, d2, d3].map((day) => ({
        id: `${a.accountNo}-c-${day}`,
        day,
        at: Date.parse(`${day}T00:30:00+03:00`),
        key: `charge:${a.accountNo}-s1:${day}`,
      })),
    );
    const earned = (shard: ShardBinding) => earnedOn(shard, `earn:charge:${a.accountNo}:%`);
    await withMskProgress(async () => {
      // Frozen when the region had charged the whole month and earned the points of all but its last two days, and
      // had closed only the month before.
      await setMskProgress({ midnight: d3, bonus: d2, close: addDays(`${month}-01`, -1) });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // While frozen the region's runs earned the last two days' points (on the 1st, at night) and closed the month
      // (that morning), passing the account by.
      await setMskProgress({ bonus: addDays(d3, 1), close: d3 });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      expect(await closedMonth(to, a.accountNo, month)).toBe(true);
      // Each day earned on its own day's fee, the same points each, once; the month's roll-up line earned nothing.
      const points = await earned(to);
      expect(points.map((e) => e.k)).toEqual([`earn:charge:${a.accountNo}:${d2}`, `earn:charge:${a.accountNo}:${d3}`]);
      expect(points[0]?.points).toBeGreaterThan(0);
      expect(points[1]?.points).toBe(points[0]?.points);
      expect(await earned(from)).toEqual([]);
    });
  });

  it("applies a tariff change due while the account was frozen before charging the day it missed, as the region's run does for an account that stayed", {
    timeout: 90_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const b = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const today = localDay("Europe/Moscow");
    const src = d1Of(createDataAccess(env).shard(from));
    // Both switch from 100 to 300 Mbit/s today.
    await src.batch(
      [a, b].map(({ accountNo }) =>
        src
          .prepare(
            `INSERT INTO tariff_changes (id, account_no, service_id, from_tariff_id, to_tariff_id, effective_day, status, application_id, new_service_id, created_at)
             VALUES (?, ?, ?, 'msk-inet-100', 'msk-inet-300', ?, 'scheduled', NULL, ?, ?)`,
          )
          .bind(`${accountNo}-tc`, accountNo, `${accountNo}-s1`, today, `${accountNo}-s2`, Date.now()),
      ),
    );
    await withMskProgress(async (saved) => {
      await setMskProgress({ ...saved, midnight: addDays(today, -1), bonus: today, alerts: today });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      expect((await runMskDay()).charged).toEqual([today]);
      const serviceCharges = async (binding: ShardBinding, accountNo: string) =>
        (
          await d1Of(createDataAccess(env).shard(binding))
            .prepare("SELECT service_id s FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'charge:%:' || ? ORDER BY 1")
            .bind(accountNo, today)
            .all<{ s: string }>()
        ).results.map((r) => r.s);
      // The one that stayed: its new service charged today, the old one not.
      expect(await serviceCharges(from, b.accountNo)).toEqual([`${b.accountNo}-s2`]);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      // The moved one the same, on the target: the change applied first, then the day charged once.
      expect(await serviceCharges(to, a.accountNo)).toEqual([`${a.accountNo}-s2`]);
      const cookie = await login("anna");
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      const balances = Object.fromEntries(home.items.map((x) => [x.accountNo, x.balanceKop]));
      expect(balances[a.accountNo]).toBe(balances[b.accountNo]);
    });
  });

  it("charges the day a frozen account missed exactly once across a crash right after the switch and one after the catch-up", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    await withMskProgress(async (saved) => {
      await setMskProgress({ ...saved, midnight: addDays(today, -1) });
      const before = await figures(from, a.accountNo);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // The region's midnight charge runs on both shards (each skips the account) and is recorded done.
      await chargeDay(data.shard(from), "msk", today);
      await chargeDay(data.shard(to), "msk", today);
      await setMskProgress({ ...saved, midnight: today });
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "switched" })).rejects.toThrow("injected crash");
      expect(await shardOf(a.accountNo)).toBe(to);
      await expect(
        moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0, crashAtPage: { step: "switched", page: 1 } }),
      ).rejects.toThrow("injected crash");
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      // The source, its rows half deleted (the account `moved` there), charges the region again without it.
      expect(await marks(from, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
      await chargeDay(data.shard(from), "msk", today);
      expect(await dayCharges(from, a.accountNo, today)).toBe(0);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      await chargeDay(data.shard(to), "msk", today);
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
      expect(await balanceOf(data.shard(to), a.accountNo)).toBe(Number(before.ledger_kop) + (await todaysCharge(to, a.accountNo, today)));
      expect(await todaysCharge(to, a.accountNo, today)).toBeLessThan(0);
    });
  });

  it("is skipped by the target's other jobs over accounts (a block's start, a tariff change, bonus points, a promised payment's expiry, usage retention) until the switch, then taken by them once", {
    timeout: 60_000,
  }, async () => {
    const other = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    expect(other.shard).toBe(from);
    const no = other.accountNo;
    const service = `${no}-s1`;
    const now = new Date();
    const today = localDay("Europe/Moscow", now);
    const yesterday = localDay("Europe/Moscow", new Date(now.getTime() - 24 * 3600_000));
    const src = d1Of(createDataAccess(env).shard(from));
    await src.batch([
      src
        .prepare(
          `INSERT INTO voluntary_blocks (id, account_no, service_id, region, from_day, to_day, status, fee_kop, application_id, created_at)
           VALUES (?, ?, ?, 'msk', ?, ?, 'scheduled', 1500, ?, ?)`,
        )
        .bind(`${no}-vb`, no, service, today, addDays(today, 10), `${no}-app`, now.getTime()),
      src
        .prepare(
          `INSERT INTO tariff_changes (id, account_no, service_id, from_tariff_id, to_tariff_id, effective_day, status, application_id, new_service_id, created_at)
           VALUES (?, ?, ?, 'msk-inet-100', 'msk-inet-300', ?, 'scheduled', NULL, ?, ?)`,
        )
        .bind(`${no}-tc`, no, service, today, `${no}-s2`, now.getTime()),
      src
        .prepare(
          `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
           VALUES (?, ?, 'charge', -3000, ?, ?, ?, 'т', 't', ?, ?)`,
        )
        .bind(`${no}-y`, no, now.getTime(), yesterday, service, `test-y:${no}`, now.getTime()),
      src
        .prepare(
          "INSERT INTO promised_payments (id, account_no, amount_kop, status, taken_at, due_at) VALUES (?, ?, 20000, 'active', ?, ?)",
        )
        .bind(`${no}-pp`, no, now.getTime() - 10 * 86_400_000, now.getTime() - 86_400_000),
      src
        .prepare(
          `INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
           VALUES (?, '2020-01-15', ?, 'call_local', 'out', 1, 60, 1, 0, 100)`,
        )
        .bind(no, service),
    ]);
    const before = await figures(from, no);
    // Every row copied, the verification not begun: the account is all there on the target, and still arriving.
    await expect(moveAccount(createDataAccess(env), no, to, { crashAfter: "copied" })).rejects.toThrow("injected crash");
    expect(await figures(to, no)).toEqual(before);
    // The target's jobs alone (its shard is the region's home one: the branch's jobs over it go through it only).
    const data = createDataAccess(env);
    const target: DataAccess = { ...data, shards: [to] };
    const msk = regionByCode("msk") as Region;
    const quiet = async () => undefined;
    await applyBlocks(target, quiet, "msk", today, now);
    await applyTariffChanges(data.shard(to), "msk", today, now);
    await bonusTick(target, now, [msk]);
    await expirePromised(target, now);
    await expireUsage(target, env.FILES, [to], now);
    // None of them wrote a row of the account there (no fee, no new service, no points, no repayment, no deletion).
    expect(await figures(to, no)).toEqual(before);
    expect((await moveAccount(createDataAccess(env), no, to, { graceMs: 0 })).step).toBe("done");
    expect(await figures(to, no)).toEqual(before);
    // After the switch the target's jobs take the account, each once.
    for (let i = 0; i < 2; i++) {
      await applyBlocks(target, quiet, "msk", today, now);
      await bonusTick(target, now, [msk]);
    }
    const dst = d1Of(createDataAccess(env).shard(to));
    const fee = await dst
      .prepare("SELECT count(*) n FROM ledger_entries WHERE idempotency_key = ?")
      .bind(`block:${no}-vb:fee`)
      .first<{ n: number }>();
    expect(fee?.n).toBe(1);
    const earned = await dst
      .prepare("SELECT count(*) n FROM bonus_ledger WHERE source_key = ?")
      .bind(`earn:charge:${no}:${yesterday}`)
      .first<{ n: number }>();
    expect(earned?.n).toBe(1);
  });
});

/** An operator's abandon of an account's move through the API. */
function abandon(accountNo: string, lang = "ru") {
  return ops(`/shard-moves/abandon?lang=${lang}`, { method: "POST", body: JSON.stringify({ accountNo }) });
}

/** What a move leaves of an account on a shard besides its rows: its freeze (or tombstone) and its arriving mark. */
async function marks(binding: ShardBinding, accountNo: string) {
  const row = await d1Of(createDataAccess(env).shard(binding))
    .prepare(
      `SELECT (SELECT count(*) FROM account_freezes WHERE account_no = ?1 AND state = 'frozen') AS frozen,
              (SELECT count(*) FROM arriving_accounts WHERE account_no = ?1) AS arriving`,
    )
    .bind(accountNo)
    .first<{ frozen: number; arriving: number }>();
  return row ?? { frozen: -1, arriving: -1 };
}

const empty = (f: Record<string, number>) => Object.values(f).every((n) => n === 0);

/** A top-up of the account by its owner (anna) through the API: 201 unless the account is frozen (503). */
async function topUp(accountNo: string) {
  const cookie = await login("anna");
  return call("msk", `/api/v1/accounts/${accountNo}/payments`, {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify({ amountKop: 40_000 }),
  });
}

/** The status of a block's application, on the region's home shard where applications live. */
async function applicationOfBlock(accountShard: ShardBinding, blockId: string) {
  const block = await d1Of(createDataAccess(env).shard(accountShard))
    .prepare("SELECT application_id AS id FROM voluntary_blocks WHERE id = ?")
    .bind(blockId)
    .first<{ id: string }>();
  const app = await d1Of(createDataAccess(env).shard("DB_MOSCOW"))
    .prepare("SELECT status FROM applications WHERE id = ?")
    .bind(block?.id ?? "")
    .first<{ status: string }>();
  return app?.status;
}

describe("voluntary blocks of an account on a shard other than its region's home one", () => {
  it("cancel, start and end with their application (it lives on the home shard): no 404, the status moves", async () => {
    const a = await annaAccountOnSecond();
    const service = `${a.accountNo}-s1`;
    await forgetLinksOf("demo-anna");
    const anna = await login("anna");
    const year = Number(localDay("Europe/Moscow").slice(0, 4)) + 1;
    const ask = async (from: string, to: string) => {
      const r = await call("msk", `/api/v1/accounts/${a.accountNo}/services/${service}/blocks`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, cookie: anna },
        body: JSON.stringify({ from, to }),
      });
      expect(r.status).toBe(201);
      return (await json<{ id: string }>(r)).id;
    };
    // Cancelled before it starts: 200, its application cancelled (was a 404 after the block was already cancelled).
    const first = await ask(`${year}-03-01`, `${year}-03-10`);
    const cancel = await call("msk", `/api/v1/accounts/${a.accountNo}/blocks/${first}/end`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie: anna },
    });
    expect(cancel.status).toBe(200);
    expect(await applicationOfBlock("DB_MOSCOW_2", first)).toBe("cancelled");
    // Started and ended by the region's midnight: in work, then done.
    const second = await ask(`${year}-04-01`, `${year}-04-10`);
    const notify = async () => {};
    const midnight = (day: string) => localInstant("Europe/Moscow", day, 0);
    expect((await applyBlocks(createDataAccess(env), notify, "msk", `${year}-04-01`, midnight(`${year}-04-01`))).started).toBe(1);
    expect(await applicationOfBlock("DB_MOSCOW_2", second)).toBe("in_work");
    expect((await applyBlocks(createDataAccess(env), notify, "msk", `${year}-04-11`, midnight(`${year}-04-11`))).ended).toBe(1);
    expect(await applicationOfBlock("DB_MOSCOW_2", second)).toBe("done");
  });
});

describe("a voluntary block due while the account was frozen", () => {
  it("starts and ends on its own days in the move's catch-up: those days are not charged, the fee once, the holder told", {
    timeout: 120_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const to: ShardBinding = "DB_MOSCOW";
    const service = `${a.accountNo}-s1`;
    const today = localDay("Europe/Moscow");
    const frozenDay = addDays(today, -45);
    // The block is asked for as a subscriber does (40 days: 10 of them paid), then dated into the freeze.
    await forgetLinksOf("demo-anna");
    const anna = await login("anna");
    const asked = await call("msk", `/api/v1/accounts/${a.accountNo}/services/${service}/blocks`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie: anna },
      // Within one calendar year (30 free days a year in Moscow, then 3 ₽ a day).
      body: JSON.stringify({ from: `${Number(today.slice(0, 4)) + 1}-02-01`, to: addDays(`${Number(today.slice(0, 4)) + 1}-02-01`, 39) }),
    });
    expect(asked.status).toBe(201);
    const block = await json<{ id: string; feeKop: number }>(asked);
    expect(block.feeKop).toBe(10 * 300);
    const [fromDay, toDay] = [addDays(frozenDay, 2), addDays(frozenDay, 41)];
    await d1Of(createDataAccess(env).shard("DB_MOSCOW_2"))
      .prepare("UPDATE voluntary_blocks SET from_day = ?, to_day = ? WHERE id = ?")
      .bind(fromDay, toDay, block.id)
      .run();
    const closedBefore = addDays(`${frozenDay.slice(0, 7)}-01`, -1);
    await withMskProgress(async () => {
      await setMskProgress({ midnight: frozenDay, bonus: frozenDay, close: closedBefore });
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      // The region charged on while the account was frozen (no month closed meanwhile: the daily rows stay to look at).
      await setMskProgress({ midnight: addDays(today, -1), bonus: addDays(today, -1), close: closedBefore });
      const notices: NotificationMessage[] = [];
      const notify = async (m: NotificationMessage) => {
        notices.push(m);
      };
      let step = "";
      for (let i = 0; i < 20 && step !== "done"; i++)
        step = (await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0, notify })).step;
      expect(step).toBe("done");
      const target = d1Of(createDataAccess(env).shard(to));
      // Charged the day before the block and the day after it; none of its 40 days.
      expect(await dayCharges(to, a.accountNo, addDays(fromDay, -1))).toBe(1);
      expect(await dayCharges(to, a.accountNo, addDays(toDay, 1))).toBe(1);
      let blockedCharged = 0;
      for (let day = fromDay; day <= toDay; day = addDays(day, 1)) blockedCharged += await dayCharges(to, a.accountNo, day);
      expect(blockedCharged).toBe(0);
      const fee = await target
        .prepare("SELECT amount_kop AS kop, local_day AS day FROM ledger_entries WHERE idempotency_key = ?")
        .bind(`block:${block.id}:fee`)
        .all<{ kop: number; day: string }>();
      expect(fee.results).toEqual([{ kop: -3000, day: fromDay }]);
      const after = await target
        .prepare(
          "SELECT b.status AS block, s.status AS service FROM voluntary_blocks b JOIN account_services s ON s.id = b.service_id WHERE b.id = ?",
        )
        .bind(block.id)
        .first<{ block: string; service: string }>();
      expect(after).toEqual({ block: "ended", service: "active" });
      const told = notices.filter((m) => "kind" in m && m.kind === "block").map((m) => ("params" in m ? m.params?.phase : null));
      expect(told).toEqual(["start", "end"]);
      expect(await applicationOfBlock(to, block.id)).toBe("done");
    });
  });
});

describe("a move stuck for months", () => {
  it("catches up five months in as many calls as its budget takes, the account kept from the target's jobs until done: the same money as one call, switched or abandoned", {
    timeout: 240_000,
  }, async () => {
    // Three accounts alike on the second shard (a service, a bonus member each): one moved in calls of the default
    // budget, one in a single call of an unlimited one (the reference), one abandoned in calls of the default budget.
    const [a, b, c, d] = [
      await annaAccountOnSecond(),
      await annaAccountOnSecond(),
      await annaAccountOnSecond(),
      await annaAccountOnSecond(),
    ];
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const today = localDay("Europe/Moscow");
    const frozenDay = addDays(today, -150);
    const lastMonth = addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
    const arriving = async (binding: ShardBinding, accountNo: string) =>
      (
        await d1Of(createDataAccess(env).shard(binding))
          .prepare("SELECT count(*) AS n FROM arriving_accounts WHERE account_no = ?")
          .bind(accountNo)
          .first<{ n: number }>()
      )?.n;
    await withMskProgress(async () => {
      // Frozen five months ago, by the region's progress then; since then it has charged, earned and closed on.
      await setMskProgress({ midnight: frozenDay, bonus: frozenDay, close: addDays(`${frozenDay.slice(0, 7)}-01`, -1) });
      for (const x of [a, b, c, d])
        expect((await moveAccount(createDataAccess(env), x.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      await setMskProgress({ midnight: addDays(today, -1), bonus: addDays(today, -1), close: addDays(`${today.slice(0, 7)}-01`, -1) });
      // One call of the old kind: ~150 days of charges, tariff checks and bonus runs, and five closes, at once.
      const one = createDataAccess(env);
      expect((await moveAccount(one, b.accountNo, to, { graceMs: 0, maxQueries: 100_000 })).step).toBe("done");
      expect(one.stats.statements).toBeGreaterThan(MOVE_QUERY_BUDGET);
      // In calls of the default budget: each within it, several of them.
      const calls: number[] = [];
      let step = "";
      let midway = false;
      while (step !== "done" && calls.length < 20) {
        const data = createDataAccess(env);
        step = (await moveAccount(data, a.accountNo, to, { graceMs: 0 })).step;
        calls.push(queriesUsed(data.stats));
        if (step === "switched" && !midway) {
          midway = true;
          // Part-way: the account is the directory's target's, still arriving there, and the target's own charge of a
          // day leaves it alone (its catch-up does the days the region did).
          expect(await shardOf(a.accountNo)).toBe(to);
          expect(await arriving(to, a.accountNo)).toBe(1);
          const move = await env.DB.prepare("SELECT charged_to FROM shard_moves WHERE account_no = ? AND step = 'switched'")
            .bind(a.accountNo)
            .first<{ charged_to: string }>();
          expect(move?.charged_to && move.charged_to > frozenDay).toBe(true);
          await chargeDay(createDataAccess(env).shard(to), "msk", today);
          expect(await dayCharges(to, a.accountNo, today)).toBe(0);
        }
      }
      expect(step).toBe("done");
      expect(midway).toBe(true);
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...calls)).toBeLessThanOrEqual(MOVE_QUERY_BUDGET);
      expect(await arriving(to, a.accountNo)).toBe(0);
      // Abandoned instead, in calls of the default budget: caught up on its source the same way.
      const abandonCalls: number[] = [];
      let abandoned = "";
      while (abandoned !== "abandoned" && abandonCalls.length < 20) {
        const data = createDataAccess(env);
        abandoned = (await abandonMove(data, c.accountNo)).step;
        abandonCalls.push(queriesUsed(data.stats));
      }
      expect(abandoned).toBe("abandoned");
      expect(abandonCalls.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...abandonCalls)).toBeLessThanOrEqual(MOVE_QUERY_BUDGET);
      expect(await shardOf(c.accountNo)).toBe(from);
      expect(await arriving(from, c.accountNo)).toBe(0);
      // A call that raced the last one listed it as arriving on its source again and stopped: the next call settles it.
      const moveId = (
        await env.DB.prepare("SELECT id FROM shard_moves WHERE account_no = ? AND step = 'abandoned'")
          .bind(c.accountNo)
          .first<{ id: string }>()
      )?.id;
      await d1Of(createDataAccess(env).shard(from))
        .prepare("INSERT INTO arriving_accounts (account_no, move_id, since) VALUES (?, ?, ?)")
        .bind(c.accountNo, moveId, Date.now())
        .run();
      expect((await abandonMove(createDataAccess(env), c.accountNo)).step).toBe("abandoned");
      expect(await arriving(from, c.accountNo)).toBe(0);
      // Today's charge (the region's) for the two moved ones, on the target: once each.
      await chargeDay(createDataAccess(env).shard(to), "msk", today);
      await chargeDay(createDataAccess(env).shard(from), "msk", today);
      // One that died after its catch-up had closed the months, before it saved how far it got: the next calls go
      // over the same days again, and charge none of the closed months' days twice.
      const dying = new Proxy(env.DB, {
        get(target, prop) {
          if (prop === "prepare")
            return (query: string) => {
              if (/UPDATE shard_moves SET charged_to/.test(query)) throw new Error("injected crash before the catch-up's progress");
              return target.prepare(query);
            };
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      await expect(
        moveAccount(createDataAccess({ ...env, DB: dying } as typeof env), d.accountNo, to, { graceMs: 0, maxQueries: 100_000 }),
      ).rejects.toThrow("injected crash");
      expect(await closedMonth(to, d.accountNo, lastMonth)).toBe(true);
      let resumed = "";
      for (let i = 0; resumed !== "done" && i < 20; i++)
        resumed = (await moveAccount(createDataAccess(env), d.accountNo, to, { graceMs: 0 })).step;
      expect(resumed).toBe("done");
      await chargeDay(createDataAccess(env).shard(to), "msk", today);
      // The same rows and money, however many calls it took and wherever it ended up.
      const reference = await figures(to, b.accountNo);
      expect(Number(reference.ledger_periods)).toBeGreaterThanOrEqual(5);
      expect(await closedMonth(to, a.accountNo, lastMonth)).toBe(true);
      expect(await figures(to, a.accountNo)).toEqual(reference);
      expect(await figures(from, c.accountNo)).toEqual(reference);
      expect(await figures(to, d.accountNo)).toEqual(reference);
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
    });
  });
});

describe("abandoning a move", () => {
  it("is for operators only (401 without the token), with problems for a malformed or unknown account and for one with no move (ru, en)", async () => {
    const body = JSON.stringify({ accountNo: ANNA_MSK });
    const anon = await call(null, "/ops/v1/shard-moves/abandon", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toContain("application/problem+json");
    const bad = await abandon("12", "en");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const unknown = await abandon(makeAccountNo("99999999999"));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(unknown)).toMatchObject({ type: "urn:kabinet:problem:not-found" });
    const fresh = await annaAccount();
    const none = await abandon(fresh.accountNo, "en");
    expect(none.status).toBe(404);
    expect(await json(none)).toMatchObject({ title: "The account has no move to abandon" });
    expect(await json(await abandon(fresh.accountNo))).toMatchObject({ title: "У счёта нет переноса, который можно отменить" });
  });

  it("gives up a frozen move: the copy deleted from the target, the source unfrozen and charged the day it missed; a second abandon changes nothing; a new move then completes", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccountOnSecond();
    const from: ShardBinding = "DB_MOSCOW_2";
    const to: ShardBinding = "DB_MOSCOW";
    const data = createDataAccess(env);
    const today = localDay("Europe/Moscow");
    await withMskProgress(async (saved) => {
      await setMskProgress({ ...saved, midnight: addDays(today, -1) });
      const before = await figures(from, a.accountNo);
      const counts = await shardCounts();
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      expect((await figures(to, a.accountNo)).accounts).toBe(1);
      expect((await topUp(a.accountNo)).status).toBe(503);
      // The region's midnight charge runs while it is frozen (both shards skip it) and is recorded done.
      await chargeDay(data.shard(from), "msk", today);
      await chargeDay(data.shard(to), "msk", today);
      await setMskProgress({ ...saved, midnight: today });
      const res = await abandon(a.accountNo);
      expect(res.status).toBe(200);
      const move = await json<{ id: string; step: string; resumeAt: string | null }>(res);
      expect(move).toMatchObject({ step: "abandoned", resumeAt: null });
      // Nothing of the account is left on the target; the source has it all, its missed day charged once.
      expect(empty(await figures(to, a.accountNo))).toBe(true);
      expect(await marks(to, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
      expect(await marks(from, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
      expect(await shardOf(a.accountNo)).toBe(from);
      expect(await shardCounts()).toEqual(counts);
      const day = await todaysCharge(from, a.accountNo, today);
      expect(day).toBeLessThan(0);
      expect(await dayCharges(from, a.accountNo, today)).toBe(1);
      expect(await figures(from, a.accountNo)).toEqual({
        ...before,
        ledger_entries: Number(before.ledger_entries) + 1,
        ledger_kop: Number(before.ledger_kop) + day,
      });
      // The subscriber can pay again (the freeze is gone); the region's charge again changes nothing.
      expect((await topUp(a.accountNo)).status).toBe(201);
      await chargeDay(data.shard(from), "msk", today);
      expect(await dayCharges(from, a.accountNo, today)).toBe(1);
      const whole = await figures(from, a.accountNo);
      // Abandoned again: the same move, 200, nothing changes.
      const again = await abandon(a.accountNo);
      expect(again.status).toBe(200);
      expect(await json(again)).toMatchObject({ id: move.id, step: "abandoned" });
      expect(await figures(from, a.accountNo)).toEqual(whole);
      // A new move of the account starts and completes, with everything it has now.
      const next = await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 });
      expect(next.step).toBe("done");
      expect(next.id).not.toBe(move.id);
      expect(await figures(to, a.accountNo)).toEqual(whole);
      expect(empty(await figures(from, a.accountNo))).toBe(true);
      expect(await dayCharges(to, a.accountNo, today)).toBe(1);
    });
  });

  const ABANDON_STEPS: AbandonStep[] = ["abandoning", "cleared", "unfrozen"];
  for (const step of ABANDON_STEPS) {
    it(`ends the same when it died right after «${step}» and is run again: the account whole on its source, the target empty`, {
      timeout: 60_000,
    }, async () => {
      const a = await annaAccount();
      const from = a.shard;
      const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
      const before = await figures(from, a.accountNo);
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      await expect(abandonMove(createDataAccess(env), a.accountNo, { crashAfter: step })).rejects.toThrow(`injected crash after ${step}`);
      // Meanwhile the move cannot go on, nor a new one start: the abandon must be finished first.
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).rejects.toMatchObject({
        slug: "shard_move_abandoned",
      });
      expect((await abandonMove(createDataAccess(env), a.accountNo)).step).toBe("abandoned");
      expect(await shardOf(a.accountNo)).toBe(from);
      expect(await figures(from, a.accountNo)).toEqual(before);
      expect(empty(await figures(to, a.accountNo))).toBe(true);
      expect(await marks(from, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
      expect(await marks(to, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
      expect((await abandonMove(createDataAccess(env), a.accountNo)).step).toBe("abandoned");
      expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
      expect(await figures(to, a.accountNo)).toEqual(before);
    });
  }

  it("changes no money when the move died before it froze the source (right after «started»)", { timeout: 60_000 }, async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const today = localDay("Europe/Moscow");
    await withMskProgress(async (saved) => {
      // The region has charged today (the account, made after its run, was not due): the abandon must not charge it.
      await setMskProgress({ ...saved, midnight: today });
      const before = await figures(a.shard, a.accountNo);
      await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "started" })).rejects.toThrow("injected crash");
      expect((await abandon(a.accountNo)).status).toBe(200);
      expect(await figures(a.shard, a.accountNo)).toEqual(before);
      expect(empty(await figures(to, a.accountNo))).toBe(true);
      expect((await topUp(a.accountNo)).status).toBe(201);
    });
  });

  it("deletes the copy over several calls when one call's D1 queries do not reach (abandoning, then abandoned)", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "copied" })).rejects.toThrow("injected crash");
    expect(await figures(to, a.accountNo)).toEqual(before);
    const steps: string[] = [];
    for (let i = 0; steps.at(-1) !== "abandoned"; i++) {
      expect(i).toBeLessThan(20);
      const data = createDataAccess(env);
      steps.push((await abandonMove(data, a.accountNo, { maxQueries: 20 })).step);
      expect(queriesUsed(data.stats)).toBeLessThanOrEqual(20);
    }
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.slice(0, -1).every((x) => x === "abandoning")).toBe(true);
    expect(empty(await figures(to, a.accountNo))).toBe(true);
    expect(await figures(a.shard, a.accountNo)).toEqual(before);
    expect(await marks(a.shard, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
  });

  it("is refused once the directory has switched (409, ru, en): the move completes, and is refused after it too", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "switched" })).rejects.toThrow("injected crash");
    const en = await abandon(a.accountNo, "en");
    expect(en.status).toBe(409);
    expect(en.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(en)).toMatchObject({
      type: "urn:kabinet:problem:shard-move-switched",
      title: "The account has switched to its new shard: the move cannot be abandoned, it must complete",
    });
    const ru = await abandon(a.accountNo);
    expect(await json(ru)).toMatchObject({ title: "Счёт уже переключён на новый шард: перенос нельзя отменить, его нужно завершить" });
    expect(await shardOf(a.accountNo)).toBe(to);
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
    expect(await figures(to, a.accountNo)).toEqual(before);
    expect((await abandon(a.accountNo)).status).toBe(409);
    expect(await figures(to, a.accountNo)).toEqual(before);
  });

  it("abandons once when two operators abandon the same move at the same time: both answered 200, the account whole on its source", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const from = a.shard;
    const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(from, a.accountNo);
    const counts = await shardCounts();
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
    const both = await Promise.all([abandon(a.accountNo), abandon(a.accountNo)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const moves = await Promise.all(both.map((r) => json<{ id: string; step: string }>(r)));
    expect(moves[0]?.id).toBe(moves[1]?.id);
    expect(moves.map((m) => m.step)).toEqual(["abandoned", "abandoned"]);
    expect(await shardOf(a.accountNo)).toBe(from);
    expect(await figures(from, a.accountNo)).toEqual(before);
    expect(empty(await figures(to, a.accountNo))).toBe(true);
    expect(await marks(from, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
    expect(await shardCounts()).toEqual(counts);
  });

  for (const pause of ["copying", "verified"] as const) {
    it(`races a resumed move (paused ${pause === "copying" ? "while copying" : "before its switch"}): exactly one wins, the account whole on exactly one shard, its balance intact`, {
      timeout: 60_000,
    }, async () => {
      const a = await annaAccount();
      const from = a.shard;
      const to: ShardBinding = from === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
      const before = await figures(from, a.accountNo);
      const counts = await shardCounts();
      if (pause === "copying") expect((await moveAccount(createDataAccess(env), a.accountNo, to, { maxQueries: 45 })).step).toBe("frozen");
      else await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "verified" })).rejects.toThrow("injected crash");
      const [gaveUp, moved] = await Promise.allSettled([
        abandonMove(createDataAccess(env), a.accountNo),
        moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 }),
      ]);
      const switched = (await shardOf(a.accountNo)) === to;
      if (switched) {
        // The move won: the abandon was refused, and the move completed.
        expect(gaveUp).toMatchObject({ status: "rejected", reason: { slug: "shard_move_switched" } });
        expect(moved).toMatchObject({ status: "fulfilled", value: { step: "done" } });
        expect(await figures(to, a.accountNo)).toEqual(before);
        expect(empty(await figures(from, a.accountNo))).toBe(true);
        expect(await shardCounts()).toEqual({ ...counts, [from]: (counts[from] ?? 0) - 1, [to]: (counts[to] ?? 0) + 1 });
      } else {
        // The abandon won: the move stopped (refused, or its page refused by the target's tombstone).
        expect(moved.status).toBe("rejected");
        expect((await abandonMove(createDataAccess(env), a.accountNo)).step).toBe("abandoned");
        expect(await figures(from, a.accountNo)).toEqual(before);
        expect(empty(await figures(to, a.accountNo))).toBe(true);
        expect(await marks(from, a.accountNo)).toEqual({ frozen: 0, arriving: 0 });
        expect(await shardCounts()).toEqual(counts);
      }
      const cookie = await login("anna");
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      expect(home.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([before.ledger_kop]);
    });
  }

  it("unsticks a move stuck on a verification mismatch: the copy (its stray row too) deleted, the account whole on its source, a new move completes", {
    timeout: 60_000,
  }, async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "copied" })).rejects.toThrow("injected crash");
    await d1Of(createDataAccess(env).shard(to))
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'charge', -500, ?, '2026-11-02', NULL, 'т', 't', ?, ?)`,
      )
      .bind(`${a.accountNo}-stray`, a.accountNo, Date.now(), `stray:${a.accountNo}`, Date.now())
      .run();
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).rejects.toMatchObject({
      slug: "shard_move_mismatch",
    });
    expect((await abandon(a.accountNo)).status).toBe(200);
    expect(await shardOf(a.accountNo)).toBe(a.shard);
    expect(await figures(a.shard, a.accountNo)).toEqual(before);
    expect(empty(await figures(to, a.accountNo))).toBe(true);
    expect((await moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0 })).step).toBe("done");
    expect(await figures(to, a.accountNo)).toEqual(before);
  });
});

/** The (negative) sum of an account's charge for a day on a shard. */
async function todaysCharge(binding: ShardBinding, accountNo: string, day: string) {
  return (
    (
      await d1Of(createDataAccess(env).shard(binding))
        .prepare("SELECT coalesce(sum(amount_kop), 0) s FROM ledger_entries WHERE account_no = ? AND idempotency_key LIKE 'charge:%:' || ?")
        .bind(accountNo, day)
        .first<{ s: number }>()
    )?.s ?? 0
  );
}

describe("what a move copies", () => {
  it("names every regional table that keeps an account's rows (a new one cannot be left behind on the old shard)", () => {
    const tables = Object.values(regionSchema as Record<string, unknown>).filter(
      (v): v is SQLiteTable => typeof v === "object" && v !== null && Symbol.for("drizzle:IsDrizzleTable") in v,
    );
    const withAccount = tables
      .map((t) => getTableConfig(t))
      .filter((c) => c.columns.some((col) => col.name === "account_no"))
      .map((c) => c.name);
    // Kept with the region on its home shard, not with the account: the move's own markers (the source's freeze, the
    // target's list of arriving accounts), and the region's operator queues (applications, support chats and
    // tickets name the account they are about); and the subscriber's inbox, kept on their home shard whichever
    // account an event was about (a move of the account leaves it there), and their notification choices, per account
    // or all of them, kept there too; and an organisation's closing documents' lines and its payments' lines, kept with
    // the document or the payment on the organisation's home shard (features/business/org-home.ts).
    const regionWide = new Set([
      "account_freezes",
      "arriving_accounts",
      "applications",
      "support_chats",
      "support_tickets",
      "inbox",
      "notification_prefs",
      "closing_lines",
      "org_payment_lines",
      "invoice_lines",
      // The organisation's list of its requests, on its home shard (naming the account a request is about).
      "org_tickets",
      // A subscriber's links, kept on their home shard whichever shard the account is on (platform/links.ts).
      "subscriber_links",
    ]);
    const copied = new Set(ACCOUNT_TABLES.map((t) => t.name));
    expect(withAccount.filter((name) => !copied.has(name) && !regionWide.has(name))).toEqual([]);
    expect(withAccount.length).toBeGreaterThan(10);
  });

  it("freezes every table it copies: a write to a moving account's rows in any of them is refused on the source", async () => {
    const db = d1Of(createDataAccess(env).shard("DB_MOSCOW"));
    const { results } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all<{ name: string }>();
    const triggers = new Set(results.map((r) => r.name));
    // Each write is refused by a freeze trigger, or always by an append-only one (payment_events: never updated, and
    // deleted only once the account has moved).
    const unfrozen = ACCOUNT_TABLES.flatMap(({ name }) =>
      ["insert", "update", "delete"]
        .filter((op) => !triggers.has(`${name}_frozen_${op}`) && !triggers.has(`${name}_no_${op}`))
        .map((op) => `${name} ${op}`),
    );
    expect(unfrozen).toEqual([]);

    // The business cabinet's numbers (the last table to get its triggers): reassigning one of a frozen account's
    // numbers or adding one to it is refused; once unfrozen the same write goes through.
    const business = await db
      .prepare("SELECT msisdn, account_no AS accountNo, assignee_kind AS kind FROM corporate_numbers ORDER BY msisdn LIMIT 1")
      .first<{ msisdn: string; accountNo: string; kind: string }>();
    expect(business).not.toBeNull();
    const { msisdn, accountNo, kind } = business as { msisdn: string; accountNo: string; kind: string };
    const freeze = db
      .prepare("INSERT INTO account_freezes (account_no, move_id, state, updated_at) VALUES (?, 'test-move', 'frozen', ?)")
      .bind(accountNo, Date.now());
    await freeze.run();
    const reassign = db.prepare("UPDATE corporate_numbers SET assignee_name = 'Другой сотрудник' WHERE msisdn = ?").bind(msisdn);
    const add = db
      .prepare(
        "INSERT INTO corporate_numbers (msisdn, account_no, assignee_kind, assignee_name, updated_at) VALUES ('+79990009999', ?, ?, 'Новый', ?)",
      )
      .bind(accountNo, kind, Date.now());
    await expect(reassign.run()).rejects.toThrow(/account_moving/);
    await expect(add.run()).rejects.toThrow(/account_moving/);
    await db.prepare("DELETE FROM account_freezes WHERE account_no = ?").bind(accountNo).run();
    await reassign.run();
    await add.run();
    const row = await db
      .prepare("SELECT assignee_name AS name FROM corporate_numbers WHERE msisdn = ?")
      .bind(msisdn)
      .first<{ name: string }>();
    expect(row?.name).toBe("Другой сотрудник");
  });
});

/** D1's hard limit of queries per Worker invocation (and so per operator call or queue message). */
const D1_QUERIES_PER_INVOCATION = 1000;

/**
 * A corporate account of anna's on the first Moscow shard, as large as three years of a big organisation: `ledger`
 * ledger rows (a payment every tenth row, daily charges between) and `usage` daily usage totals (20 numbers a day),
 * inserted in a few statements (recursive CTEs), plus the rows every account has.
 */
async function largeAccount(ledger: number, usage: number) {
  const a = await annaAccount();
  const db = d1Of(createDataAccess(env).shard(a.shard));
  const t = Date.now();
  await db.batch([
    db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
         INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         SELECT ?1 || '-big' || i, ?1, CASE WHEN i % 10 = 0 THEN 'payment' ELSE 'charge' END,
                CASE WHEN i % 10 = 0 THEN 100000 + i ELSE -(1000 + i % 97) END,
                ?3 - i * 3600000, date(?3 / 1000 - i * 3600, 'unixepoch'), NULL, 'т', 't', 'big:' || ?1 || ':' || i, ?3
         FROM n`,
      )
      .bind(a.accountNo, ledger, t),
    db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
         INSERT INTO usage_daily_totals (account_no, local_day, service_id, category, direction, count, duration_sec, minutes, volume_kb, cost_kop)
         SELECT ?1, date('2024-01-01', '+' || (i / 20) || ' days'), ?1 || '-num' || (i % 20), 'call_local', 'out', 3, 180 + i % 60, 4, 0, 150 + i % 7
         FROM n`,
      )
      .bind(a.accountNo, usage),
  ]);
  return a;
}

/** Statements a request asked of D1, from its Server-Timing header (`d1;desc="N statements, M round trips"`). */
function d1Statements(res: Response): number {
  const m = /d1;desc="(\d+) statements, (\d+) round trips"/.exec(res.headers.get("server-timing") ?? "");
  return m ? Math.max(Number(m[1]), Number(m[2])) : Number.NaN;
}

describe("moving a very large account", () => {
  it("moves 30,000 ledger rows and 20,000 usage totals over several calls, each within D1's 1,000 queries, the account readable once throughout", {
    timeout: 180_000,
  }, async () => {
    const a = await largeAccount(30_000, 20_000);
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    expect(before.ledger_entries).toBe(30_150);
    expect(before.usage_daily_totals).toBe(20_000);
    const cookie = await login("anna");
    // The operators' API: one call copies a part and says where it got to.
    const first = await ops("/shard-moves", { method: "POST", body: JSON.stringify({ accountNo: a.accountNo, toShard: to }) });
    expect(first.status).toBe(202);
    expect(d1Statements(first)).toBeLessThanOrEqual(MOVE_QUERY_BUDGET);
    const started = await json<{ step: string; progress: { table: string; rows: number }; resumeAt: string }>(first);
    expect(started.step).toBe("frozen");
    expect(started.progress.rows).toBeGreaterThan(1_000);
    expect(Date.parse(started.resumeAt)).toBeLessThanOrEqual(Date.now());
    const perCall = [d1Statements(first)];
    let step = started.step;
    for (let i = 0; step !== "done"; i++) {
      expect(i).toBeLessThan(60);
      const data = createDataAccess(env);
      step = (await moveAccount(data, a.accountNo, to, { graceMs: 0 })).step;
      perCall.push(queriesUsed(data.stats));
      // Between calls the subscriber sees the account once, with all its money.
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      expect(home.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([before.ledger_kop]);
    }
    expect(perCall.length).toBeGreaterThan(3);
    expect(Math.max(...perCall)).toBeLessThanOrEqual(MOVE_QUERY_BUDGET);
    expect(Math.max(...perCall)).toBeLessThan(D1_QUERIES_PER_INVOCATION);
    expect(await shardOf(a.accountNo)).toBe(to);
    expect(await figures(to, a.accountNo)).toEqual(before);
    expect(Object.values(await figures(a.shard, a.accountNo)).every((n) => n === 0)).toBe(true);
  });

  it("resumes from the last saved page after a crash in the middle of the copy, the verification and the deletion: the same money, no row twice", {
    timeout: 120_000,
  }, async () => {
    const a = await largeAccount(3_000, 2_500);
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    const cookie = await login("anna");
    // Each crash comes after a page was written (or counted, or deleted) and before its cursor was saved.
    const crashes: MoveOptions["crashAtPage"][] = [
      { step: "frozen", page: 7 },
      { step: "copied", page: 3 },
      { step: "switched", page: 2 },
    ];
    const maxQueries = 60;
    let crashed = 0;
    let step = "";
    const perCall: number[] = [];
    for (let i = 0; step !== "done"; i++) {
      expect(i).toBeLessThan(400);
      const data = createDataAccess(env);
      try {
        step = (await moveAccount(data, a.accountNo, to, { graceMs: 0, maxQueries, crashAtPage: crashes[crashed] })).step;
      } catch (e) {
        expect(String(e)).toContain(`injected crash at page ${crashes[crashed]?.page} of ${crashes[crashed]?.step}`);
        crashed++;
      }
      perCall.push(queriesUsed(data.stats));
      const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
      expect(home.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([before.ledger_kop]);
    }
    expect(crashed).toBe(3);
    expect(Math.max(...perCall)).toBeLessThanOrEqual(maxQueries);
    expect(await figures(to, a.accountNo)).toEqual(before);
    const dupes = await d1Of(createDataAccess(env).shard(to))
      .prepare(
        "SELECT count(*) n FROM (SELECT idempotency_key FROM ledger_entries WHERE account_no = ? GROUP BY idempotency_key HAVING count(*) > 1)",
      )
      .bind(a.accountNo)
      .first<{ n: number }>();
    expect(dupes?.n).toBe(0);
    expect(Object.values(await figures(a.shard, a.accountNo)).every((n) => n === 0)).toBe(true);
    expect(await shardOf(a.accountNo)).toBe(to);
  });

  it("completes once when two operators resume the same move at the same time: the money once, the account counted once", {
    timeout: 120_000,
  }, async () => {
    const a = await largeAccount(2_000, 1_500);
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    const counts = await shardCounts();
    const steps: string[] = [];
    for (let i = 0; !steps.includes("done"); i++) {
      expect(i).toBeLessThan(300);
      const both = await Promise.all([1, 2].map(() => moveAccount(createDataAccess(env), a.accountNo, to, { graceMs: 0, maxQueries: 40 })));
      steps.push(...both.map((m) => m.step));
    }
    expect(await figures(to, a.accountNo)).toEqual(before);
    expect(Object.values(await figures(a.shard, a.accountNo)).every((n) => n === 0)).toBe(true);
    expect(await shardCounts()).toEqual({ ...counts, [a.shard]: (counts[a.shard] ?? 0) - 1, [to]: (counts[to] ?? 0) + 1 });
  });

  it("refuses to switch when the copy's money differs from the source's: a 409 problem (en, ru), the account stays where it was", async () => {
    const a = await annaAccount();
    const to: ShardBinding = a.shard === "DB_MOSCOW" ? "DB_MOSCOW_2" : "DB_MOSCOW";
    const before = await figures(a.shard, a.accountNo);
    await expect(moveAccount(createDataAccess(env), a.accountNo, to, { crashAfter: "copied" })).rejects.toThrow("injected crash");
    // A row only the copy has (a charge written on the target while the account was copied).
    await d1Of(createDataAccess(env).shard(to))
      .prepare(
        `INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, service_id, description_ru, description_en, idempotency_key, created_at)
         VALUES (?, ?, 'charge', -500, ?, '2026-11-02', NULL, 'т', 't', ?, ?)`,
      )
      .bind(`${a.accountNo}-extra`, a.accountNo, Date.now(), `extra:${a.accountNo}`, Date.now())
      .run();
    const body = JSON.stringify({ accountNo: a.accountNo, toShard: to });
    const en = await ops("/shard-moves?lang=en", { method: "POST", body });
    expect(en.status).toBe(409);
    expect(en.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<{ title: string }>(en)).title).toBe("The account's copy did not match its source: the move will copy again");
    const ru = await ops("/shard-moves", { method: "POST", body });
    expect(ru.status).toBe(409);
    expect((await json<{ title: string }>(ru)).title).toBe("Копия счёта не совпала с источником: перенос повторит копирование");
    expect(await shardOf(a.accountNo)).toBe(a.shard);
    expect(await figures(a.shard, a.accountNo)).toEqual(before);
    const cookie = await login("anna");
    const home = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    expect(home.items.filter((x) => x.accountNo === a.accountNo).map((x) => x.balanceKop)).toEqual([before.ledger_kop]);
  });

  it("reads every page of an account's large tables along an index, never sorting all of the account's rows", async () => {
    const db = d1Of(createDataAccess(env).shard("DB_MOSCOW"));
    for (const t of ACCOUNT_TABLES.filter((x) =>
      [
        "ledger_entries",
        "usage_daily_totals",
        "payments",
        "bonus_ledger",
        "corporate_numbers",
        "tariff_changes",
        "voluntary_blocks",
      ].includes(x.name),
    )) {
      const key = t.key ?? ["rowid"];
      const plan = await db
        .prepare(`EXPLAIN QUERY PLAN ${pageSql(t.name, t.where, key, true, 100)}`)
        .bind(ANNA_MSK, ...key.map(() => 0))
        .all<{ detail: string }>();
      const steps = plan.results.map((r) => r.detail).join("; ");
      expect(steps, t.name).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY/);
      expect(steps, t.name).not.toContain("TEMP B-TREE");
    }
  });
});

describe("a region's day cut short on a shard that is gone", () => {
  it("starts the charge again from the home shard's first row, each service once", async () => {
    const today = localDay("Europe/Moscow");
    const lastMonth = addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
    // An account of Moscow's home shard of this test's own, with a service due today (the others' today may be charged
    // by the tests before).
    const accountNo = makeAccountNo("20188800001");
    const home = d1Of(createDataAccess(env).shard("DB_MOSCOW"));
    await env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', 0)")
      .bind(accountNo)
      .run();
    await home.batch([
      home
        .prepare(
          "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Курсор', '—', 'active', 0)",
        )
        .bind(accountNo),
      home
        .prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'msk-inet-100', 'active', 0)")
        .bind(`${accountNo}-1`, accountNo),
    ]);
    await withMskProgress(async (saved) => {
      // Charged up to yesterday; a message says the day went on on a shard that is not Moscow's (another branch's, or
      // one unbound since), far into its rows; so does the close's.
      await setMskProgress({
        midnight: addDays(today, -1),
        bonus: today,
        alerts: today,
        close: saved.close ?? addDays(`${lastMonth}-01`, -1),
      });
      const queue = { send: async () => undefined, sendBatch: async () => undefined } as unknown as Queue;
      const message = {
        region: "msk",
        at: Date.now(),
        resume: { day: today, afterRowid: 1_000_000_000, shard: "DB_SIBERIA" },
        closeResume: { month: lastMonth, afterAccount: "99999999999999", shard: "DB_NOWHERE" },
      };
      const out = await runRegionDay(createDataAccess(env), async () => undefined, queue, message);
      expect(out.charged).toEqual([today]);
      // The home shard's account was charged (the cursor applied there skipped it: none).
      expect(await dayCharges("DB_MOSCOW", accountNo, today)).toBe(1);
      // Once: the same message again changes nothing.
      await setMskProgress({ midnight: addDays(today, -1) });
      await runRegionDay(createDataAccess(env), async () => undefined, queue, message);
      expect(await dayCharges("DB_MOSCOW", accountNo, today)).toBe(1);
    });
  });
});
