/**
 * Issue 21, goal 2: every page and API request of a logged-in subscriber reads global data (the one `DB`) in at most
 * one round trip and never writes it, except for the operations listed here that really change global data. The
 * routes come from the served OpenAPI document and the app's own page list, so a new one cannot be forgotten.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { APP_PATHS } from "../../web/src/app/paths";
import { subscribers } from "../../worker/db/schema/global";
import { currentProfile } from "../../worker/features/auth/auth.service";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { findSession, openSession } from "../../worker/platform/session";
import { api, call, json, login, stepUp, subscriberAt } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const ANNA_NSK = makeAccountNo("60700000003");
const PETR_EKB = makeAccountNo("50400000006");

/** Global D1 use from the Server-Timing header (`d1-DB;desc="R round trips, S statements, W writes"`); zero when untouched. */
function globalUse(res: Response) {
  const timing = res.headers.get("server-timing") ?? "";
  const m = /d1-DB;desc="(\d+) round trips?, (\d+) statements?, (\d+) writes?"/.exec(timing);
  return { roundTrips: Number(m?.[1] ?? 0), writes: Number(m?.[3] ?? 0), timing };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

/** GET operations that legitimately write global data, with the reason. */
const WRITES_GLOBAL: Record<string, string> = {
  "/api/v1/auth/oidc/{provider}/start": "starts a login or a provider link with an identity provider: its one-time state is stored",
  "/api/v1/business/organisations/{orgId}/account-list/export": "business cabinet: the export of the accounts list is audited",
  "/api/v1/business/organisations/{orgId}/audit/export": "business cabinet: the export of the audit log is itself audited",
};

describe("a logged-in subscriber's GET requests", () => {
  it("read global data in at most one round trip and write none: every GET of the OpenAPI document", async () => {
    const cookie = await login("anna");
    // Real ids for every path parameter: a chat, a request and an application of hers (made by operations that
    // change global data, see below).
    const made = [
      await api(cookie, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other" }) }),
      await api(cookie, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "internet", accountNo: ANNA_MSK, subject: "Проверка", text: "Проверка чтения данных" }),
      }),
      await api(cookie, "/applications", {
        method: "POST",
        body: JSON.stringify({ kind: "disconnection", accountNo: ANNA_MSK, serviceId: `${ANNA_MSK}-1` }),
      }),
    ];
    expect(made.map((r) => r.status)).toEqual([201, 201, 201]);
    const first = async <T>(path: string, pick: (body: T) => string | undefined) => {
      const res = await api(cookie, path);
      return res.status === 200 ? pick(await json<T>(res)) : undefined;
    };
    const ids: Record<string, string> = {
      accountNo: ANNA_MSK,
      serviceId: (await first<{ services: { id: string }[] }>(`/accounts/${ANNA_MSK}`, (b) => b.services[0]?.id)) ?? "svc-foreign",
      paymentId: (await first<{ items: { id: string }[] }>(`/accounts/${ANNA_MSK}/payments`, (b) => b.items[0]?.id)) ?? "pay-foreign",
      blockId: "blk-foreign",
      reportId: (await first<{ items: { id: string }[] }>(`/accounts/${ANNA_MSK}/usage/reports`, (b) => b.items[0]?.id)) ?? "rep-foreign",
      id: (await first<{ items: { id: string }[] }>("/applications", (b) => b.items[0]?.id)) ?? "app-foreign",
      chatId: (await first<{ items: { id: string }[] }>("/support/chats", (b) => b.items[0]?.id)) ?? "chat-foreign",
      ticketId: (await first<{ items: { id: string }[] }>("/support/tickets", (b) => b.items[0]?.id)) ?? "tkt-foreign",
      provider: (await first<{ items: { id: string }[] }>("/auth/providers", (b) => b.items[0]?.id)) ?? "nobody",
    };
    const doc = await json<OpenApiDoc>(await call(null, "/api/openapi.json"));
    const over: string[] = [];
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      // The operators' API (/ops/v1) is not a subscriber's.
      if (!("get" in ops) || !path.startsWith("/api/v1/")) continue;
      const url = path
        .replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? `${name}-foreign`))
        .replace(/^\/api\/v1/, "");
      // Reference data (a region's offices, phone numbers, catalogue) is kept per isolate: a visitor warms it first.
      await (await api("", url)).body?.cancel();
      const res = await api(cookie, url);
      await res.body?.cancel();
      checked++;
      const use = globalUse(res);
      const writes = WRITES_GLOBAL[path];
      if (res.status >= 500 || res.status === 401 || use.roundTrips > (writes ? 2 : 1) || (use.writes > 0 && !writes))
        over.push(`${path} ${res.status} ${use.timing}`);
    }
    expect(checked).toBeGreaterThan(50);
    expect(over, over.join("\n")).toEqual([]);
  });

  it("read global data in at most one round trip and write none: every page of the app", async () => {
    const cookie = await login("anna");
    const over: string[] = [];
    for (const pattern of APP_PATHS) {
      const path = pattern.replace(":no", ANNA_MSK).replace(":sid", "svc-foreign").replace(/:\w+/g, "x-foreign");
      await (await call("msk", path, { headers: { accept: "text/html" } })).body?.cancel();
      const res = await call("msk", path, { headers: { accept: "text/html", cookie } });
      await res.body?.cancel();
      const use = globalUse(res);
      if (res.status !== 200 || use.roundTrips > 1 || use.writes > 0) over.push(`${path} ${res.status} ${use.timing}`);
    }
    expect(over, over.join("\n")).toEqual([]);
  });
});

/**
 * Operations that change global data, with the reason: everything else a subscriber posts, puts or deletes changes
 * only its account's shard and must write no global data. A new operation must be added to one list or the other.
 */
const CHANGES_GLOBAL: Record<string, string> = {
  "POST /api/v1/auth/login": "login: a password record of an older kind is rehashed (the session goes to the home shard)",
  "POST /api/v1/auth/logout": "logout: ends a session an older deployment opened in the global table",
  "DELETE /api/v1/me/sessions/{id}": "ends one of the subscriber's sessions, which may be one an older deployment kept globally",
  "POST /api/v1/me/sessions/end-others": "ends the subscriber's other sessions, also those an older deployment kept globally",
  "POST /api/v1/auth/code":
    "not a logged-in subscriber's (login by code: its code is in an identity store, sign-ins.test.ts checks it reads and writes nothing global)",
  "POST /api/v1/auth/code/verify":
    "not a logged-in subscriber's (login by code: the code spent in its identity store, the session in the home shard)",
  "POST /api/v1/auth/register/start": "not a logged-in subscriber's (registration: its code is in an identity store)",
  "POST /api/v1/auth/register/complete": "registration: creates the subscriber",
  "POST /api/v1/auth/recover/start": "not a logged-in subscriber's (recovery: its code is in an identity store)",
  "POST /api/v1/auth/recover/complete": "recovery: a new password, every session ended",
  "POST /api/v1/me/password": "password change: the hash, other sessions ended, the session rotated",
  "POST /api/v1/me/phone/verify": "contact change: the profile's phone",
  "POST /api/v1/me/email/verify": "contact change: the profile's email",
  "DELETE /api/v1/me/identities/{provider}": "unlinks an identity provider",
  "POST /api/v1/me/passkeys/options": "passkey registration: stores the challenge",
  "POST /api/v1/me/passkeys": "passkey registration: spends the challenge (the passkey goes to the home shard)",
  "DELETE /api/v1/me/passkeys/{id}": "removes a passkey, which may be one an older deployment kept globally",
  "POST /api/v1/auth/passkey/options": "passkey login: stores the challenge",
  "POST /api/v1/auth/passkey/verify": "passkey login: spends the challenge (the passkey's counter and the session are in the home shard)",
  "POST /api/v1/accounts/link/confirm": "linking a relative's account: the link",
  "PUT /api/v1/accounts/{accountNo}/low-balance": "the low-balance threshold is kept on the subscriber's link",
  "DELETE /api/v1/accounts/{accountNo}/link": "unlinking an account",
  "DELETE /api/v1/me/cards/{cardId}": "removes a saved card, which may be one an older deployment kept globally",
  "PUT /api/v1/notifications/preferences": "notification choices are the subscriber's, kept globally",
  "POST /api/v1/push/subscriptions": "push subscription of a device",
  "POST /api/v1/push/unsubscribe": "push subscription of a device",
  "POST /api/v1/support/callbacks": "call-back requests are kept globally (one open per person)",
  "POST /api/v1/support/feedback": "feedback is kept globally",
  "POST /api/v1/business/invites/accept": "business cabinet: the membership, the spent invitation, the audit entry",
  "POST /api/v1/business/join/confirm": "business cabinet, first administrator: the membership, the audit entry",
  "POST /api/v1/business/organisations/{orgId}/invites": "business cabinet: the invitation, the audit entry",
  "PUT /api/v1/business/organisations/{orgId}/employees/{subscriberId}": "business cabinet: the role, the audit entry",
  "DELETE /api/v1/business/organisations/{orgId}/employees/{subscriberId}": "business cabinet: the membership, the audit entry",
  "POST /api/v1/business/organisations/{orgId}/invoices":
    "business documents: the invoice, its lines, the number sequence, the audit entry",
  "POST /api/v1/business/organisations/{orgId}/payments":
    "business cabinet, paying for the organisation's accounts: the payment, its split and the audit entry (global: the accounts span shards)",
  "PUT /api/v1/business/organisations/{orgId}/numbers/{msisdn}": "business cabinet: a corporate number's audit entry",
  "POST /api/v1/business/organisations/{orgId}/numbers/{msisdn}/block": "business cabinet: a corporate number's audit entry",
  "POST /api/v1/business/organisations/{orgId}/numbers/{msisdn}/unblock": "business cabinet: a corporate number's audit entry",
  "POST /api/v1/business/organisations/{orgId}/support/requests": "business support: the organisation's list of requests, the audit entry",
  "POST /api/v1/business/organisations/{orgId}/support/chats": "business support: the audit entry",
  "PATCH /api/v1/business/organisations/{orgId}/sites/{siteId}": "business cabinet: a site's name, the audit entry",
  "PUT /api/v1/business/organisations/{orgId}/accounts/{accountNo}/site": "business cabinet: an account's site, the audit entry",
};

describe("a logged-in subscriber's changes", () => {
  it("write no global data and read it in at most one round trip, except the operations that change global data", async () => {
    const cookie = await stepUp(await login("anna"), "+79000000001");
    const from = addDays(localDay("Asia/Novosibirsk"), 5);
    const over: string[] = [];
    /**
     * The operations that make what the others act on: a chat, a request, a block and an application, each entered in
     * the directory of Anna's home shard (issue 20: the global directories grew with the years), so shard-only too.
     */
    const made = async (op: string, res: Response) => {
      const use = globalUse(res);
      if (res.status >= 300 || use.roundTrips > 1 || use.writes > 0) over.push(`${op} ${res.status} ${use.timing}`);
      return res;
    };
    const chat = await json<{ chat: { id: string } }>(
      await made(
        "POST /api/v1/support/chats",
        await api(cookie, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other" }) }),
      ),
    );
    const ticket = await json<{ id: string }>(
      await made(
        "POST /api/v1/support/tickets",
        await api(cookie, "/support/tickets", {
          method: "POST",
          body: JSON.stringify({ category: "internet", accountNo: ANNA_MSK, subject: "Проверка", text: "Проверка записи данных" }),
        }),
      ),
    );
    const chatId = chat.chat.id;
    const block = await json<{ id: string }>(
      await made(
        "POST /api/v1/accounts/{accountNo}/services/{serviceId}/blocks",
        await api(cookie, `/accounts/${ANNA_NSK}/services/${ANNA_NSK}-1/blocks`, {
          method: "POST",
          body: JSON.stringify({ from, to: addDays(from, 9) }),
        }),
      ),
    );
    const accountant = await login("biz.accountant");
    // A promised payment needs an account that may have one (Petr's in Yekaterinburg).
    const petr = await stepUp(await login("petr"), "+79000000002");
    // …once a month of heavy use has brought its balance below the month's charges (set up through the ledger).
    const { balanceKop } = await json<{ balanceKop: number }>(await api(petr, `/accounts/${PETR_EKB}`));
    const now = Date.now();
    await env.DB_URAL.prepare(
      "INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, description_ru, description_en, idempotency_key, created_at) VALUES (?, ?, 'charge', ?, ?, ?, 'Услуги', 'Services', ?, ?)",
    )
      .bind(`budget-${now}`, PETR_EKB, -(balanceKop + 5_000), now, new Date(now).toISOString().slice(0, 10), `budget-charge-${now}`, now)
      .run();
    /** Each shard-only operation with a request that really changes something; ids filled in as they are made. */
    const app = await json<{ id: string }>(
      await made(
        "POST /api/v1/applications",
        await api(cookie, "/applications", {
          method: "POST",
          body: JSON.stringify({ kind: "disconnection", accountNo: ANNA_NSK, serviceId: `${ANNA_NSK}-1` }),
        }),
      ),
    );
    const reward = await json<{ items: { id: string }[] }>(await api(cookie, `/accounts/${ANNA_MSK}/bonus/rewards`));
    /**
     * Each operation that changes only shard data, with a request that really changes something (`refused`: one
     * the operation refuses here, with the reason; it is still checked for what it asks of global data).
     */
    const shardOnly: { op: string; path: string; body?: unknown; headers?: Record<string, string>; refused?: string }[] = [
      { op: "POST /api/v1/accounts/{accountNo}/bonus/join", path: `/accounts/${ANNA_MSK}/bonus/join`, body: { consent: true } },
      {
        op: "POST /api/v1/accounts/{accountNo}/bonus/redemptions",
        path: `/accounts/${ANNA_MSK}/bonus/redemptions`,
        body: { rewardId: reward.items[0]?.id ?? "none" },
        headers: { "idempotency-key": crypto.randomUUID() },
        refused: "not enough points on a demo account",
      },
      { op: "POST /api/v1/accounts/{accountNo}/bonus/leave", path: `/accounts/${ANNA_MSK}/bonus/leave`, body: { confirm: true } },
      {
        op: "PUT /api/v1/applications/{id}/visit",
        path: `/applications/${app.id}/visit`,
        body: { day: addDays(localDay("Asia/Novosibirsk"), 3), slot: "09-13" },
        refused: "a disconnection needs no visit",
      },
      { op: "POST /api/v1/applications/{id}/cancel", path: `/applications/${app.id}/cancel` },
      {
        op: "POST /api/v1/accounts/{accountNo}/services/{serviceId}/tariff",
        path: `/accounts/${PETR_EKB}/services/${PETR_EKB}-1/tariff`,
        body: { tariffId: "ekb-inet-300" },
        headers: { cookie: petr },
      },
      {
        op: "DELETE /api/v1/accounts/{accountNo}/services/{serviceId}/tariff-change",
        path: `/accounts/${PETR_EKB}/services/${PETR_EKB}-1/tariff-change`,
        headers: { cookie: petr },
      },
      {
        op: "PUT /api/v1/accounts/{accountNo}/autopay",
        path: `/accounts/${ANNA_MSK}/autopay`,
        body: { cardId: "card-not-hers", mode: "threshold", thresholdKop: 10_000, amountKop: 50_000, monthlyLimitKop: 200_000 },
        refused: "a card that is not hers",
      },
      {
        op: "POST /api/v1/accounts/{accountNo}/usage/reports",
        path: `/accounts/${ANNA_MSK}/usage/reports`,
        body: { from: addDays(localDay("Europe/Moscow"), -7), to: addDays(localDay("Europe/Moscow"), -1), format: "pdf" },
      },
      {
        op: "PUT /api/v1/accounts/{accountNo}/services/{serviceId}/options/{optionId}",
        path: `/accounts/${ANNA_NSK}/services/${ANNA_NSK}-1/options/nsk-antivirus`,
        body: { on: true },
      },
      { op: "POST /api/v1/accounts/{accountNo}/blocks/{blockId}/end", path: `/accounts/${ANNA_NSK}/blocks/${block.id}/end` },
      {
        op: "POST /api/v1/accounts/{accountNo}/services/{serviceId}/line-check",
        path: `/accounts/${ANNA_MSK}/services/${ANNA_MSK}-1/line-check`,
      },
      {
        op: "POST /api/v1/accounts/{accountNo}/promised-payment",
        path: `/accounts/${PETR_EKB}/promised-payment`,
        body: { amountKop: 10_000 },
        headers: { "idempotency-key": crypto.randomUUID(), cookie: petr },
      },
      {
        op: "POST /api/v1/accounts/{accountNo}/payments",
        path: `/accounts/${ANNA_MSK}/payments`,
        body: { amountKop: 50_000 },
        headers: { "idempotency-key": crypto.randomUUID() },
      },
      { op: "DELETE /api/v1/accounts/{accountNo}/autopay", path: `/accounts/${ANNA_MSK}/autopay` },
      {
        op: "POST /api/v1/support/chats/{chatId}/messages",
        path: `/support/chats/${chatId}/messages`,
        body: { text: "Здравствуйте", clientId: "budget-0001" },
      },
      { op: "POST /api/v1/support/chats/{chatId}/read", path: `/support/chats/${chatId}/read`, body: { seq: 1 } },
      // One-time codes are kept in the identity stores (issue 20), and the person's phone is read with the session.
      { op: "POST /api/v1/auth/step-up/start", path: "/auth/step-up/start", body: {}, refused: "a code sent under a minute ago" },
      { op: "POST /api/v1/auth/step-up/verify", path: "/auth/step-up/verify", body: { code: "000000" }, refused: "a wrong code" },
      { op: "POST /api/v1/me/phone/start", path: "/me/phone/start", body: { phone: "+79001230001" } },
      { op: "POST /api/v1/me/email/start", path: "/me/email/start", body: { email: "anna.budget@example.com" } },
      { op: "POST /api/v1/accounts/link/start", path: "/accounts/link/start", body: { accountNo: PETR_EKB, channel: "sms" } },
      { op: "POST /api/v1/business/join/start", path: "/business/join/start", body: { inn: "7707083893", channel: "sms" } },
      // An act of reconciliation and its audit entry are written on the organisation's home shard (issue 20).
      {
        op: "POST /api/v1/business/organisations/{orgId}/reconciliations",
        path: "/business/organisations/org-demo-veter/reconciliations",
        body: { from: addDays(localDay("Europe/Moscow"), -30), to: addDays(localDay("Europe/Moscow"), -1) },
        headers: { cookie: accountant },
      },
      // The inbox is in the subscriber's home shard (issue 20); the global table is written only while it still
      // holds unread messages of theirs from before the move (read with the session), and holds none here.
      { op: "POST /api/v1/notifications/read", path: "/notifications/read", body: { all: true } },
      { op: "POST /api/v1/support/chats/{chatId}/close", path: `/support/chats/${chatId}/close` },
      {
        op: "POST /api/v1/support/tickets/{ticketId}/comments",
        path: `/support/tickets/${ticket.id}/comments`,
        body: { text: "Ещё вопрос" },
      },
      {
        op: "POST /api/v1/support/tickets/{ticketId}/transition",
        path: `/support/tickets/${ticket.id}/transition`,
        body: { to: "cancelled" },
      },
    ];
    for (const { op, path, body, headers, refused } of shardOnly) {
      const method = op.split(" ")[0] as string;
      const res = await api(cookie, path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const use = globalUse(res);
      await res.body?.cancel();
      if ((refused ? res.status >= 500 : res.status >= 300) || use.roundTrips > 1 || use.writes > 0)
        over.push(`${op} ${res.status} ${use.timing}`);
    }
    expect(over, over.join("\n")).toEqual([]);
    // Every other state-changing operation of the document is in one of the two lists.
    const doc = await json<OpenApiDoc>(await call(null, "/api/openapi.json"));
    const listed = new Set([
      ...Object.keys(CHANGES_GLOBAL),
      ...shardOnly.map((s) => s.op),
      "POST /api/v1/support/chats",
      "POST /api/v1/support/tickets",
      "POST /api/v1/accounts/{accountNo}/services/{serviceId}/blocks",
      "POST /api/v1/applications",
    ]);
    const unlisted = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/"))
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => m !== "get")
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .filter((op) => !listed.has(op));
    expect(unlisted).toEqual([]);
  });
});

describe("what was read with the session", () => {
  it("is not trusted once the request has written global data: the profile (the home shard's copy) is read afresh", async () => {
    const data = createDataAccess(env);
    const { token } = await openSession(data, await subscriberAt("demo-maria"), "password", null);
    const session = await findSession(data, token, new Date());
    if (!session) throw new Error("no session");
    const before = await currentProfile(data.global, session);
    // Same request, after a write to global data: the profile read with the session is stale and is not used.
    await data.global.update(subscribers).set({ displayName: "Мария Новая" }).where(eq(subscribers.id, "demo-maria"));
    expect((await currentProfile(data.global, session)).displayName).toBe("Мария Новая");
    await data.global.update(subscribers).set({ displayName: before.displayName }).where(eq(subscribers.id, "demo-maria"));
  });
});
