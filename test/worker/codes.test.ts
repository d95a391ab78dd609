import { env } from "cloudflare:workers";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CODE_MAX_ATTEMPTS, CODE_TTL_MS, codeStore, consumeCode, issueCode, targetHash } from "../../worker/features/auth/codes.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { sha256Hex } from "../../worker/platform/crypto";
import { createDataAccess } from "../../worker/platform/db";
import { call, codeSentTo, json, post, sessionCookie } from "./helpers";

const db = () => createDataAccess(env);

function capture() {
  const sent: NotificationMessage[] = [];
  return {
    sent,
    notify: async (m: NotificationMessage) => void sent.push(m),
    code: () => {
      const last = sent.at(-1);
      return /(\d{6})/.exec(last && "text" in last ? last.text : "")?.[1] ?? "";
    },
  };
}

describe("one-time codes", () => {
  it("die after 5 wrong attempts: the right code is refused afterwards", async () => {
    const c = capture();
    await issueCode(db(), c.notify, { purpose: "login", target: "t:attempts", deliver: { channel: "sms", to: "+79000000099" } });
    const right = c.code();
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < CODE_MAX_ATTEMPTS; i++)
      await expect(consumeCode(db(), { purpose: "login", target: "t:attempts", code: wrong })).rejects.toThrow();
    await expect(consumeCode(db(), { purpose: "login", target: "t:attempts", code: right })).rejects.toThrow();
  });

  it("expire after 5 minutes", async () => {
    const c = capture();
    const t0 = new Date("2026-11-25T10:00:00Z");
    await issueCode(db(), c.notify, { purpose: "login", target: "t:expiry", deliver: { channel: "sms", to: "+79000000098" } }, t0);
    const late = new Date(t0.getTime() + CODE_TTL_MS + 1);
    await expect(consumeCode(db(), { purpose: "login", target: "t:expiry", code: c.code() }, late)).rejects.toThrow();
  });

  it("are for one purpose only and spent on first use", async () => {
    const c = capture();
    await issueCode(db(), c.notify, {
      purpose: "step_up",
      target: "t:purpose",
      deliver: { channel: "sms", to: "+79000000097" },
      subscriberId: "x",
    });
    await expect(consumeCode(db(), { purpose: "login", target: "t:purpose", code: c.code() })).rejects.toThrow();
    expect((await consumeCode(db(), { purpose: "step_up", target: "t:purpose", code: c.code() })).subscriberId).toBe("x");
    await expect(consumeCode(db(), { purpose: "step_up", target: "t:purpose", code: c.code() })).rejects.toThrow();
  });

  it("are kept in the identity store their target hashes to, and one an older deployment issued in the global table is still taken once", async () => {
    const c = capture();
    await issueCode(db(), c.notify, { purpose: "login", target: "t:where", deliver: { channel: "sms", to: "+79000000095" } });
    const tHash = await targetHash("login", "t:where");
    const store = codeStore(db(), tHash);
    expect(await store.db.select().from(store.table).where(eq(store.table.targetHash, tHash)).all()).toHaveLength(1);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM one_time_codes").first("n")).toBe(0);
    // An older deployment's code, in the global table, for another target.
    const id = "otc-legacy-1";
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO one_time_codes (id, purpose, target_hash, code_hash, channel, subscriber_id, attempts, created_at, expires_at) VALUES (?, 'login', ?, ?, 'sms', 'demo-olga', 0, ?, ?)",
    )
      .bind(id, await targetHash("login", "t:legacy"), await sha256Hex(`otc:${id}:424242`), now, now + CODE_TTL_MS)
      .run();
    await expect(consumeCode(db(), { purpose: "login", target: "t:legacy", code: "111111" })).rejects.toThrow();
    expect((await consumeCode(db(), { purpose: "login", target: "t:legacy", code: "424242" })).subscriberId).toBe("demo-olga");
    await expect(consumeCode(db(), { purpose: "login", target: "t:legacy", code: "424242" })).rejects.toThrow();
  });

  it("an older release's code in the global table is never checked once the store has a code of the target's, spent or used up", async () => {
    const legacyCode = async (target: string, id: string) => {
      const now = Date.now();
      await env.DB.prepare(
        "INSERT INTO one_time_codes (id, purpose, target_hash, code_hash, channel, subscriber_id, attempts, created_at, expires_at) VALUES (?, 'login', ?, ?, 'sms', 'demo-olga', 0, ?, ?)",
      )
        .bind(id, await targetHash("login", target), await sha256Hex(`otc:${id}:424242`), now - 1000, now + CODE_TTL_MS)
        .run();
    };
    // Used up in the store by five wrong guesses: the global code gets no five more.
    const c = capture();
    await legacyCode("t:usedup", "otc-legacy-2");
    await issueCode(db(), c.notify, { purpose: "login", target: "t:usedup", deliver: { channel: "sms", to: "+79000000094" } });
    const wrong = c.code() === "111111" ? "222222" : "111111";
    for (let i = 0; i < CODE_MAX_ATTEMPTS; i++)
      await expect(consumeCode(db(), { purpose: "login", target: "t:usedup", code: wrong })).rejects.toThrow();
    await expect(consumeCode(db(), { purpose: "login", target: "t:usedup", code: "424242" })).rejects.toThrow();
    expect(await env.DB.prepare("SELECT attempts FROM one_time_codes WHERE id = 'otc-legacy-2'").first("attempts")).toBe(0);
    // Spent in the store: the global one is not taken after it.
    await legacyCode("t:spent", "otc-legacy-3");
    await issueCode(db(), c.notify, { purpose: "login", target: "t:spent", deliver: { channel: "sms", to: "+79000000093" } });
    await consumeCode(db(), { purpose: "login", target: "t:spent", code: c.code() });
    await expect(consumeCode(db(), { purpose: "login", target: "t:spent", code: "424242" })).rejects.toThrow();
  });

  it('under CODES_STORE = "global" are issued and checked in the global table, as the release before', async () => {
    const c = capture();
    const global = createDataAccess({ ...env, CODES_STORE: "global" } as Env);
    await issueCode(global, c.notify, { purpose: "login", target: "t:global", deliver: { channel: "sms", to: "+79000000092" } });
    const tHash = await targetHash("login", "t:global");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM one_time_codes WHERE target_hash = ?").bind(tHash).first("n")).toBe(1);
    // A release with the stores finds it there too (the store has none of the target's).
    expect((await consumeCode(db(), { purpose: "login", target: "t:global", code: c.code() })).channel).toBe("sms");
  });

  it("replace the previous code when a new one is issued", async () => {
    const c = capture();
    const t0 = new Date("2026-11-25T11:00:00Z");
    await issueCode(db(), c.notify, { purpose: "login", target: "t:replace", deliver: { channel: "sms", to: "+79000000096" } }, t0);
    const first = c.code();
    await issueCode(
      db(),
      c.notify,
      { purpose: "login", target: "t:replace", deliver: { channel: "sms", to: "+79000000096" } },
      new Date(t0.getTime() + 61_000),
    );
    const second = c.code();
    if (first !== second) {
      await expect(
        consumeCode(db(), { purpose: "login", target: "t:replace", code: first }, new Date(t0.getTime() + 62_000)),
      ).rejects.toThrow();
    }
    await expect(
      consumeCode(db(), { purpose: "login", target: "t:replace", code: second }, new Date(t0.getTime() + 62_000)),
    ).resolves.toBeDefined();
  });
});

async function solvedCaptcha(): Promise<string> {
  const challenge = await json<Challenge>(await call("msk", "/api/v1/auth/captcha"));
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error("captcha not solved");
  return btoa(JSON.stringify({ challenge, solution }));
}

describe("forgotten password", () => {
  it("needs a solved captcha, once", async () => {
    const bogus = await post(
      "/api/v1/auth/recover/start",
      { identifier: "petr", channel: "sms", captcha: btoa("{}") },
      { "cf-connecting-ip": "100.64.1.1" },
    );
    expect(bogus.status).toBe(400);
    const captcha = await solvedCaptcha();
    expect(
      (
        await post(
          "/api/v1/auth/recover/start",
          { identifier: "nobody-at-all", channel: "sms", captcha },
          { "cf-connecting-ip": "100.64.1.2" },
        )
      ).status,
    ).toBe(202);
    const replay = await post(
      "/api/v1/auth/recover/start",
      { identifier: "petr", channel: "sms", captcha },
      { "cf-connecting-ip": "100.64.1.3" },
    );
    expect(replay.status).toBe(400);
    expect((await json<{ type: string }>(replay)).type).toBe("urn:kabinet:problem:captcha-failed");
  });

  it("sets a new password with the code, and ends every session", async () => {
    const ip = { "cf-connecting-ip": "100.64.1.10" };
    const old = sessionCookie(await post("/api/v1/auth/login", { identifier: "petr", password: "Kabinet2026" }, ip));
    const since = Date.now();
    const start = await post(
      "/api/v1/auth/recover/start",
      { identifier: "petr.smirnov@example.com", channel: "email", captcha: await solvedCaptcha() },
      ip,
    );
    expect(start.status).toBe(202);
    const code = await codeSentTo("petr.smirnov@example.com", since);
    const weak = await post("/api/v1/auth/recover/complete", { identifier: "petr.smirnov@example.com", code, password: "petr1234" }, ip);
    expect(weak.status).toBe(400);
    const ok = await post(
      "/api/v1/auth/recover/complete",
      { identifier: "petr.smirnov@example.com", code, password: "kazan kremlin at dawn" },
      ip,
    );
    expect(ok.status).toBe(200);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: old } })).status).toBe(401);
    expect((await call("msk", "/api/v1/me", { headers: { cookie: sessionCookie(ok) } })).status).toBe(200);
    expect((await post("/api/v1/auth/login", { identifier: "petr", password: "Kabinet2026" }, ip)).status).toBe(401);
    expect((await post("/api/v1/auth/login", { identifier: "petr", password: "kazan kremlin at dawn" }, ip)).status).toBe(200);
  });
});
