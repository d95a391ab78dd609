import { Router } from "@solidjs/router";
import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatDto } from "../../web/src/features/support/supportApi";
import { I18nProvider } from "../../web/src/i18n";

// A visitor (nobody logged in); nothing kept on the device; no help articles; sockets that never open (the chat polls).
vi.mock("../../web/src/features/auth/SessionContext", () => ({
  useSession: () => ({ profile: Object.assign(() => null, { state: "ready", latest: null, loading: false }) }),
}));
vi.mock("../../web/src/lib/offline", () => ({
  isNetworkError: (e: unknown) => e instanceof TypeError,
  loadSnapshot: async () => undefined,
  saveSnapshot: async () => {},
  fetchWithSnapshot: async <T,>(_: string, f: () => Promise<T>) => ({ data: await f(), stale: false, savedAt: "" }),
}));
vi.mock("../../web/src/features/help/HelpLinks", () => ({ default: () => null }));

const closedChat: ChatDto = {
  id: "msk_01jd0000000000000000000000",
  region: "msk",
  status: "closed",
  topic: "internet",
  accountNo: null,
  operatorName: "Мария Орлова",
  lastSeq: 2,
  customerReadSeq: 2,
  operatorReadSeq: 2,
  createdAt: "2026-12-02T10:00:00.000Z",
  updatedAt: "2026-12-02T10:10:00.000Z",
  closedAt: "2026-12-02T10:10:00.000Z",
  queue: "private",
  orgId: null,
};

function answer(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

beforeEach(() => {
  vi.stubGlobal(
    "WebSocket",
    class {
      static OPEN = 1;
      readyState = 0;
      close() {}
      send() {}
    },
  );
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.includes("/api/v1/support/chats/")) return answer({ chat: closedChat, messages: [] });
      if (url.includes("/api/v1/support/chats")) return answer({ items: [closedChat] });
      return new Response(null, { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("support page after a chat has ended", () => {
  it("asks for one rating only: the chat's, not a second feedback form beside it", async () => {
    const { default: SupportPage } = await import("../../web/src/features/support/SupportPage");
    render(() => (
      <I18nProvider initial="ru">
        <Router>{[{ path: "*", component: SupportPage }]}</Router>
      </I18nProvider>
    ));
    await screen.findByRole("form", { name: "Оцените, как вам помогли" });
    expect(screen.getAllByRole("radio", { name: "5 — отлично" })).toHaveLength(1);
    expect(screen.queryByRole("form", { name: "Оставить отзыв" })).toBeNull();
  });
});
