import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoPeriods } from "../../worker/db/seed/seed";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays } from "../../worker/platform/region";
import { api, json, login } from "./helpers";

const { usageTo } = demoPeriods();
// The last whole month of the demo usage: its first and fifth days.
const MONTH = addDays(`${usageTo.slice(0, 8)}01`, -1).slice(0, 7);
const ANNA_MOBILE = makeAccountNo("20100000002");
const REPORT_DAYS = 7;

/** A day as a reader of the language writes it: «1 ноября 2026 г.», "1 November 2026". */
const inWords = (day: string, lang: "ru" | "en") =>
  new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(`${day}T12:00:00Z`),
  );

/** Orders a report by email in a language and returns the email's text once the report is made. */
async function emailedReport(lang: "ru" | "en", to: string) {
  const anna = await login("anna");
  const since = Date.now();
  const res = await api(anna, `/accounts/${ANNA_MOBILE}/usage/reports?lang=${lang}`, {
    method: "POST",
    body: JSON.stringify({ from: `${MONTH}-01`, to: `${MONTH}-05`, format: "pdf", delivery: "email", email: to }),
    headers: { "accept-language": lang },
  });
  expect(res.status).toBe(202);
  await json(res);
  const row = await (async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await env.DB.prepare("SELECT body FROM outbox WHERE recipient = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1")
        .bind(to, since)
        .first<{ body: string }>();
      if (r) return r;
      if (Date.now() > deadline) throw new Error("no email");
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const link = /https?:\/\/\S+\/files\/reports\/\S+/.exec(row.body)?.[0] ?? "";
  expect(link).toBeTruthy();
  return { text: row.body.replace(link, "<link>"), orderedAt: since };
}

describe("the usage-detail email", () => {
  it("writes the period and the download's last day as words in Russian", async () => {
    const { text, orderedAt } = await emailedReport("ru", "buh@example.com");
    expect(text).toContain(`за период с ${inWords(`${MONTH}-01`, "ru")} по ${inWords(`${MONTH}-05`, "ru")} (PDF, записей:`);
    const until = new Date(orderedAt + REPORT_DAYS * 86_400_000).toLocaleString("en-CA", { timeZone: "Europe/Moscow" }).slice(0, 10);
    expect(text).toContain(`Скачать до ${inWords(until, "ru")}: <link>`);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it("and in English", async () => {
    const { text, orderedAt } = await emailedReport("en", "accounts@example.com");
    expect(text).toContain(`from ${inWords(`${MONTH}-01`, "en")} to ${inWords(`${MONTH}-05`, "en")} (PDF,`);
    const until = new Date(orderedAt + REPORT_DAYS * 86_400_000).toLocaleString("en-CA", { timeZone: "Europe/Moscow" }).slice(0, 10);
    expect(text).toContain(`Download by ${inWords(until, "en")}: <link>`);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});
