import "fake-indexeddb/auto";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import NotificationSettingsPage from "../../web/src/features/notifications/NotificationSettingsPage";
import type { NotificationPrefsDto } from "../../web/src/features/notifications/notificationsApi";
import { mount, screenTestHooks, sent, serve } from "./harness";

screenTestHooks();

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };
const prefs: NotificationPrefsDto = {
  accountNo: "*",
  kinds: [
    {
      kind: "low_balance",
      label: "Баланс на исходе",
      channels: ["inapp"],
      isDefault: true,
      required: null,
      marketing: false,
      urgent: false,
    },
    {
      kind: "payment_credited",
      label: "Платёж зачислен",
      channels: ["push", "inapp"],
      isDefault: true,
      required: null,
      marketing: false,
      urgent: false,
    },
  ],
  quiet: { from: "22:00", to: "08:00" },
  marketing: false,
  pushDevices: 0,
};

describe("notification delivery settings", () => {
  it("keeps quiet hours typed and not saved yet when a channel is ticked, and saves both", async () => {
    serve({
      "/api/v1/me": { profile },
      "/api/v1/accounts": { items: [] },
      "/api/v1/notifications/preferences": prefs,
      "PUT /api/v1/notifications/preferences": { status: 204, body: null },
    });
    mount("/settings/notifications", "/settings/notifications", NotificationSettingsPage);
    const from = (await screen.findByLabelText("С")) as HTMLInputElement;
    const to = screen.getByLabelText("До") as HTMLInputElement;
    fireEvent.input(from, { target: { value: "23:30" } });
    fireEvent.input(to, { target: { value: "07:15" } });
    const lowBalance = screen.getByRole("group", { name: "Баланс на исходе" });
    fireEvent.click(within(lowBalance).getByLabelText("SMS"));
    // A tick drew the whole form again from the preferences, which put back the quiet hours last saved.
    expect((screen.getByLabelText("С") as HTMLInputElement).value).toBe("23:30");
    expect((screen.getByLabelText("До") as HTMLInputElement).value).toBe("07:15");
    expect((within(lowBalance).getByLabelText("SMS") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Сохранить" }));
    expect((await screen.findByText("Настройки сохранены")).getAttribute("role")).toBe("status");
    expect(sent.find((r) => r.method === "PUT")?.body).toEqual({
      accountNo: "*",
      kinds: [
        { kind: "low_balance", channels: ["sms", "inapp"] },
        { kind: "payment_credited", channels: ["push", "inapp"] },
      ],
      quiet: { from: "23:30", to: "07:15" },
      marketing: false,
    });
  });

  it("keeps the quiet hours and the consent, the subscriber's and not an account's, as typed when another account is chosen or the form comes again", async () => {
    const account = "201000000012";
    const ownPrefs: NotificationPrefsDto = { ...prefs, accountNo: account };
    serve({
      "/api/v1/me": { profile },
      "/api/v1/accounts": { items: [{ accountNo: account }], totalKop: 0, viewOnlyKop: 0 },
      "/api/v1/notifications/preferences?accountNo=*": prefs,
      [`/api/v1/notifications/preferences?accountNo=${account}`]: ownPrefs,
      "PUT /api/v1/notifications/preferences": { status: 204, body: null },
    });
    mount("/settings/notifications", "/settings/notifications", NotificationSettingsPage);
    fireEvent.input(await screen.findByLabelText("С"), { target: { value: "23:30" } });
    fireEvent.input(screen.getByLabelText("До"), { target: { value: "07:15" } });
    fireEvent.click(screen.getByLabelText("Получать акции и предложения (согласие на рекламные сообщения)"));
    const select = screen.getByLabelText("Настройки для") as HTMLSelectElement;
    await screen.findByRole("option", { name: "2010 0000 0012" });
    fireEvent.change(select, { target: { value: account } });
    // The account's channels came and drew the form again: the quiet hours and the consent typed are not an account's.
    await screen.findByText("Этот счёт следует настройкам для всех счетов.");
    expect((screen.getByLabelText("С") as HTMLInputElement).value).toBe("23:30");
    expect((screen.getByLabelText("До") as HTMLInputElement).value).toBe("07:15");
    expect((screen.getByLabelText(/Получать акции/) as HTMLInputElement).checked).toBe(true);
    // The account follows all accounts again: its channels come again, and the hours typed stay.
    fireEvent.click(screen.getByRole("button", { name: "Как для всех счетов" }));
    await screen.findByText("Счёт снова следует общим настройкам");
    expect(sent.filter((r) => r.url === `/api/v1/notifications/preferences?accountNo=${account}`)).toHaveLength(2);
    expect((screen.getByLabelText("С") as HTMLInputElement).value).toBe("23:30");
    expect((screen.getByLabelText("До") as HTMLInputElement).value).toBe("07:15");
    fireEvent.click(screen.getByLabelText("Не присылать SMS и push ночью"));
    fireEvent.change(select, { target: { value: "*" } });
    await screen.findByRole("button", { name: "Сохранить" });
    await waitFor(() => expect(screen.queryByText("Этот счёт следует настройкам для всех счетов.")).toBeNull());
    expect((screen.getByLabelText("Не присылать SMS и push ночью") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText("С") as HTMLInputElement).value).toBe("23:30");
    fireEvent.click(screen.getByRole("button", { name: "Сохранить" }));
    expect(await screen.findByText("Настройки сохранены")).toBeTruthy();
    expect(sent.filter((r) => r.method === "PUT").at(-1)?.body).toEqual({
      accountNo: "*",
      kinds: [
        { kind: "low_balance", channels: ["inapp"] },
        { kind: "payment_credited", channels: ["push", "inapp"] },
      ],
      quiet: null,
      marketing: true,
    });
  });
});
