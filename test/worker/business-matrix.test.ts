import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../worker/db/schema/global";
import { api, call, inviteCodeSentTo, json, login, stepUp } from "./helpers";
import { type Doc, minimal } from "./openapi-body";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
const ORG_PREFIX = "/api/v1/business/organisations/{orgId}";

/** Which roles may call each route; a route of an organisation missing here fails the first test. */
const ADMIN = ["administrator"] as const;
const EVERYONE = ["administrator", "accountant", "manager", "viewer"] as const;
/** Money and documents: the administrator and the accountant (финансист). */
const MONEY = ["administrator", "accountant"] as const;
/** Services and numbers: the administrator and the manager (технический специалист). */
const TECH = ["administrator", "manager"] as const;
const SUPPORT = ["administrator", "accountant", "manager"] as const;
const ALLOWED: Record<string, readonly OrgRole[]> = {
  [`GET ${ORG_PREFIX}`]: EVERYONE,
  [`GET ${ORG_PREFIX}/accounts`]: EVERYONE,
  [`GET ${ORG_PREFIX}/employees`]: ADMIN,
  [`POST ${ORG_PREFIX}/invites`]: ADMIN,
  [`PUT ${ORG_PREFIX}/employees/{subscriberId}`]: ADMIN,
  [`DELETE ${ORG_PREFIX}/employees/{subscriberId}`]: ADMIN,
  [`GET ${ORG_PREFIX}/audit`]: ADMIN,
  [`GET ${ORG_PREFIX}/audit/export`]: ADMIN,
  // Sites and the accounts list (everyone sees, within their scope; administrators arrange).
  [`GET ${ORG_PREFIX}/account-list`]: EVERYONE,
  [`GET ${ORG_PREFIX}/account-list/export`]: EVERYONE,
  [`GET ${ORG_PREFIX}/sites`]: EVERYONE,
  [`PATCH ${ORG_PREFIX}/sites/{siteId}`]: ADMIN,
  [`PUT ${ORG_PREFIX}/accounts/{accountNo}/site`]: ADMIN,
  // Paying for the organisation's accounts.
  [`GET ${ORG_PREFIX}/payment-options`]: MONEY,
  [`POST ${ORG_PREFIX}/payments`]: MONEY,
  [`GET ${ORG_PREFIX}/payments/{paymentId}`]: MONEY,
  [`GET ${ORG_PREFIX}/payments/{paymentId}/receipt`]: MONEY,
  // Corporate numbers: everyone sees them, administrators and managers change and block them.
  [`GET ${ORG_PREFIX}/numbers`]: EVERYONE,
  [`PUT ${ORG_PREFIX}/numbers/{msisdn}`]: TECH,
  [`POST ${ORG_PREFIX}/numbers/{msisdn}/block`]: TECH,
  [`POST ${ORG_PREFIX}/numbers/{msisdn}/unblock`]: TECH,
  // Business support and the personal manager.
  [`GET ${ORG_PREFIX}/manager`]: EVERYONE,
  [`GET ${ORG_PREFIX}/support/requests`]: SUPPORT,
  [`POST ${ORG_PREFIX}/support/requests`]: SUPPORT,
  [`GET ${ORG_PREFIX}/support/requests/{ticketId}`]: SUPPORT,
  [`POST ${ORG_PREFIX}/support/chats`]: SUPPORT,
  // Documents: invoices for payment, closing documents, акт сверки.
  [`POST ${ORG_PREFIX}/invoices`]: MONEY,
  [`GET ${ORG_PREFIX}/invoices`]: MONEY,
  [`GET ${ORG_PREFIX}/invoices/{invoiceId}`]: MONEY,
  [`GET ${ORG_PREFIX}/invoices/{invoiceId}/pdf`]: MONEY,
  [`GET ${ORG_PREFIX}/documents/closing`]: MONEY,
  [`GET ${ORG_PREFIX}/documents/closing/{docId}/{format}`]: MONEY,
  [`POST ${ORG_PREFIX}/reconciliations`]: MONEY,
  [`GET ${ORG_PREFIX}/reconciliations/{id}`]: MONEY,
  [`GET ${ORG_PREFIX}/reconciliations/{id}/{format}`]: MONEY,
};

/** A valid request body where the schema's examples are not enough to pass validation. */
const BODIES: Record<string, unknown> = {
  [`POST ${ORG_PREFIX}/invites`]: { contact: "+7 900 555-01-99", role: "viewer" },
  [`PUT ${ORG_PREFIX}/employees/{subscriberId}`]: { role: "viewer" },
};

const ROLE_LOGINS: Record<OrgRole, { login: string; phone: string }> = {
  administrator: { login: "biz.admin", phone: "+79000000010" },
  accountant: { login: "biz.accountant", phone: "+79000000011" },
  manager: { login: "biz.manager", phone: "+79000000012" },
  viewer: { login: "biz.viewer", phone: "+79000000013" },
};

/** How the 403 names each role (Russian, the default language). */
const ROLE_NAMES: Record<OrgRole, string> = {
  administrator: "администратор",
  accountant: "бухгалтер",
  manager: "менеджер",
  viewer: "наблюдатель",
};

interface Route {
  key: string;
  method: string;
  path: string;
  body: unknown;
}

let routes: Route[] = [];
const cookies = new Map<string, string>();

/** The route's path for `orgId`, other ids filled with ones that exist nowhere. */
const pathFor = (r: Route, orgId: string) =>
  r.path
    .replace("/api/v1", "")
    .replace("{orgId}", orgId)
    .replace(/\{[^}]+\}/g, "no-such-id");

async function callRoute(cookie: string, r: Route, orgId: string) {
  return api(cookie, pathFor(r, orgId), {
    method: r.method,
    body: r.method === "GET" || r.method === "DELETE" ? undefined : JSON.stringify(r.body),
  });
}

beforeAll(async () => {
  const doc = await json<Doc>(await call("msk", "/api/openapi.json"));
  routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith(ORG_PREFIX))
    .flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map(([m, op]) => {
          const method = m.toUpperCase();
          const key = `${method} ${path}`;
          return { key, method, path, body: BODIES[key] ?? minimal(doc, op.requestBody?.content?.["application/json"]?.schema) };
        }),
    );
  // Money and tariff routes may ask for a fresh SMS code first: every caller has one, so only the role decides.
  for (const [role, who] of Object.entries(ROLE_LOGINS)) cookies.set(role, await stepUp(await login(who.login), who.phone));
}, 120_000);

describe("the business cabinet's authorization matrix", { timeout: 180_000 }, () => {
  it("knows which roles may call every route of an organisation in the OpenAPI document", () => {
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(ALLOWED).length);
    expect(routes.map((r) => r.key).filter((k) => !(k in ALLOWED))).toEqual([]);
  });

  it("answers a role without the right with a 403 naming the role, and lets the others past the role check", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      for (const role of Object.keys(ROLE_LOGINS) as OrgRole[]) {
        const res = await callRoute(cookies.get(role) ?? "", r, VETER);
        const body = await res.text();
        const refused = res.status === 403 && /"type":"[^"]*-forbidden"/.test(body) && body.includes(ROLE_NAMES[role]);
        const allowed = ALLOWED[r.key]?.includes(role) ?? false;
        if (allowed && refused) wrong.push(`${r.key} as ${role}: refused, should be allowed`);
        if (!allowed && !refused) wrong.push(`${r.key} as ${role}: ${res.status}, should be 403 …-forbidden naming the role`);
        if (res.status >= 500) wrong.push(`${r.key} as ${role}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("gives a member of another organisation — an accountant there — a 404 on every route and id of this one", async () => {
    // Petr administers the Smirnov organisation; he invites Anna as its accountant (financier).
    const petr = await login("petr");
    const since = Date.now();
    const invited = await api(petr, `/business/organisations/${SMIRNOV}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+7 900 000-00-01", role: "accountant" }),
    });
    expect(invited.status).toBe(201);
    const code = await inviteCodeSentTo("+79000000001", since);
    const anna = await stepUp(await login("anna"), "+79000000001");
    expect((await api(anna, "/business/invites/accept", { method: "POST", body: JSON.stringify({ code }) })).status).toBe(200);
    const missing = await callRoute(anna, { key: "", method: "GET", path: ORG_PREFIX, body: null }, "org-no-such");
    const missingBody = await json<{ type: string; title: string }>(missing);
    const wrong: string[] = [];
    for (const stranger of [anna, petr]) {
      for (const r of routes) {
        const res = await callRoute(stranger, r, VETER);
        const body = res.status === 404 ? await json<{ type: string; title: string }>(res) : null;
        if (res.status !== 404 || body?.type !== missingBody.type || body.title !== missingBody.title)
          wrong.push(`${r.key}: ${res.status} ${body?.type ?? ""}`);
      }
    }
    expect(missing.status).toBe(404);
    expect(wrong).toEqual([]);
  });
});
