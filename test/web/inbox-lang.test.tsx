import { cleanup, render, screen } from "@solidjs/testing-library";
import { For } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InboxProvider, useInbox } from "../../web/src/features/notifications/InboxContext";
import { I18nProvider, useI18n } from "../../web/src/i18n";
import { setApiLang } from "../../web/src/lib/api";

vi.mock("../../web/src/features/auth/SessionContext", () => ({
  useSession: () => ({ profile: Object.assign(() => ({ id: "demo-anna" }), { state: "ready", latest: { id: "demo-anna" } }) }),
}));
vi.mock("../../web/src/lib/offline", () => ({
  isNetworkError: (e: unknown) => e instanceof TypeError,
  loadSnapshot: async () => undefined,
  saveSnapshot: async () => {},
}));
vi.mock("../../web/src/lib/outbox", () => ({ enqueue: async () => {}, flush: async () => 0 }));

// The server writes the inbox in the language the request asks for.
const titles = { ru: "Ответ в чате поддержки", en: "Support replied in the chat" };
beforeEach(() => {
  setApiLang("ru");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_: RequestInfo | URL, init?: RequestInit) => {
      const lang = ((init?.headers ?? {}) as Record<string, string>)["accept-language"] === "en" ? "en" : "ru";
      const item = { id: "i1", kind: "support_reply", accountNo: null, title: titles[lang], body: "", url: "/support", read: false };
      return new Response(JSON.stringify({ items: [item], unread: 1 }), { headers: { "content-type": "application/json" } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function Titles() {
  const { inbox } = useInbox();
  const { setLang } = useI18n();
  return (
    <>
      {/* What the header's language switch does. */}
      <button
        type="button"
        onClick={() => {
          setLang("en");
          setApiLang("en");
        }}
      >
        English
      </button>
      <ul>
        <For each={inbox()?.items ?? []}>{(i) => <li>{i.title}</li>}</For>
      </ul>
    </>
  );
}

describe("inbox", () => {
  it("is shown again in English when the reader switches to English", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <InboxProvider>
          <Titles />
        </InboxProvider>
      </I18nProvider>
    ));
    expect(await screen.findByText("Ответ в чате поддержки")).toBeTruthy();
    screen.getByRole("button", { name: "English" }).click();
    expect(await screen.findByText("Support replied in the chat", {}, { timeout: 3000 })).toBeTruthy();
  });
});
