/**
 * Issue 23, sites and the accounts list: an organisation's accounts grouped by site, searched, filtered, sorted and
 * totalled over the whole filtered set in one round of queries per shard; exported to XLSX and CSV (audited);
 * employees limited to sites see only those sites' accounts everywhere; sites renamed and accounts moved (audited).
 */
import { env } from "cloudflare:workers";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { isOrgFiguresMessage, makeFigures, type OrgFiguresMessage } from "../../worker/features/business/figures.service";
import { accountList } from "../../worker/features/business/sites.service";
import { createDataAccess } from "../../worker/platform/db";
import { api, inviteCodeSentTo, json, login } from "./helpers";

const VETER = "org-demo-veter";
const SMIRNOV = "org-demo-smirnov";
const LIST = `/business/organisations/${VETER}/account-list`;

interface Listed {
  accountNo: string;
  region: string;
  address: string;
  status: string;
  balanceKop: number;
  monthlyKop: number;
  siteId: string | null;
  siteName: string | null;
}
interface Figures {
  count: number;
  balanceKop: number;
  monthlyKop: number;
  negative: number;
}
interface ListPage {
  items: Listed[];
  totals: Figures;
  sites: (Figures & { id: string | null; name: string | null })[];
  regions: string[];
  nextOffset: number | null;
}
type Problem = { type: string; title: string; errors?: { field: string; message: string }[] };

/** Every account of the list for `query`, page by page, with the first page's totals. */
async function everything(cookie: string, query = "", limit = 100) {
  const items: Listed[] = [];
  let first: ListPage | undefined;
  let offset: number | null = 0;
  while (offset !== null) {
    const res = await api(cookie, `${LIST}?limit=${limit}&offset=${offset}${query ? `&${query}` : ""}`);
    expect(res.status).toBe(200);
    const page = await json<ListPage>(res);
    first ??= page;
    items.push(...page.items);
    offset = page.nextOffset;
  }
  return { items, totals: (first as ListPage).totals, sites: (first as ListPage).sites, regions: (first as ListPage).regions };
}

/** A decoder that keeps the BOM (the default one drops it), so a test can see it is there. */
const withBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** The d1 entries of a Server-Timing header, by database: `{ DB: "1 round trip, …", DB_MOSCOW: … }`. */
function d1Use(res: Response): Record<string, string> {
  const header = res.headers.get("server-timing") ?? "";
  return Object.fromEntries([...header.matchAll(/d1-(\w+);desc="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/** The shard a session cookie names: its subscriber's home shard, where the session is kept. */
const homeShardOf = (cookie: string) => cookie.replace(/^kab_session=/, "").split(".")[0];

/** The CSV's rows (after the BOM), fields split on `;` with RFC 4180 quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ";") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  return rows;
}

describe("the accounts list: search, filters, sorting and totals", () => {
  it("lists all 220 accounts of three regions grouped by 12 sites, totals over every page, in one round trip per database", async () => {
    const cookie = await login("biz.admin");
    // A visit's first request before the one measured (it would keep the session's copy of the links of one who holds any).
    expect((await api(cookie, `${LIST}?limit=1`)).status).toBe(200);
    const res = await api(cookie, `${LIST}?limit=20`);
    expect(res.status).toBe(200);
    const use = d1Use(res);
    expect(Object.keys(use).sort()).toEqual(["DB", "DB_MOSCOW", "DB_NORTHWEST", "DB_URAL"]);
    // The admin's home shard (Moscow) also gave the session, read beside the global read.
    expect(homeShardOf(cookie)).toBe("DB_MOSCOW");
    for (const [db, desc] of Object.entries(use)) expect(desc, db).toMatch(db === "DB_MOSCOW" ? /^2 round trips,/ : /^1 round trip,/);
    const page = await json<ListPage>(res);
    expect(page.items).toHaveLength(20);
    expect(page.regions).toEqual(["ekb", "msk", "spb"]);
    expect(page.sites).toHaveLength(12);
    const all = await everything(cookie);
    expect(all.items).toHaveLength(220);
    expect(new Set(all.items.map((a) => a.accountNo)).size).toBe(220);
    expect(page.totals).toEqual({
      count: 220,
      balanceKop: sum(all.items.map((a) => a.balanceKop)),
      monthlyKop: sum(all.items.map((a) => a.monthlyKop)),
      negative: all.items.filter((a) => a.balanceKop < 0).length,
    });
    expect(page.totals.negative).toBeGreaterThan(0);
    // Grouped by site: each site's accounts together, the sites in the order of their figures.
    const order = all.items.map((a) => a.siteId).filter((s, i, xs) => s !== xs[i - 1]);
    expect(order).toEqual(page.sites.map((s) => s.id));
    for (const s of page.sites) expect(s.count).toBe(all.items.filter((a) => a.siteId === s.id).length);
    expect(sum(page.sites.map((s) => s.count))).toBe(220);
  });

  it("finds accounts by part of the number, by site name and by address", async () => {
    const cookie = await login("biz.admin");
    const { items } = await everything(cookie);
    const target = items[37] as Listed;
    const tail = target.accountNo.slice(-6);
    const byNumber = await everything(cookie, `q=${tail}`);
    expect(byNumber.items.map((a) => a.accountNo)).toContain(target.accountNo);
    expect(byNumber.items.every((a) => a.accountNo.includes(tail))).toBe(true);

    const bySite = await everything(cookie, `q=${encodeURIComponent("арбат")}`);
    expect(bySite.totals.count).toBe(20);
    expect(new Set(bySite.items.map((a) => a.siteName))).toEqual(new Set(["Салон на Арбате"]));

    const byAddress = await everything(cookie, `q=${encodeURIComponent("Космонавтов")}`);
    expect(byAddress.totals.count).toBe(10);
    expect(byAddress.items.every((a) => a.region === "ekb" && a.address.includes("Космонавтов"))).toBe(true);

    const none = await everything(cookie, `q=${encodeURIComponent("нет такого адреса")}`);
    expect(none.totals).toEqual({ count: 0, balanceKop: 0, monthlyKop: 0, negative: 0 });
  });

  it("filters by region (reading only that region's shard), by status and by a negative balance", async () => {
    const cookie = await login("biz.admin");
    expect((await api(cookie, `${LIST}?limit=1`)).status).toBe(200);
    const res = await api(cookie, `${LIST}?region=spb&limit=100`);
    // No shard but St Petersburg's for the list; Moscow only for the session, its copy of the links and the links (the
    // admin's home shard, one round trip).
    expect(Object.keys(d1Use(res)).sort()).toEqual(["DB", "DB_MOSCOW", "DB_NORTHWEST"]);
    expect(d1Use(res).DB_MOSCOW).toMatch(/^1 round trip, 3 statements,/);
    const spb = await json<ListPage>(res);
    expect(spb.totals.count).toBe(80);
    expect(spb.items.every((a) => a.region === "spb")).toBe(true);
    expect(spb.sites).toHaveLength(4);

    const all = await everything(cookie);
    const negative = await everything(cookie, "negative=true");
    expect(negative.totals.count).toBe(all.totals.negative);
    expect(negative.items.every((a) => a.balanceKop < 0)).toBe(true);
    expect(negative.totals.balanceKop).toBe(sum(all.items.filter((a) => a.balanceKop < 0).map((a) => a.balanceKop)));

    const ekbNegative = await everything(cookie, "region=ekb&negative=true");
    expect(ekbNegative.items.map((a) => a.accountNo).sort()).toEqual(
      all.items
        .filter((a) => a.region === "ekb" && a.balanceKop < 0)
        .map((a) => a.accountNo)
        .sort(),
    );
    expect((await everything(cookie, "status=active")).totals.count).toBe(220);
    expect((await everything(cookie, "status=blocked")).totals.count).toBe(0);
  });

  it("sorts within each site by balance, monthly charge or number, either way", async () => {
    const cookie = await login("biz.admin");
    for (const [sort, key] of [
      ["balance", (a: Listed) => a.balanceKop],
      ["monthly", (a: Listed) => a.monthlyKop],
      ["accountNo", (a: Listed) => Number(a.accountNo)],
    ] as const) {
      for (const order of ["asc", "desc"] as const) {
        const { items, sites } = await everything(cookie, `sort=${sort}&order=${order}`);
        for (const site of sites) {
          const values = items.filter((a) => a.siteId === site.id).map(key);
          const sorted = [...values].sort((x, y) => (order === "asc" ? x - y : y - x));
          expect(values, `${sort} ${order} ${site.name}`).toEqual(sorted);
        }
      }
    }
    const { items } = await everything(cookie, "sort=balance&order=asc");
    const first = items[0] as Listed;
    expect(first.balanceKop).toBe(Math.min(...items.filter((a) => a.siteId === first.siteId).map((a) => a.balanceKop)));
  });

  it("refuses a wrong filter or sort with a problem in the request's language, never a 500", async () => {
    const cookie = await login("biz.admin");
    for (const query of ["sort=bogus", "status=sleeping", "negative=maybe", "limit=1000", "offset=-1", "region=Москва"]) {
      const res = await api(cookie, `${LIST}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    const ru = await json<Problem>(await api(cookie, `${LIST}?sort=bogus`));
    const en = await json<Problem>(await api(cookie, `${LIST}?sort=bogus&lang=en`));
    expect(ru.title).not.toBe(en.title);
    expect(ru.title).toMatch(/[а-я]/);
  });
});

describe("an organisation whose accounts are on more shards than a request reads", () => {
  it("lists them from a snapshot made a share of shards a message, with its time; the first ask is a 503, then the same figures as a read now", async () => {
    const admin = "demo-biz-admin";
    const sent: OrgFiguresMessage[] = [];
    const queue = { send: async (m: OrgFiguresMessage) => void sent.push(m) } as unknown as Queue;
    const t0 = new Date();
    // One shard read at once at most: Северный ветер's accounts are on three.
    const sources = (now: Date) => ({ files: env.FILES, queue, now, maxShards: 1 });
    const first = accountList(createDataAccess(env), admin, VETER, {}, 0, 50, sources(t0));
    await expect(first).rejects.toMatchObject({ status: 503, slug: "figures_preparing", headers: { "retry-after": "60" } });
    expect(sent).toHaveLength(1);
    // Asked again meanwhile (twice at once): still a 503, and no second chain.
    const again = await Promise.allSettled([0, 1].map(() => accountList(createDataAccess(env), admin, VETER, {}, 0, 50, sources(t0))));
    expect(again.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(sent).toHaveLength(1);
    // The chain, a shard a message, as the reports queue would bring it.
    const deps = { data: createDataAccess(env), files: env.FILES, queue };
    const outcomes: string[] = [];
    for (let i = 0; i < sent.length; i++) {
      expect(isOrgFiguresMessage(sent[i])).toBe(true);
      outcomes.push(await makeFigures({ ...deps, data: createDataAccess(env) }, sent[i] as OrgFiguresMessage, t0, 3));
      expect(i).toBeLessThan(20);
    }
    expect(outcomes).toEqual(["gathering", "gathering", "ready"]);
    // The same list and totals as read now, and the snapshot's time.
    const snap = await accountList(createDataAccess(env), admin, VETER, {}, 0, 500, sources(new Date(t0.getTime() + 60_000)));
    const now = await accountList(createDataAccess(env), admin, VETER, {}, 0, 500);
    expect(snap.figuresAt).toBe(t0.toISOString());
    expect(now.figuresAt).toBeNull();
    expect(snap.totals).toEqual(now.totals);
    expect(snap.items).toEqual(now.items);
    expect(snap.totals.count).toBe(220);
    // Eleven minutes on: the old snapshot is shown with its time while a new one is asked for, once.
    const later = new Date(t0.getTime() + 11 * 60_000);
    expect((await accountList(createDataAccess(env), admin, VETER, {}, 0, 50, sources(later))).figuresAt).toBe(t0.toISOString());
    await accountList(createDataAccess(env), admin, VETER, {}, 0, 50, sources(later));
    expect(sent.filter((m) => m.since === later.getTime())).toHaveLength(1);
    // An account the snapshot does not have (gained since): read now, not shown as 0 ₽ with no address.
    const stored = (await (await env.FILES.get(`org-figures/${VETER}.json`))?.json()) as { at: number; figures: { accountNo: string }[] };
    const dropped = now.items.find((a) => a.balanceKop !== 0 && a.address !== "") ?? now.items[0];
    await env.FILES.put(
      `org-figures/${VETER}.json`,
      JSON.stringify({ at: Date.now(), figures: stored.figures.filter((f) => f.accountNo !== dropped?.accountNo) }),
    );
    const gained = await accountList(createDataAccess(env), admin, VETER, {}, 0, 500, sources(new Date()));
    expect(gained.items.find((a) => a.accountNo === dropped?.accountNo)).toEqual(dropped);
    expect(gained.totals).toEqual(now.totals);
    // A member limited to a site sees through the snapshot only the site's accounts, as read now.
    const viewer = "demo-biz-viewer";
    const scoped = await accountList(createDataAccess(env), viewer, VETER, {}, 0, 500, { ...sources(new Date()), maxShards: 0 });
    const scopedNow = await accountList(createDataAccess(env), viewer, VETER, {}, 0, 500);
    expect(scoped.figuresAt).not.toBeNull();
    expect(scoped.items).toEqual(scopedNow.items);
    expect(scoped.totals).toEqual(scopedNow.totals);
    expect(scoped.totals.count).toBeLessThan(220);
    // A snapshot more than an hour old is not shown: the list waits for the new one.
    const old = new Date(Date.now() + 2 * 3600_000);
    await expect(accountList(createDataAccess(env), admin, VETER, {}, 0, 50, sources(old))).rejects.toMatchObject({ status: 503 });
    // Through the route (three shards, far under what a request reads): read now.
    const page = await json<ListPage & { figuresAt: string | null }>(await api(await login("biz.admin"), LIST));
    expect(page.figuresAt).toBeNull();
    for (const bad of [{ orgId: "../x" }, { since: "now" }, { gather: { run: "r", from: -1 } }])
      expect(isOrgFiguresMessage({ kind: "org_figures", orgId: VETER, run: "r", since: 1, ...bad })).toBe(false);
  });
});

describe("sites: an employee limited to sites", () => {
  it("an employee invited for two sites sees only their accounts in the list, totals, sites and export; a moved account follows its site", async () => {
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string; accounts: number }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    expect(sites).toHaveLength(12);
    const arbat = sites.find((s) => s.name === "Салон на Арбате");
    const ekb = sites.find((s) => s.name === "Склад на Космонавтов");
    const other = sites.find((s) => s.name === "Офис на Лиговском");
    if (!arbat || !ekb || !other) throw new Error("demo sites missing");
    const since = Date.now();
    const invited = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+79000000004", role: "accountant", siteIds: [arbat.id, ekb.id] }),
    });
    expect(invited.status).toBe(201);
    const code = await inviteCodeSentTo("+79000000004", since);
    const maria = await login("maria");
    expect((await api(maria, "/business/invites/accept", { method: "POST", body: JSON.stringify({ code }) })).status).toBe(200);

    const mine = await everything(maria);
    expect(mine.totals.count).toBe(30);
    expect(new Set(mine.items.map((a) => a.siteId))).toEqual(new Set([arbat.id, ekb.id]));
    expect(mine.regions).toEqual(["ekb", "msk"]);
    expect(mine.sites.map((s) => s.id).sort()).toEqual([arbat.id, ekb.id].sort());
    expect(mine.totals.balanceKop).toBe(sum(mine.items.map((a) => a.balanceKop)));
    const visibleSites = await json<{ items: { id: string }[] }>(await api(maria, `/business/organisations/${VETER}/sites`));
    expect(visibleSites.items.map((s) => s.id).sort()).toEqual([arbat.id, ekb.id].sort());
    // Another site's accounts: not found by search, not in the region filter, not in the export.
    expect((await everything(maria, `q=${encodeURIComponent("Лиговск")}`)).totals.count).toBe(0);
    expect((await everything(maria, "region=spb")).totals.count).toBe(0);
    const csv = parseCsv(withBom.decode(await (await api(maria, `${LIST}/export?format=csv`)).arrayBuffer()).slice(1));
    expect(
      csv
        .slice(1, -1)
        .map((r) => r[1])
        .sort(),
    ).toEqual(mine.items.map((a) => a.accountNo).sort());
    const card = await json<{ limited: boolean; accountCount: number }>(await api(maria, `/business/organisations/${VETER}`));
    expect(card).toMatchObject({ limited: true, accountCount: 30 });
    const employees = await json<{ members: { phone: string | null; siteIds: string[] | null; accountNos: unknown }[] }>(
      await api(admin, `/business/organisations/${VETER}/employees`),
    );
    expect(employees.members.find((m) => m.phone === "+79000000004")).toMatchObject({
      siteIds: [arbat.id, ekb.id].sort(),
      accountNos: null,
    });

    // The administrator moves an account of another site to Arbat: it follows the site into her list; back, and out.
    const { items: ligovsky } = await everything(admin, `q=${encodeURIComponent("Офис на Лиговском")}`);
    const moved = (ligovsky[0] as Listed).accountNo;
    const move = (siteId: string) =>
      api(admin, `/business/organisations/${VETER}/accounts/${moved}/site`, { method: "PUT", body: JSON.stringify({ siteId }) });
    expect((await move(arbat.id)).status).toBe(200);
    const after = await everything(maria);
    expect(after.totals.count).toBe(31);
    expect(after.items.find((a) => a.accountNo === moved)).toMatchObject({ siteId: arbat.id, region: "spb" });
    expect((await move(other.id)).status).toBe(200);
    expect((await everything(maria)).totals.count).toBe(30);

    // Changed to one site: the list follows at once.
    const memberId = (await env.DB.prepare("SELECT id FROM subscribers WHERE phone = ?").bind("+79000000004").first<{ id: string }>())
      ?.id as string;
    const changed = await api(admin, `/business/organisations/${VETER}/employees/${memberId}`, {
      method: "PUT",
      body: JSON.stringify({ role: "accountant", siteIds: [ekb.id] }),
    });
    expect(changed.status).toBe(204);
    const narrowed = await everything(maria);
    expect(narrowed.totals.count).toBe(10);
    expect(narrowed.items.every((a) => a.siteId === ekb.id)).toBe(true);
  });

  it("refuses sites that are not the organisation's in an invitation, with a problem naming the field", async () => {
    const admin = await login("biz.admin");
    for (const siteIds of [["org-demo-smirnov-ekb-1"], ["nonexistent"], []]) {
      const res = await api(admin, `/business/organisations/${VETER}/invites`, {
        method: "POST",
        body: JSON.stringify({ contact: "+79000000077", role: "viewer", siteIds }),
      });
      expect(res.status, JSON.stringify(siteIds)).toBe(400);
      const p = await json<Problem>(res);
      expect(p.errors?.[0]).toMatchObject({ field: "siteIds", message: "Выберите площадки этой организации" });
    }
  });

  it("never limits an administrator to sites: an invitation as administrator carries no site scope", async () => {
    const admin = await login("biz.admin");
    const res = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "admin.sites@example.com", role: "administrator", siteIds: [`${VETER}-msk-1`] }),
    });
    expect(res.status).toBe(201);
    const { invites } = await json<{ invites: { contact: string; role: string; siteIds: string[] | null }[] }>(
      await api(admin, `/business/organisations/${VETER}/employees`),
    );
    expect(invites.find((i) => i.contact === "admin.sites@example.com")).toMatchObject({ role: "administrator", siteIds: null });
  });

  it("shows the demo viewer, limited to one Moscow site, only its 20 accounts", async () => {
    const viewer = await everything(await login("biz.viewer"));
    expect(viewer.totals.count).toBe(20);
    expect(new Set(viewer.items.map((a) => a.siteName))).toEqual(new Set(["Головной офис"]));
  });
});

describe("exporting the accounts list", () => {
  it("exports the filtered list to XLSX with typed figures and totals, and logs who exported it", async () => {
    const cookie = await login("biz.admin");
    const list = await everything(cookie, "region=msk&negative=true");
    expect(list.totals.count).toBeGreaterThan(0);
    const res = await api(cookie, `${LIST}/export?format=xlsx&region=msk&negative=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="accounts-org-demo-veter-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const sheet = wb.worksheets[0];
    if (!sheet) throw new Error("no sheet");
    expect(sheet.name).toBe("Лицевые счета");
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      "Площадка",
      "Лицевой счёт",
      "Регион",
      "Адрес",
      "Состояние",
      "Баланс, ₽",
      "В месяц, ₽",
    ]);
    expect(sheet.rowCount).toBe(list.totals.count + 2);
    for (const [i, a] of list.items.entries()) {
      const row = sheet.getRow(i + 2);
      expect(row.getCell(1).value).toBe(a.siteName);
      expect(row.getCell(2).value).toBe(a.accountNo);
      expect(row.getCell(3).value).toBe("Москва");
      expect(row.getCell(6).type).toBe(ExcelJS.ValueType.Number);
      expect(row.getCell(6).value).toBeCloseTo(a.balanceKop / 100, 2);
      expect(row.getCell(7).value).toBeCloseTo(a.monthlyKop / 100, 2);
    }
    const total = sheet.getRow(list.totals.count + 2);
    expect(total.getCell(1).value).toBe("Итого");
    expect(total.getCell(2).value).toBe(list.totals.count);
    expect(total.getCell(6).value).toBeCloseTo(list.totals.balanceKop / 100, 2);
    expect(total.getCell(7).value).toBeCloseTo(list.totals.monthlyKop / 100, 2);

    const audit = await json<{ items: { action: string; actor: { name: string }; details: Record<string, unknown>; address: string }[] }>(
      await api(cookie, `/business/organisations/${VETER}/audit?limit=5`),
    );
    const entry = audit.items.find((e) => e.action === "accounts.exported");
    expect(entry).toMatchObject({
      actor: { name: "Алексей Соколов" },
      details: { format: "xlsx", accounts: list.totals.count, filters: { region: "msk", negative: true } },
    });
    expect(entry?.address).toBeTruthy();
  });

  it("exports CSV for Russian Excel: UTF-8 with a BOM, `;`, quoted fields, decimal commas and a totals row", async () => {
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    const site = sites.find((s) => s.name === "Склад на Космонавтов");
    if (!site) throw new Error("demo site missing");
    const tricky = 'Склад "Север"; корпус 2';
    const renamed = await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, {
      method: "PATCH",
      body: JSON.stringify({ name: tricky }),
    });
    expect(renamed.status).toBe(200);
    try {
      const list = await everything(admin, "region=ekb");
      const res = await api(admin, `${LIST}/export?format=csv&region=ekb`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = withBom.decode(bytes);
      expect(text.startsWith("\uFEFFПлощадка;")).toBe(true);
      expect(text).toContain('"Склад ""Север""; корпус 2"');
      const rows = parseCsv(text.slice(1));
      expect(rows[0]).toEqual(["Площадка", "Лицевой счёт", "Регион", "Адрес", "Состояние", "Баланс, ₽", "В месяц, ₽"]);
      expect(rows).toHaveLength(list.totals.count + 2);
      const money = (kop: number) => (kop / 100).toFixed(2).replace(".", ",");
      for (const [i, a] of list.items.entries())
        expect(rows[i + 1]).toEqual([
          a.siteName,
          a.accountNo,
          "Свердловская область",
          a.address,
          "Активен",
          money(a.balanceKop),
          money(a.monthlyKop),
        ]);
      expect(rows.some((r) => r[0] === tricky)).toBe(true);
      expect(rows.at(-1)).toEqual([
        "Итого",
        String(list.totals.count),
        "",
        "",
        "",
        money(list.totals.balanceKop),
        money(list.totals.monthlyKop),
      ]);
      const en = parseCsv(withBom.decode(await (await api(admin, `${LIST}/export?format=csv&region=ekb&lang=en`)).arrayBuffer()).slice(1));
      expect(en[0]?.[0]).toBe("Site");
      expect(en[1]?.[2]).toBe("Sverdlovsk Oblast");
    } finally {
      await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, { method: "PATCH", body: JSON.stringify({ name: site.name }) });
    }
  });
});

describe("renaming sites and moving accounts", () => {
  it("an administrator renames a site and moves an account, both in the audit log; other roles get a 403 naming the role", async () => {
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    const site = sites.find((s) => s.name === "Офис на Энгельса");
    const target = sites.find((s) => s.name === "Склад на Савушкина");
    if (!site || !target) throw new Error("demo sites missing");
    const rename = (cookie: string, name: unknown) =>
      api(cookie, `/business/organisations/${VETER}/sites/${site.id}`, { method: "PATCH", body: JSON.stringify({ name }) });
    const res = await rename(admin, "  Офис   на Энгельса, 2 этаж ");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: site.id, name: "Офис на Энгельса, 2 этаж" });
    expect((await everything(admin, `q=${encodeURIComponent("2 этаж")}`)).totals.count).toBe(20);
    for (const bad of ["", "x", "я".repeat(101)]) {
      const refused = await rename(admin, bad);
      expect(refused.status).toBe(400);
      expect((await json<Problem>(refused)).errors?.[0]?.field).toBe("name");
    }
    for (const who of ["biz.accountant", "biz.manager", "biz.viewer"]) {
      const refused = await rename(await login(who), "Чужое название");
      expect(refused.status, who).toBe(403);
    }
    const { items } = await everything(admin, `q=${encodeURIComponent("2 этаж")}`);
    const accountNo = (items[0] as Listed).accountNo;
    const moved = await api(admin, `/business/organisations/${VETER}/accounts/${accountNo}/site`, {
      method: "PUT",
      body: JSON.stringify({ siteId: target.id }),
    });
    expect(moved.status).toBe(200);
    expect((await everything(admin, `q=${encodeURIComponent("2 этаж")}`)).totals.count).toBe(19);
    const audit = await json<{ items: { action: string; target: string | null; details: Record<string, unknown> }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit?limit=10`),
    );
    expect(audit.items.find((e) => e.action === "account.site_changed")).toMatchObject({
      target: accountNo,
      details: { fromSite: site.id, toSite: target.id, toSiteName: "Склад на Савушкина" },
    });
    expect(audit.items.find((e) => e.action === "site.renamed")).toMatchObject({
      details: { site: site.id, oldName: "Офис на Энгельса", newName: "Офис на Энгельса, 2 этаж" },
    });
    // Back as it was.
    await api(admin, `/business/organisations/${VETER}/accounts/${accountNo}/site`, {
      method: "PUT",
      body: JSON.stringify({ siteId: site.id }),
    });
    await rename(admin, "Офис на Энгельса");
  });

  it("answers 404 for another organisation's site, account or list, and writes nothing", async () => {
    const admin = await login("biz.admin");
    const petr = await login("petr");
    const before = await env.DB.prepare("SELECT count(*) AS n FROM org_audit").first<{ n: number }>();
    for (const [cookie, method, path, body] of [
      [petr, "GET", LIST, undefined],
      [petr, "GET", `${LIST}/export?format=csv`, undefined],
      [petr, "GET", `/business/organisations/${VETER}/sites`, undefined],
      [petr, "PATCH", `/business/organisations/${VETER}/sites/${VETER}-msk-1`, { name: "Моё" }],
      [admin, "PATCH", `/business/organisations/${VETER}/sites/${SMIRNOV}-ekb-1`, { name: "Моё" }],
      [admin, "PUT", `/business/organisations/${VETER}/accounts/50490000001/site`, { siteId: `${VETER}-msk-1` }],
    ] as const) {
      const res = await api(cookie, path, { method, body: body ? JSON.stringify(body) : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    // Smirnov's real account number (with its check digit), from petr's own list.
    const own = await json<ListPage>(await api(petr, `/business/organisations/${SMIRNOV}/account-list`));
    expect(own.totals.count).toBe(4);
    const res = await api(admin, `/business/organisations/${VETER}/accounts/${own.items[0]?.accountNo}/site`, {
      method: "PUT",
      body: JSON.stringify({ siteId: `${VETER}-msk-1` }),
    });
    expect(res.status).toBe(404);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM org_audit").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });
});
