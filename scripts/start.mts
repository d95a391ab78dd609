/**
 * `npm start`: builds the PWA, migrates and seeds the local databases, and
 * serves everything with `wrangler dev` (local D1, Queues, R2) on PORT (8787),
 * printing the regional URLs and the demo logins. `wrangler dev` does not fire
 * cron triggers by itself: a local scheduler calls `/__scheduled` on the
 * schedule of `wrangler.toml` (and once at start, to catch up). A local demo
 * identity provider (scripts/demo-idp.mts) plays Госуслуги, T-ID and VK ID on
 * a free port; the Worker gets it as OIDC_PROVIDERS through `--var`, so only
 * this local run sees it (wrangler.toml keeps an empty list).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { DEMO_BUSINESS_PEOPLE, DEMO_ORGANISATIONS } from "../worker/data/business.data.ts";
import {
  DEMO_IDP_PEOPLE,
  DEMO_OPERATOR_PASSWORD,
  DEMO_OPERATORS,
  DEMO_PASSWORD,
  DEMO_SUBSCRIBERS,
  DEMO_UNREGISTERED,
} from "../worker/data/demo.data.ts";
import { makeAccountNo } from "../worker/platform/ids.ts";
import { startIdentityProvider } from "./demo-idp.mts";
import { prepareLocalDatabases } from "./local-db.mts";
import { readCrons, type Scheduler, startScheduler } from "./scheduler.mts";
import { ensureDevVars } from "./vapid.mts";

const ROOT = new URL("..", import.meta.url).pathname;
const PORT = Number(process.env.PORT ?? 8787);
const BASE = "kabinet.localhost";

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

console.log("▶ Building the web app…");
run("vite", ["build", "--logLevel", "warn"]);

console.log("▶ Local secrets (web-push keys in .dev.vars, made once)…");
await ensureDevVars(ROOT);

console.log("▶ Preparing local databases (migrations + demo data)…");
await prepareLocalDatabases(join(ROOT, ".wrangler/state"));

console.log("▶ Starting the demo identity provider (Госуслуги, T-ID, VK ID)…");
const idp = await startIdentityProvider({ people: DEMO_IDP_PEOPLE });

console.log(`▶ Starting the Worker on port ${PORT}…`);
const dev = spawn(
  "wrangler",
  [
    "dev",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--local-protocol",
    "http",
    "--persist-to",
    ".wrangler/state",
    "--test-scheduled",
    // Links in notification emails point at this port.
    "--var",
    `SITE_URL:http://{region}.${BASE}:${PORT}`,
    // The demo identity provider, for this run only.
    "--var",
    `OIDC_PROVIDERS:${idp.providers}`,
    "--show-interactive-dev-session=false",
  ],
  { cwd: ROOT, stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);

/** One line per tick: which cron, for which minute, and what the Worker answered. */
async function fireCron(cron: string, minute: Date) {
  const started = Date.now();
  const label = `⏱ cron "${cron}" ${minute.toISOString().slice(0, 16)}Z`;
  try {
    const res = await fetch(`http://127.0.0.1:${PORT}/__scheduled?cron=${encodeURIComponent(cron)}`);
    await res.body?.cancel();
    console.log(`${label} → ${res.status} in ${Date.now() - started} ms`);
  } catch (e) {
    console.log(`${label} → not delivered (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The month before Moscow's current one (YYYY-MM). */
function lastMonth(now = new Date()): string {
  const [y, m] = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow" }).format(now).split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}

/** POSTs an operators' API path to the local Worker on the apex host (the ops API lives there), with the dev token. */
function opsPost(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: PORT,
        method: "POST",
        path,
        headers: { host: `${BASE}:${PORT}`, authorization: "Bearer dev-only-operator-token" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Last month's closing documents (УПД) of the demo organisations, asked for once at start as an operator would:
 * the hourly cron makes them only on days 1–5 of a month, so a database seeded later in the month would otherwise
 * have none. They go through the reports queue like the cron's; a month already issued stays as it is.
 */
async function closingDocumentsOfLastMonth() {
  const period = lastMonth();
  for (const o of DEMO_ORGANISATIONS) {
    const label = `📄 closing documents ${o.id} ${period}`;
    try {
      console.log(`${label} → ${await opsPost(`/ops/v1/business/organisations/${o.id}/documents/closing/${period}`)}`);
    } catch (e) {
      console.log(`${label} → not delivered (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

const crons = readCrons(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
let scheduler: Scheduler | undefined;
let announced = false;
dev.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/i.test(chunk.toString())) {
    announced = true;
    const url = (sub?: string) => `http://${sub ? `${sub}.` : ""}${BASE}:${PORT}/`;
    const demo = DEMO_SUBSCRIBERS.map(
      (s) =>
        `    ${s.phone.replace(/^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/, "+7 $1 $2-$3-$4")}  (login ${s.login}, ${s.email})  ${s.displayName}`,
    );
    console.log(`
╭─ Kabinet is running ───────────────────────────────────────────
│  Apex (region picker):  ${url()}
│  Moscow:                ${url("msk")}
│  Saint Petersburg:      ${url("spb")}
│  Novosibirsk:           ${url("nsk")}   (any region code works: kzn, ekb, vl, …)
│  API docs:              ${url()}api/docs
│  Dev outbox (SMS/email): ${url()}dev/outbox
│
│  Demo logins (password ${DEMO_PASSWORD}):
${demo.map((d) => `│${d}`).join("\n")}
│  Business cabinet (${url("msk")}business), same password:
${DEMO_BUSINESS_PEOPLE.map((p) => {
  const roles = DEMO_ORGANISATIONS.flatMap((o) => o.members.filter((m) => m.subscriber === p.id).map((m) => `${m.role} of ${o.name}`));
  return `│    ${p.phone.replace(/^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/, "+7 $1 $2-$3-$4")}  (login ${p.login})  ${p.displayName}: ${roles.join("; ")}`;
}).join("\n")}
│    petr is the administrator of ${DEMO_ORGANISATIONS[1]?.name}.
│  To try registration: account ${makeAccountNo(DEMO_UNREGISTERED.body11)} (phone ${DEMO_UNREGISTERED.phone}) has no cabinet yet;
│  codes arrive in the dev outbox above.
│  Card payments go to the sandbox acquirer: 4242 4242 4242 4242 succeeds,
│  4000 0000 0000 0002 is declined, 4000 0000 0000 3220 asks for 3-D Secure (code 123456);
│  any future expiry and any 3-digit CVC.
│  Operators (outage for anna's house; bell and banner in her cabinet):
│    curl -X POST ${url()}ops/v1/outages -H 'authorization: Bearer dev-only-operator-token' \\
│      -H 'content-type: application/json' -d '{"region":"msk","street":"ул. Профсоюзная","houses":["12"],"title":"Нет интернета","expectedEnd":"2030-01-01T00:00:00Z","key":"demo-profsoyuznaya-12"}'
│  Connect a service: ${url("msk")}connect (try ул. Тверская, 7); applications are moved by
│    operators at ${url("msk")}ops/applications (key dev-only-operator-token).
│  Госуслуги / T-ID / VK ID: a demo identity provider at ${idp.issuer} (this run only)
│    «Войти через …» on ${url("msk")}login opens its page; choose ${DEMO_IDP_PEOPLE.map((p) => p.name).join(", ")}:
│    ${DEMO_IDP_PEOPLE.map((p) => `${p.name} — ${p.hint.en}`).join("\n│    ")}
│  Usage detail (PDF/XLSX): anna → a Moscow account → «Детализация звонков и трафика».
│  Support chat: ${url("msk")}support (logged in, or as a visitor with a name and phone);
│    operators answer at ${url("msk")}ops/support — ${DEMO_OPERATORS.map((o) => o.login).join(", ")}
│    (password ${DEMO_OPERATOR_PASSWORD}). Help centre: ${url("msk")}help
│  Cron (UTC, from wrangler.toml): ${crons.join(", ")}, run by a local scheduler
│    and once now; each tick is logged (⏱). By hand: curl 'http://127.0.0.1:${PORT}/__scheduled?cron=0+*+*+*+*'
╰────────────────────────────────────────────────────────────────
`);
    scheduler = startScheduler(crons, fireCron);
    void closingDocumentsOfLastMonth();
  }
});

const stop = () => {
  scheduler?.stop();
  void idp.stop();
  dev.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 0));
