import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import { CHROMIUM_ARGS } from "../../scripts/chromium.mts";

export const port = () => inject("port");
export const site = (sub: string | null, path = "/") => `http://${sub ? `${sub}.` : ""}kabinet.localhost:${port()}${path}`;

/**
 * Chromium for a test file: its headless shell (scripts/chromium.mts), lighter on the two cores the Worker suite
 * shares; `"full"` for what only the full browser has (the Push API: test/e2e/push.test.ts).
 */
export async function launch(kind: "shell" | "full" = "shell"): Promise<Browser> {
  const executablePath = inject(kind === "full" ? "chromium" : "headlessShell");
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

/** The contexts whose pages may install the app's service worker: made with `serviceWorkers: "allow"`, or a profile. */
const serviceWorkersAllowed = new WeakSet<BrowserContext>();

/**
 * A fresh browser profile (no cookies, no service worker), Russian by default, in which the app's service worker is
 * not installed (`serviceWorkers: "block"`): its install precaches the whole app (~80 files, 1.5 MB, each through the
 * Worker of `wrangler dev`) in every context, and most tests never use it. A test of the installed app, push, offline
 * or a returning visitor (`asReturningVisitor`) asks for it with `{ serviceWorkers: "allow" }`.
 */
export async function newContext(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "ru-RU", serviceWorkers: "block", ...options });
  if (options.serviceWorkers === "allow") serviceWorkersAllowed.add(context);
  return context;
}

/** Logs a demo subscriber in on the Moscow site through the login form and waits for their accounts. */
export async function login(page: Page, who: string) {
  await page.goto(site("msk", "/login"));
  await page.getByLabel("Телефон, почта, логин или лицевой счёт").fill(who);
  await page.getByLabel("Пароль", { exact: true }).fill("Kabinet2026");
  await page.getByRole("button", { name: "Войти", exact: true }).click();
  await page.waitForURL(site("msk", "/accounts"));
}

/**
 * A real (non-incognito) profile in a temporary folder, in the full Chromium: Chrome refuses to install apps from
 * incognito contexts, and the headless shell has no app install at all, so installability is checked here.
 */
export async function launchProfile(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "kabinet-profile-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: inject("chromium"),
    args: CHROMIUM_ARGS,
    headless: true,
    locale: "ru-RU",
  });
  serviceWorkersAllowed.add(context);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `page` a returning visitor of a regional site: the service worker is
 * installed, active and controls the page, as for anyone who has opened the
 * site before. Every navigation that follows goes through it, so a flow that
 * leaves the app (the acquirer's page, an emailed link, an identity provider)
 * is tested as people meet it, not only as on a first visit.
 */
export async function asReturningVisitor(page: Page, sub: string) {
  if (!serviceWorkersAllowed.has(page.context()))
    throw new Error(
      'asReturningVisitor: the page\'s context blocks service workers; make it with newContext(browser, { serviceWorkers: "allow" })',
    );
  await page.goto(site(sub, "/"));
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/**
 * Waits for `wait`, and when it fails says what the page showed then (its address, whether it is online and under the
 * service worker, the start of its text): a few waits have failed now and then in a full run, never alone, and their
 * error alone says only that the time ran out.
 */
export async function orSayWhatShowed<T>(page: Page, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    // At most 3 s for the look (a hung page answers nothing): then only its address, which never waits.
    const seen = await Promise.race([
      page
        .evaluate(() => ({
          url: location.href,
          online: navigator.onLine,
          controlled: !!navigator.serviceWorker?.controller,
          text: document.body?.innerText.replace(/\s+/g, " ").slice(0, 300),
        }))
        .catch((err: unknown) => ({ url: page.url(), error: String(err) })),
      new Promise<{ url: string; unanswered: true }>((resolve) => setTimeout(() => resolve({ url: page.url(), unanswered: true }), 3000)),
    ]);
    // The messages of the error and of its causes (a poll's «did not succeed in time» is its cause's): the report keeps
    // the message alone, and the runner tells a wait that ran out by it (scripts/test.mts, WAITED).
    const messages: string[] = [];
    for (let c: unknown = e; c !== undefined && c !== null && messages.length < 5; c = c instanceof Error ? c.cause : undefined)
      messages.push(c instanceof Error ? c.message : String(c));
    throw new Error(`${messages.join("; caused by: ")}; the page showed ${JSON.stringify(seen)}`, { cause: e });
  }
}
