import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pointsForCharges } from "../../worker/data/bonus.data";
import { REGIONS } from "../../worker/data/regions.data";
import type { TariffKind } from "../../worker/db/schema/region";
import { demoPeriods } from "../../worker/db/seed/seed";
import { bonusTick } from "../../worker/features/bonus/bonus.service";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays } from "../../worker/platform/region";
import { call, json, SAME_ORIGIN } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const PETR_KZN = makeAccountNo("40300000005");
const MARIA_SPB = makeAccountNo("30200000004");

let ip = 0;
async function login(who: string): Promise<string> {
  const res = await call("msk", "/api/v1/auth/login", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": `192.0.2.${++ip}` },
    body: JSON.stringify({ identifier: who, password: "Kabinet2026" }),
  });
  expect(res.status).toBe(200);
  return `kab_session=${/kab_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1]}`;
}
const api = (cookie: string, path: string, init: RequestInit = {}) =>
  call("msk", `/api/v1${path}`, { ...init, headers: { ...SAME_ORIGIN, cookie, ...(init.headers as Record<string, string>) } });
type Overview = { status: string; balance: number; expiringSoon: number; history: { kind: string; points: number }[] };
const overview = async (cookie: string, no: string) => json<Overview>(await api(cookie, `/accounts/${no}/bonus`));
const redeem = (cookie: string, no: string, rewardId: string, key: string) =>
  api(cookie, `/accounts/${no}/bonus/redemptions`, {
    method: "POST",
    headers: { "idempotency-key": key },
    body: JSON.stringify({ rewardId }),
  });

const shardDb = async (no: string) => {
  const s = await createDataAccess(env).shardForAccount(no);
  if (!s) throw new Error(`no shard for ${no}`);
  return (s.db as unknown as { $client: D1Database }).$client;
};
const sum = async (no: string, sql: string) => Number((await (await shardDb(no)).prepare(sql).bind(no).first<{ n: number }>())?.n ?? 0);

describe("«Бонус» points", () => {
  it("are earned from yesterday's paid charges by the region's rates, once, however often the cron runs", async () => {
    const msk = REGIONS.filter((r) => r.code === "msk");
    // 04:00 in Moscow the day after the last day of the demo history: yesterday is that day.
    const { historyTo } = demoPeriods();
    const at = new Date(`${addDays(historyTo, 1)}T01:00:00Z`);
    const db = await shardDb(ANNA_MSK);
    const charges = await db
      .prepare(
        `SELECT t.kind kind, -sum(l.amount_kop) kop FROM ledger_entries l JOIN account_services s ON s.id = l.service_id
         JOIN tariffs t ON t.id = s.tariff_id WHERE l.account_no = ? AND l.kind = 'charge' AND l.local_day = ? GROUP BY t.kind`,
      )
      .bind(ANNA_MSK, historyTo)
      .all<{ kind: TariffKind; kop: number }>();
    const expected = pointsForCharges("msk", Object.fromEntries(charges.results.map((c) => [c.kind, c.kop])));
    expect(expected).toBeGreaterThan(0);
    const data = createDataAccess(env);
    const [a, b] = await Promise.all([bonusTick(data, at, msk), bonusTick(data, at, msk)]);
    await bonusTick(data, at, msk);
    expect(a.earned + b.earned).toBe(expected);
    const rows = await db
      .prepare("SELECT points FROM bonus_ledger WHERE source_key = ?")
      .bind(`earn:charge:${ANNA_MSK}:${historyTo}`)
      .all<{ points: number }>();
    expect(rows.results).toEqual([{ points: expected }]);
    // The ledger is append-only.
    await expect(db.prepare("UPDATE bonus_ledger SET points = points + 1 WHERE account_no = ?").bind(ANNA_MSK).run()).rejects.toThrow(
      /append-only/,
    );
  });

  it("are redeemed exactly once per key, and concurrent redemptions never take them below zero", { timeout: 30_000 }, async () => {
    const petr = await login("petr");
    const before = await overview(petr, PETR_KZN);
    expect(before.status).toBe("active");
    const moneyBefore = await sum(PETR_KZN, "SELECT coalesce(sum(amount_kop), 0) n FROM ledger_entries WHERE account_no = ?");

    // The same request twice: one redemption, one debit, one credit.
    const first = await redeem(petr, PETR_KZN, "discount-100", "same-key-0001");
    expect(first.status).toBe(201);
    const again = await redeem(petr, PETR_KZN, "discount-100", "same-key-0001");
    expect(again.status).toBe(200);
    expect((await json<{ id: string }>(again)).id).toBe((await json<{ id: string }>(first)).id);
    expect((await overview(petr, PETR_KZN)).balance).toBe(before.balance - 100);

    // Many at once, each with its own key, for more than the balance covers.
    const left = before.balance - 100;
    const n = Math.floor(left / 100) + 4;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => redeem(petr, PETR_KZN, "discount-100", `race-${i}-${crypto.randomUUID()}`)),
    );
    const ok = results.filter((r) => r.status === 201).length;
    expect(ok).toBe(Math.floor(left / 100));
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(n - ok);
    expect((await json<{ title: string }>(refused[0] as Response)).title).toBe("Не хватает баллов: нужно 100");
    const after = await overview(petr, PETR_KZN);
    expect(after.balance).toBe(left - ok * 100);
    expect(after.balance).toBeGreaterThanOrEqual(0);
    // Every redemption credited the account exactly 100 ₽, and nothing else moved.
    const moneyAfter = await sum(PETR_KZN, "SELECT coalesce(sum(amount_kop), 0) n FROM ledger_entries WHERE account_no = ?");
    expect(moneyAfter - moneyBefore).toBe((ok + 1) * 10_000);
    expect(await sum(PETR_KZN, "SELECT count(*) n FROM bonus_redemptions WHERE account_no = ?")).toBe(ok + 1);
    expect(await sum(PETR_KZN, "SELECT coalesce(sum(points), 0) n FROM bonus_ledger WHERE account_no = ?")).toBe(after.balance);
    // A partner reward gives a code instead.
    const rewards = await json<{ items: { id: string; kind: string }[] }>(await api(petr, `/accounts/${PETR_KZN}/bonus/rewards`));
    expect(rewards.items.map((r) => r.id)).toContain("partner-cinema");
    expect(rewards.items.map((r) => r.id)).not.toContain("partner-taxi");
  });

  it("names the partners in the reader's language, like the rewards themselves", async () => {
    const petr = await login("petr");
    type Rewards = { items: { id: string; title: string; partner: string | null }[] };
    const en = await json<Rewards>(await api(petr, `/accounts/${PETR_KZN}/bonus/rewards?lang=en`));
    expect(en.items.find((r) => r.id === "partner-cinema")).toMatchObject({ title: "Two cinema tickets for one", partner: "Cinema" });
    expect(en.items.find((r) => r.id === "partner-books")?.partner).toBe("Bookshop");
    const ru = await json<Rewards>(await api(petr, `/accounts/${PETR_KZN}/bonus/rewards`));
    expect(ru.items.find((r) => r.id === "partner-cinema")?.partner).toBe("Кино");
  });

  it("expire after their term, go when the holder leaves, and only the holder may join, redeem or leave", async () => {
    const maria = await login("maria");
    const anna = await login("anna");
    expect((await overview(maria, MARIA_SPB)).status).toBe("none");
    // Anna pays for Maria's account: she sees it, but the programme is the holder's choice.
    expect((await api(anna, `/accounts/${MARIA_SPB}/bonus`)).status).toBe(200);
    expect((await api(anna, `/accounts/${MARIA_SPB}/bonus/join`, { method: "POST", body: JSON.stringify({ consent: true }) })).status).toBe(
      403,
    );
    expect(
      (await api(maria, `/accounts/${MARIA_SPB}/bonus/join`, { method: "POST", body: JSON.stringify({ consent: false }) })).status,
    ).toBe(400);
    expect(
      (await api(maria, `/accounts/${MARIA_SPB}/bonus/join`, { method: "POST", body: JSON.stringify({ consent: true }) })).status,
    ).toBe(204);
    // A stranger's account is not found; without a session, nothing.
    expect((await api(maria, `/accounts/${PETR_KZN}/bonus`)).status).toBe(404);
    expect((await call("msk", `/api/v1/accounts/${MARIA_SPB}/bonus`)).status).toBe(401);

    const db = await shardDb(MARIA_SPB);
    const now = Date.now();
    const earn = (id: string, points: number, expiresAt: number) =>
      db
        .prepare(
          "INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at) VALUES (?, ?, 'earn', ?, ?, ?, 'т', 't', ?)",
        )
        .bind(id, MARIA_SPB, points, `test:${id}`, expiresAt, now)
        .run();
    await earn(crypto.randomUUID(), 300, now - 60_000);
    await earn(crypto.randomUUID(), 120, now + 10 * 24 * 3600_000);
    // 300 are past their date (the nightly run takes them), 120 expire within a month.
    expect(await overview(maria, MARIA_SPB)).toMatchObject({ balance: 420, expiringSoon: 120 });
    const spb = REGIONS.filter((r) => r.code === "spb");
    const data = createDataAccess(env);
    const ticked = await bonusTick(data, new Date(), spb);
    expect(ticked.expired).toBe(300);
    await bonusTick(data, new Date(), spb);
    // The same run also earns yesterday's charges (the demo history ends yesterday); those points are not expiring soon.
    expect(await overview(maria, MARIA_SPB)).toMatchObject({ balance: 120 + ticked.earned, expiringSoon: 120 });
    expect((await redeem(anna, MARIA_SPB, "discount-100", "anna-tries-1")).status).toBe(403);

    expect(
      (await api(maria, `/accounts/${MARIA_SPB}/bonus/leave`, { method: "POST", body: JSON.stringify({ confirm: true }) })).status,
    ).toBe(204);
    const gone = await overview(maria, MARIA_SPB);
    expect(gone).toMatchObject({ status: "left", balance: 0 });
    expect(gone.history[0]).toMatchObject({ kind: "forfeit", points: -(120 + ticked.earned) });
    const late = await redeem(maria, MARIA_SPB, "discount-100", "after-leaving-1");
    expect(late.status).toBe(409);
    expect((await json<{ title: string }>(late)).title).toBe("Счёт не участвует в программе «Бонус»");
  });

  it("expires only what a redemption made at the same moment left: the balance never goes below zero", async () => {
    const maria = await login("maria");
    // She left in the test above: joined again, with 300 points past their date.
    expect(
      (await api(maria, `/accounts/${MARIA_SPB}/bonus/join`, { method: "POST", body: JSON.stringify({ consent: true }) })).status,
    ).toBe(204);
    const db = await shardDb(MARIA_SPB);
    const before = await sum(MARIA_SPB, "SELECT coalesce(sum(points), 0) n FROM bonus_ledger WHERE account_no = ?");
    expect(before).toBe(0);
    const now = Date.now();
    await db
      .prepare(
        "INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at) VALUES (?, ?, 'earn', 300, ?, ?, 'т', 't', ?)",
      )
      .bind(crypto.randomUUID(), MARIA_SPB, `test:${crypto.randomUUID()}`, now - 60_000, now)
      .run();
    // Her shard, as the nightly run sees it: she spends the 300 between the run's look at her points and its expiry.
    const binding = (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?")
      .bind(MARIA_SPB)
      .first<string>("shard")) as string;
    const real = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
    let spent = false;
    const spend = async () => {
      if (spent) return;
      spent = true;
      await real
        .prepare(
          "INSERT INTO bonus_ledger (id, account_no, kind, points, source_key, expires_at, description_ru, description_en, created_at) VALUES (?, ?, 'redeem', -300, ?, NULL, 'с', 's', ?)",
        )
        .bind(crypto.randomUUID(), MARIA_SPB, `test:${crypto.randomUUID()}`, now)
        .run();
    };
    const isExpiry = (query: string, args: unknown[]) =>
      /insert into "?bonus_ledger"?/i.test(query) && (query.includes("'expire'") || args.includes("expire"));
    // Armed when the expiry's statement is bound: it runs next, alone or in a batch.
    let armed = false;
    const racing = new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) =>
            new Proxy(target.prepare(query), {
              get(t, p) {
                if (p === "bind")
                  return (...args: unknown[]) => {
                    const bound = t.bind(...args);
                    if (!isExpiry(query, args)) return bound;
                    armed = true;
                    return new Proxy(bound, {
                      get(b, q) {
                        const v = Reflect.get(b, q, b);
                        if (typeof v !== "function") return v;
                        if (q !== "run" && q !== "all" && q !== "raw" && q !== "first") return v.bind(b);
                        return async (...a: unknown[]) => {
                          await spend();
                          return v.apply(b, a);
                        };
                      },
                    });
                  };
                const v = Reflect.get(t, p, t);
                return typeof v === "function" ? v.bind(t) : v;
              },
            });
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            if (armed) await spend();
            return target.batch(stmts);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const spb = REGIONS.filter((r) => r.code === "spb");
    // Tomorrow's run (today's has been, above: its expiry is written once a day).
    const tick = now + 24 * 3600_000;
    await bonusTick(createDataAccess({ ...env, [binding]: racing } as unknown as Env), new Date(tick), spb);
    expect(spent).toBe(true);
    // Her points (the region's other members' are theirs): no expiry written, and only what the run earned her left.
    const mine = (q: string) => db.prepare(q).bind(MARIA_SPB, tick).first<number>("n");
    expect(await mine("SELECT count(*) AS n FROM bonus_ledger WHERE account_no = ? AND kind = 'expire' AND created_at = ?")).toBe(0);
    const earned = await mine(
      "SELECT coalesce(sum(points), 0) AS n FROM bonus_ledger WHERE account_no = ? AND kind = 'earn' AND created_at = ?",
    );
    const after = await sum(MARIA_SPB, "SELECT coalesce(sum(points), 0) n FROM bonus_ledger WHERE account_no = ?");
    expect(after).toBe(earned);
    expect(after).toBeGreaterThanOrEqual(0);
  });

  it("offers mobile data only to an account with a mobile service, and refuses it to one without", async () => {
    const anna = await login("anna");
    const petr = await login("petr");
    const ids = async (cookie: string, no: string) =>
      (await json<{ items: { id: string }[] }>(await api(cookie, `/accounts/${no}/bonus/rewards`))).items.map((r) => r.id);
    // Anna's Moscow account has internet, TV and a landline, no mobile: no gigabytes for it.
    expect(await ids(anna, ANNA_MSK)).not.toContain("traffic-5gb");
    expect(await ids(anna, ANNA_MSK)).toContain("discount-100");
    // Petr's «Всё в одном» includes Mobile M.
    expect(await ids(petr, PETR_KZN)).toContain("traffic-5gb");

    const before = await overview(anna, ANNA_MSK);
    expect(before.balance).toBeGreaterThanOrEqual(150);
    const refused = await redeem(anna, ANNA_MSK, "traffic-5gb", `no-mobile-${crypto.randomUUID()}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await json<{ type: string; title: string }>(refused)).toMatchObject({
      type: "urn:kabinet:problem:bonus-reward-needs-service",
      title: "Эта награда — для мобильной связи, а на счёте её нет",
    });
    const en = await api(anna, `/accounts/${ANNA_MSK}/bonus/redemptions?lang=en`, {
      method: "POST",
      headers: { "idempotency-key": `no-mobile-${crypto.randomUUID()}` },
      body: JSON.stringify({ rewardId: "traffic-5gb" }),
    });
    expect((await json<{ title: string }>(en)).title).toBe("This reward is for mobile service, and the account has none");
    // Nothing was taken.
    expect((await overview(anna, ANNA_MSK)).balance).toBe(before.balance);
    expect(await sum(ANNA_MSK, "SELECT count(*) n FROM bonus_redemptions WHERE account_no = ? AND reward_id = 'traffic-5gb'")).toBe(0);
  });
});
