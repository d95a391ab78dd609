/**
 * Finds Chromium for the browser tests: $CHROMIUM_PATH, then the usual
 * locations. Where it is missing, installs Debian's package when running as
 * root, or stops with the one command that installs it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
];
export const INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y chromium";

export function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Installs a Debian package (as root): the browser and the PDF reader the tests use. */
function aptInstall(pkg: string) {
  console.log(`▶ ${pkg} is missing: installing Debian's package (apt-get install -y ${pkg})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", pkg]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0)
      throw new Error(`apt-get ${args.join(" ")} failed; install it with: sudo apt-get update && sudo apt-get install -y ${pkg}`);
  }
}

/** The first of `paths` that exists; when none does and this runs as root, after installing Debian's `pkg`. */
function findOrInstall(paths: string[], pkg: string): string | undefined {
  const find = () => paths.find((p) => existsSync(p));
  const found = find();
  if (found || process.getuid?.() !== 0) return found;
  aptInstall(pkg);
  return find();
}

const PDFTOTEXT = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"];

/** pdftotext (poppler-utils): the tests read the usage-detail PDFs with a real reader. */
export function ensurePdftotext(): string {
  const found = findOrInstall(PDFTOTEXT, "poppler-utils");
  if (found) return found;
  throw new Error(
    "The tests read PDFs with pdftotext. Install it with:\n\n  sudo apt-get update && sudo apt-get install -y poppler-utils\n",
  );
}

export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    throw new Error(`CHROMIUM_PATH is set to ${process.env.CHROMIUM_PATH}, which does not exist.`);
  }
  const installed = findOrInstall(CANDIDATES, "chromium");
  if (installed) return installed;
  throw new Error(
    `The browser tests need Chromium, which is not installed. Install it with:\n\n  ${INSTALL_COMMAND}\n\nor point CHROMIUM_PATH at a Chromium or Chrome binary.`,
  );
}

const HEADLESS_SHELL = ["/usr/bin/chromium-headless-shell", "/usr/local/bin/chromium-headless-shell"];

/**
 * Chromium's headless shell (Debian's `chromium-headless-shell`: the old headless mode, the same Blink and V8 without
 * the browser's UI layer; what Playwright itself runs for headless tests): most browser tests run in it. It took the
 * browser suite from 272 s to 201 s of wall time on the 2-core machine and left the Worker suite beside it the cycles
 * the full browser spent. It has no app install (CDP's `PWA` domain) and no Push API: the installed-app and push
 * tests use the full Chromium (`launch("full")`, test/e2e/browser.ts), and so does Lighthouse. `$CHROMIUM_HEADLESS_SHELL_PATH`
 * names another; without one the full Chromium stands in (and, as root, Debian's package is installed).
 */
export function ensureHeadlessShell(): string {
  const configured = process.env.CHROMIUM_HEADLESS_SHELL_PATH;
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new Error(`CHROMIUM_HEADLESS_SHELL_PATH is set to ${configured}, which does not exist.`);
  }
  try {
    const found = findOrInstall(HEADLESS_SHELL, "chromium-headless-shell");
    if (found) return found;
  } catch (e) {
    console.warn(`${(e as Error).message}\nThe full Chromium runs every browser test instead.`);
  }
  return ensureChromium();
}

/** Launch flags that work on machines without a network or GPU. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
