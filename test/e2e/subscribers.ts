import type { Page } from "playwright-core";
import { fetch } from "undici";
import { expect } from "vitest";
import { makeAccountNo } from "../../worker/platform/ids";
import { site } from "./browser";
import { codeFromOutbox, localhostAgent } from "./http";
import { OWN_CONTRACTS, type OwnContract, type OwnContractKey } from "./own-contracts";

/** A subscriber a test registered for itself: nobody else logs in as them or reads what they change. */
export interface OwnSubscriber {
  login: string;
  password: string;
  displayName: string;
  /** The contact proven at registration: the phone (SMS) or the email, the other is null. */
  phone: string | null;
  email: string | null;
  accountNo: string;
}

/** A JSON POST to the API as another device would send it (its own address: its codes do not count against the browsers'). */
async function post(path: string, body: unknown, address: string) {
  const res = await fetch(site("msk", path), {
    method: "POST",
    dispatcher: localhostAgent,
    headers: {
      "content-type": "application/json",
      origin: site("msk", "").replace(/\/$/, ""),
      "sec-fetch-site": "same-origin",
      "cf-connecting-ip": address,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Registers the holder of the contract `key` (one of OWN_CONTRACTS, added to the e2e databases only) through the
 * real registration flow over HTTP: a code to the contract's phone or email, read from the dev outbox, then a login
 * and a password. Each key is used by one test (or one file's tests, in turn), registered once per run.
 */
export async function ownSubscriber(key: OwnContractKey): Promise<OwnSubscriber> {
  const c: OwnContract = OWN_CONTRACTS[key];
  const accountNo = makeAccountNo(c.body11);
  const address = `198.51.100.${Object.keys(OWN_CONTRACTS).indexOf(key) + 1}`;
  const by = { by: "account", accountNo, channel: c.channel };
  const started = await post("/api/v1/auth/register/start", by, address);
  expect(started.status, started.body).toBe(202);
  const to = c.channel === "sms" ? c.phone : c.email;
  const code = await codeFromOutbox(site(null, "/dev/outbox"), to);
  const login = `own-${key}`;
  const password = `свой абонент ${key} на тестовой улице`;
  const done = await post("/api/v1/auth/register/complete", { ...by, code, login, password, displayName: c.holderName }, address);
  expect(done.status, done.body).toBe(201);
  return {
    login,
    password,
    displayName: c.holderName,
    phone: c.channel === "sms" ? c.phone : null,
    email: c.channel === "email" ? c.email : null,
    accountNo,
  };
}

/** Logs `who` in with their password through the form on `sub` (Moscow unless said) and waits for their accounts. */
export async function logInAs(page: Page, who: OwnSubscriber, identifier = who.login, sub = "msk") {
  await page.goto(site(sub, "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill(identifier);
  await page.getByLabel("Пароль", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site(sub, "/accounts"));
}
