/**
 * Issue 23, business support: requests and chats of the business cabinet and of the public business page go to the
 * business operators' queue (not the private one), each request with a response-time target by its category (a
 * working-day rule for the slow ones), overdue ones first and flagged; the organisation's requests are seen by its
 * members with the support right only; a personal manager set by an operator; the business tariffs per region.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fileOrgRequest } from "../../worker/features/business/business-support.service";
import { addWorkingHours, responseDue } from "../../worker/features/business/response-target";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { regionByCode } from "../../worker/platform/region";
import { api, call, json, login, orgHomeOf, SAME_ORIGIN } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
const VETER_MSK_1 = makeAccountNo("20190000001");
const VETER_MSK_2 = makeAccountNo("20190000002");
const ANNA_MSK = makeAccountNo("20100000001");

type Ticket = {
  id: string;
  number: string;
  region: string;
  queue: "private" | "business";
  orgId: string | null;
  category: string;
  categoryLabel: string | null;
  status: string;
  dueAt: string | null;
  overdue: boolean;
  accountNo: string | null;
};
type Chat = { id: string; queue: string; orgId?: string | null; company?: string | null; customerName?: string };
type Queue = { chats: Chat[]; tickets: Ticket[]; callbacks: unknown[] };
type Problem = { title: string; detail?: string; errors?: { field: string; message: string }[] };

let ip = 0;
const nextIp = () => `203.0.113.${200 + (++ip % 50)}`;

/** An operator's console session on msk; returns a caller of /ops/v1/support. */
async function operator(loginName = "operator.msk") {
  const res = await call("msk", "/ops/v1/support/session", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": nextIp() },
    body: JSON.stringify({ login: loginName, password: "Operator2026" }),
  });
  expect(res.status).toBe(200);
  const cookie = /kab_ops=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  return (path: string, init: RequestInit = {}) =>
    call("msk", `/ops/v1/support${path}`, {
      ...init,
      headers: { ...SAME_ORIGIN, cookie: `kab_ops=${cookie}`, ...(init.headers as Record<string, string>) },
    });
}

const queueOf = async (ops: Awaited<ReturnType<typeof operator>>, queue?: "private" | "business") =>
  json<Queue>(await ops(`/queue${queue ? `?queue=${queue}` : ""}`));

function fileRequest(cookie: string, orgId: string, body: Record<string, unknown>, lang = "ru") {
  return api(cookie, `/business/organisations/${orgId}/support/requests?lang=${lang}`, { method: "POST", body: JSON.stringify(body) });
}

const REQUEST = { category: "outage", subject: "Нет интернета", text: "В офисе на Остоженке пропал интернет с утра" };

function opsApi(method: string, path: string, body?: unknown, lang = "ru") {
  return call(null, `/ops/v1${path}?lang=${lang}`, {
    method,
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("the response-time target of a business request", () => {
  const MSK = "Europe/Moscow";
  const at = (iso: string) => new Date(iso);

  it("is an hour round the clock for an outage and four hours for payments and documents", () => {
    // Saturday 23:30 in Moscow (20:30 UTC): an outage is due at 00:30, a payment question at 03:30.
    expect(responseDue("outage", MSK, at("2026-12-05T20:30:00Z")).toISOString()).toBe("2026-12-05T21:30:00.000Z");
    expect(responseDue("payments", MSK, at("2026-12-05T20:30:00Z")).toISOString()).toBe("2026-12-06T00:30:00.000Z");
    expect(responseDue("documents", MSK, at("2026-12-05T20:30:00Z")).toISOString()).toBe("2026-12-06T00:30:00.000Z");
  });

  it("is one working day (9 working hours, Mon–Fri 09:00–18:00 local, holidays off) for connecting and changing services", () => {
    // Tuesday 10:00 Moscow → Wednesday 10:00.
    expect(responseDue("services", MSK, at("2026-12-01T07:00:00Z")).toISOString()).toBe("2026-12-02T07:00:00.000Z");
    // Friday 16:00 Moscow: 2 hours on Friday, 7 on Monday → Monday 16:00.
    expect(responseDue("services", MSK, at("2026-12-04T13:00:00Z")).toISOString()).toBe("2026-12-07T13:00:00.000Z");
    // Saturday: counting starts on Monday at 09:00 → Monday 18:00.
    expect(responseDue("services", MSK, at("2026-12-05T08:00:00Z")).toISOString()).toBe("2026-12-07T15:00:00.000Z");
    // Thursday 31 December 17:00: one hour that day, then the New Year holidays (1–8 January) and the weekend of
    // 9–10 January 2027 → Monday 11 January 17:00.
    expect(responseDue("services", MSK, at("2026-12-31T14:00:00Z")).toISOString()).toBe("2027-01-11T14:00:00.000Z");
    // The region's own clock: Wednesday 20:00 in Vladivostok (10:00 UTC) is after hours → Thursday 18:00 there.
    expect(addWorkingHours("Asia/Vladivostok", at("2026-12-02T10:00:00Z"), 9).toISOString()).toBe("2026-12-03T08:00:00.000Z");
  });
});

describe("business requests", () => {
  it("land in the business queue, not the private one, with the target the client was shown", async () => {
    const manager = await login("biz.manager");
    const before = Date.now();
    const res = await fileRequest(manager, VETER, { ...REQUEST, accountNo: VETER_MSK_1 });
    expect(res.status).toBe(201);
    const ticket = await json<Ticket>(res);
    expect(ticket).toMatchObject({ queue: "business", orgId: VETER, region: "msk", categoryLabel: "Авария, нет связи", overdue: false });
    const due = Date.parse(ticket.dueAt ?? "");
    expect(due - before).toBeGreaterThanOrEqual(3_600_000 - 5_000);
    expect(due - Date.now()).toBeLessThanOrEqual(3_600_000);
    // A private subscriber's request of the same region, for contrast.
    const anna = await login("anna");
    const privateRes = await api(anna, "/support/tickets", {
      method: "POST",
      body: JSON.stringify({ category: "internet", accountNo: ANNA_MSK, subject: "Нет сети", text: "Дома нет интернета второй день" }),
    });
    const privateTicket = await json<Ticket>(privateRes);
    expect(privateTicket.queue).toBe("private");

    const ops = await operator();
    const business = await queueOf(ops, "business");
    const priv = await queueOf(ops);
    expect(business.tickets.map((t) => t.id)).toContain(ticket.id);
    expect(business.tickets.map((t) => t.id)).not.toContain(privateTicket.id);
    expect(priv.tickets.map((t) => t.id)).toContain(privateTicket.id);
    expect(priv.tickets.map((t) => t.id)).not.toContain(ticket.id);
    expect(business.callbacks).toEqual([]);
    // The organisation's list and the request itself show the same target, to every member with the right.
    const accountant = await login("biz.accountant");
    const list = await json<{ items: Ticket[]; categories: { id: string; target: string }[] }>(
      await api(accountant, `/business/organisations/${VETER}/support/requests`),
    );
    expect(list.items.find((t) => t.id === ticket.id)?.dueAt).toBe(ticket.dueAt);
    expect(list.categories.find((c) => c.id === "outage")?.target).toBe("в течение 1 часа, круглосуточно");
    const one = await json<Ticket & { history: unknown[] }>(
      await api(accountant, `/business/organisations/${VETER}/support/requests/${ticket.id}`),
    );
    expect(one.dueAt).toBe(ticket.dueAt);
    expect(one.history).toHaveLength(1);
    // Filed in the audit log: who, what, from where.
    const admin = await login("biz.admin");
    const audit = await json<{ items: { action: string; target: string | null; actor: { name: string } }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit`),
    );
    expect(audit.items.find((a) => a.action === "support.request" && a.target === ticket.number)).toBeTruthy();
  });

  it("keep a request in the organisation's list when the run dies after writing it; take back the entry of one never written", async () => {
    // The organisation's entries, on its home shard (issue 20) and in the global table (an older deployment's).
    const home = await orgHomeOf(VETER);
    const entries = async () =>
      (
        await Promise.all(
          [home, env.DB].map((db) =>
            db.prepare("SELECT id FROM org_tickets WHERE org_id = ? ORDER BY created_at").bind(VETER).all<{ id: string }>(),
          ),
        )
      ).flatMap((r) => r.results.map((x) => x.id));
    const before = await entries();
    // The global database's second batch (the audit entry, after the request) is lost: the run dies there.
    let batches = 0;
    const dying = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            if (++batches === 2) throw new Error("D1_ERROR: Network connection lost.");
            return target.batch(stmts);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const filed = await fileOrgRequest(
      createDataAccess({ ...env, DB: dying } as unknown as Env),
      { subscriberId: "demo-biz-admin", address: "192.0.2.1" },
      VETER,
      regionByCode("msk") ?? null,
      { category: "other", subject: "Смена тарифа", text: "Хотим перейти на другой тариф" },
      "ru",
    ).catch((e: unknown) => e);
    expect(String(filed)).toContain("Network connection lost");
    const added = (await entries()).filter((id) => !before.includes(id));
    expect(added).toHaveLength(1);
    const admin = await login("biz.admin");
    const list = await json<{ items: { id: string; subject: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/support/requests`),
    );
    expect(list.items.find((t) => t.id === added[0])?.subject).toBe("Смена тарифа");

    // The region's shard refuses the request itself: nothing of it is left in the organisation's directory.
    const refusing = new Proxy(env.DB_MOSCOW, {
      get(target, prop) {
        if (prop === "batch") return async () => Promise.reject(new Error("D1_ERROR: no such table: support_tickets"));
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const refused = await fileOrgRequest(
      createDataAccess({ ...env, DB_MOSCOW: refusing } as unknown as Env),
      { subscriberId: "demo-biz-admin", address: "192.0.2.1" },
      VETER,
      regionByCode("msk") ?? null,
      { category: "other", subject: "Не записанная", text: "Эта заявка не будет записана" },
      "ru",
    ).catch((e: unknown) => e);
    expect(String(refused)).toContain("no such table");
    expect((await entries()).filter((id) => !before.includes(id))).toEqual(added);
  });

  it("stand out in the operators' console once overdue: flagged and first, until an operator takes them into work", async () => {
    const data = createDataAccess(env);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const late = await fileOrgRequest(
      data,
      { subscriberId: "demo-biz-admin", address: "192.0.2.1" },
      VETER,
      regionByCode("msk") ?? null,
      { category: "outage", subject: "Авария", text: "Не работает связь во всём офисе" },
      "ru",
      twoHoursAgo,
    );
    const fresh = await json<Ticket>(await fileRequest(await login("biz.admin"), VETER, { ...REQUEST, category: "payments" }));
    const ops = await operator();
    const queue = await queueOf(ops, "business");
    expect(queue.tickets[0]?.id).toBe(late.id);
    expect(queue.tickets.find((t) => t.id === late.id)?.overdue).toBe(true);
    expect(queue.tickets.find((t) => t.id === fresh.id)?.overdue).toBe(false);
    // The client sees it overdue too.
    const mine = await json<{ items: Ticket[] }>(await api(await login("biz.admin"), `/business/organisations/${VETER}/support/requests`));
    expect(mine.items.find((t) => t.id === late.id)?.overdue).toBe(true);
    // Taken into work: no longer overdue.
    const taken = await ops(`/tickets/${late.id}/transition`, { method: "POST", body: JSON.stringify({ to: "in_work" }) });
    expect(taken.status).toBe(200);
    expect((await json<Ticket>(taken)).overdue).toBe(false);
  });

  it("belong to the organisation: administrator, accountant and manager see them, a viewer is told their role, a stranger and another organisation get 404", async () => {
    const [admin, manager, viewer, anna, petr] = (await Promise.all(
      ["biz.admin", "biz.manager", "biz.viewer", "anna", "petr"].map((w) => login(w)),
    )) as [string, string, string, string, string];
    const filed = await json<Ticket>(await fileRequest(manager, VETER, { ...REQUEST, category: "documents" }));
    for (const who of [admin, manager, await login("biz.accountant")])
      expect((await api(who, `/business/organisations/${VETER}/support/requests/${filed.id}`)).status).toBe(200);
    // The viewer: 403 naming the role, in both languages, for the list, the request, filing and the chat.
    for (const [path, method] of [
      [`/business/organisations/${VETER}/support/requests`, "GET"],
      [`/business/organisations/${VETER}/support/requests/${filed.id}`, "GET"],
      [`/business/organisations/${VETER}/support/requests`, "POST"],
      [`/business/organisations/${VETER}/support/chats`, "POST"],
    ] as const) {
      const res = await api(viewer, path, { method, ...(method === "POST" ? { body: JSON.stringify(REQUEST) } : {}) });
      expect(res.status, path).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect((await json<Problem>(res)).detail).toContain("наблюдатель");
    }
    const en = await api(viewer, `/business/organisations/${VETER}/support/requests?lang=en`);
    expect((await json<Problem>(en)).detail).toContain("viewer");
    // The viewer still sees who their manager is (or the business lines).
    expect((await api(viewer, `/business/organisations/${VETER}/manager`)).status).toBe(200);
    // A stranger: 404 on every route, whatever the id.
    for (const path of [
      `/business/organisations/${VETER}/support/requests`,
      `/business/organisations/${VETER}/support/requests/${filed.id}`,
      `/business/organisations/${VETER}/manager`,
      "/business/organisations/no-such-org/support/requests",
    ])
      expect((await api(anna, path)).status, path).toBe(404);
    expect((await fileRequest(anna, VETER, REQUEST)).status).toBe(404);
    expect((await api(anna, `/business/organisations/${VETER}/support/chats`, { method: "POST", body: "{}" })).status).toBe(404);
    // Another organisation's administrator: this organisation's request under their own organisation is a 404 too.
    expect((await api(petr, `/business/organisations/${SMIRNOV}/support/requests/${filed.id}`)).status).toBe(404);
    expect((await json<{ items: Ticket[] }>(await api(petr, `/business/organisations/${SMIRNOV}/support/requests`))).items).toEqual([]);
    // An account of another organisation (or nobody's): 404, nothing filed.
    expect((await fileRequest(petr, SMIRNOV, { ...REQUEST, accountNo: VETER_MSK_1 })).status).toBe(404);
    // Bad input: problem+json naming the field in the request's language, never a 500.
    const bad = await fileRequest(manager, VETER, { category: "weather", subject: "x", text: "short" }, "en");
    expect(bad.status).toBe(400);
    expect((await json<Problem>(bad)).errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["category", "subject", "text"]));
    const badAccount = await fileRequest(manager, VETER, { ...REQUEST, accountNo: "not-a-number" });
    expect(badAccount.status).toBe(400);
  });

  it("are limited to a member's accounts when the member is: their own and those about their accounts", async () => {
    // Мария becomes a manager of the organisation limited to one account.
    await env.DB.prepare(
      "INSERT INTO org_members (org_id, subscriber_id, role, account_scope, created_at) VALUES (?, 'demo-maria', 'manager', ?, ?)",
    )
      .bind(VETER, JSON.stringify([VETER_MSK_1]), Date.now())
      .run();
    const [maria, admin] = await Promise.all([login("maria"), login("biz.admin")]);
    const other = await json<Ticket>(await fileRequest(admin, VETER, { ...REQUEST, accountNo: VETER_MSK_2 }));
    const about = await json<Ticket>(await fileRequest(admin, VETER, { ...REQUEST, accountNo: VETER_MSK_1 }));
    const general = await json<Ticket>(await fileRequest(admin, VETER, { ...REQUEST, category: "other" }));
    expect((await fileRequest(maria, VETER, { ...REQUEST, accountNo: VETER_MSK_2 })).status).toBe(404);
    const own = await json<Ticket>(await fileRequest(maria, VETER, { ...REQUEST, accountNo: VETER_MSK_1 }));
    const seen = (await json<{ items: Ticket[] }>(await api(maria, `/business/organisations/${VETER}/support/requests`))).items.map(
      (t) => t.id,
    );
    expect(seen).toEqual(expect.arrayContaining([about.id, own.id]));
    expect(seen).not.toContain(other.id);
    expect(seen).not.toContain(general.id);
    expect((await api(maria, `/business/organisations/${VETER}/support/requests/${other.id}`)).status).toBe(404);
  });
});

describe("business chats", () => {
  it("from the cabinet go to the business queue with the organisation, apart from the member's private chat", async () => {
    const accountant = await login("biz.accountant");
    const started = await api(accountant, `/business/organisations/${VETER}/support/chats`, {
      method: "POST",
      body: JSON.stringify({ text: "Нужна сверка по счетам", clientId: "biz-chat-0001" }),
    });
    expect(started.status).toBe(201);
    const { chat } = await json<{ chat: Chat }>(started);
    expect(chat.queue).toBe("business");
    // Again: the same open chat.
    const again = await api(accountant, `/business/organisations/${VETER}/support/chats`, { method: "POST", body: "{}" });
    expect(again.status).toBe(200);
    expect((await json<{ chat: Chat }>(again)).chat.id).toBe(chat.id);
    // The person's private chat is another one, in the private queue.
    const privateChat = (
      await json<{ chat: Chat }>(await api(accountant, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other" }) }))
    ).chat;
    expect(privateChat.id).not.toBe(chat.id);
    expect(privateChat.queue).toBe("private");
    const ops = await operator();
    const business = await queueOf(ops, "business");
    expect(business.chats.find((c) => c.id === chat.id)).toMatchObject({
      orgId: VETER,
      company: expect.stringContaining("Северный ветер"),
    });
    expect(business.chats.map((c) => c.id)).not.toContain(privateChat.id);
    expect((await queueOf(ops)).chats.map((c) => c.id)).not.toContain(chat.id);
    // The member reads and writes it as any chat of theirs.
    expect((await api(accountant, `/support/chats/${chat.id}`)).status).toBe(200);
  });

  it("from the public business page: a visitor gives the company (ИНН optional, checked), lands in the business queue, and is throttled with the visitor chats", async () => {
    const address = "192.0.2.91";
    const start = (body: Record<string, unknown>, lang = "ru") =>
      call("msk", `/api/v1/support/chats?lang=${lang}`, {
        method: "POST",
        headers: { ...SAME_ORIGIN, "cf-connecting-ip": address },
        body: JSON.stringify(body),
      });
    const visitor = { name: "Олег", phone: "+79005550101", queue: "business" };
    // Without the company, or with a wrong ИНН: 400 naming the field, and the quota is not spent.
    const noCompany = await start(visitor, "en");
    expect(noCompany.status).toBe(400);
    expect((await json<Problem>(noCompany)).errors).toEqual([{ field: "company", message: "Give the company's name" }]);
    const badInn = await start({ ...visitor, company: "ООО Ромашка", inn: "7707083894" });
    expect(badInn.status).toBe(400);
    expect((await json<Problem>(badInn)).errors?.[0]?.field).toBe("inn");
    const ok = await start({ ...visitor, company: "ООО Ромашка", inn: "7707083893", text: "Хотим подключить офис" });
    expect(ok.status).toBe(201);
    const { chat } = await json<{ chat: Chat }>(ok);
    expect(chat.queue).toBe("business");
    const ops = await operator();
    expect((await queueOf(ops, "business")).chats.find((c) => c.id === chat.id)).toMatchObject({
      company: "ООО Ромашка, ИНН 7707083893",
      customerName: "Олег",
    });
    expect((await queueOf(ops)).chats.map((c) => c.id)).not.toContain(chat.id);
    // Five chats an hour per address, business and private together.
    for (let i = 0; i < 4; i++)
      expect((await start(i % 2 ? { ...visitor, company: "ООО Ромашка" } : { name: "Олег", phone: "+79005550101" })).status).toBe(201);
    const sixth = await start({ ...visitor, company: "ООО Ромашка" });
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("the personal manager", () => {
  it("is set and removed by an operator (audited), shown to every member, and absent means the business lines", async () => {
    const viewer = await login("biz.viewer");
    // biz.admin is a viewer of Смирнов's organisation, which has no manager.
    const none = await json<{ manager: unknown; lines: { phone: string }[] }>(
      await api(await login("biz.admin"), `/business/organisations/${SMIRNOV}/manager`),
    );
    expect(none.manager).toBeNull();
    expect(none.lines.map((l) => l.phone)).toEqual(["+78002001661", "+78003028710", "+78002006786"]);
    // «Северный ветер» has the demo's manager.
    const seeded = await json<{ manager: { name: string } | null }>(await api(viewer, `/business/organisations/${VETER}/manager`));
    expect(seeded.manager?.name).toBe("Анна Соколова");
    expect(
      (
        await opsApi(
          "PUT",
          `/business/organisations/${VETER}/manager`,
          { name: "Игорь Белов", phone: "8 900 111-22-44", email: "nope" },
          "en",
        )
      ).status,
    ).toBe(400);
    const set = await opsApi("PUT", `/business/organisations/${VETER}/manager`, {
      name: "Игорь Белов",
      phone: "8 (900) 111-22-44",
      email: "I.Belov@Example.com",
    });
    expect(set.status).toBe(200);
    const shown = await json<{ manager: { name: string; phone: string; email: string } }>(
      await api(viewer, `/business/organisations/${VETER}/manager`),
    );
    expect(shown.manager).toEqual({ name: "Игорь Белов", phone: "+79001112244", email: "i.belov@example.com" });
    // Without the operators' token: 401; an unknown organisation: 404.
    expect((await call(null, `/ops/v1/business/organisations/${VETER}/manager`, { method: "DELETE" })).status).toBe(401);
    expect(
      (await opsApi("PUT", "/business/organisations/org-nobody/manager", { name: "Кто-то", phone: "+79001112233", email: "a@b.ru" }))
        .status,
    ).toBe(404);
    expect((await opsApi("DELETE", `/business/organisations/${VETER}/manager`)).status).toBe(204);
    expect((await json<{ manager: unknown }>(await api(viewer, `/business/organisations/${VETER}/manager`))).manager).toBeNull();
    const audit = await json<{ items: { action: string; actor: { operator: boolean } }[] }>(
      await api(await login("biz.admin"), `/business/organisations/${VETER}/audit`),
    );
    expect(audit.items.filter((a) => a.action.startsWith("manager.")).map((a) => [a.action, a.actor.operator])).toEqual([
      ["manager.removed", true],
      ["manager.set", true],
    ]);
  });
});

describe("the public business pages' data", () => {
  it("lists the business tariffs with each region's prices and no login; the apex has none", async () => {
    type T = { items: { id: string; name: string; priceKop: number; per: string }[] };
    const msk = await json<T>(await call("msk", "/api/v1/region/business-tariffs"));
    const spb = await json<T>(await call("spb", "/api/v1/region/business-tariffs?lang=en"));
    // Moscow's price level is 120 % of the base, St Petersburg's 105 %: 1900 ₽ → 2280 ₽ and 2000 ₽ (1995, to ten roubles).
    expect(msk.items.find((t) => t.id === "msk-biz-inet-100")).toMatchObject({
      name: "Бизнес-интернет 100",
      priceKop: 228_000,
      per: "month",
    });
    expect(spb.items.find((t) => t.id === "spb-biz-inet-100")).toMatchObject({ name: "Business internet 100", priceKop: 200_000 });
    expect(msk.items.find((t) => t.id === "msk-biz-mobile")?.per).toBe("sim");
    const apex = await call(null, "/api/v1/region/business-tariffs");
    expect(apex.status).toBe(404);
    expect(apex.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("the organisation's list of requests on its home shard (issue 20)", () => {
  it("writes a new entry there, lists an older deployment's global ones beside it, and keeps new ones global while the deployment says so", async () => {
    const home = await orgHomeOf(VETER);
    const actor = { subscriberId: "demo-biz-admin", address: "192.0.2.1" };
    // A second apart: the list's order does not rest on the ids' random part within one millisecond.
    const t = Date.now();
    const file = (data: ReturnType<typeof createDataAccess>, subject: string, at: number) =>
      fileOrgRequest(
        data,
        actor,
        VETER,
        regionByCode("msk") ?? null,
        { category: "other", subject, text: "Текст заявки" },
        "ru",
        new Date(at),
      );
    const here = await file(createDataAccess(env), "На домашнем шарде", t);
    expect(await home.prepare("SELECT count(*) AS n FROM org_tickets WHERE id = ?").bind(here.id).first()).toEqual({ n: 1 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM org_tickets WHERE id = ?").bind(here.id).first()).toEqual({ n: 0 });
    const kept = await file(createDataAccess({ ...env, ORG_TICKETS_STORE: "global" } as typeof env), "В глобальной таблице", t + 1_000);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM org_tickets WHERE id = ?").bind(kept.id).first()).toEqual({ n: 1 });
    expect(await home.prepare("SELECT count(*) AS n FROM org_tickets WHERE id = ?").bind(kept.id).first()).toEqual({ n: 0 });
    // Both are listed, newest first, each once.
    const admin = await login("biz.admin");
    const list = await json<{ items: { id: string; subject: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/support/requests`),
    );
    const ids = list.items.map((t) => t.id);
    expect(ids.indexOf(kept.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(here.id)).toBeGreaterThan(ids.indexOf(kept.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await api(admin, `/business/organisations/${VETER}/support/requests/${here.id}`)).status).toBe(200);
    // Another organisation's member sees neither.
    const petr = await login("petr");
    expect((await api(petr, `/business/organisations/${VETER}/support/requests`)).status).toBe(404);
  });
});
