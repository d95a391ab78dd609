import "fake-indexeddb/auto";
import { fireEvent, screen, within } from "@solidjs/testing-library";
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
});
