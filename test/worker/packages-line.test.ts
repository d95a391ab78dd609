import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { POLICY } from "../../worker/data/limits.data";
import type { UsageCategory } from "../../worker/db/schema/region";
import { accountPackages } from "../../worker/features/services/packages.service";
import { ingestBatch } from "../../worker/features/usage/usage.ingest";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { api, json, login } from "./helpers";

const ANNA_MOBILE = makeAccountNo("20100000002"); // msk, mob-m: 600 min, 300 SMS, 30 GB
const ANNA_NSK = makeAccountNo("60700000003"); // nsk, inet-100
const ANNA_MSK = makeAccountNo("20100000001"); // msk, bundle-it + phone-unlim
const OLGA_VL = makeAccountNo("80500000007"); // vl, inet-300 + mob-s; the demo line that fails the check
const PETR_EKB = makeAccountNo("50400000006"); // ekb, inet-500 + tv

type Allowance = { total: number; used: number; left: number };
type Pkg = { serviceId: string; name: { ru: string }; minutes: Allowance; sms: Allowance; dataMb: Allowance };
type Packages = { accountNo: string; month: string; items: Pkg[] };
type Check = { verdict: string; port: string; session: string; speedMbps: number | null; nextSteps: string[] };
type Services = { services: { serviceId: string; kind: string; options: { id: string; priceKop: number; on: boolean }[] }[] };

const data = () => createDataAccess(env);
const shardOf = async (no: string) => {
  const s = await data().shardForAccount(no);
  if (!s) throw new Error(`no shard for ${no}`);
  return (s.db as unknown as { $client: D1Database }).$client;
};
const owner = async (no: string) =>
  (
    await env.DB.prepare("SELECT subscriber_id id FROM account_links WHERE account_no = ? AND role = 'owner'")
      .bind(no)
      .first<{ id: string }>()
  )?.id ?? "";
let seq = 0;
/** One usage record of a service on a region-local day, sent through the usage ingest as a batch of its own. */
function record(no: string, serviceId: string, day: string, r: { category: string; direction?: string; sec?: number; kb?: number }) {
  seq += 1;
  return ingestBatch(
    { data: data(), files: env.FILES },
    {
      kind: "usage_batch",
      batchId: `pkg-test-${seq}`,
      accountNo: no,
      serviceId,
      records: [
        {
          at: `${day}T09:00:00Z`,
          category: r.category as UsageCategory,
          direction: (r.direction ?? null) as "in" | "out" | null,
          peer: null,
          ...(r.kb !== undefined
            ? { quantity: r.kb, unit: "kb" as const, ...(r.sec !== undefined ? { durationSec: r.sec } : {}) }
            : r.sec !== undefined
              ? { quantity: r.sec, unit: "sec" as const }
              : { quantity: 1, unit: "item" as const }),
          costKop: 0,
        },
      ],
    },
  );
}

describe("what is left of a mobile package this month", () => {
  it("counts outgoing minutes, sent SMS and data of this month only, by the region's calendar", async () => {
    // 15:00 UTC on 30 November is already 1 December in Vladivostok: its month has just begun.
    const now = new Date("2026-11-30T15:00:00Z");
    const olga = await owner(OLGA_VL);
    const before = await accountPackages(data(), olga, OLGA_VL, now);
    expect(before.month).toBe("2026-12");
    const mob = before.items[0];
    expect(before.items).toHaveLength(1);
    expect(mob).toMatchObject({ name: { ru: "Мобильный S" }, minutes: { total: 300 }, sms: { total: 100 }, dataMb: { total: 10 * 1024 } });
    const id = mob?.serviceId ?? "";
    await record(OLGA_VL, id, "2026-12-01", { category: "call_mobile", direction: "out", sec: 61 }); // 2 min
    await record(OLGA_VL, id, "2026-12-01", { category: "call_local", direction: "out", sec: 120 }); // 2 min
    await record(OLGA_VL, id, "2026-12-01", { category: "call_in", direction: "in", sec: 600 }); // incoming: free
    await record(OLGA_VL, id, "2026-12-01", { category: "call_international", direction: "out", sec: 60 }); // charged apart
    await record(OLGA_VL, id, "2026-12-01", { category: "sms", direction: "out" });
    await record(OLGA_VL, id, "2026-12-01", { category: "sms", direction: "out" });
    await record(OLGA_VL, id, "2026-12-01", { category: "sms", direction: "in" });
    await record(OLGA_VL, id, "2026-12-01", { category: "internet", kb: 1536 * 1024 });
    await record(OLGA_VL, id, "2026-11-30", { category: "call_mobile", direction: "out", sec: 3000 }); // last month
    const after = await accountPackages(data(), olga, OLGA_VL, now);
    const m = after.items[0];
    expect((m?.minutes.used ?? 0) - (mob?.minutes.used ?? 0)).toBe(4);
    expect((m?.sms.used ?? 0) - (mob?.sms.used ?? 0)).toBe(2);
    expect((m?.dataMb.used ?? 0) - (mob?.dataMb.used ?? 0)).toBe(1536);
    expect(m?.minutes.left).toBe(Math.max(0, 300 - (m?.minutes.used ?? 0)));
    expect(m?.dataMb.left).toBe(Math.max(0, 10 * 1024 - (m?.dataMb.used ?? 0)));
  });

  it("never shows less than nothing left", async () => {
    const now = new Date("2026-11-30T15:00:00Z");
    const olga = await owner(OLGA_VL);
    const id = (await accountPackages(data(), olga, OLGA_VL, now)).items[0]?.serviceId ?? "";
    await record(OLGA_VL, id, "2026-12-01", { category: "call_mobile", direction: "out", sec: 400 * 60 });
    const m = (await accountPackages(data(), olga, OLGA_VL, now)).items[0];
    expect(m?.minutes.used).toBeGreaterThan(300);
    expect(m?.minutes.left).toBe(0);
  });

  it("answers the subscriber over the API and a stranger's account is a 404 problem", async () => {
    const anna = await login("anna");
    const res = await api(anna, `/accounts/${ANNA_MOBILE}/packages`);
    expect(res.status).toBe(200);
    const p = await json<Packages>(res);
    expect(p.month).toBe(localDay("Europe/Moscow").slice(0, 7));
    expect(p.items[0]).toMatchObject({
      name: { ru: "Мобильный M" },
      minutes: { total: 600 },
      sms: { total: 300 },
      dataMb: { total: 30 * 1024 },
    });
    // Home services have no package.
    expect((await json<Packages>(await api(anna, `/accounts/${ANNA_NSK}/packages`))).items).toEqual([]);
    const foreign = await api(anna, `/accounts/${PETR_EKB}/packages`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("roaming", () => {
  it("is an option of a mobile number, priced, switched on and off like the others", async () => {
    const anna = await login("anna");
    const list = await json<Services>(await api(anna, `/accounts/${ANNA_MOBILE}/options`));
    const mobile = list.services.find((s) => s.kind === "mobile");
    const roaming = mobile?.options.find((o) => o.id === "msk-roaming");
    expect(roaming).toMatchObject({ on: false });
    expect(roaming?.priceKop).toBeGreaterThan(0);
    const url = `/accounts/${ANNA_MOBILE}/services/${mobile?.serviceId}/options/msk-roaming`;
    expect(await json(await api(anna, url, { method: "PUT", body: JSON.stringify({ on: true }) }))).toEqual({
      optionId: "msk-roaming",
      on: true,
    });
    const again = await json<Services>(await api(anna, `/accounts/${ANNA_MOBILE}/options`));
    expect(again.services.find((s) => s.kind === "mobile")?.options.find((o) => o.id === "msk-roaming")?.on).toBe(true);
    await api(anna, url, { method: "PUT", body: JSON.stringify({ on: false }) });
  });
});

describe("line check", () => {
  const serviceOf = async (cookie: string, no: string, kind: string) =>
    (await json<Services>(await api(cookie, `/accounts/${no}/options`))).services.find((s) => s.kind === kind)?.serviceId ?? "";
  const check = (cookie: string, no: string, sid: string, lang = "ru") =>
    api(cookie, `/accounts/${no}/services/${sid}/line-check?lang=${lang}`, { method: "POST" });

  it("says a working line is up, with its speed and nothing to do", async () => {
    const anna = await login("anna");
    const res = await check(anna, ANNA_NSK, await serviceOf(anna, ANNA_NSK, "internet"));
    expect(res.status).toBe(200);
    expect(await json<Check>(res)).toMatchObject({ verdict: "ok", port: "up", session: "up", speedMbps: 100, nextSteps: [] });
  });

  it("on the demo line that fails: the port is up, no session; restart the router, then a request", async () => {
    const olga = await login("olga");
    const res = await check(olga, OLGA_VL, await serviceOf(olga, OLGA_VL, "internet"));
    expect(await json<Check>(res)).toMatchObject({
      verdict: "no_session",
      port: "up",
      session: "down",
      nextSteps: ["restart_router", "callout"],
    });
  });

  it("says a voluntarily blocked line is held back and how to get it back", async () => {
    const db = await shardOf(ANNA_MSK);
    const anna = await login("anna");
    const sid = await serviceOf(anna, ANNA_MSK, "bundle");
    await db.prepare("UPDATE account_services SET status = 'suspended' WHERE id = ?").bind(sid).run();
    try {
      expect(await json<Check>(await check(anna, ANNA_MSK, sid))).toMatchObject({
        verdict: "suspended",
        session: "down",
        nextSteps: ["end_block"],
      });
    } finally {
      await db.prepare("UPDATE account_services SET status = 'active' WHERE id = ?").bind(sid).run();
    }
  });

  it("refuses a mobile number with a problem in the reader's language, and a stranger's line is a 404", async () => {
    const anna = await login("anna");
    const mobile = await serviceOf(anna, ANNA_MOBILE, "mobile");
    const ru = await check(anna, ANNA_MOBILE, mobile);
    expect(ru.status).toBe(400);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<{ errors: { message: string }[] }>(ru)).errors[0]?.message).toBe(
      "Проверить линию можно только для домашнего интернета",
    );
    const en = await json<{ errors: { message: string }[] }>(await check(anna, ANNA_MOBILE, mobile, "en"));
    expect(en.errors[0]?.message).toBe("A line check is only for home internet");
    const olga = await login("olga");
    const foreign = await check(anna, OLGA_VL, await serviceOf(olga, OLGA_VL, "internet"));
    expect(foreign.status).toBe(404);
  });

  it("allows so many checks an hour per subscriber, then 429", async () => {
    const petr = await login("petr");
    const sid = await serviceOf(petr, PETR_EKB, "internet");
    const statuses: number[] = [];
    for (let i = 0; i <= POLICY.line_checks.lockAfter; i++) statuses.push((await check(petr, PETR_EKB, sid)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(POLICY.line_checks.lockAfter);
    expect(statuses.at(-1)).toBe(429);
  });

  it("files a repair request with the check attached", async () => {
    const olga = await login("olga");
    const sid = await serviceOf(olga, OLGA_VL, "internet");
    const res = await api(olga, "/applications", {
      method: "POST",
      body: JSON.stringify({
        kind: "callout",
        accountNo: OLGA_VL,
        serviceId: sid,
        problem: "Интернет не работает, перезагрузка роутера не помогла",
        preferredDay: addDays(localDay("Asia/Vladivostok"), 2),
        preferredSlot: "09-13",
        contactPhone: "+79000000003",
      }),
    });
    expect(res.status).toBe(201);
    const app = await json<{ id: string; serviceId: string; details: { lineCheck: Check } }>(res);
    expect(app.serviceId).toBe(sid);
    const shown = await json<typeof app>(await api(olga, `/applications/${app.id}`));
    expect(shown.details.lineCheck).toMatchObject({ verdict: "no_session", port: "up", session: "down" });
    await api(olga, `/applications/${app.id}/cancel`, { method: "POST" });
  });
});
