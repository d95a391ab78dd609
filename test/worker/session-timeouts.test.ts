import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDataAccess } from "../../worker/platform/db";
import { ABSOLUTE_TIMEOUT_MS, findSession, IDLE_TIMEOUT_MS, openSession } from "../../worker/platform/session";

const db = () => createDataAccess(env).global;

describe("session timeouts", () => {
  it("end a session unused for longer than the idle timeout", async () => {
    const t0 = new Date("2026-11-01T10:00:00Z");
    const { token } = await openSession(db(), "demo-anna", "password", null, t0);
    expect(await findSession(db(), token, new Date(t0.getTime() + IDLE_TIMEOUT_MS - 60_000))).not.toBeNull();
    // It was used a minute before the idle limit, so the limit counts from then.
    expect(await findSession(db(), token, new Date(t0.getTime() + 2 * IDLE_TIMEOUT_MS - 120_000))).not.toBeNull();
    expect(await findSession(db(), token, new Date(t0.getTime() + 3 * IDLE_TIMEOUT_MS))).toBeNull();
  });

  it("end any session at the absolute timeout, however much it is used", async () => {
    const t0 = new Date("2026-10-01T10:00:00Z");
    const { token } = await openSession(db(), "demo-anna", "password", null, t0);
    for (let at = t0.getTime(); at < t0.getTime() + ABSOLUTE_TIMEOUT_MS - 86_400_000; at += 86_400_000) {
      expect(await findSession(db(), token, new Date(at))).not.toBeNull();
    }
    expect(await findSession(db(), token, new Date(t0.getTime() + ABSOLUTE_TIMEOUT_MS + 1))).toBeNull();
  });
});
