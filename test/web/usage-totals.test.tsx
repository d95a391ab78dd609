import { cleanup, render, screen, within } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { UsageTotals } from "../../web/src/features/usage/UsageTotals";
import type { UsageViewDto } from "../../web/src/features/usage/usageApi";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

const label = (ru: string, en: string) => ({ ru, en });
/** A period as the API answers it: internet sessions have a duration of their own, which is not call time. */
const view: Pick<UsageViewDto, "totals" | "total" | "labels"> = {
  labels: {
    call_in: label("Входящие звонки", "Incoming calls"),
    call_local: label("Исходящие местные", "Outgoing local"),
    call_long_distance: label("Исходящие междугородные", "Outgoing long-distance"),
    call_mobile: label("Исходящие на мобильные", "Outgoing to mobiles"),
    call_international: label("Исходящие международные", "Outgoing international"),
    sms: label("SMS", "SMS"),
    internet: label("Интернет", "Internet"),
    option: label("Платные опции", "Paid options"),
  },
  totals: [
    { category: "call_in", count: 40, durationSec: 4_000, volumeKb: 0, costKop: 0 },
    { category: "call_mobile", count: 25, durationSec: 2_709, volumeKb: 0, costKop: 12_050 },
    { category: "sms", count: 37, durationSec: 0, volumeKb: 0, costKop: 7_400 },
    { category: "internet", count: 120, durationSec: 592_278, volumeKb: 4_404_019, costKop: 0 },
    { category: "option", count: 1, durationSec: 0, volumeKb: 0, costKop: 19_900 },
  ],
  total: { records: 223, callSec: 6_709, dataKb: 4_404_019, smsCount: 37, costKop: 39_350 },
};

async function totalRow(lang: Lang, name: string) {
  render(() => (
    <I18nProvider initial={lang}>
      <UsageTotals view={view} />
    </I18nProvider>
  ));
  const table = screen.getByRole("table", { name: lang === "ru" ? "Итого за период" : "Totals for the period" });
  const row = within(table).getByRole("rowheader", { name }).closest("tr") as HTMLTableRowElement;
  return [...row.cells].map((c) => c.textContent?.replace(/\s/g, " "));
}

beforeAll(async () => {
  await loadMoreStrings();
  await loadLang("en");
});
afterEach(cleanup);

describe("usage totals on screen", () => {
  it("shows «Всего» per unit: SMS in pieces, the time of calls only, the data volume, the cost", async () => {
    expect(await totalRow("ru", "Всего")).toEqual(["Всего", "37 SMS", "1:51:49", "4,20 ГБ", "393,50 ₽"]);
  });

  it("says the same in English", async () => {
    expect(await totalRow("en", "Total")).toEqual(["Total", "37 SMS", "1:51:49", "4.20 GB", expect.stringContaining("393.50")]);
  });

  it("leaves a unit's cell empty when the period has none of it", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <UsageTotals
          view={{
            ...view,
            totals: [{ category: "internet", count: 3, durationSec: 7_200, volumeKb: 2_048, costKop: 0 }],
            total: { records: 3, callSec: 0, dataKb: 2_048, smsCount: 0, costKop: 0 },
          }}
        />
      </I18nProvider>
    ));
    const row = screen.getByRole("rowheader", { name: "Всего" }).closest("tr") as HTMLTableRowElement;
    expect([...row.cells].map((c) => c.textContent?.replace(/\s/g, " "))).toEqual(["Всего", "", "", "2,0 МБ", "0 ₽"]);
  });
});
