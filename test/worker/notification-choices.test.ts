/**
 * Issue 20: a subscriber's notification choices (per kind, per account or all of them) and their quiet hours and
 * consent live in their home shard, not in the global database (304 and 33 bytes an account of its fixed part). The
 * rows an older deployment kept there are read beside the shard's, the shard's winning, and drained into it without a
 * choice lost, doubled or brought back after a reset.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REGIONS } from "../../worker/data/regions.data";
import { balanceAlerts } from "../../worker/features/notifications/alerts.service";
import { readForEvents } from "../../worker/features/notifications/notifications.consumer";
import { drainLegacyNotifications } from "../../worker/features/notifications/notifications.drain";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { ALL_ACCOUNTS, resetChannels, setChannels, setSettings } from "../../worker/features/notifications/notifications.service";
import { createDataAccess, type ShardBinding, shardDatabase } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { localDay } from "../../worker/platform/region";
import { openSession, SESSION_COOKIE } from "../../worker/platform/session";
import { api, holdersFromLinks, json } from "./helpers";

type Prefs = {
  accountNo: string;
  kinds: { kind: string; channels: string[]; isDefault: boolean }[];
  quiet: { from: string; to: string } | null;
  marketing: boolean;
};

let serial = 0;
/**
 * A subscriber whose home shard is `home`, holding `accounts` Moscow accounts on DB_MOSCOW (active, 0 ₽), with a
 * session cookie.
 */
async function subscriber(home: ShardBinding, accounts = 1) {
  const n = ++serial;
  const id = `choices-${n}-${crypto.randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const nos = Array.from({ length: accounts }, (_, i) =>
    makeAccountNo(`2018${String(n).padStart(3, "0")}${i}${String(now % 1000).padStart(3, "0")}`),
  );
  await env.DB.batch([
    env.DB.prepare("INSERT INTO subscribers (id, display_name, locale, created_at, home_shard) VALUES (?, ?, 'ru', ?, ?)").bind(
      id,
      id,
      now,
      home,
    ),
    ...nos.flatMap((no) => [
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', ?)").bind(
        no,
        now,
      ),
      env.DB.prepare(
        "INSERT INTO account_links (subscriber_id, account_no, role, low_balance_kop, created_at) VALUES (?, ?, 'owner', NULL, ?)",
      ).bind(id, no, now),
    ]),
  ]);
  await holdersFromLinks();
  await env.DB_MOSCOW.batch(
    nos.map((no) =>
      env.DB_MOSCOW.prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, 'msk', 'Выбор', '—', 'active', ?)",
      ).bind(no, now),
    ),
  );
  const { token } = await openSession(createDataAccess(env), { id, homeShard: home }, "password", null);
  return { id, nos, home: shardDatabase(env, home) as D1Database, cookie: `${SESSION_COOKIE}=${token}` };
}

/** A choice as an older deployment kept it, in the global table. */
const legacyChoice = (id: string, accountNo: string, kind: string, channels: string, at: number) =>
  env.DB.prepare("INSERT INTO notification_prefs (subscriber_id, account_no, kind, channels, updated_at) VALUES (?, ?, ?, ?, ?)").bind(
    id,
    accountNo,
    kind,
    channels,
    at,
  );

const prefs = async (cookie: string, accountNo = "*") =>
  json<Prefs>(await api(cookie, `/notifications/preferences?accountNo=${accountNo}`));
const put = (cookie: string, body: unknown) => api(cookie, "/notifications/preferences", { method: "PUT", body: JSON.stringify(body) });
const channelsOf = (p: Prefs, kind: string) => p.kinds.find((k) => k.kind === kind);

async function rowsOf(db: D1Database, id: string) {
  const { results } = await db
    .prepare("SELECT account_no, kind, channels FROM notification_prefs WHERE subscriber_id = ? ORDER BY account_no, kind")
    .bind(id)
    .all<{ account_no: string; kind: string; channels: string | null }>();
  return results;
}
const settingsOf = (db: D1Database, id: string) =>
  db.prepare("SELECT quiet_from, quiet_to, marketing FROM notification_settings WHERE subscriber_id = ?").bind(id).first();

/** Drains until the global tables have nothing of this subscriber's left. */
async function drainAll(afterRead?: () => Promise<void>) {
  // From the start of every table: a cursor left mid-table by an earlier case would end the loop early.
  await env.DB.prepare("DELETE FROM drain_cursors").run();
  for (let i = 0; i < 50; i++) {
    const r = await drainLegacyNotifications(createDataAccess(env), new Date(), { afterRead });
    if (r.choices + r.settings === 0) return;
  }
  throw new Error("the drain did not finish");
}

describe("notification choices in the subscriber's home shard", () => {
  it("are written there by the preferences page, not in the global database, and read back from there", async () => {
    const s = await subscriber("DB_URAL");
    const [no] = s.nos as [string];
    expect((await put(s.cookie, { accountNo: "*", kinds: [{ kind: "outage", channels: ["push", "inapp"] }] })).status).toBe(204);
    expect(
      (
        await put(s.cookie, {
          accountNo: no,
          kinds: [{ kind: "outage", channels: ["sms"] }],
          quiet: { from: "23:00", to: "07:30" },
          marketing: true,
        })
      ).status,
    ).toBe(204);
    expect(await rowsOf(s.home, s.id)).toEqual([
      { account_no: "*", kind: "outage", channels: "push,inapp" },
      { account_no: no, kind: "outage", channels: "sms" },
    ]);
    expect(await settingsOf(s.home, s.id)).toEqual({ quiet_from: 23 * 60, quiet_to: 7 * 60 + 30, marketing: 1 });
    expect(await rowsOf(env.DB, s.id)).toEqual([]);
    expect(await settingsOf(env.DB, s.id)).toBeNull();
    const all = await prefs(s.cookie);
    expect(channelsOf(all, "outage")).toMatchObject({ channels: ["push", "inapp"], isDefault: false });
    expect(all.quiet).toEqual({ from: "23:00", to: "07:30" });
    expect(all.marketing).toBe(true);
    expect(channelsOf(await prefs(s.cookie, no), "outage")).toMatchObject({ channels: ["sms"], isDefault: false });
    // Another subscriber's account is a 404, and writes nothing anywhere.
    const other = await subscriber("DB_URAL");
    expect((await put(other.cookie, { accountNo: no, kinds: [{ kind: "outage", channels: [] }] })).status).toBe(404);
    expect((await api(other.cookie, `/notifications/preferences?accountNo=${no}`)).status).toBe(404);
    expect(await rowsOf(s.home, other.id)).toEqual([]);
  });

  it("read an older deployment's choices beside the shard's, the shard's winning, the same before and after the drain", async () => {
    const s = await subscriber("DB_MOSCOW_2");
    const [no] = s.nos as [string];
    const old = Date.now() - 86_400_000;
    await env.DB.batch([
      legacyChoice(s.id, "*", "outage", "inapp,sms", old),
      legacyChoice(s.id, "*", "promo", "email", old),
      legacyChoice(s.id, no, "block", "inapp", old),
      env.DB.prepare(
        "INSERT INTO notification_settings (subscriber_id, quiet_from, quiet_to, marketing, updated_at) VALUES (?, 60, 300, 1, ?)",
      ).bind(s.id, old),
    ]);
    const before = { all: await prefs(s.cookie), one: await prefs(s.cookie, no) };
    expect(channelsOf(before.all, "outage")).toMatchObject({ channels: ["inapp", "sms"], isDefault: false });
    expect(channelsOf(before.one, "block")).toMatchObject({ channels: ["inapp"], isDefault: false });
    expect(before.all.quiet).toEqual({ from: "01:00", to: "05:00" });
    expect(before.all.marketing).toBe(true);
    // A change of one kind goes home and takes the global row of that kind only; the others stay where they were.
    expect((await put(s.cookie, { accountNo: "*", kinds: [{ kind: "promo", channels: ["push"] }] })).status).toBe(204);
    expect(await rowsOf(env.DB, s.id)).toEqual([
      { account_no: "*", kind: "outage", channels: "inapp,sms" },
      { account_no: no, kind: "block", channels: "inapp" },
    ]);
    const changed = { all: await prefs(s.cookie), one: await prefs(s.cookie, no) };
    expect(channelsOf(changed.all, "promo")?.channels).toEqual(["push"]);
    expect({ ...changed.all, kinds: changed.all.kinds.filter((k) => k.kind !== "promo") }).toEqual({
      ...before.all,
      kinds: before.all.kinds.filter((k) => k.kind !== "promo"),
    });
    await drainAll();
    expect(await rowsOf(env.DB, s.id)).toEqual([]);
    expect(await settingsOf(env.DB, s.id)).toBeNull();
    expect(await rowsOf(s.home, s.id)).toEqual([
      { account_no: "*", kind: "outage", channels: "inapp,sms" },
      { account_no: "*", kind: "promo", channels: "push" },
      { account_no: no, kind: "block", channels: "inapp" },
    ]);
    expect({ all: await prefs(s.cookie), one: await prefs(s.cookie, no) }).toEqual(changed);
  });

  it("keep a change made while the drain copies: the drain's older copy neither replaces it nor brings back a reset choice", async () => {
    const s = await subscriber("DB_MOSCOW_2");
    const [no] = s.nos as [string];
    const old = Date.now() - 86_400_000;
    await env.DB.batch([
      legacyChoice(s.id, no, "block", "inapp,sms", old),
      legacyChoice(s.id, no, "outage", "sms", old),
      legacyChoice(s.id, "*", "promo", "email", old),
      env.DB.prepare(
        "INSERT INTO notification_settings (subscriber_id, quiet_from, quiet_to, marketing, updated_at) VALUES (?, NULL, NULL, 1, ?)",
      ).bind(s.id, old),
    ]);
    let once = false;
    // Between the drain's read of the global rows and its copy: the account's own choices are reset, the promo
    // choice and the consent changed.
    await drainAll(async () => {
      if (once) return;
      once = true;
      expect((await put(s.cookie, { accountNo: no, kinds: [], reset: true })).status).toBe(204);
      expect((await put(s.cookie, { accountNo: "*", kinds: [{ kind: "promo", channels: [] }], marketing: false })).status).toBe(204);
    });
    expect(once).toBe(true);
    expect(await rowsOf(env.DB, s.id)).toEqual([]);
    const one = await prefs(s.cookie, no);
    // The account follows the all-accounts choice (the defaults here) again: block's default, not «inapp,sms».
    expect(channelsOf(one, "block")?.isDefault).toBe(true);
    expect(channelsOf(one, "outage")?.isDefault).toBe(true);
    expect(channelsOf(one, "promo")).toMatchObject({ channels: [], isDefault: false });
    expect(one.marketing).toBe(false);
    // The reset's marks stay in the shard (no choice), the copy of the rows they replaced did not land.
    expect(await rowsOf(s.home, s.id)).toEqual([
      { account_no: "*", kind: "promo", channels: "" },
      { account_no: no, kind: "block", channels: null },
      { account_no: no, kind: "outage", channels: null },
    ]);
  });

  it("keep a reset when two drains copy the same row, and when the reset is sent twice while a drain copies", async () => {
    const s = await subscriber("DB_MOSCOW_2");
    const [no] = s.nos as [string];
    const old = Date.now() - 86_400_000;
    const reset = async () => expect((await put(s.cookie, { accountNo: no, kinds: [], reset: true })).status).toBe(204);
    // Two drains at once: the second reads the row, the first copies and deletes it, the reset finds it in the home
    // shard only, and then the second's copy arrives (before, with no mark written, it put the choice back).
    await legacyChoice(s.id, no, "block", "inapp,sms", old).run();
    let inner = false;
    await drainAll(async () => {
      if (inner) return;
      inner = true;
      expect(await rowsOf(s.home, s.id)).toEqual([]);
      await drainAll();
      expect(await rowsOf(s.home, s.id)).toEqual([{ account_no: no, kind: "block", channels: "inapp,sms" }]);
      await reset();
    });
    expect(inner).toBe(true);
    expect(channelsOf(await prefs(s.cookie, no), "block")?.isDefault).toBe(true);
    expect(await rowsOf(s.home, s.id)).toEqual([{ account_no: no, kind: "block", channels: null }]);
    // The reset sent twice while a drain copies a choice of the same account (before, the second reset deleted the
    // first one's mark).
    await legacyChoice(s.id, no, "outage", "sms", old).run();
    let twice = false;
    await drainAll(async () => {
      if (twice) return;
      twice = true;
      await Promise.all([reset(), reset()]);
      await reset();
    });
    expect(twice).toBe(true);
    const one = await prefs(s.cookie, no);
    expect(one.kinds.filter((k) => !k.isDefault)).toEqual([]);
    expect(await rowsOf(s.home, s.id)).toEqual([
      { account_no: no, kind: "block", channels: null },
      { account_no: no, kind: "outage", channels: null },
    ]);
    // A choice made after the reset stands over its mark.
    expect((await put(s.cookie, { accountNo: no, kinds: [{ kind: "block", channels: ["push"] }] })).status).toBe(204);
    expect(channelsOf(await prefs(s.cookie, no), "block")).toMatchObject({ channels: ["push"], isDefault: false });
  });

  it("stay in the global table while the deployment keeps them there (CHOICES_STORE), read the same, and are not drained", async () => {
    const s = await subscriber("DB_URAL");
    const [no] = s.nos as [string];
    const data = createDataAccess({ ...env, CHOICES_STORE: "global" } as typeof env);
    expect(data.choicesStore).toBe("global");
    const owner = { subscriberId: s.id, homeShard: "DB_URAL" as const };
    await setChannels(data, owner, ALL_ACCOUNTS, [{ kind: "outage", channels: ["sms", "push"] }]);
    await setChannels(data, owner, no, [{ kind: "block", channels: ["email"] }]);
    await setSettings(data, owner, { quietFrom: 60, quietTo: 120, marketing: true });
    expect(await rowsOf(s.home, s.id)).toEqual([]);
    expect(await rowsOf(env.DB, s.id)).toEqual([
      { account_no: "*", kind: "outage", channels: "sms,push" },
      { account_no: no, kind: "block", channels: "email" },
    ]);
    expect(await settingsOf(env.DB, s.id)).toEqual({ quiet_from: 60, quiet_to: 120, marketing: 1 });
    // The page reads them (the Worker the test calls keeps choices home, and reads both places).
    expect(channelsOf(await prefs(s.cookie), "outage")?.channels).toEqual(["sms", "push"]);
    expect((await prefs(s.cookie)).quiet).toEqual({ from: "01:00", to: "02:00" });
    const kept = await drainLegacyNotifications(data, new Date());
    expect({ choices: kept.choices, settings: kept.settings, drained: kept.drained }).toEqual({ choices: 0, settings: 0, drained: false });
    expect(await rowsOf(env.DB, s.id)).toHaveLength(2);
    await resetChannels(data, owner, no);
    expect(await rowsOf(env.DB, s.id)).toEqual([{ account_no: "*", kind: "outage", channels: "sms,push" }]);
    expect(await rowsOf(s.home, s.id)).toEqual([]);
    // A choice a "home" deployment wrote (the release deployed before the line was put back) does not hide a new one.
    await setChannels(createDataAccess(env), owner, ALL_ACCOUNTS, [{ kind: "promo", channels: ["email"] }]);
    await setSettings(createDataAccess(env), owner, { quietFrom: 0, quietTo: 60, marketing: true });
    await setChannels(data, owner, ALL_ACCOUNTS, [{ kind: "promo", channels: ["push"] }]);
    await setSettings(data, owner, { quietFrom: 120, quietTo: 180, marketing: false });
    expect(await rowsOf(s.home, s.id)).toEqual([]);
    expect(await settingsOf(s.home, s.id)).toBeNull();
    const seen = await prefs(s.cookie);
    expect(channelsOf(seen, "promo")?.channels).toEqual(["push"]);
    expect(seen.quiet).toEqual({ from: "02:00", to: "03:00" });
  });

  it("decide what an event sends, from the home shard's choices and quiet hours over an older deployment's", async () => {
    const s = await subscriber("DB_URAL");
    const legacy = await subscriber("DB_URAL");
    const old = Date.now() - 86_400_000;
    await env.DB.batch([legacyChoice(s.id, "*", "outage", "sms,inapp", old), legacyChoice(legacy.id, "*", "outage", "sms,inapp", old)]);
    expect(
      (await put(s.cookie, { accountNo: "*", kinds: [{ kind: "outage", channels: ["push"] }], quiet: { from: "00:00", to: "23:59" } }))
        .status,
    ).toBe(204);
    const events = [s, legacy].map(
      (x, i) =>
        ({
          channel: "event",
          eventId: `choices-outage-${i}-${x.id}`,
          kind: "outage",
          subscriberId: x.id,
          accountNo: x.nos[0] ?? null,
          params: {},
        }) as Extract<NotificationMessage, { channel: "event" }>,
    );
    const read = await readForEvents(createDataAccess(env), events);
    expect(read.prefs.get(s.id)?.map((p) => p.channels)).toEqual(["push"]);
    expect(read.settings.get(s.id)).toMatchObject({ quietFrom: 0, quietTo: 23 * 60 + 59 });
    expect(read.prefs.get(legacy.id)?.map((p) => p.channels)).toEqual(["sms,inapp"]);
    expect(read.settings.get(legacy.id)).toBeUndefined();
  });

  it("send yesterday's charge notice as chosen in the home shard: an account's own «off» over the all-accounts «on»", async () => {
    const s = await subscriber("DB_URAL", 2);
    const [quiet, told] = s.nos as [string, string];
    const msk = REGIONS.filter((r) => r.code === "msk");
    const at = new Date();
    const yesterday = localDay("Europe/Moscow", new Date(at.getTime() - 86_400_000));
    await env.DB_MOSCOW.batch(
      s.nos.map((no) =>
        env.DB_MOSCOW.prepare(
          "INSERT INTO ledger_entries (id, account_no, kind, amount_kop, occurred_at, local_day, description_ru, description_en, idempotency_key, created_at) VALUES (?, ?, 'charge', -5000, ?, ?, 'Абонентская плата', 'Monthly fee', ?, ?)",
        ).bind(`choices-${no}`, no, at.getTime() - 86_400_000, yesterday, `charge:choices:${no}:${yesterday}`, at.getTime()),
      ),
    );
    const charges = async () => {
      const out: NotificationMessage[] = [];
      await balanceAlerts(createDataAccess(env), async (m) => void out.push(m), at, msk, { only: "DB_MOSCOW" });
      return out.flatMap((m) => (m.channel === "event" && m.subscriberId === s.id && m.kind === "charge_made" ? [m.accountNo] : [])).sort();
    };
    // The default is none.
    expect(await charges()).toEqual([]);
    // Chosen for all accounts in an older deployment's global table: both.
    await legacyChoice(s.id, "*", "charge_made", "push", Date.now() - 86_400_000).run();
    expect(await charges()).toEqual([...s.nos].sort());
    // Turned off for one account on the page: that one is no longer told (before, any «on» row told it).
    expect((await put(s.cookie, { accountNo: quiet, kinds: [{ kind: "charge_made", channels: [] }] })).status).toBe(204);
    expect(await charges()).toEqual([told]);
    // And the same once the global row has gone home.
    await drainAll();
    expect(await rowsOf(env.DB, s.id)).toEqual([]);
    expect(await charges()).toEqual([told]);
  });
});
