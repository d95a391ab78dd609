import { describe, expect, it } from "vitest";
import { matchesRegion } from "../../web/src/features/region/RegionList";
import { format, initialLang, loadLang, loadMoreStrings, type MessageKey, translate } from "../../web/src/i18n";
import { en } from "../../web/src/i18n/en";
import { ru } from "../../web/src/i18n/ru";
import { ruMore } from "../../web/src/i18n/ru.more";

describe("dictionaries", () => {
  const allRu = { ...ruMore, ...ru } as Record<MessageKey, string>;
  it("have the same keys and no empty text", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(allRu).sort());
    expect(Object.keys(ru).filter((k) => k in ruMore)).toEqual([]);
    for (const [k, v] of [...Object.entries(allRu), ...Object.entries(en)]) expect(v.trim(), k).not.toBe("");
  });
  it("keep placeholders the same in both languages", () => {
    // `{n}` and `{n, plural, …}` both name the parameter n
    const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)(?:\}|,\s*plural,)/g)].map((m) => m[1]))].sort();
    for (const key of Object.keys(allRu) as MessageKey[]) expect(names(en[key]), key).toEqual(names(allRu[key]));
  });
  it("load the lazy screens' Russian strings with them", async () => {
    expect(translate("ru", "usage.title")).toBe("usage.title");
    await loadMoreStrings();
    expect(translate("ru", "usage.title")).toBe(ruMore["usage.title"]);
    expect(translate("ru", "nav.home")).toBe(ru["nav.home"]);
  });
  it("translate with parameters, English once it is loaded", async () => {
    expect(translate("ru", "tariffs.title", { region: "Москва" })).toBe("Тарифы — Москва");
    await loadLang("en");
    expect(translate("en", "tariffs.title", { region: "Moscow" })).toBe("Tariffs — Moscow");
    expect(format("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
  it("start in Russian unless the lang cookie says English", () => {
    expect(initialLang("")).toBe("ru");
    expect(initialLang("region=msk; lang=en")).toBe("en");
    expect(initialLang("lang=de")).toBe("ru");
  });
});

describe("region search", () => {
  const r = {
    code: "kzn",
    name: { ru: "Республика Татарстан", en: "Republic of Tatarstan" },
    branch: { code: "volga", name: { ru: "Волга", en: "Volga" } },
    tz: "Europe/Moscow",
    url: "http://kzn.kabinet.localhost/",
    places: [],
  };
  it("matches either language, any case, ё as е, and the code", () => {
    expect(matchesRegion(r, "ТАТАР")).toBe(true);
    expect(matchesRegion(r, "tatar")).toBe(true);
    expect(matchesRegion(r, "kzn")).toBe(true);
    expect(matchesRegion(r, "")).toBe(true);
    expect(matchesRegion(r, "Москва")).toBe(false);
    expect(matchesRegion({ ...r, name: { ru: "Орёл", en: "Oryol" } }, "орел")).toBe(true);
  });
});
