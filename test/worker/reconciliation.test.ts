/**
 * Issue 24, акт сверки взаимных расчётов: from the ledger only, to the kopeck, for any period (mid-month, across
 * closed months); PDF and XLSX made by the reports queue; the documents role and the account scope; hostile
 * periods answered 400 in the request's language.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountDirectory } from "../../worker/db/schema/global";
import { accounts } from "../../worker/db/schema/region";
import { appendSelected, balanceOf, closeMonthStatements, insertEntry } from "../../worker/features/billing/ledger.service";
import {
  computeAct,
  isReconciliationMessage,
  makeReconciliation,
  type ReconciliationMessage,
  requestReconciliation,
} from "../../worker/features/business/reconciliation.service";
import { assetFonts } from "../../worker/features/usage/usage.consumer";
import { createDataAccess, isShardBinding, rawBatch, type ShardBinding, shardDatabase } from "../../worker/platform/db";
import { sweepGatherRuns } from "../../worker/platform/gather";
import { makeAccountNo, newId } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { pdfText, xlsxCells } from "./doc-text";
import { api, call, json, login, REQUISITES } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
type Problem = { type: string; title: string; errors?: { field: string; message: string }[] };
type Act = {
  id: string;
  status: string;
  accounts: number;
  totals: { openingKop: number; debitKop: number; creditKop: number; closingKop: number } | null;
  pdfUrl: string | null;
  xlsxUrl: string | null;
};

const data = () => createDataAccess(env);

/** The ledger's own sum of an account's entries booked up to and including `day` (no periods, no act code). */
async function ledgerSumThrough(accountNo: string, day: string): Promise<number> {
  const s = await data().shardForAccount(accountNo);
  if (!s) throw new Error(`no shard for ${accountNo}`);
  const client = (s.db as unknown as { $client: D1Database }).$client;
  const row = await client
    .prepare("SELECT coalesce(sum(amount_kop), 0) AS s FROM ledger_entries WHERE account_no = ? AND local_day <= ?")
    .bind(accountNo, day)
    .first<{ s: number }>();
  return Number(row?.s ?? 0);
}

const MONTHS = Array.from({ length: 18 }, (_, i) => {
  const y = 2024 + Math.floor(i / 12);
  return `${y}-${String((i % 12) + 1).padStart(2, "0")}`;
});
const dayOf = (m: number, d: number) => `${MONTHS[m]}-${String(d).padStart(2, "0")}`;

const Move = fc.record({
  month: fc.integer({ min: 0, max: MONTHS.length - 1 }),
  day: fc.integer({ min: 1, max: 28 }),
  kind: fc.constantFrom("charge", "charge", "charge", "payment", "payment", "refund", "adjustment", "bonus"),
  kop: fc.integer({ min: 1, max: 5_000_00 }),
  order: fc.option(fc.integer({ min: 1, max: 99999 }), { nil: null }),
});

type MoveT = typeof Move extends fc.Arbitrary<infer T> ? T : never;
let run = 0;
describe("акт сверки from the ledger", () => {
  it("opening + charges − payments = closing in the act, each equal to the ledger's balance, for any period and closed months", async () => {
    const global = data().global;
    const dir = await env.DB.prepare("SELECT shard FROM account_directory WHERE region = 'msk' LIMIT 1").first<{ shard: string }>();
    const shard = dir?.shard ?? "";
    expect(isShardBinding(shard)).toBe(true);
    if (!isShardBinding(shard)) return;
    const db = data().shard(shard);
    await fc.assert(
      fc.asyncProperty(
        fc.array(Move, { minLength: 1, maxLength: 25 }),
        fc.array(Move, { maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        fc.tuple(fc.integer({ min: 0, max: MONTHS.length - 1 }), fc.integer({ min: 1, max: 28 })),
        fc.tuple(fc.integer({ min: 0, max: MONTHS.length - 1 }), fc.integer({ min: 1, max: 28 })),
        async (before, after, closed, a, b) => {
          const n = ++run;
          const accountNo = makeAccountNo(`98${String(n).padStart(9, "0")}`);
          const region = `prop${n}`;
          const now = new Date("2025-07-01T00:00:00Z");
          await db.insert(accounts).values({ accountNo, region, holderName: "Проверка", address: "—", status: "active", createdAt: now });
          await global.insert(accountDirectory).values({ accountNo, region: "msk", shard, createdAt: now });
          const docs = new Map<string, string>();
          let total = 0;
          const write = async (moves: MoveT[], phase: string) => {
            for (const [i, m] of moves.entries()) {
              const day = dayOf(m.month, m.day);
              const sign = m.kind === "charge" || m.kind === "adjustment" ? -1 : 1;
              const key =
                m.kind === "charge"
                  ? `charge:svc-${n}:${day}:${phase}${i}`
                  : `${m.kind === "payment" ? "payment" : m.kind}:${n}-${phase}${i}`;
              const descriptionRu = m.kind === "payment" && m.order ? `Оплата по п/п № ${m.order}` : `Операция ${m.kind}`;
              if (m.kind === "payment") docs.set(`${n}-${phase}${i}`, m.order ? `п/п № ${m.order}` : `${n}-${phase}${i}`);
              total += sign * m.kop;
              await insertEntry(db, {
                accountNo,
                kind: m.kind as "charge",
                amountKop: sign * m.kop,
                occurredAt: new Date(`${day}T09:00:00Z`),
                localDay: day,
                descriptionRu,
                descriptionEn: `Operation ${m.kind}`,
                idempotencyKey: key,
              });
            }
          };
          await write(before, "a");
          // Close the first months in order (their daily charges become one rolled-up entry), then write more:
          // entries dated in a closed month are booked on the first open day.
          for (const month of MONTHS.slice(0, closed)) await rawBatch(db, closeMonthStatements(region, month, "", accountNo, now));
          await write(after, "b");
          const [from, to] = [dayOf(...a), dayOf(...b)].sort() as [string, string];
          const act = await computeAct(data(), [accountNo], from, to);
          const acc = act.accounts[0];
          expect(acc?.accountNo).toBe(accountNo);
          if (!acc) return;
          const opening = await ledgerSumThrough(accountNo, addDays(from, -1));
          const closing = await ledgerSumThrough(accountNo, to);
          expect(acc.openingKop).toBe(opening);
          expect(acc.closingKop).toBe(closing);
          // In the act's sign (a debt is a debit balance): opening + debits − credits = closing.
          // opening debt + debits − credits − closing debt, where a debt is minus the balance.
          expect(-acc.openingKop + acc.debitKop - acc.creditKop + acc.closingKop).toBe(0);
          expect(acc.debitKop).toBe(acc.lines.reduce((t, l) => t + l.debitKop, 0));
          expect(acc.creditKop).toBe(acc.lines.reduce((t, l) => t + l.creditKop, 0));
          expect(act.closingKop).toBe(closing);
          // Nothing created or lost by the close: the whole ledger is what was written.
          expect(await balanceOf(db, accountNo)).toBe(total);
          expect(await ledgerSumThrough(accountNo, "2099-12-31")).toBe(total);
          // Each payment names its document: the bank order's number when it has one, else the payment's id.
          for (const l of acc.lines.filter((x) => x.kind === "payment")) expect([...docs.values()]).toContain(l.document);
          expect(acc.lines.every((l) => l.day >= from && l.day <= to)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

const order = (cookie: string, orgId: string, body: unknown, lang = "ru") =>
  api(cookie, `/business/organisations/${orgId}/reconciliations?lang=${lang}`, { method: "POST", body: JSON.stringify(body) });

async function waitReady(cookie: string, orgId: string, id: string, timeoutMs = 60_000): Promise<Act> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await json<Act>(await api(cookie, `/business/organisations/${orgId}/reconciliations/${id}`));
    if (r.status === "ready" || r.status === "failed") return r;
    if (Date.now() > deadline) throw new Error(`act ${id} still ${r.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Last month by Moscow's calendar: the demo ledger has charges and payments in it. */
function lastMonth() {
  const today = localDay("Europe/Moscow", new Date());
  const to = addDays(`${today.slice(0, 8)}01`, -1);
  return { from: `${to.slice(0, 8)}01`, to };
}
const dmy = (day: string) => day.split("-").reverse().join(".");
const rub = (kop: number) => {
  const abs = Math.abs(kop);
  return `${String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, " ")},${String(abs % 100).padStart(2, "0")}`;
};

describe("акт сверки documents", () => {
  it("makes the organisation's act in the reports queue: totals equal to the ledger, a PDF and an XLSX that say them", async () => {
    const accountant = await login("biz.accountant");
    const period = lastMonth();
    const res = await order(accountant, VETER, period);
    expect(res.status).toBe(202);
    const queued = await json<{ id: string; accounts: number }>(res);
    expect(queued.accounts).toBe(220);
    const act = await waitReady(accountant, VETER, queued.id);
    expect(act.status).toBe("ready");
    // On the organisation's home shard (its id names it) with its audit entry, not in the global database.
    const veterHome = await env.DB.prepare("SELECT home_shard AS h FROM organisations WHERE id = ?").bind(VETER).first<string>("h");
    expect(/^rc-[0-9a-v]{26}-(DB_[A-Z0-9_]+)$/.exec(queued.id)?.[1]).toBe(veterHome);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM reconciliations WHERE id = ?").bind(queued.id).first<number>("n")).toBe(0);
    const onHome = shardDatabase(env, veterHome as ShardBinding) as D1Database;
    expect(await onHome.prepare("SELECT status FROM reconciliations WHERE id = ?").bind(queued.id).first<string>("status")).toBe("ready");
    expect(
      await onHome
        .prepare("SELECT count(*) AS n FROM org_audit WHERE org_id = ? AND action = 'reconciliation.requested'")
        .bind(VETER)
        .first<number>("n"),
    ).toBe(1);
    // Petr, administrator of another organisation, cannot see it: neither under Veter's id nor under his own.
    const petr = await login("petr");
    for (const org of [VETER, SMIRNOV])
      for (const suffix of ["", "/pdf"])
        expect((await api(petr, `/business/organisations/${org}/reconciliations/${queued.id}${suffix}`)).status).toBe(404);
    // An id of no act, or one naming a shard this Worker has not, is a 404.
    for (const other of [queued.id.replace(/DB_[A-Z0-9_]+$/, "DB_NOWHERE"), `rc-${newId()}-DB_VOLGA`, "../x"])
      expect((await api(accountant, `/business/organisations/${VETER}/reconciliations/${encodeURIComponent(other)}`)).status).toBe(404);
    // The ledger's own sums over every account of the organisation, in both shards.
    const nos = (
      await env.DB.prepare("SELECT account_no FROM org_accounts WHERE org_id = ? ORDER BY account_no")
        .bind(VETER)
        .all<{ account_no: string }>()
    ).results.map((r) => r.account_no);
    let opening = 0;
    let closing = 0;
    for (const no of nos) {
      opening += await ledgerSumThrough(no, addDays(period.from, -1));
      closing += await ledgerSumThrough(no, period.to);
    }
    expect(act.totals).toMatchObject({ openingKop: opening, closingKop: closing });
    expect(act.totals && act.totals.openingKop - act.totals.debitKop + act.totals.creditKop).toBe(closing);
    expect(act.totals?.debitKop).toBeGreaterThan(0);

    const pdfRes = await api(accountant, act.pdfUrl?.replace("/api/v1", "") ?? "");
    expect(pdfRes.status).toBe(200);
    expect(pdfRes.headers.get("content-type")).toBe("application/pdf");
    expect(pdfRes.headers.get("content-disposition")).toBe(`attachment; filename="akt-sverki-${period.from}-${period.to}.pdf"`);
    const pages = await pdfText(new Uint8Array(await pdfRes.arrayBuffer()));
    const text = pages.flat().join("\n");
    expect(pages[0]?.[0]).toBe("Акт сверки взаимных расчётов");
    expect(text).toContain(`${dmy(period.from)} – ${dmy(period.to)}`);
    expect(text).toContain("ООО «Северный ветер», ИНН 7704123450, КПП 770401001");
    const owed =
      closing < 0 ? "в пользу ПАО «Кабинет Телеком»" : closing > 0 ? "в пользу ООО «Северный ветер»" : "задолженность отсутствует";
    expect(text).toContain(`на ${dmy(period.to)} ${owed}${closing ? `: ${rub(closing)} руб.` : ""}`);
    expect(pages.flat()).toContain("Итого");
    for (const no of [nos[0], nos[199]]) expect(text).toContain(`Лицевой счёт ${no} · Регион`);
    expect(text).toContain(`Сальдо на ${dmy(period.from)}`);
    expect(text).toMatch(/Услуги связи за \S+ \d{4}/);

    const xlsxRes = await api(accountant, act.xlsxUrl?.replace("/api/v1", "") ?? "");
    expect(xlsxRes.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const sheets = xlsxCells(new Uint8Array(await xlsxRes.arrayBuffer()));
    const totals = sheets.get("Итоги");
    const lines = sheets.get("Акт сверки");
    expect(totals && lines).toBeTruthy();
    if (!totals || !lines) return;
    // The organisation's row: after the header block (8 rows) and the 220 accounts.
    const last = 8 + 220 + 1;
    expect(totals.get(`A${last}`)).toBe("Итого по организации");
    const kop = (v: string | number | undefined) => Math.round(Number(v ?? 0) * 100);
    expect(kop(totals.get(`D${last}`)) - kop(totals.get(`C${last}`))).toBe(opening);
    expect(kop(totals.get(`E${last}`))).toBe(act.totals?.debitKop);
    expect(kop(totals.get(`F${last}`))).toBe(act.totals?.creditKop);
    expect(kop(totals.get(`H${last}`)) - kop(totals.get(`G${last}`))).toBe(closing);
    expect(totals.get("B5")).toBe(`на ${dmy(period.to)} ${owed}${closing ? `: ${rub(closing)} руб.` : ""}`);
    // Every operation's debit and credit in the lines sheet add up to the totals, to the kopeck.
    let dt = 0;
    let ct = 0;
    for (const [ref, v] of lines)
      if (
        /^[FG]\d+$/.test(ref) &&
        ref !== "F1" &&
        ref !== "G1" &&
        lines.get(`C${ref.slice(1)}`) &&
        lines.get(`D${ref.slice(1)}`) !== undefined
      ) {
        if (ref.startsWith("F")) dt += kop(v);
        else ct += kop(v);
      }
    expect(dt).toBe(act.totals?.debitKop);
    expect(ct).toBe(act.totals?.creditKop);
  });

  it("lets administrators and accountants ask; a manager or viewer gets 403 naming the role, a stranger 404", async () => {
    const period = lastMonth();
    const admin = await login("biz.admin");
    expect((await order(admin, VETER, period)).status).toBe(202);
    const manager = await order(await login("biz.manager"), VETER, period);
    expect(manager.status).toBe(403);
    expect(manager.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(await json(manager))).toContain("менеджер");
    const viewer = await order(await login("biz.viewer"), VETER, period, "en");
    expect(viewer.status).toBe(403);
    expect(JSON.stringify(await json(viewer))).toContain("viewer");
    const petr = await login("petr");
    expect((await order(petr, VETER, period)).status).toBe(404);
    expect((await order(petr, "org-nope", period)).status).toBe(404);
    // Whatever the body: membership is checked before the period.
    expect((await order(petr, VETER, { role: "viewer", contact: "+79000000055" })).status).toBe(404);
    expect((await order(petr, VETER, {})).status).toBe(404);
    expect(
      (await call("msk", `/api/v1/business/organisations/${VETER}/reconciliations`, { method: "POST", body: "{}" })).status,
    ).toBeGreaterThanOrEqual(401);
    // An act of one organisation is not found through another, nor by a stranger, nor by roles without documents.
    const accountant = await login("biz.accountant");
    const { id } = await json<{ id: string }>(await order(accountant, VETER, period));
    const seen = await api(admin, `/business/organisations/${VETER}/reconciliations/${id}`);
    expect(seen.status).toBe(200);
    // The membership and the act are read with the session: one global round trip.
    expect(seen.headers.get("server-timing")).toMatch(/d1-DB;desc="1 round trip/);
    expect((await api(admin, `/business/organisations/${SMIRNOV}/reconciliations/${id}`)).status).toBe(403);
    expect((await api(petr, `/business/organisations/${SMIRNOV}/reconciliations/${id}`)).status).toBe(404);
    expect((await api(petr, `/business/organisations/${VETER}/reconciliations/${id}`)).status).toBe(404);
    expect((await api(petr, `/business/organisations/${VETER}/reconciliations/${id}/pdf`)).status).toBe(404);
    expect((await api(petr, `/business/organisations/${VETER}/reconciliations/${id}/format-foreign`)).status).toBe(404);
    expect((await api(admin, `/business/organisations/${VETER}/reconciliations/${id}/docx`)).status).toBe(404);
    expect((await api(await login("biz.manager"), `/business/organisations/${VETER}/reconciliations/${id}`)).status).toBe(403);
    expect((await api(admin, `/business/organisations/${VETER}/reconciliations/00000000000000000000000000`)).status).toBe(404);
    // The request is in the audit log: who, what, from where.
    const audit = await json<{
      items: { action: string; actor: { name: string }; details: Record<string, unknown>; address: string | null }[];
    }>(await api(admin, `/business/organisations/${VETER}/audit`));
    const entry = audit.items.find((i) => i.action === "reconciliation.requested");
    expect(entry?.actor.name).toBe("Елена Морозова");
    expect(entry?.details).toMatchObject({ period: `${period.from}..${period.to}`, accounts: 220 });
  });

  it("gives an employee limited to some accounts an act of those only, and refuses accounts outside the scope", async () => {
    const admin = await login("biz.admin");
    const nos = (
      await env.DB.prepare("SELECT account_no FROM org_accounts WHERE org_id = ? ORDER BY account_no")
        .bind(VETER)
        .all<{ account_no: string }>()
    ).results.map((r) => r.account_no);
    const [a, b, c] = nos as [string, string, string];
    // The viewer becomes an accountant of two accounts.
    const changed = await api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, {
      method: "PUT",
      body: JSON.stringify({ role: "accountant", accountNos: [a, b] }),
    });
    expect(changed.status).toBe(204);
    try {
      const limited = await login("biz.viewer");
      const period = lastMonth();
      const res = await order(limited, VETER, period);
      expect(res.status).toBe(202);
      const mine = await json<{ id: string; accounts: number }>(res);
      expect(mine.accounts).toBe(2);
      const act = await waitReady(limited, VETER, mine.id);
      const expected = (await ledgerSumThrough(a, period.to)) + (await ledgerSumThrough(b, period.to));
      expect(act.totals?.closingKop).toBe(expected);
      const text = (await pdfText(new Uint8Array(await (await api(limited, act.pdfUrl?.replace("/api/v1", "") ?? "")).arrayBuffer())))
        .flat()
        .join("\n");
      expect(text).toContain(`Лицевой счёт ${a}`);
      expect(text).not.toContain(`Лицевой счёт ${c}`);
      // One chosen account of theirs; one of someone else's is a 400 naming the field.
      const one = await json<{ accounts: number }>(await order(limited, VETER, { ...period, accounts: [b] }));
      expect(one.accounts).toBe(1);
      const outside = await order(limited, VETER, { ...period, accounts: [a, c] });
      expect(outside.status).toBe(400);
      expect((await json<Problem>(outside)).errors?.[0]?.field).toBe("accounts");
      // The organisation's full act, asked by the administrator, is not theirs to see.
      const full = await json<{ id: string }>(await order(admin, VETER, period));
      expect((await api(limited, `/business/organisations/${VETER}/reconciliations/${full.id}`)).status).toBe(404);
      expect((await api(admin, `/business/organisations/${VETER}/reconciliations/${mine.id}`)).status).toBe(200);
    } finally {
      await api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, {
        method: "PUT",
        body: JSON.stringify({ role: "viewer", accountNos: [a, b] }),
      });
    }
  });

  it("limits an accountant of some sites to those sites' accounts, as their act's page does", async () => {
    const admin = await login("biz.admin");
    const site = await env.DB.prepare(
      "SELECT site_id AS s, count(*) AS n FROM org_accounts WHERE org_id = ? AND site_id IS NOT NULL GROUP BY site_id ORDER BY n LIMIT 1",
    )
      .bind(VETER)
      .first<{ s: string; n: number }>();
    expect(site?.n).toBeGreaterThan(0);
    const outsider = await env.DB.prepare(
      "SELECT account_no AS a FROM org_accounts WHERE org_id = ? AND (site_id IS NULL OR site_id != ?) LIMIT 1",
    )
      .bind(VETER, site?.s)
      .first<string>("a");
    const changed = await api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, {
      method: "PUT",
      body: JSON.stringify({ role: "accountant", accountNos: null, siteIds: [site?.s] }),
    });
    expect(changed.status).toBe(204);
    try {
      const limited = await login("biz.viewer");
      const period = lastMonth();
      const mine = await json<{ id: string; accounts: number }>(await order(limited, VETER, period));
      expect(mine.accounts).toBe(site?.n);
      expect((await waitReady(limited, VETER, mine.id)).status).toBe("ready");
      const outside = await order(limited, VETER, { ...period, accounts: [outsider] });
      expect(outside.status).toBe(400);
      expect((await json<Problem>(outside)).errors?.[0]?.field).toBe("accounts");
    } finally {
      await api(admin, `/business/organisations/${VETER}/employees/demo-biz-viewer`, {
        method: "PUT",
        body: JSON.stringify({ role: "viewer", accountNos: null, siteIds: null }),
      });
    }
  });

  it("keeps new acts in the global table while the deployment says so (RECONCILIATIONS_STORE), and makes them there", async () => {
    const keeping = createDataAccess({ ...env, RECONCILIATIONS_STORE: "global" } as typeof env);
    const sent: ReconciliationMessage[] = [];
    const queue = { send: async (m: ReconciliationMessage) => void sent.push(m) } as unknown as Queue;
    const period = lastMonth();
    const asked = await requestReconciliation(
      keeping,
      queue,
      { subscriberId: "demo-biz-accountant", address: "127.0.0.1" },
      VETER,
      { ...period, accounts: null },
      "ru",
    );
    expect(asked.id).toMatch(/^[0-9a-v]{26}$/);
    expect(sent).toEqual([{ kind: "reconciliation", id: asked.id }]);
    expect(await env.DB.prepare("SELECT status FROM reconciliations WHERE id = ?").bind(asked.id).first<string>("status")).toBe("queued");
    const deps = { data: keeping, files: env.FILES, fonts: assetFonts(env.ASSETS) };
    expect(await makeReconciliation(deps, asked.id)).toBe("ready");
    expect(await env.DB.prepare("SELECT status FROM reconciliations WHERE id = ?").bind(asked.id).first<string>("status")).toBe("ready");
  });

  it("answers hostile periods with a 400 problem naming the field in Russian or English, never a 500", async () => {
    const accountant = await login("biz.accountant");
    const today = localDay("Asia/Kamchatka", new Date());
    const cases: [unknown, string, string][] = [
      [{ from: "2026-03-10", to: "2026-03-01" }, "to", "Конец периода раньше его начала"],
      [{ from: "2026-01-01", to: addDays(today, 1) }, "to", "Период не может заканчиваться в будущем"],
      [{ from: "2099-01-01", to: "2099-01-31" }, "to", "Период не может заканчиваться в будущем"],
      [{ from: "2022-12-31", to: "2025-12-31" }, "from", "Период акта сверки — не больше 3 лет"],
      [{ from: "2026-02-30", to: "2026-03-01" }, "from", "Дата в формате ГГГГ-ММ-ДД"],
      [{ from: "01.01.2026", to: "2026-03-01" }, "from", "Дата в формате ГГГГ-ММ-ДД"],
      [{ from: "2026-01-01", to: "2026-13-01" }, "to", "Дата в формате ГГГГ-ММ-ДД"],
      [{ from: "2026-01-01", to: "2026-01-31", accounts: ["000000000000"] }, "accounts", "Выберите лицевые счета этой организации"],
    ];
    for (const [body, field, message] of cases) {
      const res = await order(accountant, VETER, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = await json<Problem>(res);
      expect(p.errors?.[0]).toMatchObject({ field, message });
    }
    const en = await json<Problem>(await order(accountant, VETER, { from: "2020-01-01", to: "2026-01-01" }, "en"));
    expect(en.errors?.[0]).toMatchObject({ field: "from", message: "A reconciliation covers at most 3 years" });
    // An act of 220 accounts × 36 months is more than one act holds: refused naming how many accounts 36 months allow.
    const big = await order(accountant, VETER, { from: "2023-01-01", to: "2025-12-31" });
    expect(big.status).toBe(400);
    expect((await json<Problem>(big)).errors?.[0]).toMatchObject({
      field: "accounts",
      message: "За 36 мес. акт сверки составляется не больше чем по 166 лицевым счетам: выберите меньше счетов или сократите период",
    });
    const some = (
      await env.DB.prepare("SELECT account_no FROM org_accounts WHERE org_id = ? ORDER BY account_no LIMIT 167")
        .bind(VETER)
        .all<{ account_no: string }>()
    ).results.map((r) => r.account_no);
    const over = await json<Problem>(await order(accountant, VETER, { from: "2023-01-01", to: "2025-12-31", accounts: some }, "en"));
    expect(over.errors?.[0]).toMatchObject({
      field: "accounts",
      message: "For 36 months an act covers at most 166 accounts: choose fewer accounts or a shorter period",
    });
    // Exactly three years is allowed (for as many accounts as that allows); wrong types and garbage are 400s too.
    expect((await order(accountant, VETER, { from: "2023-01-01", to: "2025-12-31", accounts: some.slice(0, 166) })).status).toBe(202);
    for (const body of [
      {},
      { from: 1, to: 2 },
      { from: "x".repeat(5000), to: "2026-01-01" },
      { from: "2026-01-01", to: "2026-01-31", accounts: "all" },
    ]) {
      const res = await order(accountant, VETER, body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

/** A valid 10-digit ИНН from 9 digits (the ФНС check digit appended). */
function inn10(body9: string) {
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  return body9 + String((w.reduce((t, x, i) => t + Number(body9[i]) * x, 0) % 11) % 10);
}

describe("an organisation on many shards", () => {
  it("reads its act a share of shards a message, and makes it with the same figures as one read; the shares are then deleted", async () => {
    const nos = (
      await env.DB.prepare("SELECT account_no FROM org_accounts WHERE org_id = ? ORDER BY account_no")
        .bind(VETER)
        .all<{ account_no: string }>()
    ).results.map((r) => r.account_no);
    const shards = await env.DB.prepare(
      "SELECT count(DISTINCT shard) AS n FROM account_directory WHERE account_no IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify(nos))
      .first<{ n: number }>();
    const period = lastMonth();
    const id = newId();
    await env.DB.prepare(
      "INSERT INTO reconciliations (id, org_id, requested_by, from_day, to_day, account_nos, lang, status, attempts, created_at) VALUES (?, ?, 'test', ?, ?, ?, 'ru', 'queued', 0, ?)",
    )
      .bind(id, VETER, period.from, period.to, JSON.stringify(nos), Date.now())
      .run();
    const sent: ReconciliationMessage[] = [];
    const queue = { send: async (m: ReconciliationMessage) => void sent.push(m) } as unknown as Queue;
    // A budget of one shard's batch a message.
    const deps = { data: data(), files: env.FILES, fonts: assetFonts(env.ASSETS), queue, gatherBudget: 3 };
    const outcomes: string[] = [];
    let state: ReconciliationMessage["gather"];
    for (let i = 0; i < 20; i++) {
      const out = await makeReconciliation(deps, id, state);
      outcomes.push(out);
      if (out !== "gathering") break;
      const next = sent.at(-1);
      expect(isReconciliationMessage(next)).toBe(true);
      state = next?.gather;
    }
    expect(shards?.n).toBeGreaterThanOrEqual(2);
    expect(outcomes).toEqual([...Array.from({ length: (shards?.n ?? 0) - 1 }, () => "gathering"), "ready"]);
    const row = await env.DB.prepare(
      "SELECT status, attempts, opening_kop, debit_kop, credit_kop, closing_kop FROM reconciliations WHERE id = ?",
    )
      .bind(id)
      .first();
    const whole = await computeAct(data(), nos, period.from, period.to);
    // One attempt, whatever the number of messages; the figures of a read at once.
    expect(row).toEqual({
      status: "ready",
      attempts: 1,
      opening_kop: whole.openingKop,
      debit_kop: whole.debitKop,
      credit_kop: whole.creditKop,
      closing_kop: whole.closingKop,
    });
    expect(whole.debitKop).toBeGreaterThan(0);
    // An older deployment's act (the global table, a plain id) is shown where it is.
    const accountant = await login("biz.accountant");
    const shown = await json<Act>(await api(accountant, `/business/organisations/${VETER}/reconciliations/${id}`));
    expect(shown).toMatchObject({ id, status: "ready", totals: { closingKop: whole.closingKop } });
    expect((await api(accountant, shown.pdfUrl?.replace("/api/v1", "") ?? "")).status).toBe(200);
    expect((await env.FILES.list({ prefix: "gather/" })).objects).toEqual([]);
    // Its last message again: nothing.
    expect(await makeReconciliation(deps, id, state)).toBe("skipped");
    // A run whose shares were swept (its chain dead a day): the act fails, not left "running" for ever.
    const lost = newId();
    await env.DB.prepare(
      "INSERT INTO reconciliations (id, org_id, requested_by, from_day, to_day, account_nos, lang, status, attempts, created_at) VALUES (?, ?, 'test', ?, ?, ?, 'ru', 'queued', 0, ?)",
    )
      .bind(lost, VETER, period.from, period.to, JSON.stringify(nos), Date.now())
      .run();
    expect(await makeReconciliation(deps, lost)).toBe("gathering");
    const cut = sent.at(-1)?.gather;
    expect(await sweepGatherRuns(env.FILES, new Date(Date.now() + 25 * 3600_000))).toBeGreaterThan(0);
    expect(await makeReconciliation(deps, lost, cut)).toBe("skipped");
    const failed = await env.DB.prepare("SELECT status FROM reconciliations WHERE id = ?").bind(lost).first<{ status: string }>();
    expect(failed?.status).toBe("failed");
    for (const gather of [
      { run: "../x", from: 0 },
      { run: "r", from: -1 },
      { run: "r", from: 0.5 },
    ])
      expect(isReconciliationMessage({ kind: "reconciliation", id, gather })).toBe(false);
  });
});

describe("a large organisation", () => {
  it("makes the act of 500 accounts × 12 months (closed months and daily charges) through the queue, to the kopeck", async () => {
    const dir = await env.DB.prepare("SELECT shard FROM account_directory WHERE region = 'msk' LIMIT 1").first<{ shard: string }>();
    const shard = dir?.shard ?? "";
    if (!isShardBinding(shard)) throw new Error("no msk shard");
    const client = (env as unknown as Record<string, D1Database>)[shard] as D1Database;
    const region = "big500";
    const nos = Array.from({ length: 500 }, (_, i) => makeAccountNo(`97${String(i + 1).padStart(9, "0")}`));
    const created = Date.parse("2024-12-01T00:00:00Z");
    await client.batch(
      nos.map((no) =>
        client
          .prepare(
            "INSERT INTO accounts (account_no, region, holder_name, address, status, created_at) VALUES (?, ?, 'ООО «Большая»', 'Москва', 'active', ?)",
          )
          .bind(no, region, created),
      ),
    );
    await env.DB.batch(
      nos.map((no) =>
        env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', ?, ?)").bind(
          no,
          shard,
          created,
        ),
      ),
    );
    // Every day of 2025 a charge per account, and a payment on the 5th of each month: through the ledger's writer.
    const db = data().shard(shard);
    const g = sql.identifier("g");
    for (let m = 1; m <= 12; m++) {
      const month = `2025-${String(m).padStart(2, "0")}`;
      const days = sql`(WITH RECURSIVE d(day) AS (SELECT ${`${month}-01`} UNION ALL SELECT date(day, '+1 day') FROM d WHERE date(day, '+1 day') LIKE ${`${month}-%`})
        SELECT a.account_no AS acc, d.day AS day FROM accounts a, d WHERE a.region = ${region}) ${g}`;
      const at = sql`(CAST(strftime('%s', ${g}.day) AS INTEGER) * 1000 + 43200000)`;
      await appendSelected(
        db,
        {
          id: sql`'big-' || ${g}.acc || '-' || ${g}.day`,
          accountNo: sql`${g}.acc`,
          kind: sql`'charge'`,
          amountKop: sql`-(100 + CAST(substr(${g}.day, 9, 2) AS INTEGER) + CAST(substr(${g}.acc, 9, 3) AS INTEGER))`,
          occurredAt: at,
          localDay: sql`${g}.day`,
          serviceId: sql`'big-svc'`,
          descriptionRu: sql`'Абонентская плата'`,
          descriptionEn: sql`'Subscription fee'`,
          idempotencyKey: sql`'charge:big:' || ${g}.acc || ':' || ${g}.day`,
          createdAt: at,
        },
        sql`FROM ${days}`,
      );
      await appendSelected(
        db,
        {
          id: sql`'bigpay-' || ${g}.acc || '-' || ${g}.day`,
          accountNo: sql`${g}.acc`,
          kind: sql`'payment'`,
          amountKop: sql`30000`,
          occurredAt: at,
          localDay: sql`${g}.day`,
          serviceId: sql`NULL`,
          descriptionRu: sql`'Оплата по п/п № ' || substr(${g}.acc, 9, 3) || substr(${g}.day, 6, 2)`,
          descriptionEn: sql`'Bank transfer'`,
          idempotencyKey: sql`'payment:big-' || ${g}.acc || '-' || ${g}.day`,
          createdAt: at,
        },
        sql`FROM ${days} WHERE ${g}.day LIKE '%-05'`,
      );
    }
    // January to October closed: their daily charges become one rolled-up entry per account and month.
    const now = new Date();
    for (let m = 1; m <= 10; m++)
      await rawBatch(db, closeMonthStatements(region, `2025-${String(m).padStart(2, "0")}`, "", "999999999999", now));
    const closed = await client
      .prepare("SELECT count(*) AS n FROM ledger_periods WHERE account_no IN (SELECT account_no FROM accounts WHERE region = ?)")
      .bind(region)
      .first<{ n: number }>();
    expect(closed?.n).toBe(500 * 10);
    const admin = await login("biz.admin");
    const opsRes = await call(null, "/ops/v1/business/organisations", {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        ...REQUISITES,
        name: "ООО «Большая»",
        inn: inn10("770955501"),
        contactPhone: "+79000000099",
        accountNos: nos,
      }),
    });
    expect(opsRes.status).toBe(201);
    const { id: orgId } = await json<{ id: string }>(opsRes);
    const made = await call(null, `/ops/v1/business/organisations/${orgId}/administrators`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ contact: "+79000000010" }),
    });
    expect(made.status).toBe(201);
    const started = Date.now();
    const res = await order(admin, orgId, { from: "2025-01-01", to: "2025-12-31" });
    expect(res.status).toBe(202);
    const act = await waitReady(admin, orgId, (await json<{ id: string }>(res)).id, 180_000);
    const ms = Date.now() - started;
    expect(act.status).toBe("ready");
    const sums = await client
      .prepare(
        `SELECT coalesce(sum(CASE WHEN amount_kop < 0 THEN -amount_kop ELSE 0 END), 0) AS dt, coalesce(sum(CASE WHEN amount_kop > 0 THEN amount_kop ELSE 0 END), 0) AS ct
         FROM ledger_entries WHERE account_no IN (SELECT account_no FROM accounts WHERE region = ?) AND local_day BETWEEN '2025-01-01' AND '2025-12-31'`,
      )
      .bind(region)
      .first<{ dt: number; ct: number }>();
    expect(act.totals).toEqual({ openingKop: 0, debitKop: sums?.dt, creditKop: sums?.ct, closingKop: (sums?.ct ?? 0) - (sums?.dt ?? 0) });
    const pdf = new Uint8Array(await (await api(admin, act.pdfUrl?.replace("/api/v1", "") ?? "")).arrayBuffer());
    const pages = await pdfText(pdf);
    const text = pages.flat();
    // 500 sections of 12 monthly charge lines and 12 payments, each payment with its bank order's number.
    expect(text.filter((t) => t.startsWith("Услуги связи за ")).length).toBe(500 * 12);
    expect(text.filter((t) => /^п\/п № \d{5}$/.test(t)).length).toBe(500 * 12);
    const cells = xlsxCells(new Uint8Array(await (await api(admin, act.xlsxUrl?.replace("/api/v1", "") ?? "")).arrayBuffer()));
    // Header + (opening + 24 lines + turnover + closing) per account.
    expect([...(cells.get("Акт сверки")?.keys() ?? [])].filter((k) => /^A\d+$/.test(k)).length).toBe(1 + 500 * 27);
    console.log(`act of 500 accounts × 12 months: ${pages.length} pages, ${pdf.byteLength} bytes PDF, ready in ${ms} ms`);
  }, 300_000);
});
