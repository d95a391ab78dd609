import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDataAccess, d1Of, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { registerAccount, registerShard } from "../../worker/platform/shard-map";
import { call, json, login, SAME_ORIGIN } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");

async function openShard(binding: string, open: boolean) {
  await registerShard(createDataAccess(env), binding, { branch: "moscow", open });
  return { status: 200 };
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

async function figures(binding: ShardBinding, accountNo: string) {
  const row = await d1Of(createDataAccess(env).shard(binding))
    .prepare(
      "SELECT (SELECT coalesce(sum(amount_kop), 0) FROM ledger_entries WHERE account_no = ?1) AS ledger_kop, (SELECT count(*) FROM payments WHERE account_no = ?1) AS payments",
    )
    .bind(accountNo)
    .first<{ ledger_kop: number; payments: number }>();
  return row ?? { ledger_kop: 0, payments: 0 };
}

let made = 0;
/**
 * A Moscow account of anna's made through the shard map (its directory row and count), with its own rows on the
 * shard placement chose: a service, payments with their events and receipt, ledger entries, bonus points.
 */
async function annaAccount(): Promise<{ accountNo: string; shard: ShardBinding }> {
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
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Анна', 'ул. Тестовая, 1', 'active', ?)",
      )
      .bind(accountNo, t),
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
  return { accountNo, shard };
}

type Accounts = { items: { accountNo: string; balanceKop: number }[] };

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
    const map = await env.DB.prepare("SELECT binding, open FROM shards WHERE branch = 'moscow' ORDER BY binding").all();
    expect(map.results).toEqual([
      { binding: "DB_MOSCOW", open: 1 },
      { binding: "DB_MOSCOW_2", open: 0 },
    ]);
  });

  it("shows a subscriber's accounts from both shards of one branch on the home page, reading both, each balance its own ledger's", async () => {
    await openShard("DB_MOSCOW_2", true);
    const other = await annaAccount();
    await openShard("DB_MOSCOW_2", false);
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
});
