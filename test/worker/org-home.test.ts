/**
 * Issue 20: an organisation's documents and audit on its home shard. The closing documents, their lines and their
 * audit entry are written there, numbered from the one global sequence whichever shard they are on; an older
 * deployment's documents in the global tables are still listed, downloaded and corrected; the audit entries written
 * with global changes are moved home by housekeeping, and the log shows every entry once wherever it is, at every
 * step of the move.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { appendEntry } from "../../worker/features/billing/ledger.service";
import { AUDIT_DRAIN_SHARDS } from "../../worker/features/business/audit.limits";
import { drainOrgAudit } from "../../worker/features/business/audit-drain.service";
import type { ClosingMessage, ClosingPageMessage } from "../../worker/features/business/closing.messages";
import { takeNumber } from "../../worker/features/business/closing.queries";
import { type ClosingDeps, issueMonth, queueClosingPage } from "../../worker/features/business/closing.service";
import { assetFonts } from "../../worker/features/usage/usage.consumer";
import { createDataAccess, queriesUsed } from "../../worker/platform/db";
import { localDay } from "../../worker/platform/region";
import { api, call, json, login, orgHomeOf, REQUISITES } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";

const thisMonth = localDay("Europe/Moscow").slice(0, 7);
const lastMonth = (() => {
  const [y, m] = thisMonth.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
})();

function fakeQueue() {
  const sent: ClosingMessage[] = [];
  return {
    sent,
    queue: {
      sendBatch: async (m: { body: ClosingMessage }[]) => void sent.push(...m.map((x) => x.body)),
      send: async (_m: ClosingPageMessage) => {},
    } as unknown as Queue,
  };
}

function deps(over: Partial<ClosingDeps> = {}): ClosingDeps {
  return {
    data: createDataAccess(env),
    queue: fakeQueue().queue,
    files: env.FILES,
    fonts: assetFonts(env.ASSETS),
    notify: async () => {},
    siteTemplate: env.SITE_URL,
    ...over,
  };
}

type Doc = {
  id: string;
  number: string | null;
  seq: number | null;
  kind: string;
  revision: number;
  status: string;
  corrects_id: string | null;
};
const homeDocs = async (orgId: string, period: string) =>
  (
    await (
      await orgHomeOf(orgId)
    )
      .prepare(
        "SELECT id, number, seq, kind, revision, status, corrects_id FROM closing_documents WHERE org_id = ? AND period = ? ORDER BY revision",
      )
      .bind(orgId, period)
      .all<Doc>()
  ).results;
const globalCount = async (table: string, orgId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE org_id = ?`).bind(orgId).first<{ n: number }>())?.n ?? -1;
const homeShardName = async (orgId: string) =>
  (await env.DB.prepare("SELECT home_shard FROM organisations WHERE id = ?").bind(orgId).first<{ home_shard: string }>())?.home_shard;
const counter = async (kind: string, year: number) =>
  (await env.DB.prepare("SELECT last FROM closing_counters WHERE kind = ? AND year = ?").bind(kind, year).first<{ last: number }>())
    ?.last ?? 0;

/**
 * A month `ahead` months from this one, charged through its last day in the Urals (nothing else of these tests
 * charges it), and a way to charge Смирнов's first account in it.
 */
async function uralMonth(ahead: number) {
  const [y, m] = thisMonth.split("-").map(Number) as [number, number];
  const period = new Date(Date.UTC(y, m - 1 + ahead, 1)).toISOString().slice(0, 7);
  const lastDay = new Date(Date.UTC(y, m + ahead, 0)).toISOString().slice(0, 10);
  const data = createDataAccess(env);
  await data.shard("DB_URAL").run(sql`UPDATE cron_progress SET done_day = ${lastDay} WHERE job = 'midnight' AND region = 'ekb'`);
  const account = (
    await env.DB.prepare("SELECT min(account_no) AS a FROM org_accounts WHERE org_id = ?").bind(SMIRNOV).first<{ a: string }>()
  )?.a as string;
  const charge = (key: string, amountKop: number, day: string) =>
    appendEntry(data.shard("DB_URAL"), {
      accountNo: account,
      kind: "charge",
      amountKop,
      occurredAt: new Date(`${period}-${day}T00:00:00+03:00`),
      localDay: `${period}-${day}`,
      serviceId: "svc-org-home-test",
      descriptionRu: "Абонентская плата",
      descriptionEn: "Subscription fee",
      idempotencyKey: `org-home-test:${key}:${period}`,
    });
  return { period, charge };
}

describe("closing documents on the organisation's home shard", { timeout: 120_000 }, () => {
  it("are written there, numbered from the one sequence across shards, and the monthly pages then pass the organisation", async () => {
    // The two demo organisations' homes are two shards (Moscow's and the Urals').
    expect(await homeShardName(VETER)).toBe("DB_MOSCOW");
    expect(await homeShardName(SMIRNOV)).toBe("DB_URAL");
    // A УПД is dated its month's last day: the year of its number is the month's.
    const year = Number(lastMonth.slice(0, 4));
    const before = await counter("upd", year);
    const outcomes = await Promise.all([issueMonth(deps(), VETER, lastMonth), issueMonth(deps(), SMIRNOV, lastMonth)]);
    expect(outcomes).toEqual(["issued", "issued"]);
    const [veter] = await homeDocs(VETER, lastMonth);
    const [smirnov] = await homeDocs(SMIRNOV, lastMonth);
    expect(veter).toMatchObject({ kind: "upd", status: "ready" });
    expect(smirnov).toMatchObject({ kind: "upd", status: "ready" });
    // Two shards, two numbers: the next two of the sequence, each once.
    expect([veter?.seq, smirnov?.seq].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([before + 1, before + 2]);
    expect(veter?.number).toBe(`УПД-${year}-${String(veter?.seq).padStart(6, "0")}`);
    expect(await counter("upd", year)).toBe(before + 2);
    // Nothing of them in the global tables; the audit entry is on the home shard with its document.
    expect(await globalCount("closing_documents", VETER)).toBe(0);
    const entry = await (await orgHomeOf(VETER))
      .prepare("SELECT actor_name, target FROM org_audit WHERE org_id = ? AND action = 'closing.issued'")
      .bind(VETER)
      .all();
    expect(entry.results).toEqual([{ actor_name: "Kabinet", target: lastMonth }]);
    // The organisation's row says its month is done, and the next page of the monthly job passes it.
    expect((await env.DB.prepare("SELECT docs_through FROM organisations WHERE id = ?").bind(VETER).first())?.docs_through).toBe(lastMonth);
    const { sent, queue } = fakeQueue();
    await queueClosingPage(createDataAccess(env), queue, { period: lastMonth, check: false, after: null });
    expect(sent.map((m) => m.orgId)).not.toContain(VETER);
    expect(sent.map((m) => m.orgId)).not.toContain(SMIRNOV);
    // The sixth day's check still visits both.
    const check = fakeQueue();
    await queueClosingPage(createDataAccess(env), check.queue, { period: lastMonth, check: true, after: null });
    expect(check.sent.map((m) => m.orgId)).toEqual(expect.arrayContaining([VETER, SMIRNOV]));
  });

  it("a document written by a run that died before its number gets one number from the next run, never two", async () => {
    const { period, charge } = await uralMonth(3);
    await charge("1", -100_00, "05");
    expect(await issueMonth(deps(), SMIRNOV, period)).toBe("issued");
    // A late charge of the month makes a correction; the run dies loading its fonts, after the write.
    await charge("2", -50_00, "20");
    const year = Number(localDay("Europe/Moscow").slice(0, 4));
    const before = await counter("ukd", year);
    await expect(
      issueMonth(
        deps({
          fonts: async () => {
            throw new Error("fonts unavailable");
          },
        }),
        SMIRNOV,
        period,
      ),
    ).rejects.toThrow(/fonts unavailable/);
    const died = (await homeDocs(SMIRNOV, period)).find((d) => d.revision === 1);
    expect(died).toMatchObject({ kind: "ukd", status: "generating", number: null, seq: null });
    // Two runs at once finish it: one number is set and kept; no second document.
    expect(await Promise.all([issueMonth(deps(), SMIRNOV, period), issueMonth(deps(), SMIRNOV, period)])).toEqual([
      "unchanged",
      "unchanged",
    ]);
    const docs = await homeDocs(SMIRNOV, period);
    expect(docs).toHaveLength(2);
    const fixed = docs[1] as Doc;
    expect(fixed).toMatchObject({ id: died?.id, status: "ready", corrects_id: docs[0]?.id });
    expect(fixed.number).toBe(`УКД-${year}-${String(fixed.seq).padStart(6, "0")}`);
    expect(fixed.seq).toBeGreaterThan(before);
    expect(await counter("ukd", year)).toBeGreaterThanOrEqual(fixed.seq as number);
    // Numbered once: the number stays.
    await expect(
      env.DB_URAL.prepare("UPDATE closing_documents SET number = 'УКД-2000-000001', seq = 1 WHERE id = ?").bind(fixed.id).run(),
    ).rejects.toThrow(/never changes/);
  });
});

describe("the numbers' sequence", () => {
  it("goes on past a number an older Worker gave in the global table after the sequence started", async () => {
    const data = createDataAccess(env);
    const first = await takeNumber(data.global, "ukd", 2031);
    expect(first.seq).toBe(1);
    // The older deployment's Worker, still running, numbered УКД-2031-000041 in the global table.
    await env.DB.prepare(
      `INSERT INTO closing_documents (id, org_id, period, revision, kind, number, year, seq, corrects_id, doc_date, total_kop, vat_kop, parties, file_guid, status, pdf_key, xml_key, created_at, ready_at)
       VALUES ('00000000000000000000legacy', ?, '2031-01', 9, 'ukd', 'УКД-2031-000041', 2031, 41, NULL, '2031-02-01', 0, 0, '{}', 'g', 'ready', NULL, NULL, 0, 0)`,
    )
      .bind(SMIRNOV)
      .run();
    const taken = await Promise.all(Array.from({ length: 5 }, () => takeNumber(data.global, "ukd", 2031)));
    expect(taken.map((t) => t.seq).sort((x, y) => x - y)).toEqual([42, 43, 44, 45, 46]);
    expect(taken.find((t) => t.seq === 42)?.number).toBe("УКД-2031-000042");
    // And the other way round: the older Worker's next number (its table's highest + 1 = 42) was given by the
    // sequence: its insert is refused (its message is retried by the new release); one past the sequence is not.
    const olderWorker = (seq: number) =>
      env.DB.prepare(
        `INSERT INTO closing_documents (id, org_id, period, revision, kind, number, year, seq, corrects_id, doc_date, total_kop, vat_kop, parties, file_guid, status, pdf_key, xml_key, created_at, ready_at)
         VALUES (?, ?, '2031-02', 0, 'ukd', ?, 2031, ?, NULL, '2031-03-01', 0, 0, '{}', 'g', 'generating', NULL, NULL, 0, NULL)`,
      )
        .bind(`0000000000000000000older${seq}`, SMIRNOV, `УКД-2031-0000${seq}`, seq)
        .run();
    await expect(olderWorker(42)).rejects.toThrow(/given by the sequence/);
    await expect(olderWorker(47)).resolves.toBeTruthy();
  });

  it("an organisation whose home this Worker is not bound to has its month fail and come back, written nowhere else", async () => {
    await env.DB.prepare("UPDATE organisations SET home_shard = 'DB_NOWHERE' WHERE id = ?").bind(SMIRNOV).run();
    try {
      // A month ahead with a charge.
      const { period, charge } = await uralMonth(6);
      await charge("unbound", -10_00, "10");
      const globalBefore = await globalCount("closing_documents", SMIRNOV);
      const outcome = issueMonth(deps(), SMIRNOV, period);
      await expect(outcome).rejects.toThrow(/not bound/);
      expect(await globalCount("closing_documents", SMIRNOV)).toBe(globalBefore);
    } finally {
      await env.DB.prepare("UPDATE organisations SET home_shard = 'DB_URAL' WHERE id = ?").bind(SMIRNOV).run();
    }
  });
});

describe("an older deployment's documents in the global tables", { timeout: 120_000 }, () => {
  it("are listed beside the home shard's, downloaded, and corrected on the home shard", async () => {
    const period = "2026-02";
    const legacyId = "0000000000000000000legac00";
    const account = (
      await env.DB.prepare("SELECT min(account_no) AS a FROM org_accounts WHERE org_id = ?").bind(VETER).first<{ a: string }>()
    )?.a;
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO closing_documents (id, org_id, period, revision, kind, number, year, seq, corrects_id, doc_date, total_kop, vat_kop, parties, file_guid, status, pdf_key, xml_key, created_at, ready_at)
         VALUES (?, ?, ?, 0, 'upd', 'УПД-2026-000007', 2026, 7, NULL, '2026-02-28', 12200, 2200, '{}', 'guid', 'ready', ?, NULL, 0, 0)`,
      ).bind(legacyId, VETER, period, `closing/${VETER}/${legacyId}.pdf`),
      env.DB.prepare(
        "INSERT INTO closing_lines (doc_id, line_no, account_no, region, service_id, name_ru, before_kop, vat_before_kop, amount_kop, vat_kop) VALUES (?, 1, ?, 'msk', NULL, 'Услуги связи', NULL, NULL, 12200, 2200)",
      ).bind(legacyId, account),
    ]);
    await env.FILES.put(`closing/${VETER}/${legacyId}.pdf`, "%PDF-1.7 legacy");
    const admin = await login("biz.admin");
    const list = await json<{
      items: { id: string; number: string; period: string; pdfUrl: string | null; correctsNumber: string | null }[];
    }>(await api(admin, `/business/organisations/${VETER}/documents/closing`));
    const legacy = list.items.find((d) => d.id === legacyId);
    expect(legacy).toMatchObject({ number: "УПД-2026-000007", period });
    // Newest month first, whichever place each is in.
    const periods = list.items.map((d) => d.period);
    expect(periods).toEqual([...periods].sort().reverse());
    const file = await api(admin, (legacy?.pdfUrl ?? "").replace("/api/v1", ""));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("%PDF-1.7 legacy");
    // Its month's charges differ from what it says: the correction goes to the home shard and refers to it.
    // (The demo's ledger has nothing in that month: the correction takes the line back to zero.)
    expect(await issueMonth(deps(), VETER, period)).toBe("corrected");
    const [fix] = await homeDocs(VETER, period);
    expect(fix).toMatchObject({ kind: "ukd", revision: 1, corrects_id: legacyId, status: "ready" });
    const again = await json<{ items: { id: string; correctsNumber: string | null; totalKop: number }[] }>(
      await api(admin, `/business/organisations/${VETER}/documents/closing`),
    );
    expect(again.items.find((d) => d.id === fix?.id)).toMatchObject({ correctsNumber: "УПД-2026-000007", totalKop: -12200 });
    // The legacy document stays where it was, as issued.
    expect(await globalCount("closing_documents", VETER)).toBe(1);
  });
});

type Entry = { id: string; action: string };
type Page = { items: Entry[]; nextCursor: string | null };

async function wholeLog(cookie: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page: Page = await json<Page>(
      await api(cookie, `/business/organisations/${VETER}/audit?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`),
    );
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

describe("the audit's move home", { timeout: 120_000 }, () => {
  it("moves the global entries to the home shard, and the log shows each entry once before, during and after", async () => {
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    const site = sites[0] as { id: string; name: string };
    for (const name of ["Склад (на время)", site.name])
      expect(
        (await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, { method: "PATCH", body: JSON.stringify({ name }) })).status,
      ).toBe(200);
    const before = await wholeLog(admin, 100);
    expect(before.length).toBeGreaterThan(3);
    expect(new Set(before).size).toBe(before.length);
    const staged = await globalCount("org_audit", VETER);
    expect(staged).toBeGreaterThan(2);

    // A move that died after copying two entries home, before deleting them here: both places hold them.
    const home = await orgHomeOf(VETER);
    const two = (await env.DB.prepare("SELECT * FROM org_audit WHERE org_id = ? ORDER BY id LIMIT 2").bind(VETER).all()).results;
    for (const r of two)
      await home
        .prepare(
          "INSERT INTO org_audit (id, org_id, actor_id, actor_name, action, target, details, address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(r.id, r.org_id, r.actor_id, r.actor_name, r.action, r.target, r.details, r.address, r.created_at)
        .run();
    expect(await wholeLog(admin, 100)).toEqual(before);
    expect(await wholeLog(admin, 3)).toEqual(before);

    // A run with one shard of at most 3 entries a page: some moved, the rest not; pages of 2 still see each once.
    const data = createDataAccess(env);
    for (let i = 0; i < 20 && (await globalCount("org_audit", VETER)) === staged; i++) await drainOrgAudit(data, 1, 3);
    const partly = await globalCount("org_audit", VETER);
    expect(partly).toBeLessThan(staged);
    expect(partly).toBeGreaterThan(0);
    expect(await wholeLog(admin, 2)).toEqual(before);

    // Runs until nothing is left: every entry is home, none here, and the permits are gone. Each run stays within
    // its share of housekeeping's 1,000 queries: a read and a write a shard, and four more.
    for (let i = 0; i < 50; i++) {
      const run = createDataAccess(env);
      const done = await drainOrgAudit(run);
      expect(queriesUsed(run.stats)).toBeLessThanOrEqual(2 * AUDIT_DRAIN_SHARDS + 4);
      expect(queriesUsed(run.stats)).toBeLessThanOrEqual(2 * done.shards + 4);
      if (done.moved === 0) break;
    }
    expect(await globalCount("org_audit", VETER)).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM org_audit_drained").first<{ n: number }>())?.n).toBe(0);
    const moved = (await home.prepare("SELECT count(*) AS n FROM org_audit WHERE org_id = ?").bind(VETER).first<{ n: number }>())?.n;
    expect(moved).toBe(before.length);
    expect(await wholeLog(admin, 100)).toEqual(before);

    // A new entry is written here again, and shows first; the export has every entry of both places.
    const renamed = await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, {
      method: "PATCH",
      body: JSON.stringify({ name: "Склад (снова)" }),
    });
    expect(renamed.status).toBe(200);
    const after = await wholeLog(admin, 4);
    expect(after.slice(1)).toEqual(before);
    expect(await globalCount("org_audit", VETER)).toBe(1);
    const csv = await api(admin, `/business/organisations/${VETER}/audit/export?format=csv`);
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines.length - 1).toBe(after.length);

    // Append-only in both places: a plain delete here, or any change there, is refused.
    await expect(env.DB.prepare("DELETE FROM org_audit WHERE org_id = ?").bind(VETER).run()).rejects.toThrow(/append-only/);
    await expect(home.prepare("DELETE FROM org_audit WHERE org_id = ?").bind(VETER).run()).rejects.toThrow(/append-only/);
    await expect(home.prepare("UPDATE org_audit SET actor_name = 'x' WHERE org_id = ?").bind(VETER).run()).rejects.toThrow(/append-only/);
  });

  it("is not held up by entries it cannot move: thousands of an organisation whose home this Worker lacks", async () => {
    // An organisation homed on a shard this Worker is not bound to, with 2,500 entries older than any other.
    await env.DB.prepare(
      "INSERT INTO organisations (id, kind, name, inn, kpp, ogrn, legal_address, postal_address, bik, bank_name, settlement_account, created_at, home_shard) VALUES ('org-elsewhere', 'legal', 'ООО «Далеко»', '7700000001', NULL, '1027700000001', 'x', 'x', '044525225', 'x', '40702810900000000001', 0, 'DB_NOWHERE')",
    ).run();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
       INSERT INTO org_audit (id, org_id, actor_id, actor_name, action, target, details, address, created_at)
       SELECT printf('00000000%018d', i), 'org-elsewhere', NULL, 'operator', 'org.created', NULL, NULL, NULL, 0 FROM n`,
    ).run();
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    const site = sites[0] as { id: string; name: string };
    expect(
      (
        await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, {
          method: "PATCH",
          body: JSON.stringify({ name: "Склад (опять)" }),
        })
      ).status,
    ).toBe(200);
    expect(await globalCount("org_audit", VETER)).toBeGreaterThan(0);
    await drainOrgAudit(createDataAccess(env));
    expect(await globalCount("org_audit", VETER)).toBe(0);
    expect(await globalCount("org_audit", "org-elsewhere")).toBe(2500);
  });

  it("an organisation registered with no account gets a home shard all the same", async () => {
    const res = await call(null, "/ops/v1/business/organisations", {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        ...REQUISITES,
        name: "ООО «Дом»",
        inn: "7707083893",
        contactPhone: "+79000000098",
        accountNos: [],
      }),
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    expect(await homeShardName(id)).toBe("DB_MOSCOW");
  });
});
