import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { backfillSignIns, isSignInBackfillMessage, startSignInBackfill } from "../../worker/features/auth/sign-ins.backfill";
import { findSignIn, PASSWORD_AT_HOME } from "../../worker/features/auth/sign-ins.service";
import { createDataAccess, shardDatabase } from "../../worker/platform/db";
import { accountKey, identityStoreDatabases, identityStoreIndex, signInKey } from "../../worker/platform/identity-stores";
import { hashPassword, verifyPassword } from "../../worker/platform/password";
import { post } from "./helpers";

/**
 * The backfill of the sign-in rows and keys for subscribers an older deployment registered
 * (features/auth/sign-ins.backfill.ts): every one gets their row and keys, a row written since is left as it is, and the
 * chain stops at the table's end and is not started again.
 */

const storeOf = (key: string) => {
  const stores = identityStoreDatabases(env);
  return stores[identityStoreIndex(key, stores.length)] as D1Database;
};
const keyHolder = async (key: string) =>
  (await storeOf(key).prepare("SELECT subscriber_id AS id FROM login_keys WHERE key = ?").bind(key).first<{ id: string }>())?.id ?? null;
const rowOf = (shard: string, id: string) =>
  (shardDatabase(env, shard) as D1Database)
    .prepare("SELECT phone, login, password_hash AS hash FROM sign_ins WHERE subscriber_id = ?")
    .bind(id)
    .first<{ phone: string | null; login: string | null; hash: string | null }>();

/** A queue that keeps what is sent to it. */
function keptQueue() {
  const sent: unknown[] = [];
  return { sent, queue: { send: async (m: unknown) => void sent.push(m) } as unknown as Queue<unknown> };
}

let address = 0;
const globalHash = async (id: string) =>
  (await env.DB.prepare("SELECT password_hash AS h FROM subscribers WHERE id = ?").bind(id).first<{ h: string | null }>())?.h ?? null;
const loginAs = (identifier: string, password: string) =>
  post("/api/v1/auth/login", { identifier, password }, { "cf-connecting-ip": `198.51.100.${++address}` });

describe("the sign-in rows' backfill", () => {
  it("writes every older subscriber's row and keys, page by page, keeping what is there; their logins then read nothing global", async () => {
    const hash = await hashPassword("an older deployment's words");
    const shards = ["DB_MOSCOW", "DB_SIBERIA", "DB_VOLGA"];
    const made: { id: string; shard: string; phone: string; login: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const id = `backfill-${i}-${crypto.randomUUID().slice(0, 8)}`;
      const shard = shards[i % shards.length] as string;
      const phone = `+7955000000${i}`;
      const login = `older.${i}`;
      await env.DB.prepare(
        "INSERT INTO subscribers (id, display_name, phone, email, login, password_hash, locale, created_at, home_shard) VALUES (?, ?, ?, NULL, ?, ?, 'ru', ?, ?)",
      )
        .bind(id, `Старый ${i}`, phone, login, hash, Date.now(), shard)
        .run();
      made.push({ id, shard, phone, login });
    }
    // One of them has a row written from a read newer than the backfill's will be (a change after its read): it stays.
    const changed = made[3] as (typeof made)[number];
    await (shardDatabase(env, changed.shard) as D1Database)
      .prepare(
        "INSERT INTO sign_ins (subscriber_id, display_name, phone, email, login, password_hash, password_at, updated_at) VALUES (?1, 'x', ?2, NULL, ?3, 'newer', ?4, ?4)",
      )
      .bind(changed.id, changed.phone, changed.login, Date.now() + 3_600_000)
      .run();
    // Another's row is older than its global row (an older release changed the phone and the password there alone, as
    // after a rollback past this one): brought up to date, the password too.
    const behind = made[5] as (typeof made)[number];
    // And a third changed their password while the page was being read: the home row's record is newer than the read
    // (the global column not written yet), and stays, though the row's phone is brought up to date.
    const racing = made[6] as (typeof made)[number];
    await (shardDatabase(env, racing.shard) as D1Database)
      .prepare(
        "INSERT INTO sign_ins (subscriber_id, display_name, phone, email, login, password_hash, password_at, updated_at) VALUES (?1, 'x', '+79550008888', NULL, ?2, 'racing', ?3, 0)",
      )
      .bind(racing.id, racing.login, Date.now() + 3_600_000)
      .run();
    await (shardDatabase(env, behind.shard) as D1Database)
      .prepare(
        "INSERT INTO sign_ins (subscriber_id, display_name, phone, email, login, password_hash, password_at, updated_at) VALUES (?, 'x', '+79550009999', NULL, ?, 'older', 1, 1)",
      )
      .bind(behind.id, behind.login)
      .run();
    // Before: a login of theirs reads the global row.
    const data = createDataAccess(env);
    let pages = 0;
    for (;;) {
      const done = await backfillSignIns(data, new Date(), {}, null, 4);
      pages++;
      if (done.read < 4) break;
      expect(pages).toBeLessThan(50);
    }
    for (const s of made) {
      const row = await rowOf(s.shard, s.id);
      expect(row?.phone, s.id).toBe(s.phone);
      expect(row?.hash).toBe(s === changed ? "newer" : s === racing ? "racing" : hash);
      expect(await keyHolder(signInKey("phone", s.phone))).toBe(s.id);
      expect(await keyHolder(signInKey("login", s.login))).toBe(s.id);
      // The global column keeps only the mark once the home row holds the same record (GLOBAL_PASSWORDS is not "keep"
      // here); where the home row holds another (written from a newer read), the global record stays: bytes, not a loss.
      expect(await globalHash(s.id), s.id).toBe(s === changed || s === racing ? hash : PASSWORD_AT_HOME);
    }
    // The demo's people with rows kept theirs; the business cabinet's got theirs; an owner's account numbers theirs.
    expect(await keyHolder(signInKey("login", "biz.admin"))).toBe("demo-biz-admin");
    const owned = await env.DB.prepare(
      "SELECT account_no AS n FROM account_links WHERE subscriber_id = 'demo-petr' AND role = 'owner'",
    ).all<{ n: string }>();
    expect(owned.results.length).toBeGreaterThan(0);
    for (const { n } of owned.results) expect(await keyHolder(accountKey(n)), n).toBe("demo-petr");
    const res = await loginAs("older.1", "an older deployment's words");
    expect(res.status).toBe(200);
    expect(res.headers.get("server-timing") ?? "").not.toMatch(/d1-DB;/);
    // Another page reads nothing new.
    expect((await backfillSignIns(data, new Date(), {}, null, 4)).read).toBe(0);
  });

  it("runs as a chain under a lease, stops at the end, and is not started again until a subscriber appears past it", async () => {
    const data = createDataAccess(env);
    const { sent, queue } = keptQueue();
    // The cursor back to the start, as before a first run.
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan IN ('sign_ins', 'sign_ins.passwords')").run();
    expect(await startSignInBackfill(data, queue)).toBe(true);
    // A second start while the run holds the lease starts nothing.
    expect(await startSignInBackfill(data, queue)).toBe(false);
    let messages = 0;
    while (sent.length > 0) {
      const m = sent.shift();
      expect(isSignInBackfillMessage(m)).toBe(true);
      await backfillSignIns(data, new Date(), m as { run: string }, queue, 5);
      messages++;
      expect(messages).toBeLessThan(100);
    }
    expect(messages).toBeGreaterThan(1);
    // At the end, with the lease given back: nothing to start.
    expect(await startSignInBackfill(data, queue)).toBe(false);
    expect(sent).toEqual([]);
    await env.DB.prepare(
      "INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES ('backfill-late', 'Поздний', 'ru', ?, 'DB_MOSCOW')",
    )
      .bind(Date.now())
      .run();
    expect(await startSignInBackfill(data, queue)).toBe(true);
    // A message of a run that was taken over does nothing.
    expect(await backfillSignIns(data, new Date(), { run: "not-the-run" }, queue, 5)).toEqual({
      read: 0,
      written: 0,
      marked: 0,
      restored: 0,
      handedOn: false,
    });
  });
  it("moves the global records home and back: a mark is never a password, and a pass under GLOBAL_PASSWORDS = keep gives each mark its record back", async () => {
    const hash = await hashPassword("records go home");
    const id = `marks-${crypto.randomUUID().slice(0, 8)}`;
    const lost = `marks-lost-${crypto.randomUUID().slice(0, 8)}`;
    const insert = (who: string, login: string, record: string) =>
      env.DB.prepare(
        "INSERT INTO subscribers (id, display_name, phone, email, login, password_hash, locale, created_at, home_shard) VALUES (?, 'Метка', NULL, NULL, ?, ?, 'ru', ?, 'DB_SIBERIA')",
      )
        .bind(who, login, record, Date.now())
        .run();
    await insert(id, "marks.one", hash);
    // One whose home row was lost (a restore from before it was written) after its record was marked.
    await insert(lost, "marks.lost", PASSWORD_AT_HOME);
    const drop = createDataAccess(env);
    await env.DB.prepare("DELETE FROM drain_cursors WHERE plan IN ('sign_ins', 'sign_ins.passwords')").run();
    for (let i = 0; (await backfillSignIns(drop, new Date(), {}, null, 50)).read === 50; i++) expect(i).toBeLessThan(50);
    expect(await globalHash(id)).toBe(PASSWORD_AT_HOME);
    expect((await rowOf("DB_SIBERIA", id))?.hash).toBe(hash);
    // The mark is not copied home as a record: the lost row comes back with none, and the password does not log in.
    expect((await rowOf("DB_SIBERIA", lost))?.hash ?? null).toBeNull();
    expect((await loginAs("marks.lost", PASSWORD_AT_HOME)).status).toBe(401);
    expect((await loginAs("marks.one", "records go home")).status).toBe(200);
    // A rollback ahead: under "keep", the pass (its own cursor) writes the home records back into the global column.
    const keep = createDataAccess({ ...env, GLOBAL_PASSWORDS: "keep" } as Env);
    let restored = 0;
    for (let i = 0; ; i++) {
      const done = await backfillSignIns(keep, new Date(), {}, null, 50);
      restored += done.restored;
      if (done.read < 50) break;
      expect(i).toBeLessThan(50);
    }
    expect(restored).toBeGreaterThan(0);
    expect(await globalHash(id)).toBe(hash);
    // The lost one has no record anywhere: their mark stays, and they recover by code.
    expect(await globalHash(lost)).toBe(PASSWORD_AT_HOME);
    // What an older release reads (the global row alone, as under SIGN_INS_STORE = "global") is the record again.
    const older = await findSignIn(createDataAccess({ ...env, SIGN_INS_STORE: "global" } as Env), { kind: "login", value: "marks.one" });
    expect(await verifyPassword("records go home", older?.passwordHash ?? "")).toBe(true);
  });
});
