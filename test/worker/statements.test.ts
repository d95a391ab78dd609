/**
 * Issue 24, the private cabinet's «Документы»: a monthly statement (выписка) per closed month of an account —
 * opening balance, every entry of the month, totals, closing balance — equal to the ledger, as a PDF.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountServices, accounts, tariffs } from "../../worker/db/schema/region";
import { appendEntry, balanceOf } from "../../worker/features/billing/ledger.service";
import { closeMonthPart } from "../../worker/features/billing/period-close.service";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { pdfText } from "./doc-text";
import { api, holdersFromLinks, json, login } from "./helpers";

const data = () => createDataAccess(env);
const db = () => data().shardForRegion("msk");

type Statement = { month: string; openingKop: number; chargesKop: number; paymentsKop: number; closingKop: number; pdfUrl: string };

/** A fresh Moscow account of Olga's with a service, a payment and daily charges in September and October 2026. */
async function olgasAccount() {
  const accountNo = makeAccountNo(`2090${String(Date.now() % 10_000_000).padStart(7, "0")}`);
  await db().insert(accounts).values({
    accountNo,
    region: "msk",
    holderName: "Кузнецова Ольга",
    address: "Москва, ул. Арбат, д. 1",
    status: "active",
    createdAt: new Date(),
  });
  const tariff = await db().select().from(tariffs).limit(1).get();
  if (!tariff) throw new Error("no tariff");
  const serviceId = `svc-${accountNo}`;
  await db()
    .insert(accountServices)
    .values({ id: serviceId, accountNo, tariffId: tariff.id, status: "active", startedAt: new Date("2026-01-01T00:00:00Z") });
  await env.DB.batch([
    env.DB.prepare("INSERT INTO account_directory (account_no, region, shard, created_at) VALUES (?, 'msk', 'DB_MOSCOW', 0)").bind(
      accountNo,
    ),
    env.DB.prepare("INSERT INTO account_links (subscriber_id, account_no, role, created_at) VALUES ('demo-olga', ?, 'owner', 0)").bind(
      accountNo,
    ),
  ]);
  await holdersFromLinks();
  const entry = (key: string, kind: "charge" | "payment", kop: number, day: string, ru: string) =>
    appendEntry(db(), {
      accountNo,
      kind,
      amountKop: kop,
      occurredAt: new Date(`${day}T09:00:00+03:00`),
      localDay: day,
      serviceId: kind === "charge" ? serviceId : null,
      descriptionRu: ru,
      descriptionEn: ru,
      idempotencyKey: key,
    });
  await entry(`statement-test:pay:${accountNo}:1`, "payment", 100_000, "2026-09-05", "Пополнение картой");
  for (let d = 1; d <= 30; d++)
    await entry(
      `charge:${serviceId}:2026-09-${String(d).padStart(2, "0")}`,
      "charge",
      -1_000,
      `2026-09-${String(d).padStart(2, "0")}`,
      "Абонентская плата",
    );
  await entry(`statement-test:pay:${accountNo}:2`, "payment", 50_000, "2026-10-10", "Оплата через СБП");
  for (let d = 1; d <= 31; d++)
    await entry(
      `charge:${serviceId}:2026-10-${String(d).padStart(2, "0")}`,
      "charge",
      -1_000,
      `2026-10-${String(d).padStart(2, "0")}`,
      "Абонентская плата",
    );
  return accountNo;
}

describe("monthly statements of the private cabinet", { timeout: 60_000 }, () => {
  it("lists each closed month with its figures, and its PDF says the same as the ledger", async () => {
    const accountNo = await olgasAccount();
    const closedAt = new Date("2026-11-01T03:00:00Z");
    await closeMonthPart(db(), "msk", "2026-09", "", 1000, closedAt, 1000);
    await closeMonthPart(db(), "msk", "2026-10", "", 1000, closedAt, 1000);
    const olga = await login("olga");
    const list = await api(olga, `/accounts/${accountNo}/statements`);
    expect(list.status).toBe(200);
    const { items } = await json<{ items: Statement[] }>(list);
    expect(items.map((s) => s.month)).toEqual(["2026-10", "2026-09"]);
    const [oct, sep] = items as [Statement, Statement];
    expect(sep).toMatchObject({ openingKop: 0, chargesKop: -30_000, paymentsKop: 100_000, closingKop: 70_000 });
    expect(oct).toMatchObject({ openingKop: 70_000, chargesKop: -31_000, paymentsKop: 50_000, closingKop: 89_000 });
    expect(oct.closingKop).toBe(await balanceOf(db(), accountNo));

    const pdf = await api(olga, oct.pdfUrl.replace("/api/v1", ""));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toBe(`attachment; filename="statement-${accountNo}-2026-10.pdf"`);
    const text = (await pdfText(new Uint8Array(await pdf.arrayBuffer()))).flat().join("\n");
    expect(text).toContain("Выписка по лицевому счёту — октябрь 2026");
    expect(text).toContain("Кузнецова Ольга");
    expect(text).toContain("700,00 ₽");
    expect(text).toContain("Оплата через СБП");
    // The closed month's daily charges are one rolled-up line.
    expect(text).toMatch(/Абонентская плата за октябрь 2026/);
    expect(text).toContain("−310,00");
    expect(text).toContain("890,00");
  });

  it("has no statement for a month not closed, refuses a malformed month, and is nobody else's", async () => {
    const accountNo = await olgasAccount();
    const olga = await login("olga");
    expect((await api(olga, `/accounts/${accountNo}/statements/2026-11/pdf`)).status).toBe(404);
    expect((await api(olga, `/accounts/${accountNo}/statements/2026-13/pdf`)).status).toBe(400);
    const anna = await login("anna");
    expect((await api(anna, `/accounts/${accountNo}/statements`)).status).toBe(404);
    expect((await api(anna, `/accounts/${accountNo}/statements/2026-10/pdf`)).status).toBe(404);
  });

  it("has last month's statement for a demo subscriber right after seeding (as a running operator's database would), downloadable", async () => {
    // The month before Moscow's current one, reckoned here from the clock.
    const [y, m] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(new Date()).split("-").map(Number) as [
      number,
      number,
    ];
    const lastMonth = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
    const monthBefore = new Date(Date.UTC(y, m - 3, 1)).toISOString().slice(0, 7);
    const anna = await login("anna");
    const annaMsk = makeAccountNo("20100000001");
    const list = await api(anna, `/accounts/${annaMsk}/statements`);
    expect(list.status).toBe(200);
    const { items } = await json<{
      items: (Statement & { refundsKop: number; adjustmentsKop: number; promisedKop: number; bonusKop: number })[];
    }>(list);
    expect(items[0]?.month).toBe(lastMonth);
    expect(items[1]?.month).toBe(monthBefore);
    const [last, before] = items as [(typeof items)[number], (typeof items)[number]];
    // A month's figures add up, and one month ends where the next begins.
    expect(last.chargesKop).toBeLessThan(0);
    expect(last.paymentsKop).toBeGreaterThan(0);
    expect(
      last.openingKop + last.chargesKop + last.paymentsKop + last.refundsKop + last.adjustmentsKop + last.promisedKop + last.bonusKop,
    ).toBe(last.closingKop);
    expect(last.openingKop).toBe(before.closingKop);

    const pdf = await api(anna, last.pdfUrl.replace("/api/v1", ""));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const text = (await pdfText(new Uint8Array(await pdf.arrayBuffer()))).flat().join("\n");
    const monthRu = new Intl.DateTimeFormat("ru-RU", { month: "long", timeZone: "UTC" }).format(new Date(`${lastMonth}-01T00:00:00Z`));
    expect(text).toContain(`Выписка по лицевому счёту — ${monthRu} ${lastMonth.slice(0, 4)}`);
    // Its daily charges were rolled up by the close: one line per service for the month.
    expect(text).toContain(`Абонентская плата за ${monthRu} ${lastMonth.slice(0, 4)}`);
  });
});
