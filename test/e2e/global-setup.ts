import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureChromium, ensureHeadlessShell } from "../../scripts/chromium.mts";
import { startIdentityProvider } from "../../scripts/demo-idp.mts";
import { prepareLocalDatabases } from "../../scripts/local-db.mts";
import { generateVapidKeys } from "../../scripts/vapid.mts";
import { DEMO_IDP_PEOPLE } from "../../worker/data/demo.data.ts";
import { tlsIdentity } from "../push/local-push-service";
import { ownContractsSql } from "./own-contracts";

const ROOT = new URL("../..", import.meta.url).pathname;

declare module "vitest" {
  export interface ProvidedContext {
    port: number;
    chromium: string;
    headlessShell: string;
    vapidPublicKey: string;
    pushTls: { certFile: string; keyFile: string };
  }
}

let server: ChildProcess | undefined;
let stateDir: string | undefined;
let stopMock: (() => Promise<void>) | undefined;

/** Starts the real Worker with `wrangler dev` on fresh local databases, for the browser tests. */
export async function setup(project: TestProject) {
  const chromium = ensureChromium();
  const headlessShell = ensureHeadlessShell();
  const port = Number(process.env.E2E_PORT ?? 8799);
  // The server's local D1, R2 and queues: under the temporary folder (`npm test` puts that in memory: scripts/test.mts).
  const state = join(tmpdir(), `kabinet-e2e-state-${port}`);
  stateDir = state;
  await rm(state, { recursive: true, force: true });
  // The demo data, and the contracts on which tests register subscribers of their own (own-contracts.ts).
  await prepareLocalDatabases(state, () => {}, ownContractsSql());
  // Identity providers are unreachable here: npm start's demo identity provider stands in for them, sign-in page included.
  const mock = await startIdentityProvider({ people: DEMO_IDP_PEOPLE });
  stopMock = mock.stop;
  const vars = join(ROOT, ".e2e/e2e.vars");
  await mkdir(join(ROOT, ".e2e"), { recursive: true });
  // Web push: this run's VAPID keys, and a local push service's certificate that the Worker's runtime trusts.
  const vapid = await generateVapidKeys();
  const tls = await tlsIdentity(join(ROOT, ".e2e/push-tls"));
  await writeFile(
    vars,
    `OIDC_PROVIDERS='${mock.providers}'\nVAPID_PUBLIC_KEY='${vapid.publicKey}'\nVAPID_PRIVATE_JWK='${vapid.privateJwk}'\n`,
  );

  // The server runs at a lower CPU priority than the browser (`nice`, where there is one): on a phone the page
  // does not share its CPU with the Worker, which runs in Cloudflare's data centres. On a one- or two-core
  // runner the local Worker serving the page's requests otherwise preempts the page's own tasks, and
  // Lighthouse counts that wait as the page's blocking time (accounts: TBT 460 ms at a benchmark index of 2200).
  const wrangler = join(ROOT, "node_modules/.bin/wrangler");
  const lowered = process.platform === "linux" && existsSync("/usr/bin/nice");
  server = spawn(
    lowered ? "/usr/bin/nice" : wrangler,
    [
      ...(lowered ? ["-n", "10", wrangler] : []),
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--local-protocol",
      "http",
      "--persist-to",
      state,
      "--env-file",
      vars,
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NODE_EXTRA_CA_CERTS: tls.certFile },
    },
  );
  let output = "";
  // Everything the server says (its request log, queue deliveries and errors) is kept for when a browser test fails.
  await mkdir(join(ROOT, ".e2e/reports"), { recursive: true });
  // (Appended: `npm test` starts one server for the browser files and another for the timed ones.)
  const log = createWriteStream(join(ROOT, ".e2e/reports/wrangler.log"), { flags: "a" });
  log.write(`\n--- wrangler dev on port ${port}, ${new Date().toISOString()} ---\n`);
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start in 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server?.stdout?.on("data", onData);
    server?.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    server?.on("exit", (code) => reject(new Error(`wrangler dev exited (${code}):\n${output}`)));
  });
  project.provide("port", port);
  project.provide("vapidPublicKey", vapid.publicKey);
  project.provide("pushTls", tls);
  project.provide("chromium", chromium);
  project.provide("headlessShell", headlessShell);
}

export async function teardown() {
  await stopMock?.();
  if (!server) return;
  const exited = new Promise((r) => server?.once("exit", r));
  server.kill("SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.exitCode === null) server.kill("SIGKILL");
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}
