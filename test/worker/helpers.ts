import { env, exports } from "cloudflare:workers";
import { expect, onTestFinished, vi } from "vitest";
import { buildSeed, demoPeriods } from "../../worker/db/seed/seed";
import { type SeedBucket, seedUsageMonth } from "../../worker/db/seed/usage.seed";
import { indexContacts } from "../../worker/platform/contract-contacts";
import { createDataAccess, type HomeShardBinding, type ShardBinding, shardBindings, shardDatabase } from "../../worker/platform/db";
import { identityStoreDatabases, identityStoreIndex } from "../../worker/platform/identity-stores";
import { keyHash, MAX_MESSAGE_STORES, messageStoreDatabases } from "../../worker/platform/message-stores";
import { placeOf } from "../../worker/platform/places";
import { addDays } from "../../worker/platform/region";
import { forgetSessionCopy, openSession, SESSION_COOKIE } from "../../worker/platform/session";

/** The demo usage as `seedUsageMonth` leaves it in an empty bucket: the objects by key, and each month's totals' SQL per shard. */
type UsageSeed = { objects: Map<string, Uint8Array>; statements: [HomeShardBinding, string[]][] };
const usageSeeds = new Map<string, UsageSeed>();

/**
 * The demo usage, made once per isolate and seed: generating and compressing its account-months took about a fifth
 * of a file's seeding, and every file (test/worker/isolation.ts) writes the same bytes into an empty bucket. The
 * months go through a bucket in memory in the same order, so an account's services merge into one object as in R2.
 */
async function demoUsage(seed: Awaited<ReturnType<typeof buildSeed>>, historyTo: string): Promise<UsageSeed> {
  const made = usageSeeds.get(historyTo);
  if (made) return made;
  const objects = new Map<string, Uint8Array>();
  const memory: SeedBucket = {
    get: async (key) => {
      const bytes = objects.get(key);
      return bytes ? { arrayBuffer: async () => bytes.slice().buffer } : null;
    },
    put: async (key, value) => objects.set(key, value),
  };
  const statements: UsageSeed["statements"] = [];
  for (const m of seed.usage) statements.push([m.shard, await seedUsageMonth(memory, m)]);
  const usage = { objects, statements };
  usageSeeds.set(historyTo, usage);
  return usage;
}

/**
 * Loads the demo data set into the empty global database, every shard and the bucket at once: the run's prebuilt
 * SQL, or built here if Moscow's day has turned since (the history ends yesterday).
 */
export async function seedDatabases() {
  const prebuilt = env.TEST_DEMO_SEED;
  const historyTo = demoPeriods().historyTo;
  const seed = prebuilt.historyTo === historyTo ? prebuilt : await buildSeed();
  const run = async (db: D1Database, statements: string[]) => {
    for (let i = 0; i < statements.length; i += 1000) await db.batch(statements.slice(i, i + 1000).map((s) => db.prepare(s)));
  };
  const stores = identityStoreDatabases(env);
  await Promise.all([
    run(env.DB, seed.global),
    ...Object.entries(seed.shards).map(([binding, statements]) => run(env[binding as HomeShardBinding], statements)),
    ...stores.map((db, i) =>
      run(
        db,
        seed.identities.filter((r) => identityStoreIndex(r.key, stores.length) === i).map((r) => r.statement),
      ),
    ),
  ]);
  // Demo usage as the ingest stores it: month objects in R2, their daily totals in the shard (after the shard's rows).
  const usage = await demoUsage(seed, historyTo);
  const byShard = new Map<HomeShardBinding, string[]>();
  for (const [shard, statements] of usage.statements) byShard.set(shard, [...(byShard.get(shard) ?? []), ...statements]);
  await Promise.all([
    ...[...usage.objects].map(([key, bytes]) => env.FILES.put(key, bytes)),
    ...[...byShard].map(([shard, statements]) => run(env[shard], statements)),
  ]);
}

export const BASE = "kabinet.localhost";

/** A request to the Worker as if made to a host under the base domain (sub = null for the apex). */
export function call(sub: string | null, path: string, init: RequestInit & { cf?: Record<string, unknown> } = {}) {
  const host = sub ? `${sub}.${BASE}` : BASE;
  return exports.default.fetch(new Request(`http://${host}${path}`, { redirect: "manual", ...init }));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * Waits for the newest code sent to `to` after `since` to reach the dev outbox (through the real queue). 30 s: a code
 * once took over 15 s to come through the queue in a full run beside the browser tests; alone it takes well under one.
 */
export async function codeSentTo(to: string, since: number, timeoutMs = 30_000, pattern = /(\d{6})/): Promise<string> {
  const { env } = await import("cloudflare:workers");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await env.DB.prepare("SELECT body FROM outbox WHERE recipient = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1")
      .bind(to, since)
      .first<{ body: string }>();
    const code = row ? pattern.exec(row.body)?.[1] : undefined;
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code reached ${to}`);
}

/** The organisation's invitation code sent to `to` after `since`. */
export const inviteCodeSentTo = (to: string, since: number) => codeSentTo(to, since, 15_000, /Код приглашения: ([A-Z0-9]{10})/);

export const SAME_ORIGIN = { origin: "http://msk.kabinet.localhost", "sec-fetch-site": "same-origin", "content-type": "application/json" };

export function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call("msk", path, { method: "POST", headers: { ...SAME_ORIGIN, ...headers }, body: JSON.stringify(body) });
}

export function sessionCookie(res: Response): string {
  const m = /kab_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
  if (!m?.[1]) throw new Error("no session cookie");
  return `kab_session=${m[1]}`;
}

let loginIp = 0;
/** Back to the first test address (test/worker/isolation.ts, before each file). */
export function forgetTestLogins() {
  loginIp = 0;
}
/** Logs a demo subscriber in (each login from its own test address, so no throttle trips) and returns the session cookie. */
export async function login(who: string, password = "Kabinet2026"): Promise<string> {
  const res = await call("msk", "/api/v1/auth/login", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": `198.51.100.${++loginIp % 250}` },
    body: JSON.stringify({ identifier: who, password }),
  });
  if (res.status !== 200) throw new Error(`login ${who}: ${res.status}`);
  return sessionCookie(res);
}

/** A call to the API with a session, from one of our own pages. */
export function api(cookie: string, path: string, init: RequestInit = {}) {
  return call("msk", `/api/v1${path}`, { ...init, headers: { ...SAME_ORIGIN, cookie, ...(init.headers as Record<string, string>) } });
}

let homeSerial = 0;
/** A subscriber with no account and no password whose home shard is `home`, with a session cookie (`prefix`: whose test). */
export async function homeSubscriber(prefix: string, home: ShardBinding) {
  const id = `${prefix}-${++homeSerial}-${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare("INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES (?, ?, 'ru', ?, ?)")
    .bind(id, id, Date.now(), home)
    .run();
  const { token } = await openSession(createDataAccess(env), { id, homeShard: home }, "password", null);
  return { id, homeShard: home, home: shardDatabase(env, home) as D1Database, cookie: `${SESSION_COOKIE}=${token}` };
}

/**
 * Runs an identity provider's round trip like a browser: start on msk, the provider (the local OIDC mock, which approves
 * every sign-in as one person), then the callback on the apex; the callback's answer.
 */
export async function oidcRoundTrip(provider: string, mode: "login" | "link", cookie = "") {
  const start = await call("msk", `/api/v1/auth/oidc/${provider}/start?mode=${mode}`, { headers: { cookie } });
  expect(start.status).toBe(302);
  const stateCookie = /kab_oidc_state=([^;]+)/.exec(start.headers.get("set-cookie") ?? "")?.[1];
  const authorize = new URL(start.headers.get("location") ?? "");
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("state")).toBe(stateCookie);
  const atProvider = await fetch(authorize, { redirect: "manual" });
  const back = new URL(atProvider.headers.get("location") ?? "");
  expect(back.host).toBe("kabinet.localhost");
  const cookies = [cookie, `kab_oidc_state=${stateCookie}`].filter(Boolean).join("; ");
  return call(null, `${back.pathname}${back.search}`, { headers: { cookie: cookies } });
}

/** Confirms a fresh SMS code for the session (money and tariff operations need one); returns the renewed cookie. */
export async function stepUp(cookie: string, phone: string): Promise<string> {
  const since = Date.now();
  await call("msk", "/api/v1/auth/step-up/start", { method: "POST", headers: { ...SAME_ORIGIN, cookie }, body: "{}" });
  const code = await codeSentTo(phone, since);
  const ok = await call("msk", "/api/v1/auth/step-up/verify", {
    method: "POST",
    headers: { ...SAME_ORIGIN, cookie },
    body: JSON.stringify({ code }),
  });
  if (ok.status !== 200) throw new Error(`step-up: ${ok.status}`);
  return sessionCookie(ok);
}

/** Watches, from now to the end of the test, the acquirer webhooks the Worker applies (its `webhook.applied` log lines). */
export function watchWebhooks() {
  const lines = vi.spyOn(console, "log");
  onTestFinished(() => lines.mockRestore());
  const applied = () =>
    lines.mock.calls.flatMap(([line]) => {
      try {
        const entry = JSON.parse(String(line)) as { msg?: string; eventId?: string };
        return entry.msg === "webhook.applied" && entry.eventId ? [entry.eventId] : [];
      } catch {
        return []; // a line that is not one of the Worker's JSON logs
      }
    });
  return {
    /**
     * Waits until the sandbox acquirer's own webhooks for its payment
     * `acquirerId` have been applied: the final event twice, the late
     * "pending" once (sandbox.ts queues them 0, 3 and 2 s after the result).
     */
    async sandboxDelivered(acquirerId: string, final: "payment.succeeded" | "payment.canceled") {
      await vi.waitFor(
        () => {
          const seen = applied();
          expect(seen.filter((e) => e === `evt_${acquirerId}_${final}`).length).toBeGreaterThanOrEqual(2);
          expect(seen).toContain(`evt_${acquirerId}_payment.pending`);
        },
        { timeout: 15_000, interval: 100 },
      );
    },
  };
}

/** Rows of a query on the global database (a test's look at what the Worker stored). */
export const globalRows = <T>(sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .all<T>()
    .then((r) => r.results);

/**
 * Rows of a query on every regional shard, one after another (the subscribers' inboxes and delivery records live in
 * their home shards): a test's look at what the Worker stored, wherever it went.
 */
export async function shardRows<T>(sql: string, ...args: unknown[]): Promise<T[]> {
  const out: T[] = [];
  for (const binding of shardBindings(env)) {
    const db = shardDatabase(env, binding) as D1Database;
    out.push(
      ...(
        await db
          .prepare(sql)
          .bind(...args)
          .all<T>()
      ).results,
    );
  }
  return out;
}

/** A subscriber's home shard, as the global database keeps it. */
export async function homeShardOf(subscriberId: string): Promise<D1Database> {
  const row = await env.DB.prepare("SELECT home_shard FROM subscribers WHERE id = ?").bind(subscriberId).first<{ home_shard: string }>();
  return shardDatabase(env, row?.home_shard ?? "") as D1Database;
}

/** An organisation's home shard (its documents and moved audit), as the global database keeps it. */
export async function orgHomeOf(orgId: string): Promise<D1Database> {
  const row = await env.DB.prepare("SELECT home_shard FROM organisations WHERE id = ?").bind(orgId).first<{ home_shard: string }>();
  const db = shardDatabase(env, row?.home_shard ?? "");
  if (!db) throw new Error(`organisation ${orgId} has no home shard`);
  return db;
}

/** A subscriber as `openSession` takes them: their id and home shard, as the global database keeps it. */
export async function subscriberAt(subscriberId: string): Promise<{ id: string; homeShard: string }> {
  const row = await env.DB.prepare("SELECT id, home_shard AS homeShard FROM subscribers WHERE id = ?")
    .bind(subscriberId)
    .first<{ id: string; homeShard: string }>();
  if (!row) throw new Error(`no subscriber ${subscriberId}`);
  return row;
}

/**
 * For a test that writes a subscriber's links (or their accounts' shards) in SQL: their sessions' copy of the links is
 * forgotten, as every change the product makes forgets it (platform/session.ts `forgetSessionCopy`).
 */
export async function forgetLinksOf(subscriberId: string) {
  await forgetSessionCopy(createDataAccess(env), await subscriberAt(subscriberId));
}

/**
 * Where a session cookie's row is kept and its key: the home shard the cookie names (`<shard>.<subscriber>.<token>`,
 * then the stamp) and the SHA-256 of its token; the global database for a legacy cookie (`<token>`).
 */
export async function sessionRowOf(cookie: string): Promise<{ db: D1Database; idHash: string }> {
  const parts =
    cookie
      .replace(/^kab_session=/, "")
      .split(";")[0]
      ?.split(".") ?? [];
  const located = shardDatabase(env, parts[0] ?? "");
  const token = (located ? parts[2] : parts[0]) ?? "";
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  const idHash = [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { db: located ?? env.DB, idHash };
}

/** The message store (D1) a dedupe key's provider message is kept in. */
export function storeOfKey(dedupeKey: string): D1Database {
  const stores = messageStoreDatabases(env);
  return stores[keyHash(dedupeKey) % stores.length] as D1Database;
}

/** The message store (D1) an SMSC id names. */
export function storeOfId(id: number): D1Database {
  return messageStoreDatabases(env)[id % MAX_MESSAGE_STORES] as D1Database;
}

/**
 * `n` services of a Moscow account on the home shard, each with a voluntary block scheduled from `day` for ten days
 * (ids `<prefix>-<i>-svc`, `<prefix>-<i>-vb`): a shard's day with that many blocks to start.
 */
export async function scheduleBlocks(prefix: string, accountNo: string, day: string, n: number, feeKop: number) {
  const db = env.DB_MOSCOW;
  const to = addDays(day, 10);
  await db.batch(
    Array.from({ length: n }, (_, i) => `${prefix}-${i}`).flatMap((id) => [
      db
        .prepare("INSERT INTO account_services (id, account_no, tariff_id, status, started_at) VALUES (?, ?, 'msk-inet-100', 'active', 0)")
        .bind(`${id}-svc`, accountNo),
      db
        .prepare(
          `INSERT INTO voluntary_blocks (id, account_no, service_id, region, from_day, to_day, status, fee_kop, application_id, created_at)
           VALUES (?, ?, ?, 'msk', ?, ?, 'scheduled', ?, ?, ?)`,
        )
        .bind(`${id}-vb`, accountNo, `${id}-svc`, day, to, feeKop, `${id}-app`, Date.now()),
    ]),
  );
}

/** A legal entity's requisites that pass the checks (its ИНН is given by each test). */
export const REQUISITES = {
  kind: "legal",
  name: "ООО «Проверка»",
  kpp: "770401001",
  ogrn: "1027700132195",
  legalAddress: "Москва, ул. Остоженка, д. 1",
  postalAddress: "Москва, ул. Остоженка, д. 1",
  bik: "044525225",
  bankName: "ПАО Сбербанк",
  settlementAccount: "40702810938000000001",
};

/**
 * A contract as an account is made now (platform/contract-contacts.ts): its directory row (without its contacts), its
 * account row with the contract's phone and e-mail in the region's shard, and their index in the identity stores.
 */
export async function makeContract(accountNo: string, region: string, contacts: { phone?: string | null; email?: string | null }) {
  const shard = await env.DB.prepare("SELECT shard FROM account_directory WHERE region = ? LIMIT 1").bind(region).first<string>("shard");
  if (!shard) throw new Error(`makeContract: no account of region ${region} to take its shard from`);
  const now = Date.now();
  await env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, ?, ?, ?)")
    .bind(accountNo, region, shard, now)
    .run();
  await (shardDatabase(env, shard) as D1Database)
    .prepare(
      "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at, contact_phone, contact_email) VALUES (?, ?, 'Абонент', 'ул. Договорная, 1', 'active', ?, ?, ?)",
    )
    .bind(accountNo, region, now, contacts.phone ?? null, contacts.email ?? null)
    .run();
  await indexContacts(createDataAccess(env), accountNo, { phone: contacts.phone ?? null, email: contacts.email ?? null }, new Date(now));
  return shard;
}

/**
 * Links a subscriber to an account as a link's change does (platform/holders.ts): the global link, the account's
 * settled holder row in its shard (with the subscriber's home shard), and the link in that home shard
 * (platform/links.ts). A link already there is kept.
 */
export async function linkAccount(subscriberId: string, accountNo: string, role: "owner" | "payer" | "viewer", createdAt = Date.now()) {
  await env.DB.prepare("INSERT OR IGNORE INTO account_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, ?, ?)")
    .bind(subscriberId, accountNo, role, createdAt)
    .run();
  const [shard, home] = await Promise.all([
    env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<string>("shard"),
    env.DB.prepare("SELECT home_shard FROM subscribers WHERE id = ?").bind(subscriberId).first<string>("home_shard"),
  ]);
  if (!shard || !home) throw new Error(`linkAccount: no account ${accountNo} or subscriber ${subscriberId}`);
  await (shardDatabase(env, shard) as D1Database)
    .prepare("INSERT OR IGNORE INTO account_holders (account_no, subscriber_id, role, home_shard, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(accountNo, subscriberId, role, home, createdAt)
    .run();
  await (shardDatabase(env, home) as D1Database)
    .prepare("INSERT OR IGNORE INTO subscriber_links (subscriber_id, account_no, role, created_at) VALUES (?, ?, ?, ?)")
    .bind(subscriberId, accountNo, role, createdAt)
    .run();
}

/** Removes a link a test made, by hand: the global link, the account's holder row and the home shard's link. */
/**
 * The holders of an account as its shard keeps them (platform/holders.ts: the links, with the subscribers' home links),
 * by login: who owns or was given it, and whether the change that made their link is settled.
 */
export async function holdersOfAccount(accountNo: string): Promise<{ login: string | null; role: string; state: string | null }[]> {
  // Where it is: its copy in the identity stores, or its directory row (platform/places.ts).
  const shard = (await placeOf(createDataAccess(env), accountNo))?.shard;
  if (!shard) return [];
  const rows = (
    await (shardDatabase(env, shard as ShardBinding) as D1Database)
      .prepare("SELECT subscriber_id AS id, role, state FROM account_holders WHERE account_no = ?")
      .bind(accountNo)
      .all<{ id: string; role: string; state: string | null }>()
  ).results;
  const logins = new Map(
    (
      await env.DB.prepare("SELECT id, login FROM subscribers WHERE id IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(rows.map((r) => r.id)))
        .all<{ id: string; login: string | null }>()
    ).results.map((s) => [s.id, s.login]),
  );
  return rows
    .map((r) => ({ login: logins.get(r.id) ?? null, role: r.role, state: r.state }))
    .sort((a, b) => String(a.login).localeCompare(String(b.login)));
}

export async function dropLink(subscriberId: string, accountNo: string) {
  const [shard, home] = await Promise.all([
    env.DB.prepare("SELECT shard FROM account_directory WHERE account_no = ?").bind(accountNo).first<string>("shard"),
    env.DB.prepare("SELECT home_shard FROM subscribers WHERE id = ?").bind(subscriberId).first<string>("home_shard"),
  ]);
  await env.DB.prepare("DELETE FROM account_links WHERE subscriber_id = ? AND account_no = ?").bind(subscriberId, accountNo).run();
  if (shard)
    await (shardDatabase(env, shard) as D1Database)
      .prepare("DELETE FROM account_holders WHERE subscriber_id = ? AND account_no = ?")
      .bind(subscriberId, accountNo)
      .run();
  if (home)
    await (shardDatabase(env, home) as D1Database)
      .prepare("DELETE FROM subscriber_links WHERE subscriber_id = ? AND account_no = ?")
      .bind(subscriberId, accountNo)
      .run();
}

/**
 * The accounts' holder rows (platform/holders.ts) of every global link a test wrote by hand, settled, with the
 * subscribers' home shards and alerts, in the accounts' shards, and the links in those home shards (platform/links.ts;
 * a row there already is kept, its alert and role taken from the link): what every change of a link writes beside it,
 * and the backfills for an older release's links.
 */
export async function holdersFromLinks() {
  const { results } = await env.DB.prepare(
    `SELECT l.account_no AS a, l.subscriber_id AS s, l.role AS r, l.low_balance_kop AS k, s.home_shard AS h, l.created_at AS c, d.shard AS shard
     FROM account_links l JOIN account_directory d ON d.account_no = l.account_no JOIN subscribers s ON s.id = l.subscriber_id`,
  ).all<{ a: string; s: string; r: string; k: number | null; h: string; c: number; shard: string }>();
  const byShard = new Map<string, unknown[][]>();
  const byHome = new Map<string, unknown[][]>();
  for (const l of results) {
    byShard.set(l.shard, [...(byShard.get(l.shard) ?? []), [l.a, l.s, l.r, l.k, l.h, l.c]]);
    byHome.set(l.h, [...(byHome.get(l.h) ?? []), [l.s, l.a, l.r, l.k, l.c]]);
  }
  for (const [shard, rows] of byShard)
    await (shardDatabase(env, shard) as D1Database)
      .prepare(
        `INSERT INTO account_holders (account_no, subscriber_id, role, low_balance_kop, home_shard, created_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?) WHERE true
         ON CONFLICT DO UPDATE SET role = excluded.role, low_balance_kop = excluded.low_balance_kop`,
      )
      .bind(JSON.stringify(rows))
      .run();
  // And each in its subscriber's home shard (platform/links.ts), where their pages read it.
  for (const [shard, rows] of byHome)
    await (shardDatabase(env, shard) as D1Database)
      .prepare(
        `INSERT INTO subscriber_links (subscriber_id, account_no, role, low_balance_kop, created_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?) WHERE true
         ON CONFLICT DO UPDATE SET role = excluded.role, low_balance_kop = excluded.low_balance_kop`,
      )
      .bind(JSON.stringify(rows))
      .run();
}

/**
 * A D1 database as a request would see it when something else happens just before a statement whose SQL matches
 * `pattern` runs on its own (`run`, `all`, `first`, `raw`; not in a batch): `hook` runs, then the statement.
 */
export function beforeEachRun(db: D1Database, pattern: RegExp, hook: () => Promise<unknown>): D1Database {
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw")
          return async (...args: unknown[]) => {
            await hook();
            return (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => (pattern.test(query) ? wrap(target.prepare(query)) : target.prepare(query));
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * A D1 database as a request would see it when something else happens just before each of its batches (a race a test
 * stages between a service's reads and its write): `hook` runs, then the batch; everything else is the database's own.
 */
export function beforeEachBatch(db: D1Database, hook: () => Promise<unknown>): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch")
        return async (stmts: D1PreparedStatement[]) => {
          await hook();
          return target.batch(stmts);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * A batch of the notifications queue as the queue hands it to its consumer, each message's ack (true) or retry (false)
 * pushed on `acked` in the order they come.
 */
export function notificationBatch(bodies: readonly unknown[], acked: boolean[], idPrefix = "m"): MessageBatch<unknown> {
  return {
    queue: "kabinet-notifications",
    messages: bodies.map((body, i) => ({
      id: `${idPrefix}${i}`,
      body,
      attempts: 1,
      timestamp: new Date(),
      ack: () => acked.push(true),
      retry: () => acked.push(false),
    })),
  } as unknown as MessageBatch<unknown>;
}

/**
 * Registers by phone or e-mail as a person does: asks for the code (202 expected), reads it from the outbox, completes
 * with this login and password. `ip` gives each request its client address (a file's own range). The response.
 */
export async function registerBy(
  by: "phone" | "email",
  value: string,
  login: string,
  password: string,
  ip: () => Record<string, string>,
): Promise<Response> {
  const since = Date.now();
  expect((await post("/api/v1/auth/register/start", { by, [by]: value }, ip())).status).toBe(202);
  const code = await codeSentTo(value, since);
  return post("/api/v1/auth/register/complete", { by, [by]: value, code, login, password }, ip());
}
