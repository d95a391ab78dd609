import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, call, json, login, stepUp } from "./helpers";

/**
 * Every operation of the OpenAPI document on an account (`/accounts/{accountNo}/…`), asked by a subscriber of another
 * subscriber's account, answers as it does for an account that does not exist: a 404 (or the same refusal of the
 * request itself), the same problem type, never a success, and nothing of the account in the answer. The operations
 * come from the served document, so a route added later is covered without naming it here.
 */

type Operation = { requestBody?: unknown };
type OpenApiDoc = { paths: Record<string, Record<string, Operation>> };

const ANNA_MSK = makeAccountNo("20100000001");
/** A well-formed account number nobody holds (its check digit is right). */
const NOBODYS = makeAccountNo("20199999999");

/** A body each operation would take from its holder, so that the refusal is about the account, not the request. */
function bodyOf(method: string, path: string): unknown {
  if (method === "GET" || method === "DELETE") return undefined;
  const bodies: Record<string, unknown> = {
    "/services/{serviceId}/tariff": { tariffId: "msk-inet-300" },
    "/services/{serviceId}/options/{optionId}": { on: true },
    "/services/{serviceId}/blocks": { from: "2031-03-01", to: "2031-03-10" },
    "/usage/reports": { from: "2026-11-01", to: "2026-11-30", format: "pdf" },
    "/bonus/join": { consent: true },
    "/bonus/leave": { confirm: true },
    "/bonus/redemptions": { rewardId: "discount-100" },
    "/payments": { amountKop: 50_000, method: "card" },
    "/autopay": { cardId: "card-x", mode: "monthly", dayOfMonth: 5, amountKop: 50_000, monthlyLimitKop: 100_000 },
    "/promised-payment": { amountKop: 10_000 },
    "/low-balance": { thresholdKop: 10_000 },
  };
  return bodies[path.slice("/accounts/{accountNo}".length)] ?? {};
}

/** The path with its parameters: the account given, its first service, and ids of the right shape. */
function fill(path: string, accountNo: string, ids: { paymentId: string }) {
  return path
    .replace("{accountNo}", accountNo)
    .replace("{serviceId}", `${accountNo}-1`)
    .replace("{optionId}", "msk-antivirus")
    .replace("{paymentId}", ids.paymentId)
    .replace("{blockId}", "06h4bcfkq5euq8qd04lrsbf0i4")
    .replace("{reportId}", "06h4bcfkq5euq8qd04lrsbf0i5")
    .replace("{month}", "2026-10")
    .replace(/\/block-quote$/, "/block-quote?from=2031-03-01&to=2031-03-10");
}

describe("another subscriber's account", () => {
  it("is answered on every account operation exactly as an account that does not exist: never a success, nothing of it shown", async () => {
    const doc = await json<OpenApiDoc>(await call(null, "/api/openapi.json"));
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/accounts/{accountNo}"))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: path.slice("/api/v1".length) })));
    // The document must still list the account's operations (a renamed prefix would make this test empty).
    expect(ops.length).toBeGreaterThanOrEqual(30);

    const anna = await login("anna");
    // Petr, stepped up: an SMS code confirmed, so no operation stops at «confirm with a code» before the account.
    const petr = await stepUp(await login("petr"), "+79000000002");
    // A payment of hers to ask about (by card: its page, not yet paid).
    const paid = await api(anna, `/accounts/${ANNA_MSK}/payments`, {
      method: "POST",
      headers: { "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({ amountKop: 50_000, method: "card" }),
    });
    expect(paid.status).toBe(201);
    const paymentId = (await json<{ payment: { id: string } }>(paid)).payment.id;

    const ask = (cookie: string, op: { method: string; path: string }, accountNo: string, ids: { paymentId: string }) => {
      const body = bodyOf(op.method, op.path);
      return api(cookie, fill(op.path, accountNo, ids), {
        method: op.method,
        headers: { "idempotency-key": crypto.randomUUID() },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    };
    const differing: string[] = [];
    const succeeded: string[] = [];
    const leaked: string[] = [];
    const notAboutTheAccount: string[] = [];
    for (const op of ops) {
      const foreign = await ask(petr, op, ANNA_MSK, { paymentId });
      const missing = await ask(petr, op, NOBODYS, { paymentId: "06h4bcfkq5euq8qd04lrsbf0i6" });
      const text = await foreign.text();
      const type = (t: string) => {
        try {
          return (JSON.parse(t) as { type?: string }).type ?? "";
        } catch {
          return "not json";
        }
      };
      const label = `${op.method} ${op.path}`;
      if (foreign.status < 400) succeeded.push(`${label}: ${foreign.status}`);
      if (foreign.status !== missing.status || type(text) !== type(await missing.text()))
        differing.push(`${label}: ${foreign.status} ${type(text)} vs ${missing.status}`);
      // Refused for the account, not for the request (a body or a step-up the route no longer takes would be a 400
      // or a 403 both ways, and prove nothing).
      if (missing.status !== 404) notAboutTheAccount.push(`${label}: ${missing.status}`);
      if (text.includes("Профсоюзная") || text.includes(ANNA_MSK)) leaked.push(label);
    }
    expect(succeeded).toEqual([]);
    expect(differing).toEqual([]);
    expect(notAboutTheAccount).toEqual([]);
    expect(leaked).toEqual([]);

    // Another subscriber's payment asked for under one's own account on the same shard: found nowhere either. A
    // neighbour of hers for it: a login (her password's hash) owning an account on her account's shard.
    const shardOfAnna = (await env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?")
      .bind(ANNA_MSK)
      .first<string>("shard")) as string;
    const neighbour = { login: "neighbour", accountNo: makeAccountNo("20188888888") };
    const at = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO subscribers (id, display_name, login, password_hash, locale, created_at, home_shard) SELECT 'demo-neighbour', 'Сосед', ?, password_hash, 'ru', ?, home_shard FROM subscribers WHERE id = 'demo-anna'",
      ).bind(neighbour.login, at),
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', ?, ?)").bind(
        neighbour.accountNo,
        shardOfAnna,
        at,
      ),
      env.DB.prepare(
        "INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-neighbour', ?, 'owner', ?)",
      ).bind(neighbour.accountNo, at),
    ]);
    await (env as unknown as Record<string, D1Database>)[shardOfAnna]
      ?.prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Сосед', 'Москва, ул. Тверская, д. 1, кв. 1', 'active', ?)",
      )
      .bind(neighbour.accountNo, at)
      .run();
    const theirs = await login(neighbour.login);
    const byId = ops.filter((op) => op.path.includes("{paymentId}"));
    expect(byId.length).toBeGreaterThanOrEqual(2);
    for (const op of byId) {
      const res = await ask(theirs, op, neighbour.accountNo, { paymentId });
      if (res.status !== 404) differing.push(`${op.method} ${op.path} with her payment under their own account: ${res.status}`);
    }
    expect(differing).toEqual([]);

    // The same reads succeed for their holder: the refusals above are about the account, not the requests.
    const reads = ops.filter((op) => op.method === "GET" && !/\{(blockId|reportId)\}|\/pdf$|\/receipt$/.test(op.path));
    expect(reads.length).toBeGreaterThanOrEqual(15);
    const refusedToHolder: string[] = [];
    for (const op of reads) {
      const own = await ask(anna, op, ANNA_MSK, { paymentId });
      if (own.status >= 400) refusedToHolder.push(`${op.method} ${op.path}: ${own.status}`);
    }
    expect(refusedToHolder).toEqual([]);
  });
});
