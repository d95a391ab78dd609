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

const PDFTOTEXT = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"];

/** pdftotext (poppler-utils): the tests read the usage-detail PDFs with a real reader. */
export function ensurePdftotext(): string {
  const found = PDFTOTEXT.find((p) => existsSync(p));
  if (found) return found;
  if (process.getuid?.() === 0) aptInstall("poppler-utils");
  const installed = PDFTOTEXT.find((p) => existsSync(p));
  if (installed) return installed;
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
  if (process.getuid?.() === 0) {
    aptInstall("chromium");
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(
    `The browser tests need Chromium, which is not installed. Install it with:\n\n  ${INSTALL_COMMAND}\n\nor point CHROMIUM_PATH at a Chromium or Chrome binary.`,
  );
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
