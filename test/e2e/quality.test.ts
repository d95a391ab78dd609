import { join } from "node:path";
import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { audit, type Cookie, PERFORMANCE_GATE, table } from "../quality/lighthouse.mts";
import { site } from "./browser";
import { localhostAgent } from "./http";

/** Where the reports go: `reports/` for `npm run report`, else the test state folder. */
const OUT = process.env.KABINET_REPORTS ?? join(new URL("../..", import.meta.url).pathname, ".e2e/reports");

async function sessionCookies(): Promise<Cookie[]> {
  const res = await fetch(site("msk", "/api/v1/auth/login"), {
    method: "POST",
    dispatcher: localhostAgent,
    headers: { "content-type": "application/json", origin: site("msk", "").replace(/\/$/, ""), "sec-fetch-site": "same-origin" },
    body: JSON.stringify({ identifier: "petr", password: "Kabinet2026" }),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().map((c) => {
    const [name = "", value = ""] = (c.split(";")[0] ?? "").split("=");
    // The leading dot makes it a domain cookie, sent to every regional subdomain, as the server's `Domain=` one is
    // (without it CDP sets a host-only cookie for the apex, and the accounts audit measured the login page).
    return { name, value, domain: ".kabinet.localhost" };
  });
}

describe("Lighthouse, mobile (median of three runs, of five near the gate)", () => {
  it("scores at least 95 for performance and 100 for accessibility and best practices on the main screens", {
    timeout: 600_000,
  }, async () => {
    const publicPages = await audit(
      [
        { name: "home", url: site("msk", "/") },
        { name: "tariffs", url: site("msk", "/tariffs") },
        { name: "login", url: site("msk", "/login") },
      ],
      OUT,
    );
    const privatePages = await audit([{ name: "accounts", url: site("msk", "/accounts") }], join(OUT, "private"), {
      cookies: await sessionCookies(),
    });
    const all = { ...publicPages, ...privatePages };
    console.info(`\nLighthouse (benchmark index per run: ${Object.values(all)[0]?.benchmarkIndexes.join(", ")}):\n${table(all)}\n`);
    for (const [name, r] of Object.entries(all)) {
      expect.soft(r.scores.accessibility, `${name}: ${r.failing.join(", ")}`).toBe(100);
      expect.soft(r.scores["best-practices"], `${name}: ${r.failing.join(", ")}`).toBe(100);
      // Layout shift is counted, not timed: it does not depend on how busy the machine is.
      expect.soft(r.cls, `${name}: cumulative layout shift`).toBeLessThanOrEqual(0.1);
      // Performance at the CPU slowdown calibrated to this machine (see lighthouse.mts); the default 4× is printed.
      expect.soft(r.scores.performance, `${name}: ${r.failing.join(", ")}`).toBeGreaterThanOrEqual(PERFORMANCE_GATE);
    }
  });
});
