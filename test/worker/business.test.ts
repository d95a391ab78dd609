/**
 * Issue 23, the business cabinet's foundation: organisations (requisites checked), joining (the contract's code,
 * an operator, invitations), employees with roles and scopes, the audit log; every business route checks
 * membership and role, and another organisation's ids are a 404.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { employees, organisationAccounts, organisationCard } from "../../worker/features/business/business.service";
import { createDataAccess } from "../../worker/platform/db";
import { AppError } from "../../worker/platform/errors";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, call, codeSentTo, inviteCodeSentTo, json, login, makeContract, REQUISITES } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";

/** A valid 10-digit ИНН from 9 digits (the ФНС check digit appended). */
function inn10(body9: string) {
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return body9 + String((w.reduce((s, x, i) => s + Number(body9[i]) * x, 0) % 11) % 10);
}

function ops(path: string, body: unknown, lang = "ru") {
  return call(null, `/ops/v1${path}?lang=${lang}`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

let innSeq = 100;
/** A fresh organisation (no accounts) registered by an operator, with `admin` (a demo person's phone) as administrator. */
async function freshOrg(adminPhone: string, contactPhone = "+79000000099") {
  const created = await ops("/business/organisations", {
    ...REQUISITES,
    inn: inn10(`7709${String(++innSeq).padStart(5, "0")}`),
    contactPhone,
    accountNos: [],
  });
  expect(created.status).toBe(201);
  const { id } = await json<{ id: string }>(created);
  expect((await ops(`/business/organisations/${id}/administrators`, { contact: adminPhone })).status).toBe(201);
  return id;
}

type Problem = { type: string; title: string; detail?: string; errors?: { field: string; message: string }[] };

describe("registering an organisation (operators' API)", () => {
  it("registered six times at once with one account, or twice with one ИНН: one organisation, the rest 400 or 409, never a 500", async () => {
    const accountNo = makeAccountNo("50488800091");
    await makeContract(accountNo, "msk", { phone: "+79990008091" });
    const org = (k: number, inn: string) =>
      ops("/business/organisations", { ...REQUISITES, inn, contactPhone: "+79000000099", accountNos: k < 0 ? [] : [accountNo] });
    const tries = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => org(k, inn10(`7711${String(++innSeq).padStart(5, "0")}`))));
    const statuses = tries.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400]);
    for (const r of tries.filter((t) => t.status === 400))
      expect((await json<Problem>(r)).errors?.[0]).toEqual({ field: "accountNos", message: expect.any(String) });
    const held = await env.DB.prepare("SELECT count(*) AS n FROM org_accounts WHERE account_no = ?").bind(accountNo).first<number>("n");
    expect(held).toBe(1);
    const inn = inn10(`7711${String(++innSeq).padStart(5, "0")}`);
    const same = await Promise.all([org(-1, inn), org(-1, inn)]);
    expect(same.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it("refuses wrong requisites with a problem in the request's language naming each field, never a 500", async () => {
    const bad = {
      ...REQUISITES,
      inn: "7707083894",
      ogrn: "1027700132196",
      settlementAccount: "40702810938000000002",
      contactPhone: "+79000000099",
      accountNos: [],
    };
    const ru = await ops("/business/organisations", bad);
    expect(ru.status).toBe(400);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    const p = await json<Problem>(ru);
    expect(p.errors?.map((e) => e.field)).toEqual(["inn", "ogrn", "settlementAccount"]);
    expect(p.errors?.[0]?.message).toContain("ИНН юридического лица");
    const en = await json<Problem>(await ops("/business/organisations", bad, "en"));
    expect(en.errors?.[0]?.message).toContain("legal entity's INN");
  });

  it("refuses an entrepreneur's set with a КПП and an accounts list with another organisation's account", async () => {
    const ip = await json<Problem>(
      await ops("/business/organisations", {
        ...REQUISITES,
        kind: "entrepreneur",
        inn: "500100732259",
        ogrn: "304500116000157",
        settlementAccount: "40802810700000054321",
        contactPhone: "+79000000099",
        accountNos: [],
      }),
    );
    expect(ip.errors?.map((e) => e.field)).toEqual(["kpp"]);
    const veterAccount = await json<{ items: { accountNo: string }[] }>(
      await api(await login("biz.admin"), `/business/organisations/${VETER}/accounts?limit=1`),
    );
    const taken = await ops("/business/organisations", {
      ...REQUISITES,
      inn: inn10("770900001"),
      contactPhone: "+79000000099",
      accountNos: [veterAccount.items[0]?.accountNo],
    });
    expect(taken.status).toBe(400);
    expect((await json<Problem>(taken)).errors?.[0]?.field).toBe("accountNos");
  });

  it("needs the operator token", async () => {
    const res = await call(null, "/ops/v1/business/organisations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});

describe("membership and roles on every business route", () => {
  it("answers 404 to a stranger and to another organisation's administrator on every organisation route of the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await call(null, "/api/openapi.json"));
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/business/organisations/{orgId}"))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const body = JSON.stringify({ role: "viewer", contact: "+79000000055" });
    const wrong: string[] = [];
    for (const who of ["petr", "anna"]) {
      const cookie = await login(who);
      for (const r of routes) {
        for (const orgId of [VETER, "org-nonexistent", "x'; drop"]) {
          const url = r.path
            .replace("/api/v1", "")
            .replace("{orgId}", encodeURIComponent(orgId))
            .replace("{subscriberId}", "demo-biz-accountant");
          const res = await api(cookie, url, { method: r.method, body: r.method === "GET" || r.method === "DELETE" ? undefined : body });
          if (res.status !== 404 || !(res.headers.get("content-type") ?? "").includes("problem+json"))
            wrong.push(`${who} ${r.method} ${url}: ${res.status}`);
          await res.body?.cancel();
        }
      }
    }
    expect(wrong).toEqual([]);
    // Petr's own organisation answers him.
    expect((await api(await login("petr"), `/business/organisations/${SMIRNOV}`)).status).toBe(200);
  });

  it("lets every role see the card and accounts, and refuses employees and the audit log to all but administrators with a 403 naming the role", async () => {
    for (const [who, role] of [
      ["biz.admin", "administrator"],
      ["biz.accountant", "accountant"],
      ["biz.manager", "manager"],
      ["biz.viewer", "viewer"],
    ] as const) {
      const cookie = await login(who);
      const card = await api(cookie, `/business/organisations/${VETER}`);
      expect(card.status, who).toBe(200);
      expect((await json<{ role: string }>(card)).role).toBe(role);
      expect((await api(cookie, `/business/organisations/${VETER}/accounts`)).status, who).toBe(200);
      for (const path of ["employees", "audit"]) {
        const res = await api(cookie, `/business/organisations/${VETER}/${path}`);
        expect(res.status, `${who} ${path}`).toBe(role === "administrator" ? 200 : 403);
        if (role === "viewer") expect((await json<Problem>(res)).detail).toContain("наблюдатель");
      }
    }
  });

  it("lists a person's organisations to switch between, with the role in each", async () => {
    const res = await api(await login("biz.admin"), "/business/organisations");
    const { items } = await json<{ items: { id: string; role: string }[] }>(res);
    expect(items.map((o) => [o.id, o.role]).sort()).toEqual([
      [SMIRNOV, "viewer"],
      [VETER, "administrator"],
    ]);
    expect((await json<{ items: unknown[] }>(await api(await login("anna"), "/business/organisations"))).items).toEqual([]);
  });
});

describe("the organisation's accounts across regions", () => {
  it("pages through all 220 accounts of three regions with balances, reading global data once a page", async () => {
    const cookie = await login("biz.admin");
    const seen = new Set<string>();
    const regions = new Set<string>();
    let negative = 0;
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(cookie, `/business/organisations/${VETER}/accounts?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("server-timing")).toMatch(/d1-DB;desc="1 round trip,/);
      const page = await json<{
        items: { accountNo: string; region: string; balanceKop: number; monthlyKop: number }[];
        total: number;
        nextCursor: string | null;
      }>(res);
      expect(page.total).toBe(220);
      for (const a of page.items) {
        seen.add(a.accountNo);
        regions.add(a.region);
        if (a.balanceKop < 0) negative++;
        expect(a.monthlyKop).toBeGreaterThan(0);
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen.size).toBe(220);
    expect([...regions].sort()).toEqual(["ekb", "msk", "spb"]);
    expect(negative).toBeGreaterThan(0);
  });

  it("answers the largest page (100 accounts of one region) with balances", async () => {
    const res = await api(await login("biz.admin"), `/business/organisations/${VETER}/accounts?limit=100`);
    expect(res.status).toBe(200);
    const page = await json<{ items: { region: string; monthlyKop: number }[] }>(res);
    expect(page.items).toHaveLength(100);
    expect(page.items.every((a) => a.region === "msk" && a.monthlyKop > 0)).toBe(true);
  });

  it("shows an employee limited to one site only that site's accounts", async () => {
    const res = await api(await login("biz.viewer"), `/business/organisations/${VETER}/accounts?limit=100`);
    const page = await json<{ items: { address: string }[]; total: number }>(res);
    expect(page.total).toBe(20);
    expect(new Set(page.items.map((a) => a.address))).toEqual(new Set(["Москва, ул. Остоженка, д. 10"]));
  });

  it("refuses a malformed cursor with a 400 problem", async () => {
    const res = await api(await login("biz.admin"), `/business/organisations/${VETER}/accounts?cursor=abc`);
    expect(res.status).toBe(400);
  });
});

describe("employees: invitations, roles, removal, and the audit log", () => {
  it("an invitation is accepted once, even by two people at the same moment, and the log says who did what", async () => {
    const admin = await login("olga");
    const orgId = await freshOrg("+79000000003");
    const since = Date.now();
    const sent = await api(admin, `/business/organisations/${orgId}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+7 900 000-00-01", role: "accountant" }),
    });
    expect(sent.status).toBe(201);
    const code = await inviteCodeSentTo("+79000000001", since);
    const [anna, maria] = [await login("anna"), await login("maria")];
    const accepted = await Promise.all(
      [anna, maria, anna].map((cookie, i) =>
        api(cookie, "/business/invites/accept", {
          method: "POST",
          headers: { "cf-connecting-ip": `203.0.113.${i + 1}` },
          body: JSON.stringify({ code: code.toLowerCase() }),
        }),
      ),
    );
    expect(accepted.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const { members } = await json<{ members: { subscriberId: string; role: string }[] }>(
      await api(admin, `/business/organisations/${orgId}/employees`),
    );
    const joined = members.filter((m) => m.subscriberId !== "demo-olga");
    expect(joined).toHaveLength(1);
    expect(joined[0]?.role).toBe("accountant");
    const log = await json<{ items: { action: string; actor: { name: string }; target: string | null }[] }>(
      await api(admin, `/business/organisations/${orgId}/audit`),
    );
    expect(log.items.filter((e) => e.action === "invite.accepted")).toHaveLength(1);
    expect(log.items.find((e) => e.action === "invite.created")).toMatchObject({
      actor: { name: "Ольга Кузнецова" },
      target: "+79000000001",
    });
    // Newest first: the operator's registration is the oldest.
    expect(log.items.at(-1)).toMatchObject({ action: "org.created", actor: { name: "Оператор (API)" } });
  });

  it("keeps the last administrator, removes an employee at once, and logs each change", async () => {
    const admin = await login("olga");
    const orgId = await freshOrg("+79000000003", "+79000000098");
    // Olga brings in Petr as a second administrator through the operator, then changes and removes him.
    await ops(`/business/organisations/${orgId}/administrators`, { contact: "+79000000002" });
    const petr = await login("petr");
    expect((await api(petr, `/business/organisations/${orgId}`)).status).toBe(200);
    const put = (who: string, cookie: string, role: string) =>
      api(cookie, `/business/organisations/${orgId}/employees/${who}`, { method: "PUT", body: JSON.stringify({ role }) });
    expect((await put("demo-petr", admin, "manager")).status).toBe(204);
    // Olga is the last administrator now: she can neither demote nor remove herself.
    const self = await put("demo-olga", admin, "viewer");
    expect(self.status).toBe(409);
    expect((await json<Problem>(self)).title).toBe("Это последний администратор");
    expect((await api(admin, `/business/organisations/${orgId}/employees/demo-olga`, { method: "DELETE" })).status).toBe(409);
    // A manager cannot manage people.
    expect((await put("demo-olga", petr, "viewer")).status).toBe(403);
    expect((await api(admin, `/business/organisations/${orgId}/employees/demo-petr`, { method: "DELETE" })).status).toBe(204);
    expect((await api(petr, `/business/organisations/${orgId}`)).status).toBe(404);
    const log = await json<{ items: { action: string; target: string | null; details: Record<string, unknown> | null }[] }>(
      await api(admin, `/business/organisations/${orgId}/audit`),
    );
    expect(log.items.map((e) => e.action)).toEqual(["member.removed", "member.changed", "member.added", "member.added", "org.created"]);
    expect(log.items[0]).toMatchObject({ target: "Пётр Смирнов", details: { role: "manager" } });
    expect(log.items[1]).toMatchObject({ details: { from: "administrator", to: "manager" } });
  });

  it("refuses an expired invitation", async () => {
    const admin = await login("olga");
    const orgId = await freshOrg("+79000000003", "+79000000094");
    const since = Date.now();
    const sent = await api(admin, `/business/organisations/${orgId}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+79000000004", role: "viewer" }),
    });
    const { id } = await json<{ id: string }>(sent);
    const code = await inviteCodeSentTo("+79000000004", since);
    await env.DB.prepare("UPDATE org_invites SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, id)
      .run();
    const late = await api(await login("maria"), "/business/invites/accept", { method: "POST", body: JSON.stringify({ code }) });
    expect(late.status).toBe(400);
    expect((await json<Problem>(late)).title).toBe("Приглашение не найдено, уже принято или истекло");
    expect((await api(await login("maria"), `/business/organisations/${orgId}`)).status).toBe(404);
  });

  it("pages through the audit log newest first, each entry once, and refuses a malformed cursor", async () => {
    const admin = await login("olga");
    const orgId = await freshOrg("+79000000003", "+79000000095");
    for (let i = 0; i < 5; i++) {
      const res = await api(admin, `/business/organisations/${orgId}/invites`, {
        method: "POST",
        body: JSON.stringify({ contact: `audit.${i}@example.com`, role: "viewer" }),
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { target: string | null }[]; nextCursor: string | null } = await json(
        await api(admin, `/business/organisations/${orgId}/audit?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => e.target ?? "(org)"));
      cursor = page.nextCursor;
    } while (cursor);
    // 5 invitations, the administrator added by the operator, the registration: newest first.
    expect(seen).toEqual([
      "audit.4@example.com",
      "audit.3@example.com",
      "audit.2@example.com",
      "audit.1@example.com",
      "audit.0@example.com",
      "Ольга Кузнецова",
      "(org)",
    ]);
    expect((await api(admin, `/business/organisations/${orgId}/audit?cursor=zzz`)).status).toBe(400);
  });

  it("keeps the audit log append-only in the database itself", async () => {
    const row = await env.DB.prepare("SELECT id FROM org_audit LIMIT 1").first<{ id: string }>();
    expect(row).not.toBeNull();
    await expect(env.DB.prepare("UPDATE org_audit SET actor_name = 'someone else' WHERE id = ?").bind(row?.id).run()).rejects.toThrow(
      /append-only/,
    );
    await expect(env.DB.prepare("DELETE FROM org_audit WHERE id = ?").bind(row?.id).run()).rejects.toThrow(/append-only/);
  });

  it("two administrators demoting each other at once leave one administrator", async () => {
    const olga = await login("olga");
    const orgId = await freshOrg("+79000000003", "+79000000097");
    await ops(`/business/organisations/${orgId}/administrators`, { contact: "+79000000002" });
    const petr = await login("petr");
    const results = await Promise.all([
      api(olga, `/business/organisations/${orgId}/employees/demo-petr`, { method: "PUT", body: JSON.stringify({ role: "viewer" }) }),
      api(petr, `/business/organisations/${orgId}/employees/demo-olga`, { method: "PUT", body: JSON.stringify({ role: "viewer" }) }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    // Either one wins and the other is refused (409 last admin, or 403: the loser was demoted first).
    expect(statuses[0]).toBe(204);
    expect([403, 409]).toContain(statuses[1]);
    const admins = await env.DB.prepare("SELECT count(*) AS n FROM org_members WHERE org_id = ? AND role = 'administrator'")
      .bind(orgId)
      .first<{ n: number }>();
    expect(admins?.n).toBe(1);
  });

  it("takes scopes and contracts of more accounts than D1 binds to one statement (no 5xx)", async () => {
    const admin = await login("biz.admin");
    const { items } = await json<{ items: { accountNo: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/accounts?limit=100`),
    );
    const more = await json<{ items: { accountNo: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/accounts?limit=20&cursor=${items.at(-1)?.accountNo}`),
    );
    const accountNos = [...items, ...more.items].map((a) => a.accountNo);
    expect(accountNos).toHaveLength(120);
    const invited = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "many.accounts@example.com", role: "accountant", accountNos }),
    });
    expect(invited.status).toBe(201);
    // An operator's contract with 150 account numbers that are not in the directory: refused, field named.
    const unknown = Array.from({ length: 150 }, (_, i) => {
      const body = `9${String(i).padStart(10, "0")}`;
      let sum = 0;
      for (let k = 0; k < 11; k++) {
        let d = Number(body[10 - k]);
        if (k % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      return body + String((10 - (sum % 10)) % 10);
    });
    const refused = await ops("/business/organisations", {
      ...REQUISITES,
      inn: inn10("770977777"),
      contactPhone: "+79000000099",
      accountNos: unknown,
    });
    expect(refused.status).toBe(400);
    expect((await json<Problem>(refused)).errors?.[0]?.field).toBe("accountNos");
  });

  it("limits an invited employee to chosen accounts of the organisation, and refuses accounts that are not its own", async () => {
    const admin = await login("biz.admin");
    const { items } = await json<{ items: { accountNo: string }[] }>(await api(admin, `/business/organisations/${VETER}/accounts?limit=2`));
    const accountNos = items.map((a) => a.accountNo);
    const ok = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "new.person@example.com", role: "viewer", accountNos }),
    });
    expect(ok.status).toBe(201);
    const { invites } = await json<{ invites: { contact: string; accountNos: string[] | null }[] }>(
      await api(admin, `/business/organisations/${VETER}/employees`),
    );
    expect(invites.find((i) => i.contact === "new.person@example.com")?.accountNos).toEqual(accountNos.sort());
    const foreign = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "new.person@example.com", role: "viewer", accountNos: ["201000000012"] }),
    });
    expect(foreign.status).toBe(400);
    expect((await json<Problem>(foreign)).errors?.[0]?.field).toBe("accountNos");
  });
});

describe("the first administrator by the contract's code", () => {
  it("becomes the administrator with the code sent to the contract's phone; a second one is sent to an administrator", async () => {
    const created = await ops("/business/organisations", {
      ...REQUISITES,
      inn: inn10("770988888"),
      contactPhone: "+79000000096",
      accountNos: [],
    });
    const { id } = await json<{ id: string }>(created);
    const inn = inn10("770988888");
    const maria = await login("maria");
    const since = Date.now();
    expect((await api(maria, "/business/join/start", { method: "POST", body: JSON.stringify({ inn }) })).status).toBe(202);
    const code = await codeSentTo("+79000000096", since);
    const wrong = await api(maria, "/business/join/confirm", {
      method: "POST",
      body: JSON.stringify({ inn, code: code === "000000" ? "111111" : "000000" }),
    });
    expect(wrong.status).toBe(400);
    const joined = await api(maria, "/business/join/confirm", { method: "POST", body: JSON.stringify({ inn, code }) });
    expect(joined.status).toBe(200);
    expect(await json(joined)).toEqual({ orgId: id });
    expect((await json<{ role: string }>(await api(maria, `/business/organisations/${id}`))).role).toBe("administrator");
    // Someone else with a code later: the organisation has its administrator.
    const anna = await login("anna");
    const since2 = Date.now();
    await api(anna, "/business/join/start", { method: "POST", body: JSON.stringify({ inn }) });
    const code2 = await codeSentTo("+79000000096", since2);
    const late = await api(anna, "/business/join/confirm", { method: "POST", body: JSON.stringify({ inn, code: code2 }) });
    expect(late.status).toBe(409);
    expect((await api(anna, `/business/organisations/${id}`)).status).toBe(404);
  });

  it("refuses an ИНН with a wrong check digit with a 400 problem", async () => {
    const res = await api(await login("anna"), "/business/join/start?lang=en", {
      method: "POST",
      body: JSON.stringify({ inn: "7707083894" }),
    });
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.[0]?.message).toContain("INN");
  });
});

describe("the business service called directly (no session's batch to reuse)", () => {
  it("reads membership and data itself, in one global round trip, and refuses a stranger with the same 404", async () => {
    const data = createDataAccess(env);
    const card = await organisationCard(data.global, "demo-biz-viewer", VETER);
    expect(card).toMatchObject({ role: "viewer", limited: true, accountCount: 20 });
    const page = await organisationAccounts(data, "demo-biz-admin", VETER, undefined, 100);
    expect(page.items).toHaveLength(100);
    expect(page.total).toBe(220);
    expect(data.stats.byDb.get("DB")?.roundTrips).toBe(2);
    const refused = await organisationAccounts(data, "demo-anna", VETER, undefined, 10).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(404);
    const forbidden = await employees(data.global, "demo-biz-manager", VETER).catch((e: unknown) => e);
    expect((forbidden as AppError).status).toBe(403);
  });
});
