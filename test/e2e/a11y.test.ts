import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, newContext, site } from "./browser";

const axeSource = createRequire(import.meta.url)("axe-core").source as string;

/** Where the report goes: `reports/` for `npm run report`, else the test state folder. */
const REPORTS = process.env.KABINET_REPORTS ?? join(new URL("../..", import.meta.url).pathname, ".e2e/reports");

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** axe-core's violations on the page as it is now (WCAG 2.1 A and AA rules). */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
    const axe = (window as any).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map(
      (v: { id: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
  });
}

describe("accessibility (axe-core, WCAG 2.1 AA)", () => {
  it("finds no violations on the main screens, logged out and logged in", { timeout: 180_000 }, async () => {
    // As a person sees them: with the app's service worker, whose install adds its note to the screen.
    const page = await (await newContext(browser, { bypassCSP: true, serviceWorkers: "allow" })).newPage();
    const found: Record<string, string[]> = {};
    for (const path of [
      "/",
      "/tariffs",
      "/offices",
      "/contacts",
      "/login",
      "/register",
      "/recover",
      "/help",
      "/help/pay-ways",
      "/support",
      "/ops/support",
    ]) {
      await page.goto(site("msk", path));
      await expect.poll(() => page.getByRole("heading", { level: 1 }).count()).toBe(1);
      await page.waitForLoadState("networkidle");
      found[path] = await violations(page);
    }
    await page.goto(site("msk", "/login"));
    await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill("+7 900 000-00-01");
    await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
    await page.getByRole("button", { name: "Войти", exact: true }).click();
    await page.waitForURL(site("msk", "/accounts"));
    for (const path of [
      "/accounts",
      "/accounts/201000000012",
      "/profile",
      "/notifications",
      "/settings/notifications",
      "/bonus",
      "/accounts/201000000020/usage",
      "/connect",
      "/applications",
      "/accounts/201000000020/services/201000000020-1",
      "/ops/applications",
      "/support",
    ]) {
      await page.goto(site("msk", path));
      await expect.poll(() => page.getByRole("heading", { level: 1 }).count()).toBe(1);
      await page.waitForLoadState("networkidle");
      found[path] = await violations(page);
    }
    // The operators' console, signed in, with the queue on screen.
    await page.goto(site("msk", "/ops/support"));
    await page.getByLabel("Логин оператора").fill("operator.spb");
    await page.getByLabel("Пароль").fill("Operator2026");
    await page.getByRole("button", { name: "Войти" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Очередь" }).count()).toBe(1);
    await page.waitForLoadState("networkidle");
    found["/ops/support (signed in)"] = await violations(page);
    await page.goto(site(null, "/?choose=1"));
    await page.waitForLoadState("networkidle");
    found.apex = await violations(page);
    await mkdir(REPORTS, { recursive: true });
    await writeFile(
      join(REPORTS, "axe.json"),
      JSON.stringify(
        { axe: await page.evaluate(() => (window as unknown as { axe: { version: string } }).axe.version), screens: found },
        null,
        2,
      ),
    );
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });

  it("would notice a violation (the check itself works)", async () => {
    const page = await (await newContext(browser, { bypassCSP: true })).newPage();
    await page.goto(site("msk", "/contacts"));
    // The page must have rendered its main region before the faulty image goes in.
    await expect.poll(() => page.getByRole("heading", { level: 1 }).count()).toBe(1);
    await page.evaluate(() => document.querySelector("main")?.insertAdjacentHTML("beforeend", '<img src="/icons/icon-192.png">'));
    expect((await violations(page)).some((v) => v.startsWith("image-alt"))).toBe(true);
  });
});
