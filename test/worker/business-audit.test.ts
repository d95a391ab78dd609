/**
 * Issue 23: the organisation's audit log is filterable (kind of action, person, period) and exportable (XLSX, CSV),
 * and the export is itself logged.
 */
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { api, json, login } from "./helpers";

const VETER = "org-demo-veter";
const LOG = `/business/organisations/${VETER}/audit`;

type Entry = { id: string; at: string; action: string; actor: { id: string | null; name: string }; target: string | null };
type Page = { items: Entry[]; nextCursor: string | null };
type Problem = { errors?: { field: string }[] };

/** Today and tomorrow as Moscow days. */
const moscowDay = (offsetDays = 0) => new Date(Date.now() + 3 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("the audit log's filters and export", { timeout: 60_000 }, () => {
  it("finds entries by kind of action, by person and by period", async () => {
    const admin = await login("biz.admin");
    const { items: sites } = await json<{ items: { id: string; name: string }[] }>(
      await api(admin, `/business/organisations/${VETER}/sites`),
    );
    const site = sites[0] as { id: string; name: string };
    // A site renamed and back (sites), an invitation (people) by the admin; a request filed by the accountant (support).
    for (const name of ["Склад (временно)", site.name])
      expect(
        (await api(admin, `/business/organisations/${VETER}/sites/${site.id}`, { method: "PATCH", body: JSON.stringify({ name }) })).status,
      ).toBe(200);
    const invited = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+7 900 555-01-77", role: "viewer" }),
    });
    expect(invited.status).toBe(201);

    const page = async (query: string) => json<Page>(await api(admin, `${LOG}?limit=100&${query}`));
    const sitesOnly = await page("kind=sites");
    expect(sitesOnly.items.length).toBeGreaterThanOrEqual(2);
    expect(sitesOnly.items.every((e) => e.action.startsWith("site.") || e.action.startsWith("account."))).toBe(true);
    const people = await page("kind=people");
    expect(people.items.map((e) => e.action)).toContain("invite.created");
    expect(people.items.every((e) => /^(org|member|invite)\./.test(e.action))).toBe(true);
    const mine = await page("actor=demo-biz-admin");
    expect(mine.items.length).toBeGreaterThanOrEqual(3);
    expect(mine.items.every((e) => e.actor.id === "demo-biz-admin")).toBe(true);
    const today = await page(`from=${moscowDay()}&to=${moscowDay()}&kind=sites`);
    expect(today.items.filter((e) => e.action === "site.renamed")).toHaveLength(2);
    expect((await page(`from=${moscowDay(1)}`)).items).toEqual([]);
    // Paging a filtered log never mixes in other kinds.
    const first = await json<Page>(await api(admin, `${LOG}?limit=1&kind=sites`));
    expect(first.nextCursor).not.toBeNull();
    const second = await json<Page>(await api(admin, `${LOG}?limit=1&kind=sites&cursor=${first.nextCursor}`));
    expect(second.items[0]?.action).toMatch(/^(site|account)\./);
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it("refuses a filter it does not know with a 400 naming the field", async () => {
    const admin = await login("biz.admin");
    for (const [query, field] of [
      ["kind=everything", "kind"],
      ["from=2026-13-45", "from"],
      ["from=2026-02-31", "from"],
      ["to=yesterday", "to"],
      [`actor=${"x".repeat(61)}`, "actor"],
    ] as const) {
      const res = await api(admin, `${LOG}?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.field)).toContain(field);
    }
  });

  it("exports what the filter finds as CSV and XLSX, and logs the export", async () => {
    const admin = await login("biz.admin");
    const invited = await api(admin, `/business/organisations/${VETER}/invites`, {
      method: "POST",
      body: JSON.stringify({ contact: "+7 900 555-01-78", role: "manager" }),
    });
    expect(invited.status).toBe(201);
    const csv = await api(admin, `${LOG}/export?format=csv&kind=people`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-org-demo-veter-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe("Когда (МСК);Кто;Действие;Код действия;Над чем;Подробности;Адрес");
    const codes = lines.slice(1).map((l) => l.split(";")[3]);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => /^(org|member|invite)\./.test(c ?? ""))).toBe(true);
    expect(lines.slice(1).some((l) => l.includes(";Отправлено приглашение;invite.created;"))).toBe(true);

    const xlsx = await api(admin, `${LOG}/export?format=xlsx&lang=en`);
    expect(xlsx.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.worksheets[0] as ExcelJS.Worksheet;
    expect(sheet.name).toBe("Audit log");
    expect(sheet.getRow(1).getCell(3).value).toBe("Action");
    // The CSV export above is in it, newest first: it was logged before this file was read.
    expect(sheet.getRow(2).getCell(4).value).toBe("audit.exported");
    expect(String(sheet.getRow(2).getCell(6).value)).toContain('"format":"csv"');

    const { items } = await json<Page>(await api(admin, `${LOG}?limit=2`));
    expect(items.map((e) => e.action)).toEqual(["audit.exported", "audit.exported"]);
  });

  it("is an administrator's: other roles get a 403 naming their role", async () => {
    for (const who of ["biz.accountant", "biz.manager", "biz.viewer"]) {
      const res = await api(await login(who), `${LOG}/export?format=csv`);
      expect(res.status, who).toBe(403);
    }
  });
});
