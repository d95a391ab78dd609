import { cleanup, render, screen } from "@solidjs/testing-library";
import { createResource } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { Loadable } from "../../web/src/app/Loadable";
import { lazyScreen } from "../../web/src/app/lazyScreen";
import { I18nProvider } from "../../web/src/i18n";

afterEach(cleanup);

describe("offline states", () => {
  it("data that cannot be fetched for want of a network says it needs the network, not that loading failed", async () => {
    render(() => {
      const [res, { refetch }] = createResource(() => Promise.reject<string>(new TypeError("Failed to fetch")));
      return (
        <I18nProvider initial="ru">
          <Loadable resource={res} onRetry={refetch}>
            {(v) => <p>{v}</p>}
          </Loadable>
        </I18nProvider>
      );
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Нужна сеть: этих данных ещё нет на устройстве.");
    expect(alert.textContent).not.toContain("Не удалось загрузить данные.");
    expect(screen.getByRole("button", { name: "Повторить" })).toBeTruthy();
  });

  it("a screen whose files cannot be fetched says it opens when the network is back, and its retry opens it", async () => {
    let attempts = 0;
    const Screen = lazyScreen(async () => {
      attempts++;
      if (attempts === 1) throw new TypeError("Failed to fetch dynamically imported module: /assets/OfficesPage.js");
      return { default: () => <h1>Офисы продаж</h1> };
    });
    render(() => (
      <I18nProvider initial="ru">
        <Screen />
      </I18nProvider>
    ));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Нет сети: этот раздел откроется, когда появится интернет");
    expect(screen.queryByText("Загрузка…")).toBeNull();
    screen.getByRole("button", { name: "Повторить" }).click();
    expect(await screen.findByRole("heading", { name: "Офисы продаж" })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(attempts).toBe(2);
  });

  it("a screen that fails for another reason says so (not «нет сети»), with a retry", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (e: unknown) => errors.push(e);
    try {
      const Broken = lazyScreen(async () => ({
        default: () => {
          throw new RangeError("a bug");
        },
      }));
      render(() => (
        <I18nProvider initial="ru">
          <Broken />
        </I18nProvider>
      ));
      const alert = await screen.findByRole("alert");
      expect(alert.textContent).toContain("Не удалось загрузить данные.");
      expect(alert.textContent).not.toContain("Нет сети");
      expect(errors.some((e) => e instanceof RangeError)).toBe(true);
    } finally {
      console.error = original;
    }
  });
});
