import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHARGE_BATCH, chargeDay } from "../../worker/features/billing/billing.service";
import { createDataAccess } from "../../worker/platform/db";

const N = 100_000;

describe("daily charging at scale", () => {
  it("charges a shard of 100,000 accounts in small statements, once, to the kopeck", async () => {
    const db = env.DB_URAL;
    // 100,000 synthetic accounts in Kurgan with one 550-rouble service each, made in SQL.
    await db.batch([
      db.prepare(
        `INSERT INTO accounts (account_no, region, holder_name, address, status, created_at)
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
           SELECT printf('9%011d', i), 'kurgan', 'Нагрузочный тест', '—', 'active', 0 FROM n`,
      ),
      db.prepare(
        `INSERT INTO account_services (id, account_no, tariff_id, status, started_at)
           SELECT 'load-' || account_no, account_no, 'kurgan-inet-100', 'active', 0 FROM accounts WHERE region = 'kurgan'`,
      ),
    ]);
    const price = await db.prepare("SELECT price_kop FROM tariffs WHERE id = 'kurgan-inet-100'").first<number>("price_kop");
    let statements = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        // Statements prepared (calls), not looks at the method: the data access checks a binding has `prepare`.
        if (prop === "prepare")
          return (query: string) => {
            statements++;
            return target.prepare(query);
          };
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const shard = createDataAccess({ ...env, DB_URAL: counting } as Env).shard("DB_URAL");
    const charged = await chargeDay(shard, "kurgan", "2026-11-30");
    expect(charged).toBe(N);
    // Two statements per batch of CHARGE_BATCH services (select ids, insert charges), one to find the end, one for
    // options; the region's services are the test's N and any the demo seed has there (their day already charged).
    const services =
      (await db
        .prepare(
          "SELECT count(*) n FROM account_services s JOIN accounts a ON a.account_no = s.account_no WHERE a.region = 'kurgan' AND a.status = 'active' AND s.status = 'active'",
        )
        .first<number>("n")) ?? 0;
    expect(services).toBeGreaterThanOrEqual(N);
    expect(statements).toBeLessThanOrEqual(2 * Math.ceil(services / CHARGE_BATCH) + 2);
    expect(await chargeDay(shard, "kurgan", "2026-11-30")).toBe(0);
    const sum = await db
      .prepare("SELECT count(*) AS n, sum(amount_kop) AS s FROM ledger_entries WHERE local_day = '2026-11-30' AND account_no LIKE '9%'")
      .first<{
        n: number;
        s: number;
      }>();
    // 30 November: the last day of a 30-day month.
    const perDay = Math.floor(((price ?? 0) * 30) / 30) - Math.floor(((price ?? 0) * 29) / 30);
    expect(sum).toEqual({ n: N, s: -perDay * N });
  }, 120_000);
});
