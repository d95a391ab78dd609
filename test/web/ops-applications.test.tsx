import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import OpsPage from "../../web/src/features/services/OpsPage";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

vi.mock("../../web/src/features/region/RegionContext", () => ({
  useRegion: () => ({
    context: { baseDomain: "kabinet.localhost" },
    region: { code: "mo", name: { ru: "Московская область", en: "Moscow Oblast" } },
  }),
}));

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
const label = (ru: string, en: string) => ({ ru, en });

/** A voluntary block and a technician's visit in the queue, as the operators' API answers them. */
const base = {
  region: "mo",
  service: null,
  status: "received",
  statusLabel: label("Принята", "Received"),
  serviceId: null,
  technician: null,
  preferredDay: null,
  preferredSlot: null,
  contactPhone: null,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:00:00.000Z",
  next: ["in_work"],
  history: null,
};
const block = {
  ...base,
  id: "a1",
  number: "2612-000001",
  kind: "voluntary_block",
  kindLabel: label("Добровольная блокировка", "Voluntary block"),
  service: label("Домашний интернет 100", "Home internet 100"),
  accountNo: "201000000012",
  address: "Химки, ул. Мира, д. 5, кв. 7",
  details: { fromDay: "2026-12-10", toDay: "2026-12-31", feeKop: 6300, savingKop: 45000, service: "Домашний интернет 100" },
};
const visit = {
  ...base,
  id: "a2",
  number: "2612-000002",
  kind: "technician",
  kindLabel: label("Вызов специалиста", "Technician call-out"),
  accountNo: "201000000012",
  address: "Химки, ул. Мира, д. 5, кв. 7",
  contactPhone: "+79001234567",
  preferredDay: "2026-12-05",
  preferredSlot: "09-13",
  details: { problem: "Нет интернета" },
};

beforeAll(async () => {
  await loadMoreStrings();
  await loadLang("en");
});
beforeEach(() => {
  sessionStorage.setItem("kabinet:ops-token", "secret");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.includes("/ops/v1/applications")) return json({ items: [block, visit] });
      if (url.includes("/api/v1/regions"))
        return json({ items: [{ code: "mo", name: label("Московская область", "Moscow Oblast"), tz: "Europe/Moscow" }] });
      return new Response("{}", { status: 404, headers: { "content-type": "application/problem+json" } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

function mount(lang: Lang = "ru") {
  render(() => (
    <I18nProvider initial={lang}>
      <OpsPage />
    </I18nProvider>
  ));
}
const itemText = async (number: string) => {
  const heading = await screen.findByText(new RegExp(number));
  return (heading.closest("li")?.textContent ?? "").replace(/\s/g, " ");
};

describe("the operators' applications console", () => {
  it("writes days, money, account numbers, phones and the region as people read them, not raw values", async () => {
    mount();
    const b = await itemText("2612-000001");
    expect(b).toContain("Период: с 10 декабря 2026 г. по 31 декабря 2026 г.");
    expect(b).toContain("Плата за сохранение линии: 63 ₽");
    expect(b).toContain("Лицевой счёт: 2010 0000 0012");
    expect(b).toContain("Московская область");
    const v = await itemText("2612-000002");
    expect(v).toContain("Удобный день визита: 5 декабря 2026 г., 09:00–13:00");
    expect(v).toContain("+7 900 123-45-67");
    expect(v).toContain("Что случилось: Нет интернета");
    for (const text of [b, v]) {
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}|6300|201000000012|\+79001234567|\bmo\b|09-13/);
    }
  });

  it("in English too", async () => {
    mount("en");
    const b = await itemText("2612-000001");
    expect(b).toMatch(/10 December 2026/);
    expect(b).toMatch(/31 December 2026/);
    expect(b).toMatch(/63(\.00)?/);
    expect(b).toContain("Moscow Oblast");
    expect(b).not.toMatch(/\d{4}-\d{2}-\d{2}|6300/);
  });
});
