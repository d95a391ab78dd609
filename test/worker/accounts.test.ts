import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { demoPeriods } from "../../worker/db/seed/seed";
import { listAccounts, requireAccount, unlinkAccount } from "../../worker/features/accounts/accounts.service";
import { appendEntry, balanceOf, chargeDay, regionsAtMidnight } from "../../worker/features/billing/billing.service";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { identityStoreDatabases } from "../../worker/platform/identity-stores";
import { makeAccountNo } from "../../worker/platform/ids";
import { dailyChargeKop, daysInMonth } from "../../worker/platform/money";
import { addDays, localDay } from "../../worker/platform/region";
import {
  closesWindow,
  findSession,
  forgetSessionCopy,
  keepSessionCopy,
  markCopyChanging,
  openSession,
} from "../../worker/platform/session";
import { LINKS_COPY_TTL_MS } from "../../worker/platform/session-links";
import {
  call,
  codeSentTo,
  dropLink,
  forgetLinksOf,
  holdersFromLinks,
  holdersOfAccount,
  json,
  post,
  SAME_ORIGIN,
  sessionCookie,
  sessionRowOf,
  shardRows,
  stepUp,
  subscriberAt,
} from "./helpers";

const ip = { "cf-connecting-ip": "100.64.4.1" };
const ANNA_MSK = makeAccountNo("20100000001");
const ANNA_NSK = makeAccountNo("60700000003");
const MARIA_SPB = makeAccountNo("30200000004");
const PETR_KZN = makeAccountNo("40300000005");

async function as(login: string) {
  return sessionCookie(await post("/api/v1/auth/login", { identifier: login, password: "Kabinet2026" }, ip));
}
type Accounts = {
  items: { accountNo: string; role: string; region: string; balanceKop: number; services: unknown[] }[];
  totalKop: number;
  viewOnlyKop: number;
};

describe("accounts across shards", () => {
  it("lists own and relatives' accounts from every shard, each balance the sum of its ledger", async () => {
    const cookie = await as("anna");
    const res = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    const nos = res.items.map((a) => a.accountNo);
    expect(nos).toEqual(expect.arrayContaining([ANNA_MSK, ANNA_NSK, MARIA_SPB]));
    expect(res.items.find((a) => a.accountNo === MARIA_SPB)?.role).toBe("payer");
    expect(new Set(res.items.map((a) => a.region))).toEqual(new Set(["msk", "nsk", "spb"]));
    const data = createDataAccess(env);
    for (const a of res.items) {
      const shard = await data.shardForAccount(a.accountNo);
      expect(a.balanceKop, a.accountNo).toBe(await balanceOf(shard?.db ?? data.shardForRegion("msk"), a.accountNo));
    }
    // Her own accounts and Maria's, which she may pay for: all in the total, nothing view-only.
    expect(res.totalKop).toBe(res.items.reduce((t, a) => t + a.balanceKop, 0));
    expect(res.viewOnlyKop).toBe(0);
    const msk = res.items.find((a) => a.accountNo === ANNA_MSK) as unknown as {
      services: { kind: string; name: { ru: string }; priceKop: number }[];
      monthlyKop: number;
    };
    expect(msk.services.map((s) => [s.kind, s.name.ru])).toEqual([
      ["bundle", "Интернет + ТВ"],
      ["landline", "Безлимитный"],
    ]);
    expect(msk.monthlyKop).toBe(msk.services.reduce((t, s) => t + s.priceKop, 0));
  });

  it("answers a stranger's account exactly like a missing one, on every account route", async () => {
    const cookie = await as("olga");
    const routes = (no: string) => [
      call("msk", `/api/v1/accounts/${no}`, { headers: { cookie } }),
      call("msk", `/api/v1/accounts/${no}/history`, { headers: { cookie } }),
      call("msk", `/api/v1/accounts/${no}/insight`, { headers: { cookie } }),
      call("msk", `/api/v1/accounts/${no}/low-balance`, {
        method: "PUT",
        headers: { ...ip, cookie, origin: "http://msk.kabinet.localhost", "content-type": "application/json" },
        body: JSON.stringify({ thresholdKop: 100 }),
      }),
      call("msk", `/api/v1/accounts/${no}/link`, { method: "DELETE", headers: { ...ip, cookie, origin: "http://msk.kabinet.localhost" } }),
    ];
    const stranger = await Promise.all(routes(PETR_KZN));
    const missing = await Promise.all(routes(makeAccountNo("99999999999")));
    for (let i = 0; i < stranger.length; i++) {
      expect(stranger[i]?.status, `route ${i}`).toBe(404);
      expect(missing[i]?.status, `route ${i}`).toBe(404);
      const a = await json<{ type: string; title: string }>(stranger[i] as Response);
      const b = await json<{ type: string; title: string }>(missing[i] as Response);
      expect({ type: a.type, title: a.title }).toEqual({ type: b.type, title: b.title });
    }
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}`)).status).toBe(401);
  });
});

/** Per-database D1 use from the Server-Timing header: `d1-<binding>;desc="R round trips, S statements, W writes"`. */
function d1Use(res: Response) {
  const timing = res.headers.get("server-timing") ?? "";
  const use = new Map<string, { roundTrips: number; statements: number; writes: number }>();
  for (const m of timing.matchAll(/d1-(\w+);desc="(\d+) round trips?, (\d+) statements?, (\d+) writes?"/g)) {
    use.set(m[1] as string, { roundTrips: Number(m[2]), statements: Number(m[3]), writes: Number(m[4]) });
  }
  return { timing, use };
}

describe("the home screen's cost", () => {
  it("reads the links globally once and keeps them in anna's home shard; then reads no global data, one round trip per shard", async () => {
    const cookie = await as("anna");
    await forgetLinksOf("demo-anna");
    const first = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(first.status).toBe(200);
    const cold = d1Use(first);
    // The session and its copy of the links (none) in anna's home shard (Moscow), in one round trip; then her links
    // there, their accounts' directory rows with her profile globally (one query), kept as the copy (a write in her
    // home shard), beside the account's own read there.
    expect(cold.use.get("DB"), cold.timing).toEqual({ roundTrips: 1, statements: 1, writes: 0 });
    expect(cold.use.get("DB_MOSCOW"), cold.timing).toEqual({ roundTrips: 4, statements: 5, writes: 1 });
    const res = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(await json(first));
    const { timing, use } = d1Use(res);
    // No global data at all: the session and the links' copy in one round trip, then one statement for each of the
    // msk, spb, nsk shards.
    expect(/d1;desc="(\d+) statements, (\d+) round trips"/.exec(timing)?.slice(1), timing).toEqual(["5", "4"]);
    expect(use.has("DB"), timing).toBe(false);
    expect([...use.keys()].sort(), timing).toEqual(["DB_MOSCOW", "DB_NORTHWEST", "DB_SIBERIA"]);
    for (const [binding, u] of use) {
      const session = binding === "DB_MOSCOW" ? 1 : 0;
      expect(u, binding).toEqual({ roundTrips: 1 + session, statements: 1 + 2 * session, writes: 0 });
    }
  });

  it("a visit: the page and nine API calls read global data in 1 query (docs/capacity.md globalReadsPerVisit), the copy kept once", async () => {
    const cookie = await as("anna");
    // Reference data (the region's contacts, the outages of a region) is kept per isolate: a visit warms it first.
    await (await call("msk", "/accounts", { headers: { accept: "text/html", cookie } })).body?.cancel();
    await forgetLinksOf("demo-anna");
    const page = await call("msk", "/accounts", { headers: { accept: "text/html", cookie } });
    expect(page.status).toBe(200);
    await page.body?.cancel();
    const api = [
      "/accounts",
      `/accounts/${ANNA_MSK}`,
      `/accounts/${ANNA_MSK}/history`,
      `/accounts/${ANNA_MSK}/insight`,
      `/accounts/${ANNA_MSK}/payments`,
      `/accounts/${ANNA_NSK}`,
      `/accounts/${ANNA_NSK}/history`,
      `/accounts/${MARIA_SPB}`,
      `/accounts/${MARIA_SPB}/insight`,
    ];
    const uses = [d1Use(page)];
    for (const path of api) {
      const res = await call("msk", `/api/v1${path}`, { headers: { cookie } });
      expect(res.status, path).toBe(200);
      await res.body?.cancel();
      uses.push(d1Use(res));
    }
    const sum = (binding: string, key: "roundTrips" | "statements" | "writes") =>
      uses.reduce((t, u) => t + (u.use.get(binding)?.[key] ?? 0), 0);
    // The page's boot: the links in the home shard, then their accounts' directory rows with the profile in one query,
    // kept as the home shard's copy; the API calls use it.
    expect(uses[0]?.use.get("DB"), uses[0]?.timing).toEqual({ roundTrips: 1, statements: 1, writes: 0 });
    expect(
      uses
        .slice(1)
        .filter((u) => u.use.has("DB"))
        .map((u) => u.timing),
    ).toEqual([]);
    expect([sum("DB", "roundTrips"), sum("DB", "statements"), sum("DB", "writes")]).toEqual([1, 1, 0]);
    // The copy is written once, in anna's home shard.
    expect(sum("DB_MOSCOW", "writes")).toBe(1);
  });

  it("reads only the account's own shard for one account, and its session in the home shard, nothing global", async () => {
    const cookie = await as("anna");
    await (await call("msk", "/api/v1/accounts", { headers: { cookie } })).body?.cancel();
    const res = await call("msk", `/api/v1/accounts/${ANNA_NSK}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const { timing, use } = d1Use(res);
    // The session and the links' copy in anna's home shard (Moscow), then the account's shard.
    expect([...use.keys()].sort(), timing).toEqual(["DB_MOSCOW", "DB_SIBERIA"]);
    expect(use.get("DB_MOSCOW"), timing).toEqual({ roundTrips: 1, statements: 2, writes: 0 });
    expect(use.get("DB_SIBERIA"), timing).toEqual({ roundTrips: 1, statements: 1, writes: 0 });
  });

  it("keeps a session in use alive without writing global data: the cookie carries the last use", async () => {
    const cookie = await as("anna");
    const { db, idHash } = await sessionRowOf(cookie);
    const setLastSeen = (ms: number) => db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?").bind(ms, idHash).run();
    // Ten minutes since the last use: the request is still a read, and the browser gets a cookie saying "used now".
    await (await call("msk", "/api/v1/accounts", { headers: { cookie } })).body?.cancel();
    expect((await setLastSeen(Date.now() - 10 * 60_000)).meta.changes).toBe(1);
    const used = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(used.status).toBe(200);
    expect(d1Use(used).use.has("DB")).toBe(false);
    expect(d1Use(used).use.get("DB_MOSCOW")).toMatchObject({ writes: 0 });
    const renewed = sessionCookie(used);
    expect(renewed).not.toBe(cookie);
    // Eight days later by the database: the renewed cookie proves the use, the old one does not.
    await setLastSeen(Date.now() - 8 * 24 * 3600_000);
    expect((await call("msk", "/api/v1/accounts", { headers: { cookie: renewed } })).status).toBe(200);
    expect((await call("msk", "/api/v1/accounts", { headers: { cookie } })).status).toBe(401);
    // A forged "used now" on the old token is refused too.
    const forged = `${cookie}.${Date.now().toString(36)}.AAAA`;
    expect((await call("msk", "/api/v1/accounts", { headers: { cookie: forged } })).status).toBe(401);
  });
});

describe("history", () => {
  it("pages newest first with a running balance that ends at the account's balance", async () => {
    const cookie = await as("anna");
    const balance = (await json<{ balanceKop: number }>(await call("msk", `/api/v1/accounts/${ANNA_MSK}`, { headers: { cookie } })))
      .balanceKop;
    type Page = { items: { id: string; amountKop: number; balanceAfterKop: number; occurredAt: string }[]; nextCursor: string | null };
    // The demo's closed months are one rolled-up line per service (and their payments): pages of 8 span several months.
    const first = await json<Page>(await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?limit=8`, { headers: { cookie } }));
    expect(first.items).toHaveLength(8);
    expect(first.items[0]?.balanceAfterKop).toBe(balance);
    for (let i = 1; i < first.items.length; i++) {
      const prev = first.items[i - 1];
      expect(first.items[i]?.balanceAfterKop).toBe((prev?.balanceAfterKop ?? 0) - (prev?.amountKop ?? 0));
    }
    const second = await json<Page>(
      await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?limit=8&cursor=${first.nextCursor}`, { headers: { cookie } }),
    );
    const last = first.items.at(-1);
    expect(second.items[0]?.balanceAfterKop).toBe((last?.balanceAfterKop ?? 0) - (last?.amountKop ?? 0));
    expect(new Set([...first.items, ...second.items].map((e) => e.id)).size).toBe(16);
  });

  it("filters by type and period", async () => {
    const cookie = await as("anna");
    // The two whole months before the last day of the demo history: a payment on the 5th of each.
    const { historyTo } = demoPeriods();
    const lastMonthEnd = addDays(`${historyTo.slice(0, 8)}01`, -1);
    const before = addDays(`${lastMonthEnd.slice(0, 8)}01`, -1).slice(0, 7);
    const res = await json<{ items: { kind: string; localDay: string }[] }>(
      await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?type=payment&from=${before}-01&to=${lastMonthEnd}`, { headers: { cookie } }),
    );
    expect(res.items.map((e) => e.localDay)).toEqual([`${lastMonthEnd.slice(0, 7)}-05`, `${before}-05`]);
    expect(res.items.every((e) => e.kind === "payment")).toBe(true);
    expect((await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?type=bribe`, { headers: { cookie } })).status).toBe(400);
    expect((await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?cursor=garbage`, { headers: { cookie } })).status).toBe(400);
    // A day not on the calendar is a 400 naming the field, in the subscriber's language.
    for (const q of ["from=2021-13-45", "to=2027-02-30", "from=2026-00-10"]) {
      const bad = await call("msk", `/api/v1/accounts/${ANNA_MSK}/history?${q}`, { headers: { cookie } });
      expect(bad.status).toBe(400);
      expect(bad.headers.get("content-type")).toContain("problem+json");
      const body = await json<{ errors: { field: string; message: string }[] }>(bad);
      expect(body.errors[0]).toEqual({ field: q.split("=")[0], message: "Неверное значение" });
    }
  });
});

describe("the ledger", () => {
  it("is append-only", async () => {
    const db = env.DB_MOSCOW;
    await expect(db.prepare("UPDATE ledger_entries SET amount_kop = 0 WHERE account_no = ?").bind(ANNA_MSK).run()).rejects.toThrow(
      /append-only/,
    );
    await expect(db.prepare("DELETE FROM ledger_entries WHERE account_no = ?").bind(ANNA_MSK).run()).rejects.toThrow(/append-only/);
  });

  it("always equals the sum of distinct operations, whatever is replayed (property)", async () => {
    const data = createDataAccess(env);
    const db = data.shardForRegion("msk");
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 15 }), amount: fc.integer({ min: -500_000, max: 500_000 }) }), {
          maxLength: 30,
        }),
        async (ops) => {
          run++;
          const before = await balanceOf(db, ANNA_MSK);
          const applied = new Map<number, number>();
          for (const op of ops) {
            const inserted = await appendEntry(db, {
              accountNo: ANNA_MSK,
              kind: op.amount >= 0 ? "payment" : "charge",
              amountKop: op.amount,
              occurredAt: new Date(),
              localDay: "2026-11-25",
              descriptionRu: "тест",
              descriptionEn: "test",
              idempotencyKey: `prop:${run}:${op.key}`,
            });
            expect(inserted).toBe(!applied.has(op.key));
            if (!applied.has(op.key)) applied.set(op.key, op.amount);
          }
          const expected = before + [...applied.values()].reduce((t, a) => t + a, 0);
          expect(await balanceOf(db, ANNA_MSK)).toBe(expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("refuses fractions of a kopeck", async () => {
    const db = createDataAccess(env).shardForRegion("msk");
    await expect(
      appendEntry(db, {
        accountNo: ANNA_MSK,
        kind: "payment",
        amountKop: 10.5,
        occurredAt: new Date(),
        localDay: "2026-11-25",
        descriptionRu: "x",
        descriptionEn: "x",
        idempotencyKey: "frac",
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe("daily charging", () => {
  it("prorates a month's fee into days that add up to it exactly (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom("2026-02-01", "2028-02-01", "2026-04-01", "2026-07-01"),
        (monthly, first) => {
          const days = daysInMonth(first);
          let total = 0;
          for (let d = 1; d <= days; d++) total += dailyChargeKop(monthly, d, days);
          return total === monthly;
        },
      ),
    );
  });

  it("charges each active service once per region-local day, however often it runs", async () => {
    const db = createDataAccess(env).shardForRegion("kzn");
    const before = await balanceOf(db, PETR_KZN);
    // Today: the demo history ends yesterday, so today is not charged yet.
    const today = addDays(demoPeriods().historyTo, 1);
    const first = await chargeDay(db, "kzn", today);
    const second = await chargeDay(db, "kzn", today);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(0);
    const after = await balanceOf(db, PETR_KZN);
    expect(after).toBeLessThan(before);
    const { results } = await env.DB_VOLGA.prepare("SELECT count(*) AS n FROM ledger_entries WHERE local_day = ? AND kind = 'charge'")
      .bind(today)
      .all<{ n: number }>();
    expect(results[0]?.n).toBe(first);
  });

  it("runs at each region's own midnight: Kaliningrad, Moscow and Vladivostok differ", () => {
    const codes = (iso: string) => regionsAtMidnight(new Date(iso)).map((r) => r.code);
    expect(codes("2026-03-31T21:30:00Z")).toContain("msk"); // 00:30 in Moscow
    expect(codes("2026-03-31T21:30:00Z")).not.toContain("kaliningrad"); // 23:30 there
    expect(codes("2026-03-31T22:30:00Z")).toContain("kaliningrad");
    expect(codes("2026-03-31T14:10:00Z")).toContain("vl"); // 00:10 in Vladivostok
    expect(regionsAtMidnight(new Date("2026-03-31T21:30:00Z")).find((r) => r.code === "msk")?.day).toBe("2026-04-01");
  });
});

describe("relatives' accounts and insight", () => {
  it("links an account with a code sent to its contract's phone, view-only when so chosen", async () => {
    const cookie = await as("olga");
    // Her sessions keep a copy of her links from before (the new one must show at once all the same).
    expect((await call("msk", "/api/v1/accounts", { headers: { cookie } })).status).toBe(200);
    const since = Date.now();
    expect((await post("/api/v1/accounts/link/start", { accountNo: PETR_KZN, channel: "sms" }, { ...ip, cookie })).status).toBe(202);
    const code = await codeSentTo("+79000000002", since);
    expect((await post("/api/v1/accounts/link/confirm", { accountNo: PETR_KZN, code, role: "viewer" }, { ...ip, cookie })).status).toBe(
      204,
    );
    const list = await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }));
    expect(list.items.find((a) => a.accountNo === PETR_KZN)?.role).toBe("viewer");
    // «Всего на счетах» is the money of her own and full-access accounts; a view-only relative's is counted apart.
    const viewOnly = list.items.filter((a) => a.role === "viewer");
    expect(viewOnly.map((a) => a.accountNo)).toEqual([PETR_KZN]);
    expect(list.totalKop).toBe(list.items.filter((a) => a.role !== "viewer").reduce((t, a) => t + a.balanceKop, 0));
    expect(list.viewOnlyKop).toBe(viewOnly[0]?.balanceKop);
    expect(list.viewOnlyKop).not.toBe(0);
    const unlink = await call("msk", `/api/v1/accounts/${PETR_KZN}/link`, {
      method: "DELETE",
      headers: { ...ip, cookie, origin: "http://msk.kabinet.localhost" },
    });
    expect(unlink.status).toBe(204);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}`, { headers: { cookie } })).status).toBe(404);
  });

  it("links no account while a shard move of it is at its switch (its holders' copies were forgotten for it): 503, and the same code links it after", async () => {
    const cookie = await as("olga");
    // A move of Maria's account under way (between its start and its end), as the ops route records it.
    await env.DB.prepare(
      "INSERT INTO shard_moves (id, account_no, from_shard, to_shard, step, started_at, updated_at) VALUES ('mv-link', ?, 'DB_NORTHWEST', 'DB_NORTHWEST', 'verified', ?, ?)",
    )
      .bind(MARIA_SPB, Date.now(), Date.now())
      .run();
    const since = Date.now();
    expect(
      (await post("/api/v1/accounts/link/start", { accountNo: MARIA_SPB, channel: "sms" }, { "cf-connecting-ip": "100.64.4.77", cookie }))
        .status,
    ).toBe(202);
    // The contract's phone, as its account's row in its shard keeps it.
    const [{ phone } = { phone: "" }] = await shardRows<{ phone: string }>(
      "SELECT contact_phone AS phone FROM accounts WHERE account_no = ?",
      MARIA_SPB,
    );
    const code = await codeSentTo(phone ?? "", since);
    const refused = await post(
      "/api/v1/accounts/link/confirm",
      { accountNo: MARIA_SPB, code, role: "viewer" },
      { "cf-connecting-ip": "100.64.4.77", cookie },
    );
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await holdersOfAccount(MARIA_SPB)).map((h) => h.login)).not.toContain("olga");
    // Asked before the code was used: once the move is past its switch, the same code links it.
    await env.DB.prepare("UPDATE shard_moves SET step = 'switched' WHERE id = 'mv-link'").run();
    const again = await post(
      "/api/v1/accounts/link/confirm",
      { accountNo: MARIA_SPB, code, role: "viewer" },
      { "cf-connecting-ip": "100.64.4.77", cookie },
    );
    expect(again.status).toBe(204);
    await env.DB.prepare("DELETE FROM shard_moves WHERE id = 'mv-link'").run();
    await dropLink("demo-olga", MARIA_SPB);
  });

  it("forecasts how long the money lasts and flags a balance under the threshold", async () => {
    const cookie = await as("anna");
    const put = await call("msk", `/api/v1/accounts/${ANNA_MSK}/low-balance`, {
      method: "PUT",
      headers: { ...ip, cookie, origin: "http://msk.kabinet.localhost", "content-type": "application/json" },
      body: JSON.stringify({ thresholdKop: 100_000_000 }),
    });
    expect(put.status).toBe(204);
    const insight = await json<{ balanceKop: number; dailyKop: number; daysLeft: number | null; months: { totalKop: number }[] }>(
      await call("msk", `/api/v1/accounts/${ANNA_MSK}/insight`, { headers: { cookie } }),
    );
    expect(insight.dailyKop).toBeGreaterThan(0);
    const { monthlyKop } = await json<{ monthlyKop: number }>(await call("msk", `/api/v1/accounts/${ANNA_MSK}`, { headers: { cookie } }));
    const perDay = monthlyKop / daysInMonth(localDay("Europe/Moscow", new Date()));
    expect(insight.daysLeft).toBe(Math.floor(Math.max(0, insight.balanceKop) / perDay));
    expect(insight.months.length).toBeGreaterThanOrEqual(5);
    const acc = await json<{ lowBalance: boolean }>(await call("msk", `/api/v1/accounts/${ANNA_MSK}`, { headers: { cookie } }));
    expect(acc.lowBalance).toBe(true);
  });
});

describe("links read with the session", () => {
  it("are not trusted once the request itself has changed them: a link removed is a 404 at once", async () => {
    await env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)")
      .bind(PETR_KZN, Date.now())
      .run();
    await holdersFromLinks();
    await forgetLinksOf("demo-olga");
    const data = createDataAccess(env);
    const { token } = await openSession(data, await subscriberAt("demo-olga"), "password", null);
    const session = await findSession(data, token);
    expect(session?.links.map((l) => l.accountNo)).toContain(PETR_KZN);
    expect((await requireAccount(data, "demo-olga", PETR_KZN)).role).toBe("viewer");
    await unlinkAccount(data, "demo-olga", PETR_KZN);
    await expect(requireAccount(data, "demo-olga", PETR_KZN)).rejects.toMatchObject({ status: 404 });
    expect((await listAccounts(data, "demo-olga")).items.map((a) => a.accountNo)).not.toContain(PETR_KZN);
  });
});

describe("the sessions' copy of the links in the home shard", () => {
  const headers = (cookie: string) => ({ ...ip, cookie, origin: "http://msk.kabinet.localhost", "content-type": "application/json" });
  const listOf = async (cookie: string) =>
    (await json<Accounts>(await call("msk", "/api/v1/accounts", { headers: { cookie } }))).items.map((a) => a.accountNo);
  const olgaViewsPetr = async () => {
    await env.DB.prepare(
      "INSERT OR IGNORE INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'viewer', ?)",
    )
      .bind(PETR_KZN, Date.now())
      .run();
    await holdersFromLinks();
    await forgetLinksOf("demo-olga");
  };
  /** Olga's home shard, where her sessions and their copy of her links are. */
  const olgaHome = async () => (env as unknown as Record<string, D1Database>)[(await subscriberAt("demo-olga")).homeShard] as D1Database;
  const copyOf = async (id: string) =>
    (await olgaHome())
      .prepare("SELECT gen, links, filled_at AS filledAt FROM session_links WHERE subscriber_id = ?")
      .bind(id)
      .first<{ gen: number; links: string | null; filledAt: number | null }>();

  it("is forgotten by every change of the links through the API: a threshold shows at once, an unlinked account is a 404 at once", async () => {
    await olgaViewsPetr();
    const cookie = await as("olga");
    expect(await listOf(cookie)).toContain(PETR_KZN);
    // Read from the copy now: nothing global.
    const warm = await call("msk", `/api/v1/accounts/${PETR_KZN}/insight`, { headers: { cookie } });
    expect(warm.status).toBe(200);
    expect(d1Use(warm).use.has("DB"), d1Use(warm).timing).toBe(false);
    const put = await call("msk", `/api/v1/accounts/${PETR_KZN}/low-balance`, {
      method: "PUT",
      headers: headers(cookie),
      body: JSON.stringify({ thresholdKop: 43_210 }),
    });
    expect(put.status).toBe(204);
    const insight = await json<{ lowBalanceKop: number | null }>(
      await call("msk", `/api/v1/accounts/${PETR_KZN}/insight`, { headers: { cookie } }),
    );
    expect(insight.lowBalanceKop).toBe(43_210);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}/link`, { method: "DELETE", headers: headers(cookie) })).status).toBe(204);
    expect(await listOf(cookie)).not.toContain(PETR_KZN);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}`, { headers: { cookie } })).status).toBe(404);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}/history`, { headers: { cookie } })).status).toBe(404);
  });

  it("is never written from links read before a change that forgot it (a request racing the change)", async () => {
    await olgaViewsPetr();
    const cookie = await as("olga");
    const data = createDataAccess(env);
    const olga = await subscriberAt("demo-olga");
    // A request reads the copy's generation and then the links, with Petr's account…
    const gen = (await copyOf("demo-olga"))?.gen ?? 0;
    const { token } = await openSession(data, olga, "password", null);
    const before = (await findSession(data, token))?.links ?? [];
    expect(before.map((l) => l.accountNo)).toContain(PETR_KZN);
    // …meanwhile the link is removed and the copy forgotten (what the unlink route does)…
    await unlinkAccount(data, "demo-olga", PETR_KZN);
    await forgetSessionCopy(data, olga);
    // …and only then does the request keep what it read: refused.
    const profile = { id: "demo-olga", displayName: "Ольга", phone: null, email: null, login: null, hasPassword: true };
    await keepSessionCopy(data.shard(olga.homeShard as ShardBinding), "demo-olga", gen, { links: before, profile }, new Date());
    expect((await copyOf("demo-olga"))?.links).toBeNull();
    expect(await listOf(cookie)).not.toContain(PETR_KZN);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}`, { headers: { cookie } })).status).toBe(404);
  });

  it("is refused when a change lands between a request's read of the links and its keeping them (the generation is read first)", async () => {
    await olgaViewsPetr();
    const real = createDataAccess(env);
    const olga = await subscriberAt("demo-olga");
    const { token } = await openSession(real, olga, "password", null);
    // A global database whose read of the links is followed, before the request goes on, by the link's removal and
    // the copy's forgetting (what the unlink route does): the request keeps links read before a change.
    let raced = false;
    const race = async () => {
      if (raced) return;
      raced = true;
      await unlinkAccount(real, "demo-olga", PETR_KZN);
      await forgetSessionCopy(real, olga);
    };
    const afterLinks = (stmt: D1PreparedStatement): D1PreparedStatement =>
      new Proxy(stmt, {
        get(target, prop) {
          if (prop === "bind") return (...args: unknown[]) => afterLinks(target.bind(...args));
          if (prop === "all" || prop === "raw" || prop === "first" || prop === "run")
            return async (...args: unknown[]) => {
              const out = await (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              await race();
              return out;
            };
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const racing = (db: D1Database) =>
      new Proxy(db, {
        get(target, prop) {
          if (prop === "prepare")
            // The links' read: by default their accounts' places in the identity stores (platform/places.ts), after the
            // home shard's rows of them; the global links under LINKS_STORE = "global".
            return (query: string) =>
              /account_links|account_directory|account_places/.test(query) ? afterLinks(target.prepare(query)) : target.prepare(query);
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const stores = Object.fromEntries(identityStoreDatabases(env).map((db, i) => [`IDENTITY_${i}`, racing(db)]));
    const session = await findSession(createDataAccess({ ...env, DB: racing(env.DB), ...stores } as typeof env), token);
    expect(raced).toBe(true);
    // The request itself had the links as read (Petr's account with them)…
    expect(session?.links.map((l) => l.accountNo)).toContain(PETR_KZN);
    // …but kept no copy of them: the next request reads them afresh, without it.
    expect((await copyOf("demo-olga"))?.links ?? null).toBeNull();
    expect((await findSession(createDataAccess(env), token))?.links.map((l) => l.accountNo)).not.toContain(PETR_KZN);
  });

  it("keeps the profile with the links, and trusts it only beside its own fill time (an older release re-stamps the links alone)", async () => {
    const cookie = await as("olga");
    const me = async () => {
      const res = await call("msk", "/api/v1/me", { headers: { cookie } });
      return { global: d1Use(res).use.has("DB"), profile: (await json<{ profile: { displayName: string } }>(res)).profile };
    };
    const fresh = await me();
    // Kept: the next request reads nothing global, and the copy holds no password hash.
    expect(await me()).toEqual({ global: false, profile: fresh.profile });
    const row = await (await olgaHome())
      .prepare("SELECT profile, filled_at FROM session_links WHERE subscriber_id = 'demo-olga'")
      .first<{ profile: string; filled_at: number }>();
    const kept = JSON.parse(row?.profile ?? "{}") as Record<string, unknown>;
    expect(Object.keys(kept).sort()).toEqual(["at", "displayName", "email", "hasPassword", "id", "login", "phone", "v"]);
    expect(kept).toMatchObject({ displayName: fresh.profile.displayName, at: row?.filled_at });
    expect(row?.profile).not.toMatch(/argon|pbkdf|hash/i);
    // A release before the profile re-stamps `filled_at` with the links it read, beside an older profile: not believed.
    await (await olgaHome())
      .prepare(
        "UPDATE session_links SET profile = json_set(profile, '$.displayName', 'Старое имя'), filled_at = ? WHERE subscriber_id = 'demo-olga'",
      )
      .bind(Date.now())
      .run();
    expect(await me()).toEqual({ global: true, profile: fresh.profile });
  });

  it("is kept again after a contact change refused for a wrong code: the change's window is closed, not left open 10 minutes", async () => {
    const cookie = sessionCookie(await post("/api/v1/auth/login", { identifier: "olga", password: "Kabinet2026" }, ip));
    const stepped = await stepUp(cookie, "+79000000003");
    const since = Date.now();
    const started = await call("msk", "/api/v1/me/email/start", {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie: stepped },
      body: JSON.stringify({ email: `olga.${since}@example.com` }),
    });
    expect(started.status).toBe(202);
    await codeSentTo(`olga.${since}@example.com`, since);
    const wrong = await call("msk", "/api/v1/me/email/verify", {
      method: "POST",
      headers: { ...SAME_ORIGIN, cookie: stepped },
      body: JSON.stringify({ code: "000000" }),
    });
    expect(wrong.status).toBe(400);
    const window = await (await olgaHome())
      .prepare("SELECT pending_until AS until, pending_changes AS changes FROM session_links WHERE subscriber_id = 'demo-olga'")
      .first<{ until: number | null; changes: number }>();
    expect(window).toEqual({ until: null, changes: 0 });
    // So her next request keeps a copy, and the one after it reads nothing global.
    await call("msk", "/api/v1/accounts", { headers: { cookie: stepped } });
    expect(d1Use(await call("msk", "/api/v1/accounts", { headers: { cookie: stepped } })).use.has("DB")).toBe(false);
  });

  it("is still trusted hours after it was made: a visit then reads nothing global", async () => {
    const cookie = await as("olga");
    const fresh = await listOf(cookie);
    // Made six hours ago (its profile's own stamp with it): still the copy, as every change forgets it.
    const ago = Date.now() - 6 * 3_600_000;
    await (await olgaHome())
      .prepare("UPDATE session_links SET filled_at = ?, profile = json_set(profile, '$.at', ?) WHERE subscriber_id = 'demo-olga'")
      .bind(ago, ago)
      .run();
    const later = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(d1Use(later).use.has("DB"), d1Use(later).timing).toBe(false);
    expect((await json<Accounts>(later)).items.map((a) => a.accountNo)).toEqual(fresh);
  });

  it("leaves no stale copy when the forget after a change is lost: none is kept in the change's window, and the change is read after it", async () => {
    await olgaViewsPetr();
    const cookie = await as("olga");
    expect(await listOf(cookie)).toContain(PETR_KZN);
    const data = createDataAccess(env);
    const olga = await subscriberAt("demo-olga");
    // A change begins (what the unlink route does first): the copy is forgotten and its window opened.
    await markCopyChanging(data, [olga]);
    // A request in the window reads the links as they still are, and keeps no copy of them…
    expect(await listOf(cookie)).toContain(PETR_KZN);
    expect((await copyOf("demo-olga"))?.links ?? null).toBeNull();
    // …the change is made, and the run dies before the forget after it.
    await unlinkAccount(data, "demo-olga", PETR_KZN);
    // What a request kept from before the change would have said Petr's account is hers (for 30 days): nothing was.
    expect(await listOf(cookie)).not.toContain(PETR_KZN);
    expect((await call("msk", `/api/v1/accounts/${PETR_KZN}`, { headers: { cookie } })).status).toBe(404);
    expect((await copyOf("demo-olga"))?.links ?? null).toBeNull();
    // The window lapses: the next request keeps the changed links, and the one after reads nothing global.
    await (await olgaHome())
      .prepare("UPDATE session_links SET pending_until = ? WHERE subscriber_id = 'demo-olga'")
      .bind(Date.now() - 1)
      .run();
    expect(await listOf(cookie)).not.toContain(PETR_KZN);
    expect(JSON.parse((await copyOf("demo-olga"))?.links ?? "null")).not.toBeNull();
    const kept = await call("msk", "/api/v1/accounts", { headers: { cookie } });
    expect(d1Use(kept).use.has("DB")).toBe(false);
    expect((await json<Accounts>(kept)).items.map((a) => a.accountNo)).not.toContain(PETR_KZN);
  });

  it("is forgotten before a change through the API too: a change that fails there is not made", async () => {
    await olgaViewsPetr();
    const cookie = await as("olga");
    expect(await listOf(cookie)).toContain(PETR_KZN);
    // Her home shard refuses the forget before the unlink: the unlink is not made (503-class failure, never half done).
    const home = (await subscriberAt("demo-olga")).homeShard;
    await (await olgaHome())
      .prepare("CREATE TRIGGER refuse_forget BEFORE UPDATE ON session_links BEGIN SELECT RAISE(ABORT, 'down'); END")
      .run();
    const refused = await call("msk", `/api/v1/accounts/${PETR_KZN}/link`, { method: "DELETE", headers: headers(cookie) });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    await (await olgaHome()).prepare("DROP TRIGGER refuse_forget").run();
    // Nothing was changed: her link stands, settled, in the account's shard and in her home shard.
    expect(
      (await holdersOfAccount(PETR_KZN)).filter((h) => h.login === "olga"),
      home,
    ).toEqual([{ login: "olga", role: "viewer", state: null }]);
    expect(
      await (await olgaHome())
        .prepare("SELECT count(*) AS n FROM subscriber_links WHERE subscriber_id = 'demo-olga' AND account_no = ?")
        .bind(PETR_KZN)
        .first("n"),
    ).toBe(1);
  });

  it("is trusted for LINKS_COPY_TTL_MS (30 days) at most, an older release's for ten minutes, and one that is not a list is read afresh: never a 500", async () => {
    const cookie = await as("olga");
    const fresh = await listOf(cookie);
    expect(fresh.length).toBeGreaterThan(0);
    const home = await olgaHome();
    /** The copy as if kept `ago` ms ago with `links`, stamped by this release (or not: an older one's). */
    const made = (ago: number, links: string, stamped = true) =>
      home
        .prepare(
          `UPDATE session_links SET links = ?, filled_at = ?, profile = ${stamped ? "json_set(profile, '$.at', ?, '$.v', 2)" : "json_remove(json_set(profile, '$.at', ?), '$.v')"} WHERE subscriber_id = 'demo-olga'`,
        )
        .bind(links, Date.now() - ago, Date.now() - ago)
        .run();
    const read = async () => {
      const res = await call("msk", "/api/v1/accounts", { headers: { cookie } });
      return { global: d1Use(res).use.has("DB"), items: (await json<Accounts>(res)).items.map((a) => a.accountNo) };
    };
    await read(); // kept
    // 29 days old and saying she has no accounts: believed (every change forgets it).
    await made(29 * 86_400_000, "[]");
    expect(await read()).toEqual({ global: false, items: [] });
    // Past its time (a forget lost to a bug or a hand edit): not believed, read afresh.
    await made(LINKS_COPY_TTL_MS + 1000, "[]");
    expect(await read()).toEqual({ global: true, items: fresh });
    // A copy an older release kept (no stamp): ten minutes at most, as it trusted it.
    await made(11 * 60_000, "[]", false);
    expect(await read()).toEqual({ global: true, items: fresh });
    await made(60_000, "[]", false);
    expect(await read()).toEqual({ global: false, items: [] });
    // Kept inside a change's window (an older release keeps there): not believed, whatever its age.
    await made(60_000, "[]");
    await home
      .prepare("UPDATE session_links SET pending_until = ? WHERE subscriber_id = 'demo-olga'")
      .bind(Date.now() - 1)
      .run();
    expect(await read()).toEqual({ global: true, items: fresh });
    for (const garbage of ["{}", "not json", "null"]) {
      await made(0, garbage);
      await home.prepare("UPDATE session_links SET pending_until = NULL WHERE subscriber_id = 'demo-olga'").run();
      const res = await call("msk", "/api/v1/accounts", { headers: { cookie } });
      expect(res.status, garbage).toBe(200);
      expect(d1Use(res).use.has("DB"), garbage).toBe(true);
      expect(
        (await json<Accounts>(res)).items.map((a) => a.accountNo),
        garbage,
      ).toEqual(fresh);
    }
  });

  it("keeps the window open while any change is under way: the forget after one does not close another's", async () => {
    await olgaViewsPetr();
    const cookie = await as("olga");
    const data = createDataAccess(env);
    const olga = await subscriberAt("demo-olga");
    // Two changes begin (an unlink on one device, a threshold on another)…
    await markCopyChanging(data, [olga]);
    await markCopyChanging(data, [olga]);
    // …the threshold's is made and forgotten after…
    await forgetSessionCopy(data, olga);
    // …and a request now reads the links with Petr's account still there: it must keep no copy.
    expect(await listOf(cookie)).toContain(PETR_KZN);
    expect((await copyOf("demo-olga"))?.links ?? null).toBeNull();
    // The unlink is made and its forget is lost: no stale copy says Petr's account is hers.
    await unlinkAccount(data, "demo-olga", PETR_KZN);
    expect(await listOf(cookie)).not.toContain(PETR_KZN);
    // Its own forget, had it come, closes the window: a copy is kept again.
    await forgetSessionCopy(data, olga);
    await listOf(cookie);
    expect(JSON.parse((await copyOf("demo-olga"))?.links ?? "null")).not.toBeNull();
    // A change that outlived its window closes nothing: a newer change opened one since, and keeps it.
    await markCopyChanging(data, [olga]);
    // (the first change's window, as `markCopyChanging` answered it, lapsed a moment ago)
    const lapsed = Date.now() - 1;
    await (await olgaHome()).prepare("UPDATE session_links SET pending_until = ? WHERE subscriber_id = 'demo-olga'").bind(lapsed).run();
    await markCopyChanging(data, [olga]);
    expect(closesWindow(lapsed)).toBe(false);
    await forgetSessionCopy(data, olga, { closes: closesWindow(lapsed) });
    await listOf(cookie);
    expect((await copyOf("demo-olga"))?.links ?? null).toBeNull();
  });
});

describe("a subscriber with many accounts in one shard", () => {
  it("gets all 150 on the home screen, with their balances (the list is one bound parameter, not 150)", async () => {
    const N = 150;
    const first = 70_000_000_001;
    const nos = Array.from({ length: N }, (_, i) => makeAccountNo(String(first + i)));
    const list = JSON.stringify(nos);
    await env.DB_URAL.batch([
      env.DB_URAL.prepare(
        "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) SELECT value, 'kurgan', 'Волков Д. А.', 'Курган, ул. Гоголя, д. 1', 'active', 0 FROM json_each(?)",
      ).bind(list),
      env.DB_URAL.prepare(
        "INSERT INTO account_services (id, account_no, tariff_id, status, started_at) SELECT 'many-' || value, value, 'kurgan-inet-100', 'active', 0 FROM json_each(?)",
      ).bind(list),
    ]);
    // One top-up on the last account, so a wrong pairing of balances and accounts would show.
    const data = createDataAccess(env);
    const last = nos[N - 1] as string;
    await appendEntry(data.shard("DB_URAL"), {
      accountNo: last,
      kind: "payment",
      amountKop: 12_345,
      occurredAt: new Date(),
      localDay: "2026-11-30",
      idempotencyKey: "many-accounts-topup",
      descriptionRu: "Пополнение",
      descriptionEn: "Top-up",
    });
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO account_directory (account_no, region, shard, created_at) SELECT value, 'kurgan', 'DB_URAL', 0 FROM json_each(?)",
      ).bind(list),
      env.DB.prepare(
        "INSERT INTO account_links (subscriber_id, account_no, role, created_at) SELECT 'demo-biz-manager', value, 'owner', 0 FROM json_each(?)",
      ).bind(list),
    ]);
    await holdersFromLinks();
    await forgetLinksOf("demo-biz-manager");
    const res = await call("msk", "/api/v1/accounts", { headers: { cookie: await as("biz.manager") } });
    expect(res.status).toBe(200);
    const { items } = await json<Accounts>(res);
    expect(items).toHaveLength(N);
    expect(items.find((a) => a.accountNo === last)?.balanceKop).toBe(12_345);
    expect(items.filter((a) => a.balanceKop === 0)).toHaveLength(N - 1);
    expect(items.every((a) => a.services.length === 1)).toBe(true);
  });
});
