import "fake-indexeddb/auto";
import { cleanup, screen } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { InboxProvider } from "../../web/src/features/notifications/InboxContext";
import InboxPage from "../../web/src/features/notifications/InboxPage";
import { mount, screenTestHooks, serve } from "./harness";

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };
const item = {
  id: "i1",
  kind: "payment_credited",
  accountNo: "201000000012",
  title: "Платёж зачислен",
  body: "500,00 ₽",
  url: "/accounts/201000000012/history",
  createdAt: "2026-11-20T10:00:00.000Z",
  read: false,
};

screenTestHooks();

const page = () => (
  <InboxProvider>
    <InboxPage />
  </InboxProvider>
);

describe("«Уведомления»: how long messages are kept", () => {
  it("says the server's period under the list, in Russian and in English", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/notifications": { items: [item], unread: 1, keptMonths: 12 } });
    mount("/notifications", "/notifications", page);
    expect(await screen.findByText("Уведомления хранятся 12 месяцев, более старые удаляются.")).toBeTruthy();
    expect(screen.getByText("Платёж зачислен")).toBeTruthy();
    cleanup();

    serve({ "/api/v1/me": { profile }, "/api/v1/notifications": { items: [item], unread: 1, keptMonths: 6 } });
    mount("/notifications", "/notifications", page, "en");
    expect(await screen.findByText("Notifications are kept for 6 months; older ones are deleted.")).toBeTruthy();
  });

  it("says it with an empty inbox too: everything older may have expired", async () => {
    serve({ "/api/v1/me": { profile }, "/api/v1/notifications": { items: [], unread: 0, keptMonths: 12 } });
    mount("/notifications", "/notifications", page);
    expect(await screen.findByText(/Уведомлений пока нет/)).toBeTruthy();
    expect(screen.getByText("Уведомления хранятся 12 месяцев, более старые удаляются.")).toBeTruthy();
  });
});
