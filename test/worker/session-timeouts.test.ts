import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDataAccess } from "../../worker/platform/db";
import { ABSOLUTE_TIMEOUT_MS, findSession, IDLE_TIMEOUT_MS, openSession } from "../../worker/platform/session";
import { forgetLinksOf, subscriberAt } from "./helpers";

const db = () => createDataAccess(env);

describe("session timeouts", () => {
  it("end a session unused for longer than the idle timeout", async () => {
    const t0 = new Date("2026-11-01T10:00:00Z");
    const { token } = await openSession(db(), await subscriberAt("demo-anna"), "password", null, t0);
    const used = await findSession(db(), token, new Date(t0.getTime() + IDLE_TIMEOUT_MS - 60_000));
    expect(used).not.toBeNull();
    // It was used a minute before the idle limit, so the limit counts from then: the browser keeps the renewed
    // cookie that says so.
    const cookie = used?.renewedCookie ?? token;
    expect(cookie).not.toBe(token);
    expect(await findSession(db(), cookie, new Date(t0.getTime() + 2 * IDLE_TIMEOUT_MS - 120_000))).not.toBeNull();
    // The cookie as it was before that use does not prove it.
    expect(await findSession(db(), token, new Date(t0.getTime() + 2 * IDLE_TIMEOUT_MS - 120_000))).toBeNull();
    // Idle, it is refused from its row alone: no global read of the links (there is no copy of them to trust then).
    await forgetLinksOf("demo-anna");
    const data = db();
    expect(await findSession(data, cookie, new Date(t0.getTime() + 3 * IDLE_TIMEOUT_MS))).toBeNull();
    expect(data.stats.byDb.get("DB")?.roundTrips ?? 0).toBe(0);
  });

  it("end any session at the absolute timeout, however much it is used", async () => {
    const t0 = new Date("2026-10-01T10:00:00Z");
    const { token } = await openSession(db(), await subscriberAt("demo-anna"), "password", null, t0);
    let cookie = token;
    for (let at = t0.getTime(); at < t0.getTime() + ABSOLUTE_TIMEOUT_MS - 86_400_000; at += 86_400_000) {
      const session = await findSession(db(), cookie, new Date(at));
      expect(session).not.toBeNull();
      cookie = session?.renewedCookie ?? cookie;
    }
    expect(await findSession(db(), cookie, new Date(t0.getTime() + ABSOLUTE_TIMEOUT_MS + 1))).toBeNull();
  });
});
