import "fake-indexeddb/auto";
import { fireEvent, screen, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import NumbersPage from "../../web/src/features/business/NumbersPage";
import type { NumberDto } from "../../web/src/features/business/numbersApi";
import type { Lang } from "../../web/src/i18n";
import { mount, screenTestHooks, sent, serve } from "./harness";

const ORG = "org-demo-veter";

const mountNumbers = (lang: Lang = "ru") => mount(`/business/${ORG}/numbers`, "/business/:id/numbers", NumbersPage, lang);
/** Text with its no-break spaces (money, thousands) as plain ones. */
const words = (text: string | null | undefined) => (text ?? "").replace(/\s/g, " ");
const BASE = `/api/v1/business/organisations/${ORG}/numbers`;
const profile = { id: "demo-biz-manager", displayName: "Дмитрий Волков", phone: "+79000000012", email: null, login: "biz.manager" };
const mineAs = (role: string) => ({ items: [{ id: ORG, name: "ООО «Северный ветер»", kind: "legal", inn: "7704123450", role }] });

screenTestHooks();

const num = (over: Partial<NumberDto> & { msisdn: string }): NumberDto => ({
  accountNo: "201900000018",
  region: "msk",
  assignee: { kind: "employee", name: "Дмитрий Волков", subscriberId: "demo-biz-manager" },
  esiaConfirmed: true,
  limitKop: 250_000,
  blockAtLimit: true,
  month: "2026-12",
  spendKop: 213_000,
  usedPct: 85,
  status: "active",
  ...over,
});
const near = num({ msisdn: "+79160000103" });
const terminal = num({
  msisdn: "+79160000107",
  assignee: { kind: "device", name: "Терминал оплаты, склад №2", subscriberId: null },
  esiaConfirmed: false,
  limitKop: null,
  blockAtLimit: false,
  spendKop: 9_500,
  usedPct: null,
});
const list = (items: NumberDto[]) => ({
  items,
  total: items.length,
  unconfirmed: items.filter((n) => !n.esiaConfirmed).length,
  over80: items.filter((n) => (n.usedPct ?? 0) >= 80).length,
  blocked: 0,
});

describe("«Корпоративные номера»", () => {
  it("shows each number's assignee, ЕСИА status and spend with a bar that says the same in words; warns of unconfirmed ones with what to do", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/business/organisations": mineAs("viewer"), [BASE]: list([near, terminal]) });
    mountNumbers();
    const card = await screen.findByRole("article", { name: "+7 916 000-01-03" });
    expect(card.textContent).toContain("Дмитрий Волков");
    expect(card.textContent).toContain("ЕСИА: подтверждён");
    const bar = within(card).getByRole("meter");
    expect(bar.getAttribute("aria-valuenow") ?? (bar as HTMLMeterElement).value.toString()).toBe("213000");
    const label = document.getElementById(bar.getAttribute("aria-labelledby") ?? "");
    expect(words(label?.textContent)).toContain("Расход за месяц: 2 130 ₽ из 2 500 ₽ (85 %)");
    const device = screen.getByRole("article", { name: "+7 916 000-01-07" });
    expect(device.textContent).toContain("Устройство: Терминал оплаты, склад №2");
    expect(device.textContent).toContain("ЕСИА: не подтверждён");
    expect(device.textContent).toContain("лимит не задан");
    expect(within(device).queryByRole("meter")).toBeNull();
    const warning = screen.getByRole("note", { name: "Не подтверждены в ЕСИА: 1" });
    expect(warning.textContent).toContain("Госуслугах");
    // A viewer sees, and is offered nothing to change.
    expect(screen.queryByRole("button", { name: "Изменить" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Заблокировать/ })).toBeNull();
  });

  it("asks the server for the unconfirmed and the over-80 % ones when filtered", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      [BASE]: list([near, terminal]),
      [`${BASE}?esia=unconfirmed`]: list([terminal]),
      [`${BASE}?esia=unconfirmed&over=80`]: list([]),
    });
    mountNumbers();
    await screen.findByRole("article", { name: "+7 916 000-01-03" });
    fireEvent.click(screen.getByRole("checkbox", { name: "Только не подтверждённые в ЕСИА" }));
    await vi.waitFor(() => expect(screen.queryByRole("article", { name: "+7 916 000-01-03" })).toBeNull());
    expect(screen.getByRole("article", { name: "+7 916 000-01-07" })).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: "Только с расходом 80 % лимита и больше" }));
    expect(await screen.findByText("Нет номеров, подходящих под фильтры")).toBeTruthy();
  });

  it("blocks a lost SIM after a confirmation the keyboard lands on, and shows it blocked", async () => {
    let current = near;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      [BASE]: () => ({ body: list([current]) }),
      [`POST ${BASE}/%2B79160000103/block`]: () => {
        current = { ...near, status: "blocked" };
        return { body: current };
      },
    });
    mountNumbers();
    const card = await screen.findByRole("article", { name: "+7 916 000-01-03" });
    fireEvent.click(within(card).getByRole("button", { name: "Заблокировать (утеряна SIM)" }));
    const dialog = await within(card).findByRole("alertdialog");
    expect(dialog.textContent).toContain("Заблокировать номер +7 916 000-01-03?");
    const yes = within(dialog).getByRole("button", { name: "Да, заблокировать" });
    await vi.waitFor(() => expect(document.activeElement).toBe(yes));
    expect(sent.some((r) => r.method === "POST")).toBe(false);
    fireEvent.click(yes);
    expect(await within(card).findByText("Номер заблокирован")).toBeTruthy();
    expect(card.textContent).toContain("Заблокирован: утеряна SIM-карта");
    // Focus goes back to the button that opened the confirmation, now «Разблокировать».
    await vi.waitFor(() => expect(document.activeElement).toBe(within(card).getByRole("button", { name: "Разблокировать" })));
    expect(sent.filter((r) => r.method === "POST").map((r) => r.url)).toEqual([`${BASE}/%2B79160000103/block`]);
  });

  it("keeps a number blocked here when the list comes again from a snapshot made before, and says how old the list is", async () => {
    const asOf = new Date(Date.now() - 5 * 60_000).toISOString();
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      // An organisation on many shards: the list is a snapshot of five minutes ago, where the number is still active.
      [BASE]: () => ({ body: { ...list([near]), figuresAt: asOf } }),
      // The server's time of the block; the browser's clock is ten minutes behind it.
      [`POST ${BASE}/%2B79160000103/block`]: () => ({ body: { ...near, status: "blocked", changedAt: new Date().toISOString() } }),
    });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() - 10 * 60_000);
    mountNumbers();
    const card = await screen.findByRole("article", { name: "+7 916 000-01-03" });
    expect(words(screen.getByText(/Номера и расход — на/).textContent)).toContain("обновляется не чаще раза в 10 минут");
    fireEvent.click(within(card).getByRole("button", { name: "Заблокировать (утеряна SIM)" }));
    fireEvent.click(await within(card).findByRole("button", { name: "Да, заблокировать" }));
    expect(await within(card).findByText("Номер заблокирован")).toBeTruthy();
    // The list was asked again after the block and came with the number as it was: the card stays blocked.
    await vi.waitFor(() => expect(sent.filter((r) => r.method === "GET" && r.url === BASE).length).toBeGreaterThanOrEqual(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(card.textContent).toContain("Заблокирован: утеряна SIM-карта");
    expect(within(card).getByRole("button", { name: "Разблокировать" })).toBeTruthy();
    vi.restoreAllMocks();
  });

  it("sets a limit in roubles and the block at 100 %, refusing a negative limit before asking the server; the card keeps its message and focus when the list comes again", async () => {
    let current = terminal;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      [BASE]: () => ({ body: list([current]) }),
      [`PUT ${BASE}/%2B79160000107`]: (body: unknown) => {
        current = { ...terminal, limitKop: (body as { limitKop: number }).limitKop, blockAtLimit: true, usedPct: 6 };
        return { body: current };
      },
    });
    mountNumbers();
    const card = await screen.findByRole("article", { name: "+7 916 000-01-07" });
    fireEvent.click(within(card).getByRole("button", { name: "Изменить" }));
    const form = await within(card).findByRole("form", { name: "Номер +7 916 000-01-07" });
    const limit = within(form).getByLabelText("Лимит в месяц, ₽ (пусто — без лимита)");
    fireEvent.input(limit, { target: { value: "-50" } });
    fireEvent.click(within(form).getByRole("button", { name: "Сохранить" }));
    expect(await within(form).findByText("Введите лимит в рублях: число больше нуля")).toBeTruthy();
    expect(limit.getAttribute("aria-invalid")).toBe("true");
    expect(sent.some((r) => r.method === "PUT")).toBe(false);
    fireEvent.input(limit, { target: { value: "1 500,50" } });
    fireEvent.click(within(form).getByRole("checkbox", { name: "Блокировать номер при 100 % лимита" }));
    fireEvent.click(within(form).getByRole("button", { name: "Сохранить" }));
    expect(await within(card).findByText("Сохранено")).toBeTruthy();
    expect(sent.find((r) => r.method === "PUT")?.body).toEqual({
      assignee: { kind: "device", name: "Терминал оплаты, склад №2", subscriberId: null },
      limitKop: 150_050,
      blockAtLimit: true,
    });
    // The list is asked again (the counts), and the card that was saved is still the one on the screen.
    await vi.waitFor(() => expect(sent.filter((r) => r.method === "GET" && r.url === BASE)).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 50));
    const after = screen.getByRole("article", { name: "+7 916 000-01-07" });
    expect(within(after).getByRole("status").textContent).toBe("Сохранено");
    expect(document.activeElement).toBe(within(after).getByRole("button", { name: "Изменить" }));
    expect(words(after.textContent)).toContain("из 1 500,50 ₽");
  });

  it("shows the saved limit on the card at once, while the list is still being asked again", async () => {
    let current = terminal;
    let release: () => void = () => undefined;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      // The list asked again after the change answers only when released: a slow server.
      [BASE]: () =>
        sent.some((r) => r.method === "PUT")
          ? new Promise((resolve) => {
              release = () => resolve({ body: list([current]) });
            })
          : { body: list([current]) },
      [`PUT ${BASE}/%2B79160000107`]: (body: unknown) => {
        current = { ...terminal, limitKop: (body as { limitKop: number }).limitKop, blockAtLimit: true, usedPct: 6 };
        return { body: current };
      },
    });
    mountNumbers();
    const card = await screen.findByRole("article", { name: "+7 916 000-01-07" });
    fireEvent.click(within(card).getByRole("button", { name: "Изменить" }));
    const form = await within(card).findByRole("form", { name: "Номер +7 916 000-01-07" });
    fireEvent.input(within(form).getByLabelText("Лимит в месяц, ₽ (пусто — без лимита)"), { target: { value: "1500" } });
    fireEvent.click(within(form).getByRole("button", { name: "Сохранить" }));
    expect(await within(card).findByText("Сохранено")).toBeTruthy();
    await vi.waitFor(() => expect(sent.filter((r) => r.method === "GET" && r.url === BASE)).toHaveLength(2));
    expect(words(screen.getByRole("article", { name: "+7 916 000-01-07" }).textContent)).toContain("из 1 500 ₽");
    release();
    await vi.waitFor(() => expect(screen.getAllByRole("article")).toHaveLength(1));
    expect(words(screen.getByRole("article", { name: "+7 916 000-01-07" }).textContent)).toContain("из 1 500 ₽");
  });

  it("says what went wrong and offers to try again when the list cannot be loaded, in English too", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/business/organisations": mineAs("manager"),
      [BASE]: { status: 503, body: { type: "urn:kabinet:problem:unavailable", title: "Service unavailable", status: 503 } },
    });
    mountNumbers("en");
    expect(await screen.findByRole("heading", { name: "Corporate numbers" })).toBeTruthy();
    expect(await screen.findByRole("alert")).toBeTruthy();
    serve({ "/api/v1/me": { profile }, "/api/v1/business/organisations": mineAs("manager"), [BASE]: list([near]) });
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    const card = await screen.findByRole("article", { name: "+7 916 000-01-03" });
    expect(words(card.textContent)).toContain("Spent this month: 2,130 ₽ of 2,500 ₽ (85 %)");
    expect(within(card).getByRole("button", { name: "Block (SIM lost)" })).toBeTruthy();
  });
});
