import "fake-indexeddb/auto";
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { fireEvent, render, screen } from "@solidjs/testing-library";
import { createChallenge, verifySolution } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/web/pbkdf2";
import type { Payload } from "altcha-lib/types";
import { describe, expect, it, vi } from "vitest";
import LoginPage from "../../web/src/features/auth/LoginPage";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import { I18nProvider, type Lang } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

/**
 * The login form while the server is in storm mode (many logins failing): it
 * answers a password login without a solved challenge with 429
 * challenge-required; the form solves one by itself, saying so, and sends
 * the login once more with the solution.
 */

const SECRET = { hmacSignatureSecret: "test-secret", hmacKeySignatureSecret: "test-secret:key" };
const profile = { id: "demo-anna", displayName: "Анна Иванова", phone: "+79000000001", email: null, login: "anna" };
const problem = (status: number, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `urn:kabinet:problem:${slug}`, title, status, errors: [{ field: "captcha", message: title }] }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

/** A server in storm mode: logins need a solution it verifies, each accepted once; `release` lets the challenge out. */
function stormServer() {
  const logins: { captcha?: string }[] = [];
  const spent = new Set<string>();
  let release: () => void = () => {};
  const challengeAsked = new Promise<void>((r) => {
    release = r;
  });
  let gate: Promise<void> = Promise.resolve();
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const path = new URL(String(input), "http://msk.kabinet.localhost").pathname;
    if (path === "/api/v1/auth/captcha") {
      await gate;
      const challenge = await createChallenge({ algorithm: "PBKDF2/SHA-256", cost: 10, counter: 30, deriveKey, ...SECRET });
      return new Response(JSON.stringify(challenge), { headers: { "content-type": "application/json" } });
    }
    if (path === "/api/v1/auth/login" && init.method === "POST") {
      const body = JSON.parse(String(init.body)) as { identifier: string; password: string; captcha?: string };
      logins.push({ captcha: body.captcha });
      if (!body.captcha) return problem(429, "challenge-required", "Нужна проверка, что вы не робот");
      const payload = JSON.parse(atob(body.captcha)) as Payload;
      const ok = (await verifySolution({ challenge: payload.challenge, solution: payload.solution, deriveKey, ...SECRET })).verified;
      const signature = payload.challenge.signature ?? "";
      if (!ok || spent.has(signature)) return problem(429, "challenge-required", "Нужна проверка, что вы не робот");
      spent.add(signature);
      return new Response(JSON.stringify({ profile }), { headers: { "content-type": "application/json" } });
    }
    return new Response(JSON.stringify({ type: "urn:kabinet:problem:not-found", title: "Не найдено", status: 404 }), {
      status: 404,
      headers: { "content-type": "application/problem+json" },
    });
  });
  return {
    logins,
    fetch,
    /** Holds the challenge until `release()`, to see the form while it waits. */
    hold() {
      gate = challengeAsked;
    },
    release: () => release(),
  };
}

function mount(lang: Lang = "ru") {
  const history = createMemoryHistory();
  history.set({ value: "/login" });
  render(() => (
    <I18nProvider initial={lang}>
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path="/login" component={LoginPage} />
          <Route path="/accounts" component={() => <h1>Мои счета</h1>} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
}

async function submitPassword(identifier: string, password: string) {
  fireEvent.input(await screen.findByLabelText("Телефон, почта, логин или лицевой счёт"), { target: { value: identifier } });
  fireEvent.input(screen.getByLabelText("Пароль"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Войти" }));
}

screenTestHooks();

describe("the password login while the server asks for a proof of work", () => {
  it("solves the challenge by itself, says so while it works, and logs in with the solution", async () => {
    const server = stormServer();
    vi.stubGlobal("fetch", server.fetch);
    server.hold();
    mount();
    await submitPassword("anna", "Kabinet2026");
    // Read out as a status, the button busy; the server's request for a check is not shown as an error.
    const status = await screen.findByText(/Проверяем, что вы не робот/);
    expect(status.getAttribute("role")).toBe("status");
    expect(screen.getByRole("button", { name: "Загрузка…" }).hasAttribute("disabled")).toBe(true);
    expect(screen.queryByRole("alert")).toBeNull();
    server.release();
    expect(await screen.findByRole("heading", { name: "Мои счета" }, { timeout: 5000 })).toBeTruthy();
    // Once without, once with a solution the server verified; no more.
    expect(server.logins.map((l) => !!l.captcha)).toEqual([false, true]);
  });
});
