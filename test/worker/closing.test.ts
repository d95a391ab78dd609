/**
 * Issue 24, monthly closing documents: a УПД per organisation and month from the ledger (PDF and the ФНС XML
 * 5.03), made by the hourly job through the reports queue, never renumbered or edited; a later change of the month
 * is a correction (УКД) that refers to it; listed and downloaded by administrators and accountants only.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { accounts as accountsTable } from "../../worker/db/schema/region";
import { appendEntry } from "../../worker/features/billing/ledger.service";
import { ClosingMessage, type ClosingPageMessage } from "../../worker/features/business/closing.messages";
import {
  type ClosingDeps,
  consumeClosing,
  issueMonth,
  queueClosingMonth,
  queueClosingPage,
} from "../../worker/features/business/closing.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { assetFonts } from "../../worker/features/usage/usage.consumer";
import { createDataAccess } from "../../worker/platform/db";
import { sweepGatherRuns } from "../../worker/platform/gather";
import { makeAccountNo } from "../../worker/platform/ids";
import { localDay } from "../../worker/platform/region";
import { api, call, json, login, orgHomeOf } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";

function deps(sent: NotificationMessage[] = []): ClosingDeps {
  return {
    data: createDataAccess(env),
    queue: fakeQueue().queue,
    files: env.FILES,
    fonts: assetFonts(env.ASSETS),
    notify: async (m) => void sent.push(m),
    siteTemplate: env.SITE_URL,
  };
}

const today = localDay("Europe/Moscow");
const thisMonth = today.slice(0, 7);
const shiftMonth = (month: string, n: number) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
};
const lastMonth = shiftMonth(thisMonth, -1);
const lastDay = (month: string) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};

type Row = {
  id: string;
  number: string;
  kind: string;
  revision: number;
  total_kop: number;
  vat_kop: number;
  status: string;
  corrects_id: string | null;
};
const docsOf = async (orgId: string, period: string) =>
  (
    await (
      await orgHomeOf(orgId)
    )
      .prepare("SELECT * FROM closing_documents WHERE org_id = ? AND period = ? ORDER BY revision")
      .bind(orgId, period)
      .all<Row>()
  ).results;

/** The organisation's accounts with their shard binding, from the directory. */
async function accountsOf(orgId: string) {
  return (
    await env.DB.prepare(
      "SELECT d.account_no AS accountNo, d.region, d.shard FROM org_accounts o JOIN account_directory d ON d.account_no = o.account_no WHERE o.org_id = ?",
    )
      .bind(orgId)
      .all<{ accountNo: string; region: string; shard: string }>()
  ).results;
}

/** What the ledger says the accounts were charged in a month (positive kopecks), summed over every shard they are on. */
async function ledgerCharges(orgId: string, period: string) {
  const accounts = await accountsOf(orgId);
  let total = 0;
  for (const shard of new Set(accounts.map((a) => a.shard))) {
    const nos = accounts.filter((a) => a.shard === shard).map((a) => a.accountNo);
    const d1 = (env as unknown as Record<string, D1Database>)[shard] as D1Database;
    const row = await d1
      .prepare(
        `SELECT coalesce(-sum(amount_kop), 0) AS s FROM ledger_entries WHERE kind = 'charge' AND local_day BETWEEN ? AND ? AND account_no IN (SELECT value FROM json_each(?))`,
      )
      .bind(`${period}-01`, lastDay(period), JSON.stringify(nos))
      .first<{ s: number }>();
    total += row?.s ?? 0;
  }
  return { total, shards: new Set(accounts.map((a) => a.shard)) };
}

/** Moves the daily charge's progress of these regions to a day (each region's home shard). */
async function chargedThrough(regions: string[], day: string) {
  const data = createDataAccess(env);
  for (const region of regions)
    await data
      .shardForRegion(region)
      .run((await import("drizzle-orm")).sql`UPDATE cron_progress SET done_day = ${day} WHERE job = 'midnight' AND region = ${region}`);
}

const decode1251 = (bytes: ArrayBuffer) => new TextDecoder("windows-1251").decode(bytes);
const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (n) => n === "СведТов" });

function fakeQueue() {
  const sent: { body: ClosingMessage }[] = [];
  const pages: ClosingPageMessage[] = [];
  return {
    sent,
    pages,
    queue: {
      sendBatch: async (m: { body: ClosingMessage }[]) => void sent.push(...m),
      send: async (m: ClosingPageMessage) => void pages.push(m),
    } as unknown as Queue,
  };
}

describe("the monthly job", () => {
  it("queues each organisation with accounts on days 1–5 of a month for the month before, and none later", async () => {
    const day2 = new Date(`${thisMonth}-02T09:00:00+03:00`);
    const { sent, queue } = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), queue, day2)).toBe(sent.length);
    expect(sent.map((m) => m.body)).toEqual(
      expect.arrayContaining([
        { kind: "closing_documents", orgId: VETER, period: lastMonth },
        { kind: "closing_documents", orgId: SMIRNOV, period: lastMonth },
      ]),
    );
    const later = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), later.queue, new Date(`${thisMonth}-09T09:00:00+03:00`))).toBe(0);
  });

  it("starts no second chain while one runs: the next hours' ticks queue nothing until it ends, or until it went quiet", async () => {
    const day2 = new Date(`${thisMonth}-02T09:00:00+03:00`);
    const first = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), first.queue, day2, 1)).toBe(1);
    const chain = first.pages[0] as ClosingPageMessage;
    expect(chain.run).toEqual(expect.any(String));
    // The next hour, and two ticks at once the hour after: the first chain still runs, nothing is queued twice.
    const hour = (h: number) => new Date(day2.getTime() + h * 3600_000);
    const busy = fakeQueue();
    const ticks = await Promise.all([
      queueClosingMonth(createDataAccess(env), busy.queue, hour(1), 1),
      queueClosingMonth(createDataAccess(env), busy.queue, hour(2), 1),
      queueClosingMonth(createDataAccess(env), busy.queue, hour(2), 1),
    ]);
    expect(ticks).toEqual([0, 0, 0]);
    expect(busy.sent).toEqual([]);
    // Three hours without a page: the chain is taken over by the next tick, and the old chain's next page stops.
    const later = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), later.queue, hour(4), 1)).toBe(1);
    const stale = fakeQueue();
    expect(await queueClosingPage(createDataAccess(env), stale.queue, chain, 1, hour(4))).toBe(0);
    expect(stale.sent).toEqual([]);
    expect(stale.pages).toEqual([]);
    // The new chain goes on to its end, and gives the lease back.
    for (let i = 0; i < later.pages.length && i < 100; i++)
      await queueClosingPage(createDataAccess(env), later.queue, later.pages[i] as ClosingPageMessage, 1, hour(4));
    expect(later.sent.length).toBeGreaterThanOrEqual(2);
    expect(await queueClosingMonth(createDataAccess(env), fakeQueue().queue, hour(5), 1)).toBe(1);
    // (That chain, left running here, is ended for the tests after: its lease given back as its last page would.)
    await env.DB.prepare("UPDATE job_leases SET beat_at = 0").run();
  });

  it("queues the organisations a page at a time, each page's message carrying on from the last, none twice and none left", async () => {
    const day2 = new Date(`${thisMonth}-02T09:00:00+03:00`);
    const whole = fakeQueue();
    await queueClosingMonth(createDataAccess(env), whole.queue, day2);
    const all = whole.sent.map((m) => m.body.orgId);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(whole.pages).toEqual([]);
    // A page of one: the cron queues the first organisation and the message for the next page.
    const paged = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), paged.queue, day2, 1)).toBe(1);
    expect(paged.pages).toEqual([{ kind: "closing_page", period: lastMonth, check: false, after: all[0], run: expect.any(String) }]);
    // The chain, through the queue's consumer as the page messages arrive (each acked), to its end.
    const acked: string[] = [];
    const queuedByPage: number[] = [];
    for (let i = 0; paged.pages.length > i && i < 100; i++) {
      const body = paged.pages[i] as ClosingPageMessage;
      queuedByPage.push(await queueClosingPage(createDataAccess(env), paged.queue, body, 1));
      acked.push(body.after);
    }
    expect(paged.sent.map((m) => m.body.orgId)).toEqual(all);
    expect(new Set(acked).size).toBe(acked.length);
    // Every page full but the last, which finds none after the last organisation and ends the chain.
    expect(queuedByPage).toEqual([...all.slice(1).map(() => 1), 0]);
    // The chain ended, its lease given back: the next tick starts a new one.
    const again = fakeQueue();
    expect(await queueClosingMonth(createDataAccess(env), again.queue, day2, 1)).toBe(1);
    // A page message through the consumer: parsed, its page queued, acked.
    const chained = fakeQueue();
    const message = {
      id: "page",
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "closing_page", period: lastMonth, check: false, after: all[0] },
      ack: () => acked.push("page"),
      retry: () => {
        throw new Error("retried");
      },
    } as unknown as Message<unknown>;
    await consumeClosing([message], { ...deps(), queue: chained.queue });
    expect(acked.at(-1)).toBe("page");
    expect(chained.sent.map((m) => m.body.orgId)).toEqual(all.slice(1));
  });

  it("issues one УПД for the organisation's accounts on every shard, equal to the ledger's charges, and tells its people", async () => {
    const sent: NotificationMessage[] = [];
    // Through the queue's consumer, as the cron's message arrives; twice (a redelivery) issues once.
    const acked: string[] = [];
    const message = (id: string) =>
      ({
        id,
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "closing_documents", orgId: VETER, period: lastMonth },
        ack: () => acked.push(id),
        retry: () => {
          throw new Error("retried");
        },
      }) as unknown as Message<unknown>;
    await consumeClosing([message("a"), message("b")], deps(sent));
    expect(acked).toEqual(["a", "b"]);
    const docs = await docsOf(VETER, lastMonth);
    expect(docs).toHaveLength(1);
    const [upd] = docs as [Row];
    expect(upd).toMatchObject({ kind: "upd", revision: 0, status: "ready" });
    expect(upd.number).toMatch(/^УПД-\d{4}-\d{6}$/);
    const ledger = await ledgerCharges(VETER, lastMonth);
    // 120 Moscow, 80 St Petersburg and 20 Yekaterinburg accounts: three shards.
    expect(ledger.shards.size).toBeGreaterThanOrEqual(2);
    expect(ledger.total).toBeGreaterThan(0);
    expect(upd.total_kop).toBe(ledger.total);
    // Services of a 2026 month: VAT 22/122 (425-ФЗ), rounded on the document's total.
    expect(lastMonth >= "2026-01").toBe(true);
    expect(upd.vat_kop).toBe(Math.round((ledger.total * 22) / 122));
    const lines = await (await orgHomeOf(VETER))
      .prepare("SELECT count(DISTINCT account_no) AS n, sum(amount_kop) AS s, sum(vat_kop) AS v FROM closing_lines WHERE doc_id = ?")
      .bind(upd.id)
      .first<{ n: number; s: number; v: number }>();
    expect(lines).toEqual({ n: 220, s: ledger.total, v: upd.vat_kop });
    // The organisation's audit log says who made it and when (the system, once).
    const audit = await (await orgHomeOf(VETER))
      .prepare("SELECT actor_id, actor_name, target FROM org_audit WHERE org_id = ? AND action = 'closing.issued'")
      .bind(VETER)
      .all();
    expect(audit.results).toEqual([{ actor_id: null, actor_name: "Kabinet", target: lastMonth }]);
    // The administrator and the accountant hear of it once each (the redelivery sent nothing more).
    const to = sent.filter((m) => m.channel === "email").map((m) => (m as { to: string }).to);
    expect(new Set(to).size).toBe(to.length);
    expect(to.length).toBeGreaterThanOrEqual(2);
    expect((sent[0] as { subject: string }).subject).toContain(upd.number);
    // Issued: the job queues the organisation no more this month.
    const { sent: queued, queue } = fakeQueue();
    await queueClosingMonth(createDataAccess(env), queue, new Date(`${thisMonth}-03T09:00:00+03:00`));
    expect(queued.map((m) => m.body.orgId)).not.toContain(VETER);
  });

  it("a rerun keeps the number and the content; an issued document cannot be changed or removed", async () => {
    await issueMonth(deps(), VETER, lastMonth);
    const before = await docsOf(VETER, lastMonth);
    const pdf = await env.FILES.head(`closing/${VETER}/${before[0]?.id}.pdf`);
    expect(await issueMonth(deps(), VETER, lastMonth)).toBe("unchanged");
    expect(await issueMonth(deps(), VETER, lastMonth)).toBe("unchanged");
    expect(await docsOf(VETER, lastMonth)).toEqual(before);
    expect((await env.FILES.head(`closing/${VETER}/${before[0]?.id}.pdf`))?.etag).toBe(pdf?.etag);
    const home = await orgHomeOf(VETER);
    await expect(home.prepare("UPDATE closing_documents SET total_kop = total_kop + 1 WHERE org_id = ?").bind(VETER).run()).rejects.toThrow(
      /never changes/,
    );
    await expect(home.prepare("UPDATE closing_lines SET amount_kop = 0 WHERE doc_id = ?").bind(before[0]?.id).run()).rejects.toThrow(
      /append-only/,
    );
    await expect(home.prepare("DELETE FROM closing_documents WHERE org_id = ?").bind(VETER).run()).rejects.toThrow(/never removed/);
    await expect(
      home.prepare("UPDATE closing_documents SET number = 'УПД-2000-000001' WHERE org_id = ?").bind(VETER).run(),
    ).rejects.toThrow(/never changes/);
  });

  it("waits while a region of the organisation is not charged to the month's last day", async () => {
    const period = thisMonth;
    expect(await issueMonth(deps(), VETER, period)).toBe("waiting");
    expect(await docsOf(VETER, period)).toEqual([]);
  });
});

describe("through the reports queue", () => {
  it("the Worker's reports consumer takes a closing message (beside the usage reports) and makes the document", async () => {
    await env.REPORTS.send({ kind: "closing_documents", orgId: SMIRNOV, period: lastMonth } satisfies ClosingMessage);
    const deadline = Date.now() + 15_000;
    let docs: Row[] = [];
    while (Date.now() < deadline) {
      docs = await docsOf(SMIRNOV, lastMonth);
      if (docs[0]?.status === "ready") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: "upd", status: "ready", total_kop: (await ledgerCharges(SMIRNOV, lastMonth)).total });
    // An entrepreneur (ИП, 12-digit ИНН, no КПП) is the buyer as a person: СвИП with ИННФЛ and ФИО.
    const xml = await env.FILES.get(`closing/${SMIRNOV}/${docs[0]?.id}.xml`);
    const parsed = xmlParser.parse(decode1251(await (xml as R2ObjectBody).arrayBuffer()));
    expect(parsed.Файл.Документ.СвСчФакт.СвПокуп.ИдСв.СвИП["@ИННФЛ"]).toBe("660123456729");
    expect(parsed.Файл.Документ.СвСчФакт.СвПокуп.ИдСв.СвИП.ФИО).toMatchObject({
      "@Фамилия": "Смирнов",
      "@Имя": "Пётр",
      "@Отчество": "Андреевич",
    });
  });
});

describe("the operators' request for a month", () => {
  const ask = (orgId: string, period: string, token: string | null = env.OPERATOR_TOKEN) =>
    call(null, `/ops/v1/business/organisations/${orgId}/documents/closing/${period}?lang=en`, {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it("queues a past month of an organisation, and refuses this month, nonsense, a stranger's token and an unknown organisation", async () => {
    const res = await ask(SMIRNOV, shiftMonth(thisMonth, -3));
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ orgId: SMIRNOV, period: shiftMonth(thisMonth, -3) });
    for (const period of [thisMonth, "2026-13", "latest"]) {
      const bad = await ask(SMIRNOV, period);
      expect(bad.status, period).toBe(400);
      expect((await json<{ errors: { field: string; message: string }[] }>(bad)).errors).toEqual([
        { field: "period", message: "Give a past month as YYYY-MM" },
      ]);
    }
    expect((await ask("org-nonexistent", lastMonth)).status).toBe(404);
    expect((await ask(SMIRNOV, lastMonth, null)).status).toBe(401);
    expect((await ask(SMIRNOV, lastMonth, "wrong")).status).toBe(401);
  });
});

describe("a change after issue", () => {
  it("is a correction (УКД) with the difference, referring to the УПД, with its own number and PDF; the УПД stays as issued", async () => {
    const period = shiftMonth(thisMonth, 2);
    const [msk] = (await accountsOf(VETER)).filter((a) => a.region === "msk");
    await chargedThrough(["msk", "spb", "ekb"], lastDay(period));
    const db = createDataAccess(env).shard((msk as { shard: string }).shard as "DB_MOSCOW");
    const entry = (key: string, amountKop: number, day: string) =>
      appendEntry(db, {
        accountNo: (msk as { accountNo: string }).accountNo,
        kind: "charge",
        amountKop,
        occurredAt: new Date(`${day}T00:00:00+03:00`),
        localDay: day,
        serviceId: "svc-closing-test",
        descriptionRu: "Абонентская плата",
        descriptionEn: "Subscription fee",
        idempotencyKey: key,
      });
    await entry(`closing-test:1:${period}`, -1_200_00, `${period}-05`);
    expect(await issueMonth(deps(), VETER, period)).toBe("issued");
    const [upd] = (await docsOf(VETER, period)) as [Row];
    expect(upd.total_kop).toBe(1_200_00);
    // A month after 2025: 22/122 of 1 200,00 = 216,39.
    expect(upd.vat_kop).toBe(216_39);
    // A late charge of 123.45 in the same month.
    await entry(`closing-test:2:${period}`, -123_45, `${period}-20`);
    const sent: NotificationMessage[] = [];
    expect(await issueMonth(deps(sent), VETER, period)).toBe("corrected");
    const docs = await docsOf(VETER, period);
    expect(docs).toHaveLength(2);
    const [first, fix] = docs as [Row, Row];
    expect(first).toEqual(upd);
    expect(fix).toMatchObject({ kind: "ukd", revision: 1, corrects_id: upd.id, total_kop: 123_45, status: "ready" });
    expect(fix.number).toMatch(/^УКД-\d{4}-\d{6}$/);
    const line = await (await orgHomeOf(VETER))
      .prepare("SELECT before_kop, amount_kop, vat_before_kop, vat_kop FROM closing_lines WHERE doc_id = ?")
      .bind(fix.id)
      .all();
    // The correction keeps the period's rate: 22/122 of 1 323,45 = 238,65.
    expect(line.results).toEqual([{ before_kop: 1_200_00, amount_kop: 1_323_45, vat_before_kop: 216_39, vat_kop: 238_65 }]);
    expect(fix.vat_kop).toBe(22_26);
    expect(sent.some((m) => m.channel === "email" && m.text.includes(upd.number) && m.text.includes("в т. ч. НДС 22 % 22,26 ₽"))).toBe(
      true,
    );
    // Nothing more changed: nothing more to correct.
    expect(await issueMonth(deps(), VETER, period)).toBe("unchanged");
    // Listed with what it corrects; a PDF, no XML.
    const admin = await login("biz.admin");
    const list = await json<{
      items: {
        id: string;
        kind: string;
        correctsNumber: string | null;
        vatPercent: number;
        pdfUrl: string | null;
        xmlUrl: string | null;
      }[];
    }>(await api(admin, `/business/organisations/${VETER}/documents/closing`));
    const listed = list.items.find((d) => d.id === fix.id);
    expect(listed).toMatchObject({ kind: "ukd", correctsNumber: upd.number, vatPercent: 22, xmlUrl: null });
    const pdf = await api(admin, listed?.pdfUrl?.replace("/api/v1", "") ?? "");
    expect(pdf.status).toBe(200);
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe("%PDF-");
    expect((await api(admin, `/business/organisations/${VETER}/documents/closing/${fix.id}/xml`)).status).toBe(404);
  });
});

describe("the document's totals against the ledger (property)", () => {
  it("random months of charges and payments: the УПД's total is the month's charges, its VAT 20/120 of it in 2025 and 22/122 from 2026", async () => {
    const data = createDataAccess(env);
    // The demo accounts come with their months closed up to the last one (the seed closes them as the period close
    // does), and an entry for a closed month is booked in the first open one: the 2025 months are checked on an
    // account of the organisation's opened without closed months, the future ones on the demo accounts.
    const fresh = makeAccountNo("50490009999");
    await data.shard("DB_URAL").insert(accountsTable).values({
      accountNo: fresh,
      region: "ekb",
      holderName: "ИП Смирнов Пётр Андреевич",
      address: "Екатеринбург, ул. Малышева, д. 1",
      status: "active",
      createdAt: new Date(),
    });
    await env.DB.batch([
      env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'ekb', 'DB_URAL', 0)").bind(fresh),
      env.DB.prepare("INSERT INTO org_accounts (org_id, account_no, site_id, created_at) VALUES (?, ?, NULL, 0)").bind(SMIRNOV, fresh),
    ]);
    const all = await accountsOf(SMIRNOV);
    const demo = all.filter((a) => a.accountNo !== fresh);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            account: fc.integer({ min: 0, max: 99 }),
            kind: fc.constantFrom("charge", "payment"),
            kop: fc.integer({ min: 1, max: 2_000_000 }),
            day: fc.integer({ min: 1, max: 28 }),
            service: fc.constantFrom("svc-a", "svc-b", null),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (entries) => {
          // Every other run a month of 2025 (20 %, no demo history that far back, long charged through), else a future one (22 %).
          const past = ++run % 2 === 0;
          const period = past ? shiftMonth("2025-12", 1 - run / 2) : shiftMonth(thisMonth, 12 + run);
          if (!past) await chargedThrough(["ekb"], lastDay(period));
          for (const [i, e] of entries.entries()) {
            const a = (past ? all.find((x) => x.accountNo === fresh) : demo[e.account % demo.length]) as {
              accountNo: string;
              shard: string;
            };
            const day = `${period}-${String(e.day).padStart(2, "0")}`;
            await appendEntry(data.shard(a.shard as "DB_URAL"), {
              accountNo: a.accountNo,
              kind: e.kind as "charge" | "payment",
              amountKop: e.kind === "charge" ? -e.kop : e.kop,
              occurredAt: new Date(`${day}T12:00:00+05:00`),
              localDay: day,
              serviceId: e.service,
              descriptionRu: e.kind === "charge" ? "Абонентская плата" : "Оплата",
              descriptionEn: e.kind === "charge" ? "Fee" : "Payment",
              idempotencyKey: `closing-prop:${period}:${i}`,
            });
          }
          const charged = entries.filter((e) => e.kind === "charge").reduce((s, e) => s + e.kop, 0);
          const outcome = await issueMonth(deps(), SMIRNOV, period);
          const docs = await docsOf(SMIRNOV, period);
          if (charged === 0) {
            expect(outcome).toBe("empty");
            expect(docs).toEqual([]);
            return;
          }
          expect(outcome).toBe("issued");
          expect(docs).toHaveLength(1);
          expect(docs[0]?.total_kop).toBe(charged);
          expect(docs[0]?.total_kop).toBe((await ledgerCharges(SMIRNOV, period)).total);
          const p = past ? 20 : 22;
          expect(period < "2026-01").toBe(past);
          expect(docs[0]?.vat_kop).toBe(Math.round((charged * p) / (100 + p)));
          const sums = await (await orgHomeOf(SMIRNOV))
            .prepare("SELECT sum(amount_kop) AS s, sum(vat_kop) AS v FROM closing_lines WHERE doc_id = ?")
            .bind(docs[0]?.id)
            .first();
          expect(sums).toEqual({ s: charged, v: docs[0]?.vat_kop });
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe("the business cabinet's closing documents", () => {
  it("administrators and accountants list and download them; a manager or a viewer is refused naming the role; a stranger gets 404", async () => {
    await issueMonth(deps(), VETER, lastMonth);
    const [upd] = (await docsOf(VETER, lastMonth)) as [Row];
    for (const who of ["biz.admin", "biz.accountant"]) {
      const cookie = await login(who);
      const res = await api(cookie, `/business/organisations/${VETER}/documents/closing`);
      expect(res.status).toBe(200);
      const { items } = await json<{ items: { id: string; number: string; status: string; pdfUrl: string; xmlUrl: string }[] }>(res);
      const item = items.find((d) => d.id === upd.id);
      expect(item).toMatchObject({ number: upd.number, status: "ready" });
      const pdf = await api(cookie, (item?.pdfUrl ?? "").replace("/api/v1", ""));
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get("content-type")).toBe("application/pdf");
      expect(pdf.headers.get("content-disposition")).toContain(`${upd.number.replace("УПД", "UPD")}.pdf`);
      expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe("%PDF-");
      const xml = await api(cookie, (item?.xmlUrl ?? "").replace("/api/v1", ""));
      expect(xml.status).toBe(200);
      expect(xml.headers.get("content-type")).toBe("application/xml; charset=windows-1251");
      expect(xml.headers.get("content-disposition")).toMatch(
        /filename="ON_NSCHFDOPPR_2KB-7704123450770401001_2KB-\d+_\d{8}_[0-9a-f-]{36}\.xml"/,
      );
      const parsed = xmlParser.parse(decode1251(await xml.arrayBuffer()));
      expect(parsed.Файл["@ВерсФорм"]).toBe("5.03");
      expect(parsed.Файл.Документ["@КНД"]).toBe("1115131");
      expect(parsed.Файл.Документ.СвСчФакт["@НомерДок"]).toBe(upd.number);
      expect(parsed.Файл.Документ.СвСчФакт.СвПокуп.ИдСв.СвЮЛУч["@ИННЮЛ"]).toBe("7704123450");
      const rows = parsed.Файл.Документ.ТаблСчФакт.СведТов as { "@СтТовУчНал": string }[];
      const kop = (s: string) => Math.round(Number(s) * 100);
      expect(rows.reduce((s, r) => s + kop(r["@СтТовУчНал"]), 0)).toBe(upd.total_kop);
      expect(kop(parsed.Файл.Документ.ТаблСчФакт.ВсегоОпл["@СтТовУчНалВсего"])).toBe(upd.total_kop);
      expect(kop(parsed.Файл.Документ.ТаблСчФакт.ВсегоОпл.СумНалВсего.СумНал)).toBe(upd.vat_kop);
    }
    for (const [who, role] of [
      ["biz.manager", "менеджер"],
      ["biz.viewer", "наблюдатель"],
    ] as const) {
      const cookie = await login(who);
      for (const path of ["", `/${upd.id}/pdf`, `/${upd.id}/xml`]) {
        const res = await api(cookie, `/business/organisations/${VETER}/documents/closing${path}`);
        expect(res.status, `${who} ${path}`).toBe(403);
        expect((await json<{ detail: string }>(res)).detail).toContain(role);
      }
    }
    // An accountant limited to some accounts does not see the contract's documents (they cover every account).
    const adminCookie = await login("biz.admin");
    const scope = (accountNos: string[] | null) =>
      api(adminCookie, `/business/organisations/${VETER}/employees/demo-biz-accountant`, {
        method: "PUT",
        body: JSON.stringify({ role: "accountant", accountNos }),
      });
    const [one] = await accountsOf(VETER);
    expect((await scope([(one as { accountNo: string }).accountNo])).status).toBe(204);
    const limited = await api(await login("biz.accountant"), `/business/organisations/${VETER}/documents/closing?lang=en`);
    expect(limited.status).toBe(403);
    expect((await json<{ title: string }>(limited)).title).toBe(
      "Closing documents are for employees who see all of the organisation's accounts",
    );
    expect((await scope(null)).status).toBe(204);
    // A stranger, and another organisation's member (biz.admin only watches Смирнов's): 404 / 403 as for any route.
    const anna = await login("anna");
    for (const path of ["", `/${upd.id}/pdf`])
      expect((await api(anna, `/business/organisations/${VETER}/documents/closing${path}`)).status).toBe(404);
    const admin = await login("biz.admin");
    // Another organisation's id with this one's document: not found there.
    const petr = await login("petr");
    expect((await api(petr, `/business/organisations/${SMIRNOV}/documents/closing/${upd.id}/pdf`)).status).toBe(404);
    expect((await api(admin, `/business/organisations/${VETER}/documents/closing/${upd.id}/txt?lang=en`)).status).toBe(404);
    expect((await api(admin, `/business/organisations/${VETER}/documents/closing/nonsense/pdf`)).status).toBe(404);
  });
});

describe("an organisation on many shards", () => {
  it("reads an organisation on more shards than one message reads over a chain of its messages, and issues one УПД equal to the ledger", async () => {
    const period = shiftMonth(thisMonth, 4);
    await chargedThrough(["msk", "spb", "ekb"], lastDay(period));
    // A charge that month for one account on each of the organisation's shards.
    const accounts = await accountsOf(VETER);
    const firstOnShard = [...new Map(accounts.map((a) => [a.shard, a])).values()];
    for (const [i, a] of firstOnShard.entries())
      await appendEntry(createDataAccess(env).shard(a.shard as "DB_MOSCOW"), {
        accountNo: a.accountNo,
        kind: "charge",
        amountKop: -(500_00 + i),
        occurredAt: new Date(`${period}-10T12:00:00+03:00`),
        localDay: `${period}-10`,
        serviceId: "svc-gather-test",
        descriptionRu: "Абонентская плата",
        descriptionEn: "Subscription fee",
        idempotencyKey: `gather-test:${period}:${a.accountNo}`,
      });
    const chain = fakeQueue();
    const d = { ...deps(), queue: chain.queue };
    // A budget of one query a message: each message reads one shard's share (the first always), three shards.
    const outcomes: string[] = [];
    let state: ClosingMessage["gather"];
    for (let i = 0; i < 20; i++) {
      const out = await issueMonth(d, VETER, period, new Date(), state, 1);
      outcomes.push(out);
      if (out !== "gathering") break;
      const next = ClosingMessage.parse(chain.pages.at(-1));
      expect(next).toMatchObject({ kind: "closing_documents", orgId: VETER, period });
      state = next.gather;
    }
    const ledger = await ledgerCharges(VETER, period);
    expect(outcomes).toEqual([...Array.from({ length: ledger.shards.size - 1 }, () => "gathering"), "issued"]);
    const docs = await docsOf(VETER, period);
    expect(docs).toHaveLength(1);
    expect(ledger.total).toBeGreaterThan(0);
    expect(docs[0]?.total_kop).toBe(ledger.total);
    const lines = await (await orgHomeOf(VETER))
      .prepare("SELECT count(DISTINCT account_no) AS n, sum(amount_kop) AS s FROM closing_lines WHERE doc_id = ?")
      .bind(docs[0]?.id)
      .first<{ n: number; s: number }>();
    // Every shard's share is in it: at least the account charged on each.
    expect(lines?.s).toBe(ledger.total);
    expect(lines?.n).toBeGreaterThanOrEqual(firstOnShard.length);
    // The run's shares are deleted once the document is made; its last message again makes nothing.
    expect((await env.FILES.list({ prefix: "gather/" })).objects).toEqual([]);
    expect(await issueMonth(d, VETER, period, new Date(), state, 1)).toBe("skipped");
    expect(await docsOf(VETER, period)).toHaveLength(1);
  });

  it("deletes what a dead chain of shares left a day later; a message of it then makes nothing", async () => {
    const period = shiftMonth(thisMonth, 5);
    await chargedThrough(["msk", "spb", "ekb"], lastDay(period));
    const chain = fakeQueue();
    expect(await issueMonth({ ...deps(), queue: chain.queue }, VETER, period, new Date(), undefined, 1)).toBe("gathering");
    const next = ClosingMessage.parse(chain.pages.at(-1));
    expect((await env.FILES.list({ prefix: "gather/" })).objects.length).toBe(2);
    // Housekeeping keeps a live run, and deletes it once a day old.
    expect(await sweepGatherRuns(env.FILES)).toBe(0);
    expect(await sweepGatherRuns(env.FILES, new Date(Date.now() + 25 * 3600_000))).toBe(2);
    expect(await issueMonth(deps(), VETER, period, new Date(), next.gather, 1)).toBe("skipped");
    expect(await docsOf(VETER, period)).toEqual([]);
    // A hostile message is not a closing message.
    for (const gather of [
      { run: "../x", from: 1 },
      { run: "r", from: -1 },
      { run: "r", from: 1.5 },
    ])
      expect(ClosingMessage.safeParse({ kind: "closing_documents", orgId: VETER, period, gather }).success).toBe(false);
  });
});
