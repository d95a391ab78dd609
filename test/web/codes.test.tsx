import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CodeField } from "../../web/src/features/auth/fields";
import { ProblemAlert } from "../../web/src/features/auth/ProblemAlert";
import { I18nProvider } from "../../web/src/i18n";
import { ApiError, type Problem } from "../../web/src/lib/api";
import { tooSoonFor } from "../../web/src/lib/codes";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const wrongCode: Problem = {
  type: "urn:kabinet:problem:invalid-code",
  title: "Неверный или устаревший код",
  status: 400,
  detail: "Проверьте код из сообщения или запросите новый.",
  errors: [{ field: "code", message: "Неверный или устаревший код" }],
};

function resendButton(): HTMLButtonElement {
  return screen.getByRole("button", { name: /Отправить код ещё раз/ }) as HTMLButtonElement;
}

describe("a code that has been sent", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    vi.setSystemTime(new Date("2026-12-02T10:00:00Z"));
  });

  it("can be sent again once the server would take another, and the wait counts down with the clock", async () => {
    const resend = vi.fn().mockResolvedValue({});
    render(() => (
      <I18nProvider initial="ru">
        <CodeField problem={null} notice="Код отправлен" resend={resend} />
      </I18nProvider>
    ));
    expect(resendButton().disabled).toBe(true);
    expect(resendButton().textContent).toBe("Отправить код ещё раз через 1:00");
    vi.advanceTimersByTime(18_000);
    expect(resendButton().textContent).toBe("Отправить код ещё раз через 0:42");
    // A tab in the background gets few timer ticks: the time left still comes from the clock.
    vi.setSystemTime(new Date("2026-12-02T10:01:05Z"));
    vi.advanceTimersByTime(1000);
    expect(resendButton().disabled).toBe(false);
    expect(resendButton().textContent).toBe("Отправить код ещё раз");
    fireEvent.click(resendButton());
    expect(await screen.findByText("Новый код отправлен. Прежний больше не действует.")).toBeTruthy();
    expect(resend).toHaveBeenCalledTimes(1);
    expect(resendButton().disabled).toBe(true);
    expect(resendButton().textContent).toBe("Отправить код ещё раз через 1:00");
  });

  it("waits as long as the server says when it refuses, and says why", async () => {
    const refused = new ApiError({ type: "urn:kabinet:problem:code-too-soon", title: "Код уже отправлен", status: 429, retryAfter: 42 });
    const resend = vi.fn().mockRejectedValue(refused);
    render(() => (
      <I18nProvider initial="ru">
        <CodeField problem={null} notice="Код отправлен" resend={resend} waitSeconds={0} />
      </I18nProvider>
    ));
    expect(resendButton().disabled).toBe(false);
    fireEvent.click(resendButton());
    expect(await screen.findByText("Код уже отправлен")).toBeTruthy();
    expect(resendButton().textContent).toBe("Отправить код ещё раз через 0:42");
    expect(tooSoonFor(refused)).toBe(42);
    expect(tooSoonFor(new ApiError(wrongCode))).toBeNull();
  });

  it("has no resend button where the form gives no way to send one", () => {
    render(() => (
      <I18nProvider initial="ru">
        <CodeField problem={null} notice="Код отправлен" />
      </I18nProvider>
    ));
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("a wrong code", () => {
  it("is said once, under the field, with the advice above it", () => {
    render(() => (
      <I18nProvider initial="ru">
        <form>
          <ProblemAlert problem={wrongCode} />
          <CodeField problem={wrongCode} notice="Код отправлен" />
        </form>
      </I18nProvider>
    ));
    expect(document.body.textContent?.split("Неверный или устаревший код").length).toBe(2);
    expect(screen.getByRole("alert").textContent).toBe("Проверьте код из сообщения или запросите новый.");
    expect((screen.getByLabelText("Код из сообщения") as HTMLInputElement).getAttribute("aria-invalid")).toBe("true");
  });

  it("a problem without field errors keeps its title", () => {
    render(() => (
      <I18nProvider initial="ru">
        <ProblemAlert problem={{ type: "x", title: "Сервис недоступен", status: 503 }} />
      </I18nProvider>
    ));
    expect(screen.getByRole("alert").textContent).toBe("Сервис недоступен");
  });
});
