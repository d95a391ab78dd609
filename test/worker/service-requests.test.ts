import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { applications } from "../../worker/db/schema/region";
import type { Applicant } from "../../worker/features/services/applications.service";
import { blockQuote, createBlock } from "../../worker/features/services/blocks.service";
import { changeTariff, withdrawOrphanedTariffApplications } from "../../worker/features/services/tariff-change.service";
import { createDataAccess, d1Of, type ShardBinding, shardOfRegion } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, json, login, shardRows, stepUp } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001"); // msk, bundle-it + phone-unlim
const ANNA_NSK = makeAccountNo("60700000003"); // nsk, inet-100
const OLGA_VL = makeAccountNo("80500000007"); // vl, inet-300 + mob-s
const PETR_EKB = makeAccountNo("50400000006"); // ekb, inet-500 + tv-opt

type Problem = { type: string; title: string; status: number; errors?: { field: string; message: string }[] };
type App = { id: string; number: string; status: string; kind: string; serviceId: string | null };

const data = () => createDataAccess(env);
const notify = async () => {};
const subscriberId = async (login: string) => (await applicant(login)).subscriberId;
/** The subscriber and their home shard, as a session names them. */
const applicant = async (login: string): Promise<Applicant> => {
  const row = await env.DB.prepare("SELECT id, home_shard FROM subscribers WHERE login = ?")
    .bind(login)
    .first<{ id: string; home_shard: ShardBinding }>();
  if (!row) throw new Error(`no subscriber ${login}`);
  return { subscriberId: row.id, homeShard: row.home_shard };
};
const disconnect = (cookie: string, serviceId: string, lang = "ru") =>
  api(cookie, `/applications?lang=${lang}`, {
    method: "POST",
    body: JSON.stringify({ kind: "disconnection", accountNo: serviceId.split("-")[0], serviceId }),
  });

describe("one open request per service and kind", () => {
  it("accepts one open request per service when several are sent at once; the others are a 409 problem in ru or en", async () => {
    const petr = await login("petr");
    const service = `${PETR_EKB}-1`;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => disconnect(petr, service, i % 2 ? "en" : "ru")));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const accepted = await json<App>(answers[statuses.indexOf(201)] as Response);
    for (const [i, res] of answers.entries()) {
      if (res.status !== 409) continue;
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = await json<Problem>(res);
      expect(p.type).toBe("urn:kabinet:problem:application-open");
      expect(p.title).toBe(
        i % 2
          ? "This service already has an open “Disconnection of a service” application"
          : "По этой услуге уже есть заявка «Отключение услуги»",
      );
      expect(JSON.stringify(p)).toContain(accepted.number);
    }
    // Only one request is listed, «принята».
    const mine = await json<{ items: App[] }>(await api(petr, "/applications"));
    const open = mine.items.filter((a) => a.kind === "disconnection" && a.serviceId === service);
    expect(open.map((a) => a.status)).toEqual(["received"]);
    // Another service of the same account is a request of its own.
    expect((await disconnect(petr, `${PETR_EKB}-2`)).status).toBe(201);
  });

  it("withdraws a request only for its author, answers a repeated withdrawal the same, and then takes a new request", async () => {
    const petr = await login("petr");
    const anna = await login("anna");
    const service = `${ANNA_MSK}-2`;
    const first = await disconnect(anna, service);
    expect(first.status).toBe(201);
    const app = await json<App>(first);
    const foreign = await api(petr, `/applications/${app.id}/cancel`, { method: "POST" });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("content-type")).toContain("application/problem+json");
    const [a, b] = await Promise.all([
      api(anna, `/applications/${app.id}/cancel`, { method: "POST" }),
      api(anna, `/applications/${app.id}/cancel`, { method: "POST" }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const again = await api(anna, `/applications/${app.id}/cancel`, { method: "POST" });
    expect(again.status).toBe(200);
    expect((await json<App>(again)).status).toBe("cancelled");
    const history = await json<{ history: { to: string }[] }>(await api(anna, `/applications/${app.id}`));
    expect(history.history.filter((h) => h.to === "cancelled")).toHaveLength(1);
    // Withdrawn, it no longer holds the place: a new request is taken.
    expect((await disconnect(anna, service)).status).toBe(201);
  });

  it("withdraws the technician application of a tariff change that a new choice replaces", async () => {
    const anna = await stepUp(await login("anna"), "+79000000001");
    const choose = (tariffId: string) =>
      api(anna, `/accounts/${ANNA_NSK}/services/${ANNA_NSK}-1/tariff`, { method: "POST", body: JSON.stringify({ tariffId }) });
    const first = await json<{ applicationId: string }>(await choose("nsk-inet-1000"));
    const second = await choose("nsk-inet-1000");
    expect(second.status).toBe(202);
    const { applicationId } = await json<{ applicationId: string }>(second);
    expect((await json<App>(await api(anna, `/applications/${first.applicationId}`))).status).toBe("cancelled");
    expect((await json<App>(await api(anna, `/applications/${applicationId}`))).status).toBe("received");
  });
});

describe("tariff changes at the same moment", () => {
  it("withdraws the technician's application of a change that a change made at the same moment replaced", async () => {
    const service = `${ANNA_NSK}-1`;
    let technician: { applicationId: string | null } | undefined;
    // Her shard, as the instant change sees it: the technician change is made between its look for a pending change
    // and its own write.
    const binding = (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?")
      .bind(ANNA_NSK)
      .first<string>("shard")) as string;
    const real = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
    let armed = false;
    const racing = new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare")
          return (query: string) => {
            if (/^update "tariff_changes" set "status"/i.test(query)) armed = true;
            return target.prepare(query);
          };
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            if (armed && !technician)
              technician = await changeTariff(data(), notify, await applicant("anna"), ANNA_NSK, service, "nsk-inet-1000", () => {});
            return target.batch(stmts);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const instant = await changeTariff(
      createDataAccess({ ...env, [binding]: racing } as unknown as Env),
      notify,
      await applicant("anna"),
      ANNA_NSK,
      service,
      "nsk-inet-300",
      () => {},
    );
    expect(instant).toMatchObject({ status: "scheduled", applicationId: null });
    expect(technician?.applicationId).toBeTruthy();
    const [{ shard: app }] = (await shardRows<{ shard: string }>(
      "SELECT shard FROM application_directory WHERE id = ?",
      technician?.applicationId,
    )) as [{ shard: string }];
    const status = await (env as unknown as Record<string, D1Database>)[app as string]
      ?.prepare("SELECT status FROM applications WHERE id = ?")
      .bind(technician?.applicationId)
      .first<string>("status");
    expect(status).toBe("cancelled");
  });
});

describe("a technician's tariff-change application left without its change", () => {
  it("is withdrawn by the home shard's tick once the request that made it is surely over; one with its change stays", async () => {
    const data = createDataAccess(env);
    const anna = await applicant("anna");
    const service = `${ANNA_NSK}-1`;
    const made = new Date();
    const change = await changeTariff(data, notify, anna, ANNA_NSK, service, "nsk-inet-1000", () => {}, made);
    expect(change).toMatchObject({ status: "waiting" });
    const id = change.applicationId as string;
    const home = data.shardForRegion("nsk");
    const status = async () => (await home.select().from(applications).where(eq(applications.id, id)).get())?.status;
    const shard = shardOfRegion("nsk") as ShardBinding;
    // With its waiting change the application stays.
    expect(await withdrawOrphanedTariffApplications(data, notify, shard, new Date(made.getTime() + 20 * 60_000))).toBe(0);
    expect(await status()).toBe("received");
    // The request died before its change was written (the change row is not there).
    const account = await data.shardForAccount(ANNA_NSK);
    await d1Of(account?.db ?? home)
      .prepare("DELETE FROM tariff_changes WHERE application_id = ?")
      .bind(id)
      .run();
    // Too young: the request that made it may still be at work.
    expect(await withdrawOrphanedTariffApplications(data, notify, shard, new Date(made.getTime() + 5 * 60_000))).toBe(0);
    expect(await status()).toBe("received");
    expect(await withdrawOrphanedTariffApplications(data, notify, shard, new Date(made.getTime() + 20 * 60_000))).toBe(1);
    expect(await status()).toBe("cancelled");
    // Anna's history says why.
    const page = await json<{ history: { to: string; actor: string; comment: string | null }[] }>(
      await api(await login("anna"), `/applications/${id}`),
    );
    expect(page.history.at(-1)).toMatchObject({
      to: "cancelled",
      actor: "system",
      comment: "Смена тарифа не была оформлена: выберите тариф ещё раз",
    });
    // Again: nothing more to do.
    expect(await withdrawOrphanedTariffApplications(data, notify, shard, new Date(made.getTime() + 40 * 60_000))).toBe(0);
  });
});

describe("voluntary block across New Year", () => {
  it("counts each year's days to that year: the free days and the yearly limit are split at 1 January", async () => {
    // A fixed clock: 20 November 2026, Moscow. The msk rules: 7–90 days, 90 a year, the first 30 a year free, then 3 ₽ a day.
    const now = new Date("2026-11-20T09:00:00Z");
    const anna = await subscriberId("anna");
    const service = `${ANNA_MSK}-1`;
    const quote = (from: string, to: string) => blockQuote(data(), anna, ANNA_MSK, service, from, to, now);
    await createBlock(data(), notify, await applicant("anna"), ANNA_MSK, service, "2026-11-25", "2026-12-14", now); // 20 days of 2026
    // 20 Dec – 8 Jan: 12 days in 2026 (10 of them still free), 8 in 2027 (free): 2 paid days.
    const crossing = await quote("2026-12-20", "2027-01-08");
    expect(crossing).toMatchObject({ days: 20, usedThisYear: 20, feeKop: 2 * 300, errors: [] });
    await createBlock(data(), notify, await applicant("anna"), ANNA_MSK, service, "2026-12-20", "2027-01-08", now);
    // February 2027: 8 days of 2027 used by the crossing block, 22 free left of 28.
    const february = await quote("2027-02-01", "2027-02-28");
    expect(february).toMatchObject({ days: 28, usedThisYear: 8, feeKop: 6 * 300, errors: [] });
    // 90 more days in 2027 are over its limit of 90 (8 are used).
    const spring = await quote("2027-03-01", "2027-05-29");
    expect(spring.days).toBe(90);
    expect(spring.errors).toEqual(["field.block.year"]);
    // A block wholly in 2026 still sees 2026's 20 + 12 days.
    expect((await quote("2026-12-15", "2026-12-19")).usedThisYear).toBe(32);
  });
});

describe("block rules", () => {
  it("names the rule a period breaks, with its numbers, in ru and en", async () => {
    const anna = await login("anna");
    const olga = await login("olga");
    const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const order = (cookie: string, no: string, lang: string) =>
      api(cookie, `/accounts/${no}/services/${no}-1/blocks?lang=${lang}`, { method: "POST", body: JSON.stringify({ from, to }) });
    const ru = await order(anna, ANNA_NSK, "ru");
    expect(ru.status).toBe(400);
    expect((await json<Problem>(ru)).errors).toEqual([{ field: "to", message: "Срок блокировки — от 7 до 90 дней" }]);
    const en = await order(anna, ANNA_NSK, "en");
    expect((await json<Problem>(en)).errors).toEqual([{ field: "to", message: "A block lasts from 7 to 90 days" }]);
    // Vladivostok's rules are longer: the message says so.
    const vl = await order(olga, OLGA_VL, "ru");
    expect((await json<Problem>(vl)).errors).toEqual([{ field: "to", message: "Срок блокировки — от 7 до 180 дней" }]);
  });
});
