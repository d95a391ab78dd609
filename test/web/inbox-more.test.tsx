import "fake-indexeddb/auto";
import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { InboxProvider, withOlder } from "../../web/src/features/notifications/InboxContext";
import InboxPage from "../../web/src/features/notifications/InboxPage";
import { mount, screenTestHooks, sent, serve } from "./harness";

const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };
const item = (n: number) => ({
  id: `i${n}`,
  kind: "payment_credited" as const,
  accountNo: "201000000012",
  title: `Платёж ${n} зачислен`,
  body: "500,00 ₽",
  url: "/accounts/201000000012/history",
  createdAt: new Date(Date.UTC(2026, 10, 20) - n * 3_600_000).toISOString(),
  read: true,
});
const page = (from: number, count: number, nextBefore: string | null) => ({
  items: Array.from({ length: count }, (_, i) => item(from + i)),
  nextBefore,
  unread: 0,
  keptMonths: 12,
});

screenTestHooks();

const inboxPage = () => (
  <InboxProvider>
    <InboxPage />
  </InboxProvider>
);
const titles = () => screen.getAllByRole("listitem").map((li) => li.querySelector(".inbox__title")?.textContent);

describe("«Уведомления»: «Показать ещё»", () => {
  it("loads the next page under the list, moves the keyboard to its first message, and disappears at the end", async () => {
    let release: () => void = () => {};
    serve({
      "/api/v1/me": { profile },
      "/api/v1/notifications": page(1, 50, "c50"),
      "/api/v1/notifications?before=c50": () => new Promise((r) => (release = () => r({ body: page(51, 50, "c100") }))),
      "/api/v1/notifications?before=c100": page(101, 20, null),
    });
    mount("/notifications", "/notifications", inboxPage);
    const more = await screen.findByRole("button", { name: "Показать ещё" });
    expect(titles()).toHaveLength(50);

    more.focus();
    fireEvent.click(more);
    // While it loads: said on the button, which takes no second click.
    const busy = await screen.findByRole("button", { name: "Загружаем ещё…" });
    expect(busy.getAttribute("aria-busy")).toBe("true");
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    release();
    await waitFor(() => expect(titles()).toHaveLength(100));
    await waitFor(() => expect(document.activeElement?.textContent).toContain("Платёж 51 зачислен"));

    fireEvent.click(screen.getByRole("button", { name: "Показать ещё" }));
    await waitFor(() => expect(titles()).toHaveLength(120));
    expect(titles()[119]).toBe("Платёж 120 зачислен");
    expect(new Set(titles()).size).toBe(120);
    expect(screen.queryByRole("button", { name: "Показать ещё" })).toBeNull();
    expect(sent.filter((s) => s.url.startsWith("/api/v1/notifications")).map((s) => s.url)).toEqual([
      "/api/v1/notifications",
      "/api/v1/notifications?before=c50",
      "/api/v1/notifications?before=c100",
    ]);
  });

  it("says when the next page failed and tries again on «Повторить», in English too", async () => {
    let fail = true;
    serve({
      "/api/v1/me": { profile },
      "/api/v1/notifications": page(1, 50, "c50"),
      "/api/v1/notifications?before=c50": () =>
        fail
          ? { status: 503, body: { type: "urn:kabinet:problem:unavailable", title: "Service unavailable", status: 503 } }
          : { body: page(51, 3, null) },
    });
    mount("/notifications", "/notifications", inboxPage, "en");
    fireEvent.click(await screen.findByRole("button", { name: "Show more" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Service unavailable");
    expect(titles()).toHaveLength(50);
    fail = false;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(titles()).toHaveLength(53));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();
  });
});

describe("the inbox refreshed after older pages were shown", () => {
  const ids = (box: { items: { id: string }[] }) => box.items.map((i) => i.id);

  it("keeps the older pages under the new first page when the two meet, and their cursor", () => {
    const shown = { ...page(1, 100, "c100") };
    // One new message: the first page now ends a message higher.
    const fresh = { ...page(1, 49, "c49"), items: [{ ...item(0), id: "new" }, ...page(1, 49, null).items] };
    const merged = withOlder(fresh, shown);
    expect(ids(merged)).toEqual(["new", ...ids(shown)]);
    expect(merged.nextBefore).toBe("c100");
  });

  it("starts again from the new first page when more than a page arrived, or when it is the whole inbox", () => {
    const shown = page(1, 100, "c100");
    const flood = { ...page(1000, 50, "c1049") };
    expect(withOlder(flood, shown)).toBe(flood);
    const whole = page(1, 30, null);
    expect(withOlder(whole, shown)).toBe(whole);
  });
});
