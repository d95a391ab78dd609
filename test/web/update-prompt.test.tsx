import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal, Show } from "solid-js";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import UpdatePrompt from "../../web/src/app/UpdatePrompt";
import { I18nProvider, type Lang, loadLang } from "../../web/src/i18n";
import styles from "../../web/src/styles.css?raw";

/** The service worker's registration as vite-plugin-pwa hands it over: here a new version is waiting. */
const sw = vi.hoisted(() => ({ update: vi.fn() }));
vi.mock("virtual:pwa-register/solid", async () => {
  const { createSignal } = await import("solid-js");
  return {
    useRegisterSW: () => ({
      needRefresh: createSignal(true),
      offlineReady: createSignal(false),
      updateServiceWorker: sw.update,
    }),
  };
});

/** A phone-sized page: a field and a button near the bottom, the app's own stylesheet applied. */
function mount(lang: Lang = "ru") {
  const style = document.createElement("style");
  style.textContent = styles;
  document.head.append(style);
  const [top, setTop] = createSignal<HTMLElement>();
  render(() => (
    <I18nProvider initial={lang}>
      <div ref={setTop} class="update-slot" />
      <main id="main" class="page" tabindex="-1">
        <label>
          Сумма <input name="amount" />
        </label>
        <button type="button">Оплатить</button>
      </main>
      <Show when={top()}>{(el) => <UpdatePrompt top={el()} />}</Show>
    </I18nProvider>
  ));
  return style;
}

beforeAll(async () => {
  await loadLang("en");
});
afterEach(() => {
  cleanup();
  for (const s of document.head.querySelectorAll("style")) s.remove();
  sw.update.mockReset();
});

describe("the update-available prompt", () => {
  it("sits in the page's flow, above the page, where it covers no field or button", () => {
    mount();
    const text = screen.getByText("Доступна новая версия кабинета.");
    for (let el: Element | null = text; el; el = el.parentElement)
      expect(["fixed", "absolute", "sticky"], el.className).not.toContain(getComputedStyle(el).position);
    const main = document.getElementById("main") as HTMLElement;
    expect(text.compareDocumentPosition(main) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("is announced, and «Обновить» applies the new version", () => {
    mount();
    const status = screen.getAllByRole("status").find((s) => s.textContent?.includes("Доступна новая версия кабинета."));
    expect(status).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Обновить" }));
    expect(sw.update).toHaveBeenCalledWith(true);
  });

  it("«Позже» hides it and puts the keyboard focus on the page, not nowhere", () => {
    mount();
    const later = screen.getByRole("button", { name: "Позже" });
    later.focus();
    fireEvent.click(later);
    expect(screen.queryByText("Доступна новая версия кабинета.")).toBeNull();
    expect(document.activeElement?.id).toBe("main");
    expect(sw.update).not.toHaveBeenCalled();
  });

  it("speaks English too", () => {
    mount("en");
    expect(screen.getByText("A new version of the cabinet is available.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Update" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Later" })).toBeTruthy();
  });
});
