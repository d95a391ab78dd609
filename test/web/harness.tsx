/**
 * The web tests' server and screen: `serve` answers the app's fetches from a table (and records what was sent),
 * `mount` renders one routed screen with the providers the app wraps it in.
 */
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { cleanup, render } from "@solidjs/testing-library";
import type { Component } from "solid-js";
import { afterEach, beforeAll, vi } from "vitest";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import { I18nProvider, type Lang, loadLang, loadMoreStrings } from "../../web/src/i18n";

export type Answer = { status?: number; body: unknown };
export type Answers = Record<string, unknown | Answer | ((body: unknown) => Answer | Promise<Answer>)>;

/** What the app sent since the last `serve`: method, path with query, JSON body and headers. */
export const sent: { method: string; url: string; body: unknown; headers: Record<string, string> }[] = [];

/**
 * The server: "METHOD /path?query", "/path?query" for a GET, then the same without the query → an answer (a body,
 * `{ status, body }`, or a function of the request's body, sync or async); anything else is a 404 problem.
 */
export function serve(routes: Answers) {
  sent.length = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), "http://msk.kabinet.localhost");
      const method = init.method ?? "GET";
      const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
      sent.push({ method, url: url.pathname + url.search, body, headers: (init.headers ?? {}) as Record<string, string> });
      const get = method === "GET";
      const key = [
        `${method} ${url.pathname}${url.search}`,
        get ? url.pathname + url.search : "",
        `${method} ${url.pathname}`,
        get ? url.pathname : "",
      ].find((k) => k && k in routes);
      let answer = key ? routes[key] : undefined;
      // A function answers from the request's body, and may take its time (a promise): a slow server.
      if (typeof answer === "function") answer = await (answer as (b: unknown) => Answer | Promise<Answer>)(body);
      if (answer === undefined)
        return new Response(JSON.stringify({ type: "urn:kabinet:problem:not_found", title: "Не найдено", status: 404 }), {
          status: 404,
          headers: { "content-type": "application/problem+json" },
        });
      const a = answer && typeof answer === "object" && "body" in answer ? (answer as Answer) : { body: answer };
      const status = a.status ?? 200;
      if (status === 204) return new Response(null, { status });
      return new Response(JSON.stringify(a.body), {
        status,
        headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
      });
    }),
  );
}

/** Renders `page` at `path` under the route `pattern`, logged in unless told, in `lang`; returns the router's history. */
export function mount(path: string, pattern: string, page: Component, lang: Lang = "ru", loggedIn = true) {
  // biome-ignore lint/suspicious/noDocumentCookie: a test sets what the server would
  document.cookie = loggedIn ? "kab_in=1" : "kab_in=; max-age=0";
  const history = createMemoryHistory();
  history.set({ value: path });
  render(() => (
    <I18nProvider initial={lang}>
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path={pattern} component={page} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
  return history;
}

/**
 * A screen test file's hooks: every string of both languages loaded once (the lazily loaded ones too), and after
 * each test the screen unmounted and the stubbed server removed.
 */
export function screenTestHooks() {
  beforeAll(async () => {
    await loadMoreStrings();
    await loadLang("en");
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });
}
