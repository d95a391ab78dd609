import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { subscribers } from "../../worker/db/schema/global";
import { voluntaryBlocks } from "../../worker/db/schema/region";
import { chargeDay } from "../../worker/features/billing/billing.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { startBlock } from "../../worker/features/services/blocks.queries";
import { applyBlocks, BLOCK_NOTICE_GRACE_MS, endBlock, resendBlockNotices } from "../../worker/features/services/blocks.service";
import { chargesBetween } from "../../worker/features/services/services.service";
import { servicesAtMidnight } from "../../worker/features/services/services-midnight.service";
import { applyTariffChanges, tariffOffer } from "../../worker/features/services/tariff-change.service";
import { decodeMonth, monthKey } from "../../worker/features/usage/usage.store";
import { createDataAccess, d1Of, type ShardBinding } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { localDay } from "../../worker/platform/region";
import { api, call, holdersOfAccount, json, login, stepUp } from "./helpers";

const ANNA_MOBILE = makeAccountNo("20100000002"); // msk, mob-m
const ANNA_NSK = makeAccountNo("60700000003"); // nsk, inet-100
const ANNA_MSK = makeAccountNo("20100000001"); // msk, bundle-it + phone-unlim
const MARIA_SPB = makeAccountNo("30200000004"); // anna may pay it
const OLGA_VL = makeAccountNo("80500000007"); // vl, inet-300 + mob-s
const PETR_EKB = makeAccountNo("50400000006"); // ekb, inet-500 + tv-opt

type Problem = { title: string; errors?: { field: string; message: string }[] };
type App = {
  id: string;
  number: string;
  status: string;
  next: string[];
  accountNo: string | null;
  history: { to: string; actor: string }[] | null;
};

const data = () => createDataAccess(env);
const shard = async (no: string) => {
  const s = await data().shardForAccount(no);
  if (!s) throw new Error(`no shard for ${no}`);
  return s.db;
};
const raw = async (no: string) => ((await shard(no)) as unknown as { $client: D1Database }).$client;
const notify = async () => {};
/** A voluntary block asked for as the app asks (by default for the account's first service). */
const askBlock = (cookie: string, accountNo: string, from: string, to: string, service = `${accountNo}-1`) =>
  api(cookie, `/accounts/${accountNo}/services/${service}/blocks`, { method: "POST", body: JSON.stringify({ from, to }) });
/** Petr's internet service in Ekaterinburg, whatever its id now (a test changes its tariff, which makes a new one). */
const petrInternet = async () =>
  (await (
    await raw(PETR_EKB)
  )
    .prepare("SELECT id FROM account_services WHERE account_no = ? AND status = 'active' AND tariff_id LIKE '%inet-%'")
    .bind(PETR_EKB)
    .first<string>("id")) ?? "";
/** The status of a block's application (the block on its account's shard, the application on its region's home one). */
async function applicationOf(accountNo: string, blockId: string) {
  const block = await (await raw(accountNo))
    .prepare("SELECT application_id AS id, region FROM voluntary_blocks WHERE id = ?")
    .bind(blockId)
    .first<{ id: string; region: string }>();
  if (!block) return null;
  const home = d1Of(data().shardForRegion(block.region));
  return (await home.prepare("SELECT status FROM applications WHERE id = ?").bind(block.id).first<{ status: string }>())?.status ?? null;
}
const shardBindingOf = async (no: string) =>
  (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(no).first<{ shard: string }>())?.shard;
const ops = (path: string, init: RequestInit = {}) =>
  call("msk", `/ops/v1${path}`, {
    ...init,
    headers: {
      authorization: "Bearer dev-only-operator-token",
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });
const move = (id: string, to: string, extra: Record<string, string> = {}) =>
  ops(`/applications/${id}/transition`, { method: "POST", body: JSON.stringify({ to, ...extra }) });
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe("address availability check", () => {
  it("answers which technologies reach a house and which tariffs fit, however the street is written", async () => {
    const res = await call("msk", `/api/v1/region/coverage?street=${encodeURIComponent("Профсоюзная улица")}&house=12`);
    expect(res.status).toBe(200);
    const c = await json<{
      available: boolean;
      maxMbps: number;
      technologies: { technology: string }[];
      tariffs: { id: string; speedMbps: number | null }[];
    }>(res);
    expect(c).toMatchObject({ available: true, maxMbps: 1000 });
    expect(c.technologies[0]?.technology).toBe("gpon");
    expect(c.tariffs.map((t) => t.id)).toContain("msk-inet-1000");
    const far = await json<{ available: boolean; tariffs: { kind: string }[] }>(
      await call("msk", `/api/v1/region/coverage?street=${encodeURIComponent("ул. Профсоюзная")}&house=500`),
    );
    expect(far.available).toBe(false);
    expect(far.tariffs.every((t) => t.kind === "mobile")).toBe(true);
    const adsl = await json<{ maxMbps: number; tariffs: { speedMbps: number | null; kind: string }[] }>(
      await call("vl", `/api/v1/region/coverage?street=${encodeURIComponent("Алеутская")}&house=3`),
    );
    expect(adsl.maxMbps).toBe(30);
    expect(adsl.tariffs.filter((t) => t.kind === "internet")).toEqual([]);
    const dacha = await json<{ available: boolean }>(
      await call("nsk", `/api/v1/region/coverage?street=${encodeURIComponent("СНТ «Берёзка»")}&house=8`),
    );
    expect(dacha.available).toBe(false);
    const bad = await call("msk", "/api/v1/region/coverage?street=%20&house=abc");
    expect(bad.status).toBe(400);
    expect((await json<Problem>(bad)).errors?.map((e) => e.field).sort()).toEqual(["house", "street"]);
    const streets = await json<{ items: string[] }>(await call("msk", `/api/v1/region/coverage/streets?q=${encodeURIComponent("проф")}`));
    expect(streets.items).toEqual(["ул. Профсоюзная"]);
  });
});

describe("tariff change", () => {
  it("prices a change from the next region-local day, exactly to the kopeck of the daily charges", async () => {
    const anna = await login("anna");
    const offer = await json<{
      current: { id: string; priceKop: number };
      effectiveDay: string;
      alternatives: { id: string; priceKop: number; monthlyDiffKop: number; restOfMonthDiffKop: number; needsTechnician: boolean }[];
    }>(await api(anna, `/accounts/${ANNA_MOBILE}/services/${ANNA_MOBILE}-1/tariffs`));
    expect(offer.current.id).toBe("msk-mob-m");
    expect(offer.effectiveDay).toBe(addDays(localDay("Europe/Moscow"), 1));
    const monthEnd = `${offer.effectiveDay.slice(0, 8)}${new Date(Date.UTC(Number(offer.effectiveDay.slice(0, 4)), Number(offer.effectiveDay.slice(5, 7)), 0)).getUTCDate()}`;
    for (const alt of offer.alternatives) {
      expect(alt.monthlyDiffKop).toBe(alt.priceKop - offer.current.priceKop);
      expect(alt.restOfMonthDiffKop).toBe(
        chargesBetween(alt.priceKop, offer.effectiveDay, monthEnd) - chargesBetween(offer.current.priceKop, offer.effectiveDay, monthEnd),
      );
      expect(alt.needsTechnician).toBe(false);
    }
    expect(offer.alternatives.map((a) => a.id).sort()).toEqual(["msk-mob-l", "msk-mob-s"]);
  });

  it("takes effect on the next local day of the account's region, not the server's", async () => {
    // 15:00 UTC on 1 December: still the 1st in Moscow, already the 2nd in Vladivostok.
    const at = new Date("2026-12-01T15:00:00Z");
    const olga = (await data().global.select().from(subscribers).where(eq(subscribers.login, "olga")).get())?.id ?? "";
    const vl = await tariffOffer(data(), olga, OLGA_VL, `${OLGA_VL}-1`, at);
    expect(vl.effectiveDay).toBe("2026-12-03");
    const anna = (await data().global.select().from(subscribers).where(eq(subscribers.login, "anna")).get())?.id ?? "";
    const msk = await tariffOffer(data(), anna, ANNA_MOBILE, `${ANNA_MOBILE}-1`, at);
    expect(msk.effectiveDay).toBe("2026-12-02");
  });

  it("needs a fresh SMS code, then switches the service at the local midnight once, and the day is charged on the new tariff", async () => {
    let petr = await login("petr");
    const service = `${PETR_EKB}-1`;
    const refused = await api(petr, `/accounts/${PETR_EKB}/services/${service}/tariff`, {
      method: "POST",
      body: JSON.stringify({ tariffId: "ekb-inet-300" }),
    });
    expect(refused.status).toBe(403);
    expect((await json<{ type: string }>(refused)).type).toBe("urn:kabinet:problem:step-up-required");
    petr = await stepUp(petr, "+79000000002");
    const wrongKind = await api(petr, `/accounts/${PETR_EKB}/services/${service}/tariff`, {
      method: "POST",
      body: JSON.stringify({ tariffId: "ekb-tv-max" }),
    });
    expect(wrongKind.status).toBe(400);
    const ok = await api(petr, `/accounts/${PETR_EKB}/services/${service}/tariff`, {
      method: "POST",
      body: JSON.stringify({ tariffId: "ekb-inet-300" }),
    });
    expect(ok.status).toBe(202);
    const change = await json<{ effectiveDay: string; status: string }>(ok);
    expect(change.status).toBe("scheduled");
    const db = await shard(PETR_EKB);
    const [a, b] = await Promise.all([
      applyTariffChanges(db, "ekb", change.effectiveDay),
      applyTariffChanges(db, "ekb", change.effectiveDay),
    ]);
    expect(a + b).toBe(1);
    const d1 = await raw(PETR_EKB);
    const services = await d1
      .prepare("SELECT id, tariff_id, status FROM account_services WHERE account_no = ? ORDER BY started_at")
      .bind(PETR_EKB)
      .all<{ id: string; tariff_id: string; status: string }>();
    expect(services.results.find((s) => s.id === service)?.status).toBe("ended");
    const now = services.results.find((s) => s.tariff_id === "ekb-inet-300");
    expect(now?.status).toBe("active");
    await chargeDay(db, "ekb", change.effectiveDay);
    const charged = await d1
      .prepare("SELECT service_id, amount_kop FROM ledger_entries WHERE account_no = ? AND local_day = ? AND kind = 'charge'")
      .bind(PETR_EKB, change.effectiveDay)
      .all<{ service_id: string; amount_kop: number }>();
    expect(charged.results.map((c) => c.service_id)).toContain(now?.id);
    expect(charged.results.map((c) => c.service_id)).not.toContain(service);
    // And the account shows it.
    const account = await json<{ services: { tariffId: string }[] }>(await api(petr, `/accounts/${PETR_EKB}`));
    expect(account.services.map((s) => s.tariffId)).toContain("ekb-inet-300");
  });

  it("makes a technician application when the new speed needs new equipment", async () => {
    const anna = await stepUp(await login("anna"), "+79000000001");
    const res = await api(anna, `/accounts/${ANNA_NSK}/services/${ANNA_NSK}-1/tariff`, {
      method: "POST",
      body: JSON.stringify({ tariffId: "nsk-inet-1000" }),
    });
    const r = await json<{ status: string; applicationId: string; effectiveDay: string | null }>(res);
    expect(r).toMatchObject({ status: "waiting", effectiveDay: null });
    expect((await move(r.applicationId, "in_work")).status).toBe(200);
    expect((await move(r.applicationId, "done")).status).toBe(200);
    const change = await (await raw(ANNA_NSK))
      .prepare("SELECT status, effective_day FROM tariff_changes WHERE application_id = ?")
      .bind(r.applicationId)
      .first<{ status: string; effective_day: string }>();
    expect(change).toEqual({ status: "scheduled", effective_day: addDays(localDay("Asia/Novosibirsk"), 1) });
  });

  it("replays three months of usage on every tariff (the advisor), cheapest first", async () => {
    const anna = await login("anna");
    const advice = await json<{
      months: { month: string }[];
      options: {
        tariff: { id: string; priceKop: number; minutes: number; dataGb: number };
        current: boolean;
        totalKop: number;
        savingKop: number;
        months: { feeKop: number; extraKop: number }[];
      }[];
    }>(await api(anna, `/accounts/${ANNA_MOBILE}/services/${ANNA_MOBILE}-1/advisor`));
    const today = localDay("Europe/Moscow");
    const prev = (n: number) =>
      new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 - n, 1)).toISOString().slice(0, 7);
    expect(advice.months.map((m) => m.month)).toEqual([prev(3), prev(2), prev(1)]);
    expect(advice.options.map((o) => o.totalKop)).toEqual([...advice.options.map((o) => o.totalKop)].sort((a, b) => a - b));
    expect(advice.options.find((o) => o.current)?.savingKop).toBe(0);
    // The smallest package, worked out here from the records: fee + minutes and gigabytes over it + paid SMS.
    const small = advice.options.find((o) => o.tariff.id === "msk-mob-s");
    let expected = 0;
    for (const m of advice.months.map((x) => x.month)) {
      // The raw records as stored in R2 (not the daily totals the advisor reads).
      const obj = await env.FILES.get(monthKey(ANNA_MOBILE, m));
      const rows = obj ? (await decodeMonth(obj.body)).records.filter((r) => r.serviceId === `${ANNA_MOBILE}-1`) : [];
      const minutesOf = (r: { durationSec: number | null }) => Math.ceil((r.durationSec ?? 0) / 60);
      const u = {
        minutes: rows
          .filter((r) => ["call_local", "call_mobile", "call_long_distance"].includes(r.category))
          .reduce((t, r) => t + minutesOf(r), 0),
        intl: rows.filter((r) => r.category === "call_international").reduce((t, r) => t + minutesOf(r), 0),
        kb: rows.reduce((t, r) => t + (r.volumeKb ?? 0), 0),
        sms: rows.filter((r) => r.category === "sms" && r.direction === "out").length,
      };
      expected +=
        (small?.tariff.priceKop ?? 0) +
        Math.max(0, (u?.minutes ?? 0) - (small?.tariff.minutes ?? 0)) * 250 +
        Math.max(0, Math.ceil((u?.kb ?? 0) / 1048576) - (small?.tariff.dataGb ?? 0)) * 15000 +
        (u?.sms ?? 0) * 250 +
        (u?.intl ?? 0) * 2500;
    }
    expect(small?.totalKop).toBe(expected);
  });
});

describe("options", () => {
  it("switches an option on and off; it is charged daily only while on", async () => {
    const anna = await login("anna");
    const list = await json<{ services: { serviceId: string; options: { id: string; on: boolean; priceKop: number }[] }[] }>(
      await api(anna, `/accounts/${ANNA_NSK}/options`),
    );
    const inet = list.services[0];
    const antivirus = inet?.options.find((o) => o.id === "nsk-antivirus");
    expect(antivirus?.on).toBe(false);
    const put = (on: boolean) =>
      api(anna, `/accounts/${ANNA_NSK}/services/${inet?.serviceId}/options/nsk-antivirus`, { method: "PUT", body: JSON.stringify({ on }) });
    expect((await put(true)).status).toBe(200);
    expect((await put(true)).status).toBe(200);
    const day = "2026-12-20";
    const db = await shard(ANNA_NSK);
    await chargeDay(db, "nsk", day);
    await chargeDay(db, "nsk", day);
    const d1 = await raw(ANNA_NSK);
    const optCharges = async (d: string) =>
      (await d1
        .prepare(
          "SELECT count(*) n, sum(amount_kop) s FROM ledger_entries WHERE account_no = ? AND local_day = ? AND idempotency_key LIKE 'charge:opt:%'",
        )
        .bind(ANNA_NSK, d)
        .first<{ n: number; s: number }>()) ?? { n: 0, s: 0 };
    const charged = await optCharges(day);
    expect(charged.n).toBe(1);
    expect(Number.isInteger(charged.s)).toBe(true);
    // Every charge of a mid-month day is whole kopecks (D1 binds numbers as REAL; the division must stay integer).
    const fractional = await d1
      .prepare("SELECT count(*) n FROM ledger_entries WHERE local_day = ? AND amount_kop != CAST(amount_kop AS INTEGER)")
      .bind(day)
      .first<{ n: number }>();
    expect(fractional?.n).toBe(0);
    expect(-charged.s).toBe(Math.floor(((antivirus?.priceKop ?? 0) * 20) / 31) - Math.floor(((antivirus?.priceKop ?? 0) * 19) / 31));
    expect((await put(false)).status).toBe(200);
    await chargeDay(db, "nsk", "2026-12-21");
    expect((await optCharges("2026-12-21")).n).toBe(0);
    // A relative who may pay cannot change what the holder has.
    const maria = await json<{ canChange: boolean; services: { serviceId: string }[] }>(await api(anna, `/accounts/${MARIA_SPB}/options`));
    expect(maria.canChange).toBe(false);
    const refused = await api(anna, `/accounts/${MARIA_SPB}/services/${maria.services[0]?.serviceId}/options/spb-antivirus`, {
      method: "PUT",
      body: JSON.stringify({ on: true }),
    });
    expect(refused.status).toBe(403);
  });
});

describe("voluntary block", () => {
  it("shows the exact saving and the fee beyond the free days, and refuses dates outside the rules", async () => {
    const anna = await login("anna");
    const soon = addDays(localDay("Europe/Moscow"), 2);
    // 40 days inside one calendar year (the free days are counted per year; a block over New Year: service-requests.test.ts).
    const from = addDays(soon, 39).slice(0, 4) === soon.slice(0, 4) ? soon : `${Number(soon.slice(0, 4)) + 1}-01-05`;
    const to = addDays(from, 39);
    // anna's Moscow bundle (internet and TV): 40 days, the first 30 free, then 3 ₽ a day.
    const quote = await json<{ days: number; savedKop: number; feeKop: number; savingKop: number; errors: string[] }>(
      await api(anna, `/accounts/${ANNA_MSK}/services/${ANNA_MSK}-1/block-quote?from=${from}&to=${to}`),
    );
    const price = Number(
      (await (await raw(ANNA_MOBILE)).prepare("SELECT price_kop p FROM tariffs WHERE id = 'msk-bundle-it'").first<{ p: number }>())?.p,
    );
    expect(quote).toMatchObject({ days: 40, feeKop: 10 * 300, errors: [] });
    expect(quote.savedKop).toBe(chargesBetween(price, from, to));
    expect(quote.savingKop).toBe(quote.savedKop - quote.feeKop);
    const short = await json<{ errors: string[] }>(
      await api(anna, `/accounts/${ANNA_NSK}/services/${ANNA_NSK}-1/block-quote?from=${from}&to=${addDays(from, 2)}`),
    );
    expect(short.errors).toEqual(["field.block.length"]);
    const mobile = await askBlock(anna, ANNA_MOBILE, from, addDays(from, 9));
    expect(mobile.status).toBe(400);
    expect((await json<Problem>(mobile)).errors?.[0]?.message).toBe("Эту услугу нельзя заблокировать добровольно");
    const past = await askBlock(anna, ANNA_NSK, localDay("Asia/Novosibirsk"), addDays(from, 9));
    expect(past.status).toBe(400);
  });

  it("charges the fee beyond the free days once when the block starts, however many midnight runs start it", async () => {
    const anna = await login("anna");
    const service = `${ANNA_MSK}-1`;
    // 40 days in Moscow: 30 free, then 10 days at 3 ₽.
    const res = await askBlock(anna, ANNA_MSK, "2027-06-01", "2027-07-10", service);
    expect(res.status).toBe(201);
    const block = await json<{ id: string; feeKop: number }>(res);
    expect(block.feeKop).toBe(10 * 300);
    const midnight = new Date("2027-05-31T21:00:00Z");
    const runs = await Promise.all(Array.from({ length: 5 }, () => applyBlocks(data(), notify, "msk", "2027-06-01", midnight)));
    expect(runs.reduce((n, r) => n + r.started, 0)).toBe(1);
    const fees = await (await raw(ANNA_MSK))
      .prepare("SELECT amount_kop, local_day, description_ru FROM ledger_entries WHERE idempotency_key = ?")
      .bind(`block:${block.id}:fee`)
      .all<{ amount_kop: number; local_day: string; description_ru: string }>();
    expect(fees.results).toEqual([{ amount_kop: -3000, local_day: "2027-06-01", description_ru: "Плата за добровольную блокировку" }]);
    const status = await (await raw(ANNA_MSK))
      .prepare("SELECT status FROM account_services WHERE id = ?")
      .bind(service)
      .first<{ status: string }>();
    expect(status?.status).toBe("suspended");
    // Over after its last day: the service is back, once, and nothing more is charged for the block.
    const after = await Promise.all(
      Array.from({ length: 3 }, () => applyBlocks(data(), notify, "msk", "2027-07-11", new Date("2027-07-10T21:00:00Z"))),
    );
    expect(after.reduce((n, r) => n + r.ended, 0)).toBe(1);
    const back = await (await raw(ANNA_MSK))
      .prepare("SELECT status FROM account_services WHERE id = ?")
      .bind(service)
      .first<{ status: string }>();
    expect(back?.status).toBe("active");
    const count = await (await raw(ANNA_MSK))
      .prepare("SELECT count(*) n FROM ledger_entries WHERE idempotency_key LIKE ?")
      .bind(`block:${block.id}:%`)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("gives a block's notice owed by a run that died before giving it, once, from the shard's tick; a run that gives it owes nothing", async () => {
    const olga = await login("olga");
    const service = `${OLGA_VL}-1`;
    const res = await askBlock(olga, OLGA_VL, "2027-08-01", "2027-08-20", service);
    expect(res.status).toBe(201);
    const block = await json<{ id: string }>(res);
    const owed = async () =>
      (await (await raw(OLGA_VL)).prepare("SELECT status, notice FROM voluntary_blocks WHERE id = ?").bind(block.id).first()) as {
        status: string;
        notice: string | null;
      };
    // The start's transaction commits, then the Worker dies before the holder is told.
    const dies = async () => {
      throw new Error("the Worker died");
    };
    const start = new Date("2027-07-31T14:00:00Z");
    // (The run goes on with its other blocks: the notice is left owed.)
    expect((await applyBlocks(data(), dies, "vl", "2027-08-01", start)).started).toBe(1);
    expect(await owed()).toEqual({ status: "active", notice: "start" });
    // The next run has nothing to start; the shard's tick gives the notice once the run had its time.
    const told: NotificationMessage[] = [];
    const tell = async (m: NotificationMessage) => void told.push(m);
    const shardOfVl = (await shardBindingOf(OLGA_VL)) as ShardBinding;
    expect(await resendBlockNotices(data(), tell, shardOfVl, new Date(start.getTime() + 60_000))).toBe(0);
    expect(await resendBlockNotices(data(), tell, shardOfVl, new Date(start.getTime() + BLOCK_NOTICE_GRACE_MS + 1000))).toBe(1);
    expect(told.map((m) => ("eventId" in m ? m.eventId : null))).toContain(`block:${block.id}:start`);
    expect(await owed()).toEqual({ status: "active", notice: null });
    expect(await resendBlockNotices(data(), tell, shardOfVl, new Date(start.getTime() + 3_600_000))).toBe(0);
    // Its end, given by its own run: nothing owed after.
    await applyBlocks(data(), tell, "vl", "2027-08-21", new Date("2027-08-20T14:00:00Z"));
    expect(await owed()).toEqual({ status: "ended", notice: null });
    const ids = told.map((m) => ("eventId" in m ? (m.eventId ?? "") : ""));
    expect(ids.filter((id) => id.startsWith(`block:${block.id}:`))).toEqual([`block:${block.id}:start`, `block:${block.id}:end`]);
    expect(await applicationOf(OLGA_VL, block.id)).toBe("done");
  });

  it("cancels a block once however many taps: the others hear it is already cancelled, and a cancel whose application step was lost is finished", async () => {
    const petr = await login("petr");
    const end = (id: string) => api(petr, `/accounts/${PETR_EKB}/blocks/${id}/end`, { method: "POST" });
    const internet = await petrInternet();
    const asked = await askBlock(petr, PETR_EKB, "2028-03-01", "2028-03-10", internet);
    expect(asked.status).toBe(201);
    const first = await json<{ id: string }>(asked);
    const taps = await Promise.all(Array.from({ length: 6 }, () => end(first.id)));
    expect(taps.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const refused = await json<Problem>(taps.find((r) => r.status === 409) as Response);
    expect(refused.title).toBe("Эта блокировка уже отменена");
    expect(await applicationOf(PETR_EKB, first.id)).toBe("cancelled");
    // A cancel whose run died after the block's own write, before its application's step: the next tap finishes it.
    const second = await json<{ id: string }>(await askBlock(petr, PETR_EKB, "2028-04-01", "2028-04-10", internet));
    await (await raw(PETR_EKB)).prepare("UPDATE voluntary_blocks SET status = 'cancelled' WHERE id = ?").bind(second.id).run();
    expect(await applicationOf(PETR_EKB, second.id)).toBe("received");
    const again = await end(second.id);
    expect(again.status).toBe(200);
    expect(await json<{ status: string }>(again)).toEqual({ status: "cancelled" });
    expect(await applicationOf(PETR_EKB, second.id)).toBe("cancelled");
    // An ended block is over: 409 in English too; a stranger's block is still a 404.
    await (await raw(PETR_EKB)).prepare("UPDATE voluntary_blocks SET status = 'ended' WHERE id = ?").bind(second.id).run();
    const over = await api(petr, `/accounts/${PETR_EKB}/blocks/${second.id}/end?lang=en`, { method: "POST" });
    expect(over.status).toBe(409);
    expect((await json<Problem>(over)).title).toBe("This block is already over");
    const anna = await login("anna");
    expect((await api(anna, `/accounts/${PETR_EKB}/blocks/${second.id}/end`, { method: "POST" })).status).toBe(404);
  });

  it("makes one block and one application of the same request sent many times at once; a cancelled block's days are free again", async () => {
    const petr = await login("petr");
    const internet = await petrInternet();
    const ask = () => askBlock(petr, PETR_EKB, "2028-06-01", "2028-06-10", internet);
    const answers = await Promise.all(Array.from({ length: 8 }, ask));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400, 400, 400, 400]);
    const refused = await json<Problem>(answers.find((r) => r.status === 400) as Response);
    expect(refused.errors?.[0]?.field).toBe("from");
    const rows = await (await raw(PETR_EKB))
      .prepare("SELECT id, application_id FROM voluntary_blocks WHERE service_id = ? AND from_day = '2028-06-01'")
      .bind(internet)
      .all<{ id: string; application_id: string }>();
    expect(rows.results).toHaveLength(1);
    const apps = await d1Of(data().shardForRegion("ekb"))
      .prepare("SELECT count(*) AS n FROM applications WHERE kind = 'block' AND json_extract(details, '$.fromDay') = '2028-06-01'")
      .first<number>("n");
    expect(apps).toBe(1);
    // Cancelled before it began, it took no day: the same days can be blocked again.
    const [made] = rows.results;
    expect((await api(petr, `/accounts/${PETR_EKB}/blocks/${made?.id}/end`, { method: "POST" })).status).toBe(200);
    expect((await ask()).status).toBe(201);
  });

  it("keeps blocks of different days asked for at once within the year's allowance, each with the fee of the free days left to it", async () => {
    const anna = await login("anna");
    const service = `${ANNA_MSK}-1`;
    // Moscow: 90 days a year, the first 30 free, then 3 ₽ a day. Four blocks of 30 days in 2030, none overlapping.
    const periods = [
      ["2030-01-10", "2030-02-08"],
      ["2030-03-01", "2030-03-30"],
      ["2030-05-01", "2030-05-30"],
      ["2030-07-01", "2030-07-30"],
    ] as const;
    const answers = await Promise.all(periods.map(([from, to]) => askBlock(anna, ANNA_MSK, from, to, service)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 400]);
    const refused = await json<Problem>(answers.find((r) => r.status === 400) as Response);
    expect(refused.errors).toEqual([{ field: "to", message: "Не больше 90 дней блокировки за календарный год" }]);
    const made = await (await raw(ANNA_MSK))
      .prepare(
        "SELECT from_day, to_day, fee_kop FROM voluntary_blocks WHERE service_id = ? AND from_day LIKE '2030-%' AND status = 'scheduled'",
      )
      .bind(service)
      .all<{ from_day: string; to_day: string; fee_kop: number }>();
    expect(made.results).toHaveLength(3);
    // 90 days: 30 of them free, whichever block got them; 60 at 3 ₽.
    expect(made.results.reduce((t, b) => t + b.fee_kop, 0)).toBe(60 * 300);
    expect(made.results.map((b) => b.fee_kop).sort((a, b) => a - b)).toEqual([0, 30 * 300, 30 * 300]);
  });

  it("does not end a block that midnight started while it was being cancelled: 409 «уже началась», ending it early is asked apart", async () => {
    const petr = await login("petr");
    const internet = await petrInternet();
    const block = await json<{ id: string }>(await askBlock(petr, PETR_EKB, "2028-05-01", "2028-05-10", internet));
    // His shard, as the cancel sees it: midnight's start lands between its read of the block and its close.
    const binding = (await shardBindingOf(PETR_EKB)) as string;
    const real = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
    const racing = new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) => {
            const stmt = target.prepare(query);
            if (!/^update "voluntary_blocks" set "status"/i.test(query)) return stmt;
            return new Proxy(stmt, {
              get(t, p) {
                if (p === "bind")
                  return (...args: unknown[]) => {
                    const bound = t.bind(...args);
                    return new Proxy(bound, {
                      get(b, q) {
                        if (q !== "run") return Reflect.get(b, q, b).bind?.(b) ?? Reflect.get(b, q, b);
                        return async () => {
                          await target.prepare("UPDATE voluntary_blocks SET status = 'active' WHERE id = ?").bind(block.id).run();
                          return b.run();
                        };
                      },
                    });
                  };
                const v = Reflect.get(t, p, t);
                return typeof v === "function" ? v.bind(t) : v;
              },
            });
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const racingData = createDataAccess({ ...env, [binding]: racing } as unknown as Env);
    await expect(endBlock(racingData, notify, "demo-petr", PETR_EKB, block.id)).rejects.toMatchObject({
      status: 409,
      slug: "block_started",
    });
    // Started, not ended: its application not cancelled.
    const row = await (await raw(PETR_EKB))
      .prepare("SELECT status FROM voluntary_blocks WHERE id = ?")
      .bind(block.id)
      .first<string>("status");
    expect(row).toBe("active");
    expect(await applicationOf(PETR_EKB, block.id)).toBe("received");
  });

  it("moves a block's application through «in work» to «done» at its end when its start's step was never taken", async () => {
    const olga = await login("olga");
    const no = makeAccountNo("10600000008");
    const res = await askBlock(olga, no, "2027-09-01", "2027-09-20");
    expect(res.status).toBe(201);
    const block = await json<{ id: string }>(res);
    // The start's transaction commits and the run dies at once: neither the application's step nor the notice.
    const db = await shard(no);
    const row = await db.select().from(voluntaryBlocks).where(eq(voluntaryBlocks.id, block.id)).get();
    if (!row) throw new Error("no block");
    expect(await startBlock(db, row, ["SELECT 1"], new Date("2027-08-31T21:00:00Z"))).toBe(true);
    expect(await applicationOf(no, block.id)).toBe("received");
    // Its end comes first (before any tick): the application goes on to «done», not left «received».
    const told: NotificationMessage[] = [];
    expect((await applyBlocks(data(), async (m) => void told.push(m), "mo", "2027-09-21", new Date("2027-09-20T21:00:00Z"))).ended).toBe(1);
    expect(await applicationOf(no, block.id)).toBe("done");
    expect(told.map((m) => ("eventId" in m ? m.eventId : null))).toContain(`block:${block.id}:end`);
  });

  it("starts and ends at each region's own midnight, skips the blocked days' charges, and tells the subscriber", async () => {
    const olga = await login("olga");
    const from = "2026-12-10";
    const to = "2026-12-16";
    const vlService = `${OLGA_VL}-1`;
    const moService = `${makeAccountNo("10600000008")}-1`; // olga's Krasnogorsk internet (Moscow time)
    for (const [no, svc] of [
      [OLGA_VL, vlService],
      [makeAccountNo("10600000008"), moService],
    ] as const) {
      const res = await askBlock(olga, no, from, to, svc);
      expect(res.status).toBe(201);
    }
    const status = async (no: string, svc: string) =>
      (await (await raw(no)).prepare("SELECT status FROM account_services WHERE id = ?").bind(svc).first<{ status: string }>())?.status;
    // Midnight of the 10th in Vladivostok (UTC+10) is 14:00 UTC on the 9th: Moscow is still on the 9th.
    await servicesAtMidnight(data(), notify, new Date("2026-12-09T14:00:00Z"));
    expect(await status(OLGA_VL, vlService)).toBe("suspended");
    expect(await status(makeAccountNo("10600000008"), moService)).toBe("active");
    await servicesAtMidnight(data(), notify, new Date("2026-12-09T21:00:00Z"));
    expect(await status(makeAccountNo("10600000008"), moService)).toBe("suspended");
    // The blocked days are not charged.
    const vlDb = await shard(OLGA_VL);
    await chargeDay(vlDb, "vl", "2026-12-12");
    const blockedCharge = await (await raw(OLGA_VL))
      .prepare("SELECT count(*) n FROM ledger_entries WHERE service_id = ? AND local_day = '2026-12-12'")
      .bind(vlService)
      .first<{ n: number }>();
    expect(blockedCharge?.n).toBe(0);
    // The day after the last: back on at Vladivostok's midnight of the 17th (14:00 UTC on the 16th), and charged.
    await servicesAtMidnight(data(), notify, new Date("2026-12-16T13:00:00Z"));
    expect(await status(OLGA_VL, vlService)).toBe("suspended");
    await servicesAtMidnight(data(), notify, new Date("2026-12-16T14:00:00Z"));
    expect(await status(OLGA_VL, vlService)).toBe("active");
    await chargeDay(vlDb, "vl", "2026-12-17");
    const back = await (await raw(OLGA_VL))
      .prepare("SELECT count(*) n FROM ledger_entries WHERE service_id = ? AND local_day = '2026-12-17'")
      .bind(vlService)
      .first<{ n: number }>();
    expect(back?.n).toBe(1);
    // The block's application went received → in work → done by itself; operators cannot move it.
    const apps = await json<{ items: App[] }>(await api(olga, "/applications"));
    const vlApp = apps.items.find((a) => a.accountNo === OLGA_VL && a.status === "done");
    expect(vlApp).toBeTruthy();
    expect((await move(vlApp?.id ?? "", "rejected")).status).toBe(409);
    const moApp = apps.items.find((a) => a.accountNo === makeAccountNo("10600000008"));
    expect(moApp?.status).toBe("in_work");
    expect((await move(moApp?.id ?? "", "done")).status).toBe(409);
  });
});

describe("applications", () => {
  it("goes from the address check to a connected service through every status, notifying each step", async () => {
    const anna = await login("anna");
    // Her sessions keep a copy of her links from before the new account.
    expect((await api(anna, "/accounts")).status).toBe(200);
    const tomorrow = addDays(localDay("Europe/Moscow"), 1);
    const body = {
      kind: "connection",
      street: "ул. Тверская",
      house: "7",
      flat: "12",
      tariffId: "msk-inet-500",
      preferredDay: tomorrow,
      preferredSlot: "09-13",
      contactPhone: "+7 900 000-00-01",
    };
    const res = await api(anna, "/applications", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const app = await json<App>(res);
    expect(app).toMatchObject({ status: "received", next: ["cancelled"] });
    expect(app.number).toMatch(/^\d{4}-\d{6}$/);
    // Not there: a refusal with the field.
    const nowhere = await api(anna, "/applications", { method: "POST", body: JSON.stringify({ ...body, house: "300" }) });
    expect((await json<Problem>(nowhere)).errors?.[0]).toEqual({ field: "house", message: "По этому адресу подключения пока нет" });
    const queue = await json<{ items: App[] }>(await ops("/applications?region=msk&status=received"));
    expect(queue.items.map((a) => a.id)).toContain(app.id);
    expect((await move(app.id, "technician_assigned", { technician: "Иванов" })).status).toBe(409);
    expect((await move(app.id, "in_work")).status).toBe(200);
    expect((await api(anna, `/applications/${app.id}/cancel`, { method: "POST" })).status).toBe(409);
    expect((await move(app.id, "technician_assigned")).status).toBe(400);
    expect((await move(app.id, "technician_assigned", { technician: "Сергей Иванов" })).status).toBe(200);
    const done = await json<App>(await move(app.id, "done", { comment: "Подключено" }));
    expect(done.status).toBe("done");
    expect(done.history?.map((h) => h.to)).toEqual(["received", "in_work", "technician_assigned", "done"]);
    expect((await move(app.id, "in_work")).status).toBe(409);
    // A new account at the address, the holder's, with the service.
    const mine = await json<App>(await api(anna, `/applications/${app.id}`));
    expect(mine.accountNo).toMatch(/^\d{12}$/);
    const accounts = await json<{ items: { accountNo: string; address: string; services: { tariffId: string }[] }[] }>(
      await api(anna, "/accounts"),
    );
    const fresh = accounts.items.find((a) => a.accountNo === mine.accountNo);
    expect(fresh?.address).toContain("Тверская, д. 7, кв. 12");
    expect(fresh?.services.map((s) => s.tariffId)).toEqual(["msk-inet-500"]);
    // Told at every step, in the inbox.
    await expect
      .poll(
        async () =>
          (await json<{ items: { title: string }[] }>(await api(anna, "/notifications"))).items.filter((m) => m.title.includes(app.number))
            .length,
        { timeout: 10_000 },
      )
      .toBe(4);
    // Nobody else sees it; operators need their token.
    const petr = await login("petr");
    expect((await api(petr, `/applications/${app.id}`)).status).toBe(404);
    expect((await call("msk", "/ops/v1/applications?region=msk")).status).toBe(401);
    const refused = await call("msk", "/ops/v1/applications?region=msk", { headers: { authorization: "Bearer wrong" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    // RFC 6750 §3: the refusal names the scheme and why.
    expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("finishes a new connection's account that an earlier try began and died in (its number kept): made and linked once", async () => {
    const anna = await login("anna");
    const body = {
      kind: "connection",
      street: "ул. Тверская",
      house: "7",
      flat: "14",
      tariffId: "msk-inet-500",
      preferredDay: addDays(localDay("Europe/Moscow"), 1),
      preferredSlot: "09-13",
      contactPhone: "+7 900 000-00-01",
    };
    const app = await json<App>(await api(anna, "/applications", { method: "POST", body: JSON.stringify(body) }));
    expect((await move(app.id, "in_work")).status).toBe(200);
    expect((await move(app.id, "technician_assigned", { technician: "Сергей Иванов" })).status).toBe(200);
    // A try of the «done» step kept its new number on the application, then died before the account or its link.
    const reserved = makeAccountNo("99887766554");
    const home = d1Of(data().shardForRegion("msk"));
    await home
      .prepare("UPDATE applications SET account_no = ?, details = json_set(details, '$.madeAccount', ?) WHERE id = ?")
      .bind(reserved, reserved, app.id)
      .run();
    expect((await move(app.id, "done", { comment: "Подключено" })).status).toBe(200);
    const accounts = await json<{ items: { accountNo: string; services: { tariffId: string }[] }[] }>(await api(anna, "/accounts"));
    expect(accounts.items.find((a) => a.accountNo === reserved)?.services.map((s) => s.tariffId)).toEqual(["msk-inet-500"]);
    expect((await holdersOfAccount(reserved)).map((h) => ({ role: h.role, state: h.state }))).toEqual([{ role: "owner", state: null }]);
  });

  it("lets the subscriber withdraw an untouched application, and closes a contract with the balance refunded", async () => {
    const petr = await login("petr");
    const callout = await json<App>(
      await api(petr, "/applications", {
        method: "POST",
        body: JSON.stringify({
          kind: "callout",
          accountNo: PETR_EKB,
          problem: "Нет сигнала на ТВ",
          preferredDay: addDays(localDay("Asia/Yekaterinburg"), 2),
          preferredSlot: "13-17",
          contactPhone: "+79000000002",
        }),
      }),
    );
    const cancelled = await json<App>(await api(petr, `/applications/${callout.id}/cancel`, { method: "POST" }));
    expect(cancelled.status).toBe("cancelled");
    expect((await move(callout.id, "in_work")).status).toBe(409);
    // The termination itself (an SMS code, the refund): test/worker/termination.test.ts.
  });

  it("limits how many applications one subscriber makes a day", async () => {
    const maria = await login("maria");
    // Each in a window of its own: a window's capacity (visits.data.ts) is not what this counts.
    const body = (i: number) =>
      JSON.stringify({
        kind: "callout",
        accountNo: MARIA_SPB,
        problem: "Проверка",
        preferredDay: addDays(localDay("Europe/Moscow"), 2 + (i % 7)),
        preferredSlot: ["09-13", "13-17", "17-21"][Math.floor(i / 7)],
        contactPhone: "+79000000004",
      });
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await api(maria, "/applications", { method: "POST", body: body(i) })).status);
    expect(codes.filter((c) => c === 201)).toHaveLength(20);
    expect(codes[20]).toBe(429);
  });
});

describe("what an application says it is", () => {
  it("names the kind of request and the service, in the application and in the inbox, in ru and en", async () => {
    const petr = await login("petr");
    const acc = await json<{ services: { id: string; name: { ru: string; en: string } }[] }>(await api(petr, `/accounts/${PETR_EKB}`));
    const inet = acc.services[0];
    if (!inet) throw new Error("no service");
    const made = await api(petr, "/applications", {
      method: "POST",
      body: JSON.stringify({ kind: "disconnection", accountNo: PETR_EKB, serviceId: inet.id }),
    });
    expect(made.status).toBe(201);
    const { id, number } = await json<App>(made);
    type Shown = { kindLabel: { ru: string; en: string }; service: { ru: string; en: string } | null };
    const one = await json<Shown>(await api(petr, `/applications/${id}`));
    expect(one.kindLabel).toEqual({ ru: "Отключение услуги", en: "Disconnection of a service" });
    expect(one.service).toEqual(inet.name);
    const listed = await json<{ items: (Shown & { id: string })[] }>(await api(petr, "/applications"));
    expect(listed.items.find((a) => a.id === id)?.service).toEqual(inet.name);
    // The inbox says what was asked for, about which service and account.
    const inboxBody = async () =>
      (await json<{ items: { title: string; body: string }[] }>(await api(petr, "/notifications"))).items.find((m) =>
        m.title.includes(number),
      )?.body;
    await expect
      .poll(inboxBody, { timeout: 10_000 })
      .toBe(`Отключение услуги «${inet.name.ru}», счёт ${PETR_EKB.replace(/(\d{4})(?=\d)/g, "$1 ")}. Заявка № ${number} — принята.`);
    expect((await api(petr, `/applications/${id}/cancel`, { method: "POST" })).status).toBe(200);
  });
});
