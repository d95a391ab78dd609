import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { putInOutbox } from "../../worker/adapters/outbox";
import worker from "../../worker/index";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { SECRETS } from "../../worker/platform/secrets";
import { call, json, login, SAME_ORIGIN } from "./helpers";

/**
 * Production mode: the same Worker with DEV_MODE "false", as `[env.staging]`
 * and `[env.production]` of wrangler.toml run it. Each request here goes to
 * the Worker's fetch with this test's env; the dev run (DEV_MODE "true") is
 * the control.
 */
type Vars = Partial<Record<keyof Env | string, unknown>>;

/** Strong values for every secret, as an operator would put them. */
const realSecrets = Object.fromEntries(SECRETS.map((s) => [s.name, `${s.name.toLowerCase()}-${"k".repeat(48)}`]));

async function fetchWith(vars: Vars, sub: string | null, path: string, init: RequestInit = {}) {
  const host = sub ? `${sub}.kabinet.localhost` : "kabinet.localhost";
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://${host}${path}`, { redirect: "manual", ...init }), { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const production = (vars: Vars = {}) => ({ DEV_MODE: "false", ...vars });

/** The real providers an environment names (wrangler.toml's [env.*.vars]). */
const PROVIDERS = {
  ACQUIRER: "yookassa",
  YOOKASSA_MODE: "live",
  SMS_PROVIDER: "smsc",
  SMS_SENDER: "Kabinet",
  EMAIL_PROVIDER: "cloudflare",
  EMAIL_FROM: "Личный кабинет <noreply@mail.kabinet.example.ru>",
  EMAIL: { send: () => Promise.resolve({ messageId: "<m@mail.kabinet.example.ru>" }) },
};

async function expectNotFound(res: Response) {
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect((await json(res)).type).toBe("urn:kabinet:problem:not-found");
}

describe("with DEV_MODE off no development route exists", () => {
  it("/dev/outbox is a 404 problem (it lists every SMS and email in dev)", async () => {
    const text = `Код подтверждения ${Date.now()}`;
    await putInOutbox(createDataAccess(env).global, { channel: "sms", to: "+79990001122", body: text, dedupeKey: `outbox-page:${text}` });
    const dev = await fetchWith({}, null, "/dev/outbox");
    expect(dev.status).toBe(200);
    // The dev outbox lists what the local adapters "sent".
    expect(await dev.text()).toContain(text);
    await expectNotFound(await fetchWith(production(), null, "/dev/outbox"));
    await expectNotFound(await fetchWith(production(), "msk", "/dev/anything-else"));
  });

  it("the chat room drop endpoint is a 404 problem", async () => {
    const visitor = await call("msk", "/api/v1/support/chats", {
      method: "POST",
      headers: { ...SAME_ORIGIN, "cf-connecting-ip": "198.51.100.201" },
      body: JSON.stringify({ name: "Гость", phone: "+79005550101", text: "Здравствуйте" }),
    });
    expect(visitor.status).toBe(201);
    const { chat } = await json<{ chat: { id: string } }>(visitor);
    const drop = `/dev/support/chats/${chat.id}/drop`;
    expect(await json(await fetchWith({}, "msk", drop, { method: "POST" }))).toEqual({ dropped: 0, customers: 0, operators: 0 });
    await expectNotFound(await fetchWith(production(), "msk", drop, { method: "POST" }));
  });

  it("the sandbox acquirer's card and 3-D Secure pages are 404 problems, even with ACQUIRER still 'sandbox'", async () => {
    const cookie = await login("petr");
    const accountNo = makeAccountNo("50400000006");
    const created = await call("msk", `/api/v1/accounts/${accountNo}/payments`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 10_000 }),
    });
    expect(created.status).toBe(201);
    const { payment, confirmationUrl } = await json<{ payment: { id: string }; confirmationUrl: string }>(created);
    const page = new URL(confirmationUrl).pathname;
    expect(page).toMatch(/^\/sandbox\//);
    // In dev the hosted card form is there; in production mode nothing answers on that path.
    expect((await fetchWith({}, "msk", page)).status).toBe(200);
    await expectNotFound(await fetchWith(production(realSecrets), "msk", page));
    const card = new URLSearchParams({ number: "4242 4242 4242 4242", exp: "12/30", cvc: "123" });
    await expectNotFound(await fetchWith(production(realSecrets), "msk", page, { method: "POST", body: card }));
    await expectNotFound(await fetchWith(production(realSecrets), "msk", `/sandbox/acquirer/3ds/${payment.id}`));
    // And nothing was paid through it.
    const after = await call("msk", `/api/v1/accounts/${accountNo}/payments/${payment.id}`, { headers: { cookie } });
    expect((await json<{ status: string }>(after)).status).toBe("pending");
  });

  it("the sandbox acquirer's webhook is a 404 problem", async () => {
    const body = JSON.stringify({ id: "evt-prod-1", type: "payment.succeeded", object: {} });
    const init = { method: "POST", headers: { "content-type": "application/json", "x-signature": "t=1,v1=00" }, body };
    // In dev it is there (and refuses the bad signature).
    expect((await fetchWith({}, null, "/webhooks/acquirer", init)).status).toBe(401);
    await expectNotFound(await fetchWith(production(realSecrets), null, "/webhooks/acquirer", init));
  });
});

describe("each environment's queues reach their consumers", () => {
  it("a batch from kabinet-production-dlq is stored as a dead letter, like kabinet-dlq's", async () => {
    const id = `prod-dlq-${crypto.randomUUID()}`;
    const batch = createMessageBatch("kabinet-production-dlq", [{ id, timestamp: new Date(), attempts: 6, body: { any: "thing" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
    const row = await env.DB.prepare("SELECT attempts FROM dead_letters WHERE id = ?").bind(id).first<{ attempts: number }>();
    expect(row?.attempts).toBe(6);
  });
});

describe("outside DEV_MODE a missing or development secret closes the money and identity routes", () => {
  afterEach(() => vi.restoreAllMocks());

  // A wrong password for a login nobody has, from an address of its own: a 401 when served, and no throttle shared with other tests.
  let attempt = 0;
  const loginBody = () => ({
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": `198.51.100.${++attempt}` },
    body: JSON.stringify({ identifier: `nobody-${crypto.randomUUID().slice(0, 8)}`, password: "wrong-password-1" }),
  });

  it("answers 503 problem+json in Russian and English and logs one line naming each secret", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    // wrangler.toml's development values (dev-only-…), and no VAPID private key at all.
    const vars = production({ ...PROVIDERS, ...realSecrets, ALTCHA_HMAC_KEY: env.ALTCHA_HMAC_KEY, VAPID_PRIVATE_JWK: undefined });
    const ru = await fetchWith(vars, "msk", "/api/v1/auth/login", loginBody());
    expect(ru.status).toBe(503);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(ru)).toMatchObject({
      type: "urn:kabinet:problem:not-configured",
      title: "Вход и платежи временно недоступны",
      status: 503,
    });
    const en = await fetchWith(vars, "msk", "/api/v1/auth/login?lang=en", loginBody());
    expect(en.status).toBe(503);
    expect((await json(en)).title).toBe("Sign-in and payments are unavailable for now");
    const lines = errors.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    const named = lines.filter((l) => l.msg === "config.secret_unusable");
    expect(named).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ secret: "ALTCHA_HMAC_KEY", problem: "development" }),
        expect.objectContaining({ secret: "VAPID_PRIVATE_JWK", problem: "missing" }),
      ]),
    );
    // The value itself is never logged.
    expect(JSON.stringify(lines)).not.toContain(env.ALTCHA_HMAC_KEY);
  });

  it("refuses every secret of the registry when it is missing, development-valued or too short", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const spec of SECRETS) {
      for (const bad of [undefined, "", "dev-only-something-long-enough-to-pass-the-length", "short"]) {
        if (bad === "short" && spec.minLength <= 5) continue;
        const res = await fetchWith(
          production({
            ...PROVIDERS,
            ...realSecrets,
            ...(spec.name === "SMSC_PASSWORD" ? { SMSC_LOGIN: "kabinet" } : {}),
            [spec.name]: bad,
          }),
          "msk",
          "/api/v1/auth/login",
          loginBody(),
        );
        expect(res.status, `${spec.name} = ${JSON.stringify(bad)}`).toBe(503);
      }
    }
  });

  it("closes sign-in, accounts, payments, webhooks, report links and the operators' API; the public catalogue stays up", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const vars = production({ ACQUIRER: "yookassa" }); // wrangler.toml's dev-only values
    const accountNo = makeAccountNo("50400000006");
    for (const [path, method] of [
      ["/api/v1/auth/login", "POST"],
      ["/api/v1/auth/captcha", "GET"],
      ["/api/v1/me", "GET"],
      [`/api/v1/accounts/${accountNo}/payments`, "POST"],
      ["/webhooks/acquirer", "POST"],
      ["/files/reports/abc.def", "GET"],
      ["/ops/v1/outages", "POST"],
    ] as const) {
      const res = await fetchWith(vars, "msk", path, { method, headers: SAME_ORIGIN, body: method === "POST" ? "{}" : undefined });
      expect(res.status, `${method} ${path}`).toBe(503);
    }
    expect((await fetchWith(vars, "msk", "/api/v1/region")).status).toBe(200);
    expect((await fetchWith(vars, null, "/api/v1/regions")).status).toBe(200);
    expect((await fetchWith(vars, "msk", "/")).status).toBe(200);
  });

  it("keeps the acquirer's notification URL open while only something else (push) is misconfigured: paid money is still credited", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const notification = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
    const noPush = production({ ...PROVIDERS, ...realSecrets, VAPID_PRIVATE_JWK: undefined });
    expect((await fetchWith(noPush, "msk", "/api/v1/auth/login", loginBody())).status).toBe(503);
    // The notification reaches the acquirer's check (a body naming no payment is refused by it, 401), not a 503.
    expect((await fetchWith(noPush, null, "/webhooks/acquirer", notification)).status).toBe(401);
    // The acquirer's own secrets wrong: the URL is closed.
    for (const broken of [
      { YOOKASSA_SECRET_KEY: undefined },
      { YOOKASSA_SHOP_ID: "" },
      { ACQUIRER_WEBHOOK_SECRET: "dev-only-webhook-secret-long-enough" },
    ]) {
      const res = await fetchWith(production({ ...PROVIDERS, ...realSecrets, ...broken }), null, "/webhooks/acquirer", notification);
      expect(res.status, JSON.stringify(broken)).toBe(503);
      expect((await json(res)).type).toBe("urn:kabinet:problem:not-configured");
    }
  });

  it("refuses a ЮKassa test shop's key (test_…) where YOOKASSA_MODE is live, and accepts it on a test (staging) shop", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const testKey = { YOOKASSA_SECRET_KEY: `test_${"k".repeat(40)}` };
    const live = await fetchWith(production({ ...PROVIDERS, ...realSecrets, ...testKey }), "msk", "/api/v1/auth/login", loginBody());
    expect(live.status).toBe(503);
    expect((await json(live)).type).toBe("urn:kabinet:problem:not-configured");
    const staging = production({ ...PROVIDERS, ...realSecrets, ...testKey, YOOKASSA_MODE: "test" });
    expect((await fetchWith(staging, "msk", "/api/v1/auth/login", loginBody())).status).toBe(401);
  });

  it("refuses a provider it does not know or one missing its sender or binding: 503 problem, not a 500", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const broken of [
      { ACQUIRER: "yookasa" },
      { SMS_PROVIDER: "smsc.ru" },
      { EMAIL_PROVIDER: "sendgrid" },
      { SMS_SENDER: undefined },
      { EMAIL_FROM: "" },
      { EMAIL: undefined },
    ]) {
      const vars = production({ ...PROVIDERS, ...realSecrets, ...broken });
      const res = await fetchWith(vars, "msk", "/api/v1/auth/login", loginBody());
      expect(res.status, JSON.stringify(broken)).toBe(503);
      expect((await json(res)).type, JSON.stringify(broken)).toBe("urn:kabinet:problem:not-configured");
    }
    // In DEV_MODE nothing closes the routes, and a mistyped acquirer is still a 503 problem when a payment needs it.
    const cookie = await login("petr");
    const pay = await fetchWith({ ACQUIRER: "yookasa" }, "msk", `/api/v1/accounts/${makeAccountNo("50400000006")}/payments`, {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 10_000 }),
    });
    expect(pay.status).toBe(503);
    expect((await json(pay)).type).toBe("urn:kabinet:problem:not-configured");
  });

  it("refuses the sandbox acquirer outside DEV_MODE: it would credit any test card", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetchWith(production({ ACQUIRER: "sandbox", ...realSecrets }), "msk", "/api/v1/auth/login", loginBody());
    expect(res.status).toBe(503);
  });

  it("refuses the local SMS and email adapters outside DEV_MODE: they write to a dev outbox nobody reads, so codes would reach nobody", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const local of [{ SMS_PROVIDER: "local" }, { EMAIL_PROVIDER: undefined }]) {
      const res = await fetchWith(production({ ...PROVIDERS, ...realSecrets, ...local }), "msk", "/api/v1/auth/login", loginBody());
      expect(res.status, JSON.stringify(local)).toBe(503);
    }
  });

  it("serves them with every secret set to a real value", async () => {
    const res = await fetchWith(production({ ...PROVIDERS, ...realSecrets }), "msk", "/api/v1/auth/login", loginBody());
    expect(res.status).toBe(401);
  });

  it("in DEV_MODE the development values are accepted (local runs and tests)", async () => {
    const res = await fetchWith({ ACQUIRER: "sandbox" }, "msk", "/api/v1/auth/login", loginBody());
    expect(res.status).toBe(401);
  });
});

describe("outside DEV_MODE a broken configuration holds the background work back", () => {
  afterEach(() => vi.restoreAllMocks());
  const broken = { ...env, DEV_MODE: "false", ACQUIRER: "sandbox" } as Env; // the sandbox and wrangler.toml's dev-only values

  it("queue messages wait and retry instead of being handled; dead letters are still kept", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const dedupeKey = `held-${crypto.randomUUID()}`;
    const body = { channel: "sms", to: "+79000000001", text: "Код: 654321", dedupeKey };
    const batch = createMessageBatch("kabinet-production-notifications", [{ id: "held-1", timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, broken, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryBatch).toMatchObject({ retry: true });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE dedupe_key = ?").bind(dedupeKey).first<{ n: number }>()).toEqual({
      n: 0,
    });

    const dead = createMessageBatch("kabinet-production-dlq", [{ id: `held-dlq-${dedupeKey}`, timestamp: new Date(), attempts: 6, body }]);
    const dctx = createExecutionContext();
    await worker.queue(dead, broken, dctx);
    expect((await getQueueResult(dead, dctx)).explicitAcks).toEqual([`held-dlq-${dedupeKey}`]);
  });

  it("a cron tick does nothing (autopay would charge through the sandbox); the same tick in DEV_MODE runs", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const id = `held-${crypto.randomUUID()}`;
    await env.DB.prepare(
      "INSERT INTO sessions (id_hash, subscriber_id, created_at, last_seen_at, expires_at) VALUES (?, 'demo-anna', ?, ?, ?)",
    )
      .bind(id, now - 1e8, now - 1e6, now - 1000)
      .run();
    const tick = async (e: Env) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: now }), e, ctx);
      await waitOnExecutionContext(ctx);
    };
    const expired = () => env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE id_hash = ?").bind(id).first<{ n: number }>();
    await tick(broken);
    expect(await expired()).toEqual({ n: 1 });
    await tick(env);
    expect(await expired()).toEqual({ n: 0 });
  });
});
