import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LinkAccountForm } from "../../web/src/features/accounts/AccountsPage";
import { accountsApi } from "../../web/src/features/accounts/accountsApi";
import { I18nProvider, loadMoreStrings } from "../../web/src/i18n";

beforeAll(() => loadMoreStrings());
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const checked = (name: string) => (screen.getByRole("radio", { name }) as HTMLInputElement).checked;

describe("linking a relative's account", { timeout: 20_000 }, () => {
  it("says the account is linked and starts over with the default choices", async () => {
    const start = vi.spyOn(accountsApi, "startAccountLink").mockResolvedValue(undefined as never);
    const confirm = vi.spyOn(accountsApi, "confirmAccountLink").mockResolvedValue(undefined);
    const onLinked = vi.fn();
    render(() => (
      <I18nProvider initial="ru">
        <LinkAccountForm onLinked={onLinked} />
      </I18nProvider>
    ));
    fireEvent.input(screen.getByLabelText("Номер лицевого счёта (12 цифр)"), { target: { value: "400000000002" } });
    fireEvent.click(screen.getByRole("radio", { name: "Письмо на почту" }));
    expect(checked("Письмо на почту")).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Получить код" }));
    await waitFor(() => expect(start).toHaveBeenCalledWith("400000000002", "email"));

    fireEvent.input(await screen.findByLabelText("Код из сообщения"), { target: { value: "123456" } });
    fireEvent.click(screen.getByRole("radio", { name: "Счёт родственника: только просмотр" }));
    fireEvent.click(screen.getByRole("button", { name: "Подтвердить" }));
    await waitFor(() => expect(confirm).toHaveBeenCalledWith("400000000002", "123456", "viewer"));
    await waitFor(() => expect(onLinked).toHaveBeenCalledTimes(1));

    // The subscriber is told it worked…
    expect((await screen.findByRole("status")).textContent).toBe("Счёт 4000 0000 0002 привязан и появился в списке.");
    // …and can link another one: an empty number and the channel chosen as at first.
    expect((screen.getByLabelText("Номер лицевого счёта (12 цифр)") as HTMLInputElement).value).toBe("");
    expect(checked("SMS на телефон")).toBe(true);
    expect(checked("Письмо на почту")).toBe(false);
    expect(screen.getByRole("button", { name: "Получить код" })).toBeTruthy();

    // The next linking starts with the default role again, and the old message goes.
    fireEvent.input(screen.getByLabelText("Номер лицевого счёта (12 цифр)"), { target: { value: "400000000003" } });
    fireEvent.click(screen.getByRole("button", { name: "Получить код" }));
    await screen.findByLabelText("Код из сообщения");
    expect(start).toHaveBeenLastCalledWith("400000000003", "sms");
    expect(checked("Счёт родственника: можно оплачивать")).toBe(true);
    expect(screen.queryByText(/привязан и появился в списке/)).toBeNull();
  });
});
