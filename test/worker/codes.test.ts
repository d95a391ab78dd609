import { env } from "cloudflare:workers";
import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Challenge } from "altcha-lib/types";
import { describe, expect, it } from "vitest";
import { CODE_MAX_ATTEMPTS, CODE_TTL_MS, consumeCode, issueCode } from "../../worker/features/auth/codes.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess } from "../../worker/platform/db";
import { call, codeSentTo, json, post, sessionCookie } from "./helpers";

const db = () => createDataAccess(env).global;

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
