/**
 * Issue 24's bank statement import end to end: an operator imports a statement with the CLI (`npm run bank:import`,
 * through the operators' API of the running Worker) twice; the subscriber sees the payment once in the account's
 * history, in Chromium. A payment that names no account waits in the queue until the operator assigns it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWindows1251 } from "../../worker/features/bank/bank.decode";
import { day, statementText } from "../worker/bank.fixture";
import { launch, newContext, site } from "./browser";
import { logInAs, ownSubscriber } from "./subscribers";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** The operators' CLI against this run's Worker. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "scripts/bank-import.mts"), ...args], {
    env: { ...process.env, KABINET_URL: site(null, "").replace(/\/$/, ""), LANG_KABINET: "ru" },
  });
  return stdout;
}

describe("bank statement import", () => {
  it("an operator imports a statement twice; the subscriber sees the payment once in the history", { timeout: 90_000 }, async () => {
    // A subscriber of this test's own: the payments land in a history no other file reads.
    const me = await ownSubscriber("bank-import");
    const number = `E${Date.now() % 1_000_000}`;
    const unmatched = `U${Date.now() % 1_000_000}`;
    const dir = await mkdtemp(join(tmpdir(), "kabinet-bank-"));
    const file = join(dir, "kl_to_1c.txt");
    // As a bank exports it: Windows-1251, CRLF.
    await writeFile(
      file,
      encodeWindows1251(
        statementText([
          { number, date: day(1), sum: "777.00", purpose: `Оплата услуг связи по л/с ${me.accountNo}. Без НДС` },
          { number: unmatched, date: day(1), sum: "55.00", purpose: "За связь, Иванова" },
        ]),
      ),
    );
    expect(await cli(file)).toContain("входящих 2 (новых 2); зачислено 1, ждут разноски 1");
    expect(await cli(file)).toContain("входящих 2 (новых 0); зачислено 1, ждут разноски 1");

    const queue = await cli("--queue");
    const lineId = new RegExp(`^([0-9a-f]{64})\\n  № ${unmatched} `, "m").exec(queue)?.[1];
    expect(lineId).toBeDefined();
    expect(await cli("--assign", lineId as string, me.accountNo)).toContain(`✓ ${me.accountNo}: +55.00 ₽`);

    const context = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await logInAs(page, me);
    await page.goto(site("msk", `/accounts/${me.accountNo}`));
    const rows = page.locator("table.history tbody tr");
    await expect.poll(() => rows.filter({ hasText: `Оплата по платёжному поручению № ${number} от ${day(1)}` }).count()).toBe(1);
    await expect.poll(() => rows.filter({ hasText: `Оплата по платёжному поручению № ${unmatched} от ${day(1)}` }).count()).toBe(1);
    await context.close();
  });
});
