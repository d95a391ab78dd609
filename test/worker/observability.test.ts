import { createExecutionContext, createMessageBatch, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signWebhook, type WebhookEvent } from "../../worker/adapters/payments";
import { accounts } from "../../worker/db/schema/region";
import { checkHealth, HEALTH_SHARDS } from "../../worker/features/health/health.service";
import worker, { app } from "../../worker/index";
import { createDataAccess, failedDatabase, SHARDS, shardBindings } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { measuredCron, recordPayment } from "../../worker/platform/metrics";
import { json, login, SAME_ORIGIN, subscriberAt } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const PETR_KZN = makeAccountNo("40300000005");

/** What Analytics Engine would have stored: every data point the Worker wrote, in order. */
function recorder() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, writeDataPoint: (p?: AnalyticsEngineDataPoint) => void (p && points.push(p)) };
}

/** A column as the SQL API names it (docs/observability.md): blob2 is the route, double1 the count, … */
const blob = (p: AnalyticsEngineDataPoint | undefined, n: number) => p?.blobs?.[n - 1];
const double = (p: AnalyticsEngineDataPoint | undefined, n: number) => p?.doubles?.[n - 1];

/** The Worker's fetch with the dataset (and any other binding) replaced for this call only. */
async function fetchWith(bindings: Partial<Record<keyof Env, unknown>>, url: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, { redirect: "manual", ...init }), { ...env, ...bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

afterEach(() => vi.restoreAllMocks());

describe("request metrics", () => {
  it("writes exactly one data point per request: the route pattern, status, time and D1 round trips; no account number or phone", async () => {
    const cookie = await login("anna");
    const metrics = recorder();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(String(line)));
    const res = await fetchWith({ METRICS: metrics }, `http://msk.kabinet.localhost/api/v1/accounts/${ANNA_MSK}`, {
      headers: { ...SAME_ORIGIN, cookie },
    });
    expect(res.status).toBe(200);
    expect(metrics.points).toHaveLength(1);
    const [p] = metrics.points;
    expect(p?.indexes).toEqual(["request"]);
    expect(blob(p, 1)).toBe("request");
    expect(blob(p, 2)).toBe("/api/v1/accounts/:accountNo");
    expect(blob(p, 3)).toBe("GET");
    expect(blob(p, 4)).toBe("200");
    expect(blob(p, 5)).toBe("msk");
    expect(double(p, 1)).toBe(1);
    expect(double(p, 2)).toBeGreaterThanOrEqual(0);
    expect(double(p, 3)).toBe(0);
    // The same figures as the Server-Timing header the subscriber's browser sees.
    const timing = /d1;desc="(\d+) statements, (\d+) round trips"/.exec(res.headers.get("server-timing") ?? "");
    expect(double(p, 4)).toBe(Number(timing?.[2]));
    expect(double(p, 5)).toBe(Number(timing?.[1]));
    expect(double(p, 4)).toBeGreaterThan(0);
    const written = JSON.stringify(p);
    for (const personal of [ANNA_MSK, ANNA_MSK.replace(/\D/g, ""), "79000000001", "900 000-00-01", "anna"])
      expect(written).not.toContain(personal);

    // The log line of the same request: JSON with its id, route and status, and nothing personal either.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "request");
    expect(logged).toMatchObject({
      requestId: res.headers.get("x-request-id"),
      route: "/api/v1/accounts/:accountNo",
      status: 200,
      method: "GET",
    });
    for (const personal of [ANNA_MSK, "79000000001", "anna"]) expect(JSON.stringify(logged)).not.toContain(personal);
  });

  it("counts a stranger's account as a 404 under the pattern, and a failed request as a server error", async () => {
    const cookie = await login("olga");
    const metrics = recorder();
    const res = await fetchWith({ METRICS: metrics }, `http://msk.kabinet.localhost/api/v1/accounts/${PETR_KZN}`, {
      headers: { ...SAME_ORIGIN, cookie },
    });
    expect(res.status).toBe(404);
    expect(metrics.points).toHaveLength(1);
    expect(blob(metrics.points[0], 2)).toBe("/api/v1/accounts/:accountNo");
    expect(blob(metrics.points[0], 4)).toBe("404");
    expect(JSON.stringify(metrics.points[0])).not.toContain(PETR_KZN);

    // A database that fails under a request (her home shard, where her session and links are read): the 500 is counted
    // as a server error (double3) of its route.
    const broken = {
      prepare: () => {
        throw new Error("D1_ERROR: network connection lost");
      },
      batch: () => Promise.reject(new Error("D1_ERROR: network connection lost")),
    };
    vi.spyOn(console, "error").mockImplementation(() => {});
    const home = (await subscriberAt("demo-olga")).homeShard;
    const failed = await fetchWith({ METRICS: metrics, [home]: broken }, `http://msk.kabinet.localhost/api/v1/accounts/${ANNA_MSK}`, {
      headers: { ...SAME_ORIGIN, cookie },
    });
    expect(failed.status).toBe(500);
    expect(metrics.points).toHaveLength(2);
    expect(blob(metrics.points[1], 4)).toBe("500");
    expect(double(metrics.points[1], 3)).toBe(1);
  });
});

describe("payment metrics", () => {
  async function startPayment(amountKop: number) {
    const cookie = await login("petr");
    const res = await fetchWith({}, `http://msk.kabinet.localhost/api/v1/accounts/${PETR_KZN}/payments`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop }),
    });
    expect(res.status).toBe(201);
    const { payment, confirmationUrl } = await json<{ payment: { id: string }; confirmationUrl: string }>(res);
    return { paymentId: payment.id, acquirerId: new URL(confirmationUrl).pathname.split("/").pop() ?? "" };
  }

  async function webhook(metrics: ReturnType<typeof recorder>, event: WebhookEvent) {
    const body = JSON.stringify(event);
    return fetchWith({ METRICS: metrics }, "http://kabinet.localhost/webhooks/acquirer", {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, body) },
      body,
    });
  }

  const event = (id: string, type: WebhookEvent["type"], object: WebhookEvent["object"]): WebhookEvent => ({
    id,
    type,
    createdAt: new Date().toISOString(),
    object,
  });

  it("a settled payment writes its method and status (in its webhook's one point); a replay writes none", async () => {
    const { paymentId, acquirerId } = await startPayment(43_100);
    const metrics = recorder();
    const object = {
      id: acquirerId,
      status: "succeeded" as const,
      amountKop: 43_100,
      method: "card" as const,
      metadata: { paymentId, accountNo: PETR_KZN },
    };
    expect((await webhook(metrics, event(`evt-${paymentId}`, "payment.succeeded", object))).status).toBe(200);
    expect(metrics.points).toHaveLength(1);
    const [p] = metrics.points;
    expect(blob(p, 2)).toBe("/webhooks/acquirer");
    expect(blob(p, 4)).toBe("200");
    expect(blob(p, 6)).toBe("card");
    expect(blob(p, 7)).toBe("succeeded");
    expect(double(p, 6)).toBe(1);
    expect(double(p, 7)).toBe(43_100);
    expect(JSON.stringify(p)).not.toContain(PETR_KZN);

    // The same event again: the payment does not change, so no payment is counted twice.
    expect((await webhook(metrics, event(`evt-${paymentId}-again`, "payment.succeeded", object))).status).toBe(200);
    expect(metrics.points).toHaveLength(2);
    expect(blob(metrics.points[1], 6)).toBe("");
    expect(double(metrics.points[1], 6)).toBe(0);
  });

  it("a declined payment is counted as failed with the acquirer's reason", async () => {
    const { paymentId, acquirerId } = await startPayment(12_000);
    const metrics = recorder();
    const object = {
      id: acquirerId,
      status: "canceled" as const,
      amountKop: 12_000,
      method: "card" as const,
      metadata: { paymentId, accountNo: PETR_KZN },
      failureCode: "insufficient_funds",
    };
    expect((await webhook(metrics, event(`evt-${paymentId}`, "payment.canceled", object))).status).toBe(200);
    expect(metrics.points).toHaveLength(1);
    expect(blob(metrics.points[0], 6)).toBe("card");
    expect(blob(metrics.points[0], 7)).toBe("failed");
    expect(blob(metrics.points[0], 8)).toBe("insufficient_funds");
    expect(double(metrics.points[0], 6)).toBe(1);
  });
});

describe("queue metrics", () => {
  it("records a batch's lag (the age of its messages when consumed) and the dead letters it stored", async () => {
    const metrics = recorder();
    const now = Date.now();
    const batch = createMessageBatch("kabinet-notifications", [
      { id: `lag-${now}-a`, timestamp: new Date(now - 45_000), attempts: 1, body: { channel: "nonsense" } },
      { id: `lag-${now}-b`, timestamp: new Date(now - 5_000), attempts: 1, body: { channel: "nonsense" } },
    ]);
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, METRICS: metrics } as Env, ctx);
    await waitOnExecutionContext(ctx);
    expect(metrics.points).toHaveLength(1);
    const [p] = metrics.points;
    expect(p?.indexes).toEqual(["queue"]);
    expect(blob(p, 9)).toBe("kabinet-notifications");
    expect(double(p, 8)).toBe(2);
    expect(double(p, 10)).toBeGreaterThanOrEqual(45_000);
    expect(double(p, 10)).toBeLessThan(60_000);
    expect(double(p, 9)).toBeGreaterThanOrEqual(50_000);
    // Both were malformed: kept in dead_letters, and counted.
    expect(double(p, 11)).toBe(2);
  });

  it("records push deliveries by status: a push to a subscription that is gone", async () => {
    const subscriber = await env.DB.prepare("SELECT id FROM subscribers LIMIT 1").first<{ id: string }>();
    const metrics = recorder();
    const id = `push-gone-${Date.now()}`;
    const body = {
      channel: "push",
      subscriptionId: `no-such-${id}`,
      payload: { title: "t", body: "b", url: "/", tag: "t", kind: "payment_credited", lang: "ru" },
      ttl: 3600,
      urgency: "normal",
      dedupeKey: id,
      eventId: id,
      subscriberId: subscriber?.id,
    };
    const ctx = createExecutionContext();
    await worker.queue(
      createMessageBatch("kabinet-notifications", [{ id, timestamp: new Date(), attempts: 1, body }]),
      {
        ...env,
        METRICS: metrics,
      } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const delivery = metrics.points.find((p) => p.indexes?.[0] === "delivery");
    expect(blob(delivery, 10)).toBe("push");
    expect(blob(delivery, 11)).toBe("gone");
    expect(double(delivery, 12)).toBe(1);
    expect(metrics.points.filter((p) => p.indexes?.[0] === "queue")).toHaveLength(1);
  });
});

describe("cron metrics", () => {
  it("a tick writes one point per method and status of the payments it moved, and none when it moved none", async () => {
    const metrics = recorder();
    const tick = measuredCron(async () => {
      recordPayment({ status: "succeeded", amountKop: 50_000 });
      recordPayment({ method: "card", status: "succeeded", amountKop: 20_000 });
      recordPayment({ method: "sbp", status: "failed", failureCode: "expired", amountKop: 10_000 });
    });
    const controller = createScheduledController({ cron: "0 * * * *", scheduledTime: Date.now() });
    await tick(controller, { ...env, METRICS: metrics } as Env, createExecutionContext());
    expect(metrics.points.map((p) => [blob(p, 1), blob(p, 6), blob(p, 7), blob(p, 8), double(p, 6), double(p, 7)])).toEqual([
      ["payment", "card", "succeeded", "", 2, 70_000],
      ["payment", "sbp", "failed", "expired", 1, 10_000],
    ]);
    await measuredCron(async () => {})(controller, { ...env, METRICS: metrics } as Env, createExecutionContext());
    expect(metrics.points).toHaveLength(2);
  });
});

describe("a request that fails on a database", () => {
  it("logs which database it failed on (a shard, or one a gateway holds), never the data", async () => {
    const cookie = await login("anna");
    const errors: Record<string, unknown>[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(JSON.parse(String(line))));
    // Every call to Moscow's shard (anna's home shard and her Moscow account's) fails.
    const lost = () => Promise.reject(new Error("D1_ERROR: network connection lost"));
    const stmt = { bind: () => stmt, all: lost, run: lost, first: lost, raw: lost };
    const failing = { prepare: () => stmt, batch: lost };
    const res = await fetchWith({ DB_MOSCOW: failing }, `http://msk.kabinet.localhost/api/v1/accounts/${ANNA_MSK}`, {
      headers: { ...SAME_ORIGIN, cookie },
    });
    expect(res.status).toBe(500);
    const line = errors.find((l) => l.msg === "unhandled");
    expect(line).toMatchObject({ db: "DB_MOSCOW", error: "Error: D1_ERROR: network connection lost" });
    expect(JSON.stringify(line)).not.toContain(ANNA_MSK);
    // The same through the tests' gateway: a shard it holds whose statements fail there is named as well.
    const failingGateway = {
      session: async () => ({ run: lost, batch: lost, exec: lost }),
      shards: async () => ["DB_MOSCOW_2"],
      check: async () => ({}),
    };
    errors.length = 0;
    const data = createDataAccess({ ...env, SHARD_GATEWAY_0: failingGateway } as unknown as Env);
    const err = await data
      .shard("DB_MOSCOW_2")
      .select()
      .from(accounts)
      .all()
      .catch((e: unknown) => e);
    expect(failedDatabase(err)).toBe("DB_MOSCOW_2");
  });
});

describe("/healthz", () => {
  const names = ["DB", ...shardBindings(env), "FILES", "NOTIFICATIONS", "BILLING", "REPORTS", "CHAT_ROOMS", "ASSETS", "config"];

  it("answers 200 with every binding's check, and no secret or data", async () => {
    const res = await fetchWith({}, "http://kabinet.localhost/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json<{ status: string; checks: Record<string, { ok: boolean; ms: number }> }>(res);
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks)).toEqual(names);
    for (const name of names) expect(body.checks[name]?.ok, name).toBe(true);
    const text = JSON.stringify(body);
    for (const secret of [env.ACQUIRER_WEBHOOK_SECRET, env.OPERATOR_TOKEN, env.REPORT_LINK_SECRET, env.VAPID_PRIVATE_JWK])
      expect(text).not.toContain(secret);
  });

  it("answers 503 naming the configuration when it is unusable (sign-in and payments closed), with the names of what is wrong and no value", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    // Outside DEV_MODE with wrangler.toml's development values and the sandbox acquirer: every binding answers.
    const res = await fetchWith({ DEV_MODE: "false", VAPID_PRIVATE_JWK: undefined }, "http://kabinet.localhost/healthz");
    expect(res.status).toBe(503);
    const body = await json<{ failing: string[]; checks: Record<string, { ok: boolean; error?: string; names?: string[] }> }>(res);
    expect(body.failing).toEqual(["config"]);
    expect(body.checks.config).toMatchObject({ ok: false, error: "unusable" });
    expect(body.checks.config?.names).toEqual(expect.arrayContaining(["ALTCHA_HMAC_KEY", "VAPID_PRIVATE_JWK", "ACQUIRER"]));
    for (const secret of [env.ALTCHA_HMAC_KEY, env.ACQUIRER_WEBHOOK_SECRET, env.OPERATOR_TOKEN])
      expect(JSON.stringify(body)).not.toContain(secret);
  });

  it("answers 503 naming a failing shard, a hung bucket and a missing queue, in the request's language", async () => {
    const failingShard = { prepare: () => ({ first: () => Promise.reject(new Error("D1_ERROR: network connection lost")) }) };
    const hungBucket = { head: () => new Promise(() => {}) };
    const res = await fetchWith({ DB_VOLGA: failingShard, FILES: hungBucket, REPORTS: undefined }, "http://msk.kabinet.localhost/healthz");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = await json<{
      type: string;
      title: string;
      detail: string;
      failing: string[];
      checks: Record<string, { ok: boolean; error?: string }>;
    }>(res);
    expect(body.type).toBe("urn:kabinet:problem:unhealthy");
    expect(body.title).toBe("Сервис работает не полностью");
    expect(body.detail).toBe("Не отвечает: DB_VOLGA, FILES, REPORTS");
    expect(body.failing).toEqual(["DB_VOLGA", "FILES", "REPORTS"]);
    expect(body.checks.DB_VOLGA).toMatchObject({ ok: false, error: "error" });
    expect(body.checks.FILES).toMatchObject({ ok: false, error: "timeout" });
    expect(body.checks.REPORTS).toMatchObject({ ok: false, error: "missing" });
    expect(body.checks.DB?.ok).toBe(true);
    // What the binding threw stays out of the answer.
    expect(JSON.stringify(body)).not.toContain("network connection lost");

    const en = await fetchWith({ DB_MOSCOW: failingShard }, "http://kabinet.localhost/healthz?lang=en");
    expect(en.status).toBe(503);
    const enBody = await json<{ title: string; detail: string }>(en);
    expect(enBody.title).toBe("The service is not fully working");
    expect(enBody.detail).toBe("Not answering: DB_MOSCOW");
  });

  it("checks at most HEALTH_SHARDS shards a probe: the home shards each time, the others from a place drawn by the clock, a gateway's in one call", async () => {
    // 671 more shards, held by the tests' gateway in name only: it has none of them, so each check of one fails. With
    // DB_MOSCOW_2, 672 besides the home shards: 12 probes' shares of 56, the case where a share that moved on with the
    // slot alone came back to the same place for a prober every 60 s (12 slots), and checked 56 shards of 672 for ever.
    let checks = 0;
    const gateway = env.SHARD_GATEWAY_0;
    const counted = {
      session: () => gateway.session(),
      shards: () => gateway.shards(),
      check: (b: string[]) => {
        checks++;
        return gateway.check(b);
      },
    };
    const many = { SHARD_GATEWAYS: JSON.stringify({ SHARD_GATEWAY_0: ["DB_MOSCOW_2", "DB_EXTRA_1-671"] }), SHARD_GATEWAY_0: counted };
    const withMany = () => ({ ...env, ...many }) as unknown as Env;
    const all = shardBindings(withMany());
    expect(all).toHaveLength(8 + 672);
    // A load balancer probing every 10 s, and one every 60 s (a period that a share moving on by the slot alone
    // would repeat): both reach every shard, from a fixed day so that the draw is the same on every run.
    const day = Date.UTC(2026, 11, 5);
    for (const period of [10_000, 60_000]) {
      const seen = new Set<string>();
      let probes = 0;
      for (let t = day; seen.size < all.length - 8 && probes < 200; t += period) {
        const health = await checkHealth(withMany(), t);
        probes++;
        const shards = Object.keys(health.checks).filter((n) => n.startsWith("DB_"));
        expect(shards).toHaveLength(HEALTH_SHARDS);
        // The home shards every time, and they answer.
        for (const home of SHARDS) expect(health.checks[home]?.ok, home).toBe(true);
        for (const s of shards) if (!(SHARDS as readonly string[]).includes(s)) seen.add(s);
        // A shard the gateway does not hold is failing, with nothing more said.
        const extra = shards.find((s) => s.startsWith("DB_EXTRA_"));
        if (extra) expect(health.checks[extra]).toMatchObject({ ok: false, error: "error" });
      }
      expect(seen.size, `every ${period / 1000} s`).toBe(672);
      expect(probes, `every ${period / 1000} s`).toBeLessThan(200);
    }
    // The same share for every probe in a 5-second slot (every isolate), and one call to the gateway a probe.
    checks = 0;
    const a = await checkHealth(withMany(), day + 1_000);
    const b = await checkHealth(withMany(), day + 4_999);
    expect(Object.keys(b.checks)).toEqual(Object.keys(a.checks));
    expect(checks).toBe(2);
  });

  it("says a shard is missing when the gateway the map gives it is not bound", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const lost = { SHARD_GATEWAYS: JSON.stringify({ SHARD_GATEWAY_0: ["DB_MOSCOW_2"], SHARD_GATEWAY_7: ["DB_LOST_1"] }) };
    const health = await checkHealth({ ...env, ...lost } as unknown as Env, Date.now());
    expect(health.checks.DB_LOST_1).toEqual({ ok: false, ms: 0, error: "missing" });
    expect(health.checks.DB_MOSCOW_2?.ok).toBe(true);
    expect(health.failing).toContain("DB_LOST_1");
  });
});
