import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RegionList, regionMatch } from "../../web/src/features/region/RegionList";
import { type RegionSummaryDto, regionApi } from "../../web/src/features/region/regionApi";
import { I18nProvider, loadLang } from "../../web/src/i18n";
import { BRANCHES, REGION_PLACES, REGIONS } from "../../worker/data/regions.data";

/** The regions as `/api/v1/regions` lists them, from the same data file. */
const catalogue: RegionSummaryDto[] = REGIONS.map((r) => {
  const b = BRANCHES.find((x) => x.code === r.branch);
  return {
    code: r.code,
    name: { ru: r.nameRu, en: r.nameEn },
    branch: { code: r.branch, name: { ru: b?.nameRu ?? "", en: b?.nameEn ?? "" } },
    tz: r.tz,
    url: `http://${r.code}.kabinet.localhost/`,
    places: (REGION_PLACES[r.code] ?? []).map(([ru, en]) => ({ ru, en })),
  };
});

/** Codes of the regions a query finds. */
const found = (q: string) => catalogue.filter((r) => regionMatch(r, q)).map((r) => r.code);

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe("region search over the catalogue", () => {
  it("finds a subject by its capital and major cities, in either language", () => {
    expect(found("Казань")).toEqual(["kzn"]);
    expect(found("Екатеринбург")).toEqual(["ekb"]);
    expect(found("Владивосток")).toEqual(["vl"]);
    expect(found("Набережные Челны")).toEqual(["kzn"]);
    expect(found("Тольятти")).toEqual(["samara"]);
    expect(found("Сочи")).toEqual(["krasnodar"]);
    expect(found("Kazan")).toEqual(["kzn"]);
    expect(found("yekaterinburg")).toEqual(["ekb"]);
  });

  it("knows the common names", () => {
    expect(found("Питер")).toEqual(["spb"]);
    expect(found("СПб")).toEqual(["spb"]);
    expect(found("спб")).toEqual(["spb"]);
    expect(found("Подмосковье")).toEqual(["mo"]);
    expect(found("Москва")).toContain("msk");
    expect(found("Кузбасс")).toEqual(["kemerovo"]);
    expect(found("Югра")).toEqual(["hmao"]);
  });

  it("matches word prefixes, any case, ё as е", () => {
    expect(found("каз")).toContain("kzn");
    expect(found("ЕКАТЕР")).toEqual(["ekb"]);
    expect(found("петербург")).toContain("spb");
    expect(found("Орёл")).toEqual(["orel"]);
    expect(found("орел")).toEqual(["orel"]);
    expect(found("Королев")).toEqual(["mo"]);
    // a prefix, not any substring: «тан» is inside «Татарстан» but starts no word
    expect(found("тан")).toEqual([]);
  });

  it("names a capital for every subject", () => {
    const without = REGIONS.filter((r) => (REGION_PLACES[r.code] ?? []).length === 0).map((r) => r.code);
    expect(without).toEqual([]);
    expect(Object.keys(REGION_PLACES).filter((code) => !REGIONS.some((r) => r.code === code))).toEqual([]);
  });
});

describe("RegionList", { timeout: 20_000 }, () => {
  it("shows «Казань → Республика Татарстан» for «Казань», not «Ничего не найдено»", async () => {
    vi.spyOn(regionApi, "regions").mockResolvedValue(catalogue);
    render(() => (
      <I18nProvider initial="ru">
        <RegionList baseDomain="kabinet.localhost" path="/" />
      </I18nProvider>
    ));
    const input = await screen.findByRole("searchbox", { name: "Найти регион" });
    await screen.findByText("Республика Татарстан"); // the whole list (a text query: role queries over 89 links are slow in jsdom)
    fireEvent.input(input, { target: { value: "Казань" } });
    const links = screen.getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Казань → Республика Татарстан"]);
    expect(links[0]?.getAttribute("href")).toBe("http://kzn.kabinet.localhost/");
    expect(screen.queryByText("Ничего не найдено")).toBeNull();
    fireEvent.input(input, { target: { value: "Питер" } });
    expect(screen.getAllByRole("link").map((a) => a.textContent)).toEqual(["Питер → Санкт-Петербург"]);
    fireEvent.input(input, { target: { value: "Атлантида" } });
    expect(screen.queryAllByRole("link")).toEqual([]);
    expect(screen.getByRole("status").textContent).toBe("Ничего не найдено");
  });

  it("shows the place and the region in English too", async () => {
    await loadLang("en");
    vi.spyOn(regionApi, "regions").mockResolvedValue(catalogue);
    render(() => (
      <I18nProvider initial="en">
        <RegionList baseDomain="kabinet.localhost" path="/tariffs" />
      </I18nProvider>
    ));
    const input = await screen.findByRole("searchbox", { name: "Find a region" });
    await screen.findByText("Republic of Tatarstan");
    fireEvent.input(input, { target: { value: "yekat" } });
    const links = screen.getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Yekaterinburg → Sverdlovsk Oblast"]);
    expect(links[0]?.getAttribute("href")).toBe("http://ekb.kabinet.localhost/tariffs");
  });
});
