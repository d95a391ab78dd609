import { env } from "cloudflare:workers";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { sandboxAcquirer } from "../../worker/adapters/payments/sandbox";
import {
  runShardTick,
  SHARD_TICK_AUTOPAY_CALLS,
  SHARD_TICK_CALLS,
  SHARD_TICK_PAGE,
  SHARD_TICK_ROUNDS,
  type ShardTickMessage,
} from "../../worker/features/cron/shard-tick.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { AUTOPAY } from "../../worker/features/payments/autopay.service";
import { createDataAccess, shardBindings, shardDatabase } from "../../worker/platform/db";
import { newId } from "../../worker/platform/ids";
import { runTick } from "./cron";

/** A shard that only this file's accounts use (the second Moscow shard: the demo seed puts none there). */
const SHARD = "DB_MOSCOW_2";
const shardDb = () => shardDatabase(env, SHARD) as D1Database;
const AUTOPAYS = 130;
const PROMISED = 120;
const accountNo = (i: number) => `7990${String(i).padStart(8, "0")}`;

/** `count` accounts on the shard from `from`, each with a threshold autopay above its balance (so each is due a notice), and `PROMISED` of the first with a promised payment past its term. */
async function crowdedShard(now: number, from = 0, count = AUTOPAYS) {
  const db = shardDb();
  const statements: D1PreparedStatement[] = [];
  for (let i = from; i < from + count; i++) {
    const no = accountNo(i);
    statements.push(
      db
        .prepare(
          "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Тест Тестов', 'Москва', 'active', ?)",
        )
        .bind(no, now - 86_400_000),
      db
        .prepare(
          `INSERT INTO autopay (account_no, subscriber_id, card_id, mode, threshold_kop, amount_kop, monthly_limit_kop, status, attempts, updated_at)
           VALUES (?, 'shard-tick-sub', 'card-none', 'threshold', 100000000, 50000, 100000, 'active', 0, ?)`,
        )
        .bind(no, now - 86_400_000),
    );
    if (i - from < PROMISED && from === 0)
      statements.push(
        db
          .prepare(
            "INSERT INTO promised_payments (id, account_no, amount_kop, status, taken_at, due_at) VALUES (?, ?, 10000, 'active', ?, ?)",
          )
          .bind(`pp-tick-${i}`, no, now - 3 * 86_400_000, now - 3_600_000),
      );
  }
  await db.batch(statements);
}

/** One message of a chain as `workChain` saw it: its round, the calls it made (D1 round trips, queue sends, notices), and whether it sent the next. */
interface Round {
  round: number;
  calls: number;
  continued: boolean;
}

/**
 * A shard's tick from `first` to its last message, each worked in an invocation of its own (a fresh data access), the
 * next one being what the message sent; `notices` gets every notification sent. At most `cap` messages.
 */
async function workChain(
  first: ShardTickMessage,
  { acquirer = sandboxAcquirer(env, "http://msk.kabinet.localhost"), notices = [] as NotificationMessage[], cap = 20 } = {},
): Promise<Round[]> {
  const rounds: Round[] = [];
  let message: ShardTickMessage | undefined = first;
  while (message) {
    const data = createDataAccess(env);
    let calls = 0;
    let sent: ShardTickMessage | undefined;
    const queue = {
      send: async (body: ShardTickMessage) => {
        calls++;
        sent = body;
      },
      sendBatch: async () => {
        calls++;
      },
    } as unknown as Queue;
    const notify = async (m: NotificationMessage) => {
      calls++;
      notices.push(m);
    };
    const out = await runShardTick({ data, queue, files: env.FILES, acquirer, notify }, message);
    rounds.push({ round: message.round ?? 0, calls: calls + data.stats.roundTrips, continued: out.continued });
    message = sent;
    expect(rounds.length).toBeLessThan(cap);
  }
  return rounds;
}

describe("a cron tick over many shards", () => {
  it("visits no shard itself: one message per shard, each worked in its own invocation and acked", async () => {
    const hourly = await runTick("0 * * * *", Date.now());
    const shards = shardBindings(env);
    expect(hourly.shardMessages.filter((m) => (m.body.round ?? 0) === 0).map((m) => m.body.shard)).toEqual(shards);
    expect(hourly.shardMessages.every((m) => m.acked && m.body.tick === "hourly")).toBe(true);
    const quarter = await runTick("*/15 * * * *", Date.now());
    expect(quarter.shardMessages.map((m) => [m.body.shard, m.body.tick])).toEqual(shards.map((s) => [s, "quarter"]));
  });

  it("sends every shard its housekeeping when the global database's clean-up fails first", async () => {
    let refused = 0;
    const DB = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch")
          return async () => {
            refused++;
            throw new Error("D1_ERROR: Network connection lost.");
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const quarter = await runTick("*/15 * * * *", Date.now(), { ...env, DB } as Env);
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(quarter.shardMessages.map((m) => m.body.shard)).toEqual(shardBindings(env));
  });

  it("logs a failing money archive and leaves it to the next tick: the tick's other jobs are done and its message is not retried", async () => {
    // The shard refuses the archive's statements (its table unreachable, say); every other statement goes through.
    let refused = 0;
    const shard = new Proxy(env.DB_SIBERIA, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) => {
            if (/archive_progress/.test(query)) {
              refused++;
              throw new Error("D1_ERROR: no such table: archive_progress");
            }
            return target.prepare(query);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    onTestFinished(() => spy.mockRestore());
    const data = createDataAccess({ ...env, DB_SIBERIA: shard } as Env);
    const queue = { send: async () => undefined, sendBatch: async () => undefined } as unknown as Queue;
    const out = await runShardTick(
      { data, queue, files: env.FILES, acquirer: sandboxAcquirer(env, "http://msk.kabinet.localhost"), notify: async () => undefined },
      { kind: "cron.shard", tick: "quarter", shard: "DB_SIBERIA", at: Date.now() },
    );
    expect(refused).toBe(1);
    // The jobs before it ran and answered; the archive's figure is missing, and the failure is logged with its shard.
    expect(out).toMatchObject({ reportsExpired: 0, ticketsClosed: expect.any(Number), sessionsExpired: expect.any(Number) });
    expect(out.moneyArchived).toBeUndefined();
    expect(errors.map((l) => JSON.parse(l) as { msg: string; shard: string })).toContainEqual(
      expect.objectContaining({ msg: "billing.archive_failed", shard: "DB_SIBERIA" }),
    );
  });

  it("works a crowded shard in pages, each invocation within its calls, every autopay noticed and every promised payment repaid once", async () => {
    const now = Date.now();
    await crowdedShard(now);
    const notices: NotificationMessage[] = [];
    const acquirer = sandboxAcquirer(env, "http://msk.kabinet.localhost");
    const rounds = await workChain({ kind: "cron.shard", tick: "hourly", shard: SHARD, at: now }, { acquirer, notices });
    // 120 promised payments in pages of 50, and 130 autopays' notices (a few calls each) cut by autopay's calls: at
    // least three messages, the last with nothing left.
    expect(rounds.length).toBeGreaterThanOrEqual(Math.ceil(PROMISED / SHARD_TICK_PAGE.promised));
    for (const r of rounds) expect(r.calls).toBeLessThanOrEqual(SHARD_TICK_CALLS);
    expect(SHARD_TICK_CALLS).toBeLessThanOrEqual(1_000);
    expect(rounds.at(-1)?.continued).toBe(false);
    // Every account's notice once: none skipped at a page's edge, none twice.
    const noticed = notices
      .filter((m) => JSON.stringify(m).includes("autopay-notice:"))
      .map((m) => JSON.stringify(m).match(/autopay-notice:(\d+)/)?.[1]);
    expect(new Set(noticed).size).toBe(AUTOPAYS);
    expect(noticed).toHaveLength(AUTOPAYS);
    const promised = await shardDb()
      .prepare("SELECT status, count(*) AS n FROM promised_payments WHERE id LIKE 'pp-tick-%' GROUP BY status")
      .all<{ status: string; n: number }>();
    expect(promised.results).toEqual([{ status: "settled", n: PROMISED }]);
    const repaid = await shardDb()
      .prepare("SELECT count(*) AS n, sum(amount_kop) AS kop FROM ledger_entries WHERE idempotency_key LIKE 'promised-settle:pp-tick-%'")
      .first<{ n: number; kop: number }>();
    expect(repaid).toEqual({ n: PROMISED, kop: -10000 * PROMISED });
    // A redelivered first message finds nothing left to do.
    const again: NotificationMessage[] = [];
    await runShardTick(
      {
        data: createDataAccess(env),
        queue: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue,
        files: env.FILES,
        acquirer,
        notify: async (m) => void again.push(m),
      },
      { kind: "cron.shard", tick: "hourly", shard: SHARD, at: now },
    );
    expect(again).toEqual([]);
  });

  it("expires a full page of reports in one tick (its ids are one parameter: a page bound one by one passed D1's 100)", async () => {
    const now = Date.now();
    const db = shardDb();
    const n = 150;
    const no = accountNo(900);
    const statements: D1PreparedStatement[] = [
      db
        .prepare(
          "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Тест Тестов', 'Москва', 'active', ?)",
        )
        .bind(no, now - 86_400_000),
    ];
    for (let i = 0; i < n; i++) {
      const key = `reports/${no}/expired-${i}.pdf`;
      await env.FILES.put(key, "%PDF-1.7");
      statements.push(
        db
          .prepare(
            `INSERT INTO usage_reports (id, account_no, subscriber_id, from_day, to_day, categories, format, delivery, lang, status, file_key, created_at, ready_at, expires_at)
             VALUES (?, ?, 'shard-tick-sub', '2026-01-01', '2026-01-31', 'calls', 'pdf', 'cabinet', 'ru', 'ready', ?, ?, ?, ?)`,
          )
          .bind(`expired-report-${String(i).padStart(3, "0")}`, no, key, now - 9 * 86_400_000, now - 9 * 86_400_000, now - 86_400_000 + i),
      );
    }
    await db.batch(statements);
    const tick = async () =>
      runShardTick(
        {
          data: createDataAccess(env),
          queue: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue,
          files: env.FILES,
          acquirer: sandboxAcquirer(env, "http://msk.kabinet.localhost"),
          notify: async () => {},
        },
        { kind: "cron.shard", tick: "quarter", shard: SHARD, at: now },
      );
    // A page of 100, then the 50 left: each page's files removed and its rows marked, none twice.
    expect((await tick()).reportsExpired).toBe(100);
    expect((await tick()).reportsExpired).toBe(n - 100);
    expect((await tick()).reportsExpired).toBe(0);
    const left = await db
      .prepare("SELECT status, count(*) AS n, count(file_key) AS files FROM usage_reports WHERE account_no = ? GROUP BY status")
      .bind(no)
      .all();
    expect(left.results).toEqual([{ status: "expired", n, files: 0 }]);
    expect((await env.FILES.list({ prefix: `reports/${no}/` })).objects).toEqual([]);
  });

  it("goes on with autopay alone past the rounds of the other jobs until every account was seen, each message within its calls", async () => {
    const now = Date.now();
    const from = 2_000;
    const count = 150;
    await crowdedShard(now, from, count);
    const notices: NotificationMessage[] = [];
    // A tick already at its last round for effects and promised payments (a shard that had more of them than it takes).
    const rounds = await workChain(
      { kind: "cron.shard", tick: "hourly", shard: SHARD, at: now, round: SHARD_TICK_ROUNDS - 1 },
      { notices },
    );
    // Before, the chain stopped at its 25th message: a shard's autopays after the first pages were never visited.
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...rounds.map((r) => r.round))).toBeGreaterThanOrEqual(SHARD_TICK_ROUNDS);
    for (const r of rounds) expect(r.calls).toBeLessThanOrEqual(SHARD_TICK_CALLS);
    const noticed = notices.map((m) => JSON.stringify(m).match(/autopay-notice:(7990\d{8})/)?.[1]).filter((n) => n !== undefined);
    const expected = Array.from({ length: count }, (_, i) => accountNo(from + i));
    expect([...noticed].sort()).toEqual(expected);
    expect(SHARD_TICK_AUTOPAY_CALLS).toBeLessThan(SHARD_TICK_CALLS);
  });

  it("reckons a late message from now: an autopay noticed by an hourly message 50 minutes late is charged an hour after its notice", async () => {
    const now = Date.now();
    await crowdedShard(now, 3_000, 1);
    const notices: NotificationMessage[] = [];
    // The shard's tick, all its messages (the accounts of the tests above come first).
    await workChain({ kind: "cron.shard", tick: "hourly", shard: SHARD, at: now - 50 * 60_000 }, { notices });
    expect(notices.filter((m) => JSON.stringify(m).includes(`autopay-notice:${accountNo(3_000)}`))).toHaveLength(1);
    const row = await shardDb()
      .prepare("SELECT charge_after FROM autopay WHERE account_no = ?")
      .bind(accountNo(3_000))
      .first<{ charge_after: number }>();
    expect(row?.charge_after).toBeGreaterThanOrEqual(now + AUTOPAY.thresholdLeadMs);
  });

  it("carries out applications' effects in id order from the page before: ones that fail every time do not take the place of the rest", async () => {
    const now = Date.now();
    const db = shardDb();
    const app = (id: string, details: string) =>
      db
        .prepare(
          `INSERT INTO applications (id, number, region, subscriber_id, kind, status, details, created_at, updated_at)
           VALUES (?, ?, 'msk', 'shard-tick-sub', 'callout', 'cancelled', ?, ?, ?)`,
        )
        .bind(id, `З-${id}`, details, now - 3_600_000, now - 3_600_000);
    // More broken ones (their details unreadable) than a page, in front of five that are fine.
    const broken = Array.from({ length: SHARD_TICK_PAGE.effects + 5 }, (_, i) => `eff-a-${String(i).padStart(2, "0")}`);
    const fine = Array.from({ length: 5 }, (_, i) => `eff-b-${i}`);
    await db.batch([...broken.map((id) => app(id, "{")), ...fine.map((id) => app(id, "{}"))]);
    // Autopays due a notice keep the chain going for several messages after the effects' two.
    await crowdedShard(now, 4_000, 400);
    const failures: string[] = [];
    const watching = (e: unknown) => {
      const m = /"applicationId":"(eff-[ab]-\d+)"/.exec(String(e));
      if (m?.[1]) failures.push(m[1]);
    };
    const logged = console.error;
    console.error = (...args: unknown[]) => {
      for (const a of args) watching(a);
      logged(...args);
    };
    onTestFinished(() => {
      console.error = logged;
    });
    await workChain({ kind: "cron.shard", tick: "hourly", shard: SHARD, at: now }, { cap: SHARD_TICK_ROUNDS });
    const done = await db
      .prepare("SELECT id FROM applications WHERE id LIKE 'eff-%' AND effects_at IS NOT NULL ORDER BY id")
      .all<{ id: string }>();
    expect(done.results.map((r) => r.id)).toEqual(fine);
    // Each broken one was tried once in the tick, though another job (autopay, over the accounts of the tests above)
    // may keep the chain going after the effects are done.
    const tried = failures.filter((id) => id.startsWith("eff-a-"));
    expect([...tried].sort()).toEqual(broken);
  });

  it("asks the acquirer about every payment whose result never came, oldest first and each once a tick, past a page", async () => {
    const now = Date.now();
    const db = shardDb();
    const no = accountNo(900);
    const count = SHARD_TICK_PAGE.reconcile + 10;
    const ids = Array.from({ length: count }, (_, i) => newId(now - 2 * 3_600_000 + i * 1000));
    await db.batch(
      ids.map((id, i) =>
        db
          .prepare(
            `INSERT INTO payments (id, account_no, payer_id, idempotency_key, request_hash, purpose, amount_kop, status, acquirer_payment_id, created_at, updated_at)
             VALUES (?, ?, 'shard-tick-sub', ?, 'h', 'topup', 10000, 'pending', ?, ?, ?)`,
          )
          .bind(id, no, `reconcile-${i}`, `acq-${id}`, now - 2 * 3_600_000 + i * 1000, now - 2 * 3_600_000 + i * 1000),
      ),
    );
    const sandbox = sandboxAcquirer(env, "http://msk.kabinet.localhost");
    const asked: string[] = [];
    // The payer never came back from the acquirer's page: it still says pending.
    const acquirer = {
      ...sandbox,
      methods: sandbox.methods,
      getPayment: async (id: string) => {
        asked.push(id);
        const paymentId = id.replace("acq-", "");
        return { id, status: "pending" as const, amountKop: 10000, method: "card" as const, metadata: { paymentId, accountNo: no } };
      },
    };
    await workChain({ kind: "cron.shard", tick: "hourly", shard: SHARD, at: now }, { acquirer });
    // Newest first and only in the tick's first message, the ten oldest were never asked (and left the window unasked).
    expect(asked).toEqual(ids.map((id) => `acq-${id}`));
  });
});
