/**
 * `npm run deploy -- --env staging|production [--dry-run] [--location eeur]`
 *
 * Deploys Kabinet to one of wrangler.toml's environments in one command:
 * creates what is missing (the D1 databases of the global directory and every
 * shard, the queues and the dead-letter queue, the R2 bucket), writes the
 * databases' real ids into `[env.<name>]`, applies the migrations to every
 * database, checks that every secret the environment needs is set, builds
 * and deploys, printing each step. A second run finds everything in place and
 * changes nothing but the Worker's version. `--dry-run` only reads (and, when
 * the account cannot be read, assumes nothing exists) and prints the plan,
 * ending with `wrangler deploy --dry-run`, which needs no network.
 *
 * Everything goes through the `wrangler` CLI (the runner is injectable: the
 * tests drive the script with a fake account).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SHARD_MAP } from "../worker/data/regions.data.ts";
import { neededSecrets } from "../worker/platform/secrets.ts";
import { parseShardGateways, SHARD_NAME } from "../worker/platform/shard-gateways.ts";

export const ENVIRONMENTS = ["staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** Runs a tool (`wrangler` or `vite`) with arguments; resolves with its exit code and output, never throws. */
export type Runner = (tool: "wrangler" | "vite", args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface DeployOptions {
  env: EnvironmentName;
  dryRun: boolean;
  /** The wrangler configuration; its `[env.<name>]` database ids are rewritten. */
  configPath: string;
  run: Runner;
  print: (line: string) => void;
  /** Location hint for new D1 databases and the R2 bucket (eeur: Eastern Europe, the nearest to Russia). */
  location?: string;
  /** Where `wrangler deploy --dry-run` writes its bundle. */
  outDir?: string;
  /** How many shards go where (`SHARD_LIMITS`; the tests make them small). */
  shardLimits?: ShardLimits;
}

export interface DeployReport {
  created: string[];
  idsWritten: string[];
  migrated: string[];
  deployed: boolean;
  /** The shard gateways deployed (or, in a dry run, checked) before the Worker, by script name. */
  gateways?: string[];
}

/** A step that failed: the message says which command, and what it answered. */
export class DeployError extends Error {
  override name = "DeployError";
}

// ── wrangler.toml, read as text: the blocks of one environment ────────────────────────────────────────

interface Block {
  header: string;
  start: number;
  end: number;
  values: Record<string, string>;
}

function blocks(toml: string): Block[] {
  const lines = toml.split("\n");
  const out: Block[] = [];
  let current: Block | undefined;
  lines.forEach((line, i) => {
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$/.exec(line);
    if (header?.[1]) {
      if (current) current.end = i;
      current = { header: header[1].trim(), start: i, end: lines.length, values: {} };
      out.push(current);
      return;
    }
    const kv = /^\s*([A-Za-z0-9_]+)\s*=\s*(?:"([^"]*)"|(\d+))\s*(#.*)?$/.exec(line);
    if (current && kv?.[1]) current.values[kv[1]] = kv[2] ?? kv[3] ?? "";
  });
  return out;
}

export interface EnvironmentConfig {
  workerName: string;
  vars: Record<string, string>;
  databases: { binding: string; name: string; id: string; migrationsDir: string }[];
  queues: string[];
  buckets: string[];
}

/** The resources `[env.<name>]` declares (bindings are not inherited, so they are all there). */
export function readEnvironment(toml: string, env: EnvironmentName): EnvironmentConfig {
  const all = blocks(toml);
  const of = (kind: string) => all.filter((b) => b.header === `env.${env}.${kind}`);
  if (!all.some((b) => b.header === `env.${env}`)) throw new DeployError(`wrangler.toml has no [env.${env}]`);
  const topName = /^name\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "kabinet";
  const queues = new Set<string>();
  for (const b of [...of("queues.producers"), ...of("queues.consumers")]) {
    if (b.values.queue) queues.add(b.values.queue);
    if (b.values.dead_letter_queue) queues.add(b.values.dead_letter_queue);
  }
  return {
    workerName: `${topName}-${env}`,
    vars: of("vars")[0]?.values ?? {},
    databases: of("d1_databases").map((b) => ({
      binding: b.values.binding ?? "",
      name: b.values.database_name ?? "",
      id: b.values.database_id ?? "",
      migrationsDir: b.values.migrations_dir ?? "",
    })),
    queues: [...queues],
    buckets: of("r2_buckets").map((b) => b.values.bucket_name ?? ""),
  };
}

/** wrangler.toml with `[env.<name>]`'s database ids set; other text, comments and environments untouched. */
export function writeDatabaseIds(toml: string, env: EnvironmentName, ids: Record<string, string>): string {
  const lines = toml.split("\n");
  for (const b of blocks(toml)) {
    const id = b.header === `env.${env}.d1_databases` && b.values.database_name ? ids[b.values.database_name] : undefined;
    if (!id) continue;
    for (let i = b.start + 1; i < b.end; i++)
      if (/^\s*database_id\s*=/.test(lines[i] ?? "")) lines[i] = (lines[i] ?? "").replace(/"[^"]*"/, `"${id}"`);
  }
  return lines.join("\n");
}

/** What must hold in a deployable environment; the messages name what is wrong. */
export function environmentProblems(toml: string, env: EnvironmentName): string[] {
  const problems: string[] = [];
  const cfg = readEnvironment(toml, env);
  const top = blocks(toml);
  if (cfg.vars.DEV_MODE !== "false") problems.push(`[env.${env}.vars] DEV_MODE must be "false"`);
  // A rollout flag's other value is its default; a misspelt one would switch it silently.
  for (const [name, values] of [
    ["SIGN_INS_STORE", ["global", "home"]],
    ["CODES_STORE", ["global", "identity"]],
    ["GLOBAL_PASSWORDS", ["keep", "drop"]],
    ["CONTRACT_CONTACTS", ["global", "home"]],
    ["HOLDERS_STORE", ["global", "shard"]],
    ["LINKS_STORE", ["global", "home"]],
    ["GLOBAL_LINKS", ["keep", "drop"]],
    ["ACCOUNT_PLACES", ["global", "identity"]],
    ["DIRECTORY_ROWS", ["keep", "drop", "paused"]],
    ["PLACES_REBUILDING", ["0", "1"]],
  ] as const) {
    const value = cfg.vars[name];
    if (value !== undefined && !(values as readonly string[]).includes(value))
      problems.push(`[env.${env}.vars] ${name} must be ${values.map((v) => `"${v}"`).join(" or ")}`);
  }
  // The global links are written while either store reads them (platform/db.ts).
  if (cfg.vars.GLOBAL_LINKS === "drop" && (cfg.vars.HOLDERS_STORE === "global" || cfg.vars.LINKS_STORE === "global"))
    problems.push(`[env.${env}.vars] GLOBAL_LINKS = "drop" has no effect while HOLDERS_STORE or LINKS_STORE = "global"`);
  // Under SIGN_INS_STORE = "global" the global column keeps the record whatever GLOBAL_PASSWORDS says (platform/db.ts).
  if (cfg.vars.SIGN_INS_STORE === "global" && cfg.vars.GLOBAL_PASSWORDS === "drop")
    problems.push(`[env.${env}.vars] GLOBAL_PASSWORDS = "drop" has no effect while SIGN_INS_STORE = "global"`);
  for (const [name, value] of Object.entries(cfg.vars))
    if (/dev-only|localhost/i.test(value))
      problems.push(`[env.${env}.vars] ${name} has a development value; a secret is set with wrangler secret put`);
  const topBindings = (kind: string, key: string) => top.filter((b) => b.header === kind).map((b) => b.values[key]);
  const envBindings = (kind: string, key: string) => top.filter((b) => b.header === `env.${env}.${kind}`).map((b) => b.values[key]);
  for (const [kind, key] of [
    ["d1_databases", "binding"],
    ["r2_buckets", "binding"],
    ["queues.producers", "binding"],
    ["durable_objects.bindings", "name"],
    ["analytics_engine_datasets", "binding"],
  ] as const) {
    const missing = topBindings(kind, key).filter((b) => !envBindings(kind, key).includes(b));
    for (const m of missing) problems.push(`[env.${env}] lacks the ${kind} binding ${m} (bindings are not inherited)`);
  }
  const names = [...cfg.databases.map((d) => d.name), ...cfg.queues, ...cfg.buckets];
  for (const n of names) if (!n.includes(`-${env}-`)) problems.push(`[env.${env}] resource ${n} is not this environment's own`);
  // The message and identity stores are found from <PREFIX>_0 up to the first gap (worker/platform/message-stores.ts,
  // identity-stores.ts): one after a gap would be bound but never used, and what it holds never found.
  for (const [prefix, what] of [
    ["MESSAGES", "message store"],
    ["IDENTITY", "identity store"],
  ] as const) {
    const stores = cfg.databases.map((d) => new RegExp(`^${prefix}_(\\d+)$`).exec(d.binding)?.[1]).filter((n) => n !== undefined);
    const numbers = stores.map(Number).sort((x, y) => x - y);
    if (numbers.length === 0) problems.push(`[env.${env}] has no ${what} (a d1_databases binding ${prefix}_0)`);
    else if (numbers.some((n, i) => n !== i) || numbers.length > 32)
      problems.push(`[env.${env}] ${what}s must be ${prefix}_0 … ${prefix}_<n-1> without a gap, at most 32: ${stores.join(", ")}`);
  }
  return problems;
}

// ── shard gateways: the shards past one Worker's bindings ─────────────────────────────────────────────────

/**
 * How many shards go where. D1's limits page: «you can bind up to ~5,000 D1 databases to a single Worker script»
 * (each binding is about 150 bytes of the script's 1 MB of metadata, <https://developers.cloudflare.com/d1/platform/limits/>).
 * The boundaries are fixed, not fitted to what else the Worker binds: a shard once in a gateway stays in it, so a
 * deploy never moves a shard from one Worker to another (during a deploy, or after a rollback, the running Worker's
 * map would not find it). The Worker binds the first `direct` shards itself (wrangler.toml's order, the branches'
 * home shards first) and keeps `perWorker − direct` bindings for everything else; each gateway holds the next
 * `perGateway`.
 */
export interface ShardLimits {
  direct: number;
  perGateway: number;
  perWorker: number;
}

export const SHARD_LIMITS: ShardLimits = { direct: 4_000, perGateway: 4_500, perWorker: 4_500 };

/** The largest a variable may be (<https://developers.cloudflare.com/workers/platform/limits/>: 5 KB). */
const VAR_MAX_BYTES = 5 * 1024;

const HOME_SHARDS: readonly string[] = [...new Set(Object.values(SHARD_MAP))];

export interface GatewayPlan {
  /** The gateway Worker's script name: `<worker>-shards-<n>`. */
  script: string;
  /** Its service binding in the main Worker. */
  binding: string;
  databases: EnvironmentConfig["databases"];
}

export interface ShardPlan {
  /** The shards the main Worker binds itself: the branches' home shards first, then as wrangler.toml lists them. */
  direct: string[];
  gateways: GatewayPlan[];
  /** The main Worker's `SHARD_GATEWAYS` (platform/shard-gateways.ts), when there are gateways. */
  shardGateways?: string;
}

/** Names as `SHARD_GATEWAYS` lists them: runs of consecutive numbers under one prefix as `DB_X_2-300`. */
export function compressShardNames(names: readonly string[]): string[] {
  const runs = new Map<string, number[]>();
  const single: string[] = [];
  for (const name of names) {
    const m = /^(DB_[A-Z0-9_]*?)([1-9]\d*|0)$/.exec(name);
    if (!m?.[1] || m[2] === undefined) single.push(name);
    else runs.set(m[1], [...(runs.get(m[1]) ?? []), Number(m[2])]);
  }
  const out = [...single];
  for (const [prefix, numbers] of runs) {
    numbers.sort((a, b) => a - b);
    for (let i = 0; i < numbers.length; ) {
      let j = i;
      while (j + 1 < numbers.length && numbers[j + 1] === (numbers[j] as number) + 1) j++;
      out.push(j > i ? `${prefix}${numbers[i]}-${numbers[j]}` : `${prefix}${numbers[i]}`);
      i = j + 1;
    }
  }
  return out;
}

/**
 * Which shards the main Worker binds and which go to gateways (`ShardLimits`): in wrangler.toml's order, so a shard
 * added at the end of the list goes to the last gateway (or a new one) and none already placed moves. `previous`: the
 * map of the last deploy, when this checkout has it; a plan that would move one of its shards is refused.
 */
export function planShards(cfg: EnvironmentConfig, others: number, limits = SHARD_LIMITS, previous?: Map<string, string>): ShardPlan {
  const shards = cfg.databases.filter((d) => SHARD_NAME.test(d.binding));
  // The home shards first (in the shard map's order), then the others as listed.
  const home = HOME_SHARDS.map((b) => shards.find((d) => d.binding === b)).filter((d) => d !== undefined);
  const ordered = [...home, ...shards.filter((d) => !HOME_SHARDS.includes(d.binding))];
  const direct = ordered.slice(0, limits.direct).map((d) => d.binding);
  const rest = ordered.slice(limits.direct);
  const plans: GatewayPlan[] = [];
  for (let i = 0; i * limits.perGateway < rest.length; i++)
    plans.push({
      script: `${cfg.workerName}-shards-${i}`,
      binding: `SHARD_GATEWAY_${i}`,
      databases: rest.slice(i * limits.perGateway, (i + 1) * limits.perGateway),
    });
  const used = others + direct.length + plans.length + (plans.length > 0 ? 1 : 0); // the services, and SHARD_GATEWAYS
  if (used > limits.perWorker)
    throw new DeployError(
      `the Worker would have ${used} bindings, over ${limits.perWorker}: ${others} besides its shards leave room for ${limits.perWorker - (plans.length > 0 ? 1 : 0) - plans.length - others} of them (SHARD_LIMITS in scripts/deploy.mts)`,
    );
  const moved = [...(previous ?? [])].filter(([shard, gateway]) => {
    const now = plans.find((g) => g.databases.some((d) => d.binding === shard))?.binding;
    return now !== gateway;
  });
  if (moved.length > 0)
    throw new DeployError(
      `this deploy would move ${moved.map(([s]) => s).join(", ")} from the gateway the running Worker finds it in: add shards at the end of [env.${cfg.workerName.split("-").at(-1)}]'s list and never remove one`,
    );
  if (plans.length === 0) return { direct, gateways: [] };
  const shardGateways = JSON.stringify(
    Object.fromEntries(plans.map((g) => [g.binding, compressShardNames(g.databases.map((d) => d.binding))])),
  );
  const bytes = new TextEncoder().encode(shardGateways).length;
  if (bytes > VAR_MAX_BYTES)
    throw new DeployError(
      `SHARD_GATEWAYS would be ${bytes} bytes, over a variable's 5 KB: name the shards <branch>_<number> so that they run together`,
    );
  return { direct, gateways: plans, shardGateways };
}

/** The bindings of `[env.<name>]` besides its shards, each counted as Cloudflare counts bindings (and the secrets). */
export function otherBindings(toml: string, env: EnvironmentName): number {
  const cfg = readEnvironment(toml, env);
  const kinds = ["r2_buckets", "queues.producers", "durable_objects.bindings", "analytics_engine_datasets", "send_email", "services"];
  const count = blocks(toml).filter((b) => kinds.some((k) => b.header === `env.${env}.${k}`)).length;
  const databases = cfg.databases.filter((d) => !SHARD_NAME.test(d.binding)).length;
  return count + databases + Object.keys(cfg.vars).length + neededSecrets(cfg.vars).length + 1; // + the assets
}

/** The gateway source, from where a generated configuration is written. */
const GATEWAY_MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "worker", "gateway.ts");

/** A gateway Worker's own wrangler configuration: its script, no route, and its shards. */
export function gatewayConfig(toml: string, plan: GatewayPlan, at: string): string {
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "2026-11-01";
  return [
    `# Generated by npm run deploy (scripts/deploy.mts): a shard gateway, worker/gateway.ts. Do not edit.`,
    `name = "${plan.script}"`,
    `main = "${relative(dirname(at), GATEWAY_MAIN).split(sep).join(posix.sep)}"`,
    `compatibility_date = "${date}"`,
    `workers_dev = false`,
    `preview_urls = false`,
    // Its invocations in Workers Logs beside the Worker's.
    "[observability]",
    "enabled = true",
    ...plan.databases.flatMap((d) => [
      "",
      "[[d1_databases]]",
      `binding = "${d.binding}"`,
      `database_name = "${d.name}"`,
      `database_id = "${d.id}"`,
    ]),
    "",
  ].join("\n");
}

/**
 * The main Worker's configuration as deployed when there are gateways: wrangler.toml with `[env.<name>]`'s shards
 * that gateways hold left out, a service binding per gateway, and `SHARD_GATEWAYS` among its variables.
 */
export function mainConfig(toml: string, env: EnvironmentName, plan: ShardPlan): string {
  const lines = toml.split("\n");
  const held = new Set(plan.gateways.flatMap((g) => g.databases.map((d) => d.binding)));
  const drop = new Set<number>();
  let varsAt = -1;
  for (const b of blocks(toml)) {
    if (b.header === `env.${env}.vars`) varsAt = b.start;
    if (b.header === `env.${env}.d1_databases` && held.has(b.values.binding ?? "")) for (let i = b.start; i < b.end; i++) drop.add(i);
  }
  if (varsAt < 0) throw new DeployError(`wrangler.toml has no [env.${env}.vars]`);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (drop.has(i) || /^\s*SHARD_GATEWAYS\s*=/.test(line)) return;
    out.push(line);
    if (i === varsAt) out.push(`SHARD_GATEWAYS = '${plan.shardGateways}'`);
  });
  for (const g of plan.gateways) out.push("", `[[env.${env}.services]]`, `binding = "${g.binding}"`, `service = "${g.script}"`);
  return `${out.join("\n")}\n`;
}

// ── wrangler's answers ────────────────────────────────────────────────────────────────────────────────

/** `wrangler queues list` prints a table: every cell of it, to look a name up. */
function tableCells(text: string): Set<string> {
  const cells = new Set<string>();
  for (const line of text.split("\n")) for (const cell of line.split(/[│|]/)) if (cell.trim()) cells.add(cell.trim());
  return cells;
}

/** `wrangler r2 bucket list` prints `name: …` blocks. */
const bucketNames = (text: string) => new Set([...text.matchAll(/^name:\s+(\S+)/gm)].map((m) => m[1] ?? ""));

// ── the deploy ────────────────────────────────────────────────────────────────────────────────────────

export async function deploy(opts: DeployOptions): Promise<DeployReport> {
  const { env, dryRun, print, location = "eeur" } = opts;
  const report: DeployReport = { created: [], idsWritten: [], migrated: [], deployed: false };
  const toml = readFileSync(opts.configPath, "utf8");
  const cfg = readEnvironment(toml, env);
  const problems = environmentProblems(toml, env);
  if (problems.length) throw new DeployError(`wrangler.toml is not deployable:\n  ${problems.join("\n  ")}`);
  const envArgs = ["--env", env, "--config", opts.configPath];
  print(`${dryRun ? "Dry run: nothing is created or changed. " : ""}Deploying ${cfg.workerName} (wrangler.toml [env.${env}])`);
  // Which shards go to gateways, planned before anything is created: a plan that would move a shard the running
  // Worker finds in a gateway (the map the last deploy committed beside wrangler.toml) stops here.
  const generatedPrefix = basename(opts.configPath).replace(/\.toml$/, "");
  const mapFile = join(dirname(opts.configPath), `${generatedPrefix}.${env}.shard-gateways.json`);
  const previous = existsSync(mapFile) ? parseShardGateways(readFileSync(mapFile, "utf8")) : undefined;
  planShards(cfg, otherBindings(toml, env), opts.shardLimits, previous);

  /** A command that must succeed; its failure stops the deploy with what wrangler said. */
  const must = async (tool: "wrangler" | "vite", args: string[]) => {
    const res = await opts.run(tool, args);
    if (res.code !== 0) {
      const said = (res.stderr.trim() || res.stdout.trim()).split("\n").slice(-5).join("\n    ");
      throw new DeployError(`\`${tool} ${args.join(" ")}\` failed (exit ${res.code}); nothing after it was done:\n    ${said}`);
    }
    return res.stdout;
  };
  /** In a dry run the account may be out of reach (CI without credentials): then assume nothing exists. */
  let offline = false;
  const read = async (args: string[]) => {
    if (offline) return undefined;
    if (!dryRun) return must("wrangler", args);
    const res = await opts.run("wrangler", args);
    if (res.code === 0) return res.stdout;
    offline = true;
    const said = (res.stderr.trim() || res.stdout.trim()).split("\n").at(-1);
    print(`  ! cannot read the account (\`wrangler ${args.join(" ")}\` exit ${res.code}: ${said}): the plan assumes nothing exists yet`);
    return undefined;
  };
  const create = async (what: string, args: string[]) => {
    report.created.push(what);
    if (dryRun) return print(`  would create ${what}: wrangler ${args.join(" ")}`);
    await must("wrangler", args);
    print(`  + created ${what}`);
  };

  // 1. D1: the global directory and every shard.
  print("D1 databases");
  const listDatabases = async () => {
    const out = await read(["d1", "list", "--json"]);
    if (out === undefined) return new Map<string, string>();
    try {
      return new Map((JSON.parse(out) as { uuid: string; name: string }[]).map((d) => [d.name, d.uuid]));
    } catch {
      throw new DeployError(`\`wrangler d1 list --json\` did not answer JSON: ${out.slice(0, 200)}`);
    }
  };
  let databases = await listDatabases();
  for (const db of cfg.databases) {
    if (databases.has(db.name)) print(`  = ${db.name} exists`);
    else await create(`D1 ${db.name}`, ["d1", "create", db.name, "--location", location]);
  }
  if (!dryRun && report.created.length) databases = await listDatabases();
  const ids: Record<string, string> = {};
  for (const db of cfg.databases) {
    const id = databases.get(db.name);
    if (!id) {
      if (dryRun) continue;
      throw new DeployError(`D1 ${db.name} was created but \`wrangler d1 list\` does not show it`);
    }
    if (id !== db.id) {
      ids[db.name] = id;
      report.idsWritten.push(db.name);
    }
  }
  if (report.idsWritten.length) {
    if (dryRun) print(`  would write the ids of ${report.idsWritten.join(", ")} into ${opts.configPath} [env.${env}]`);
    else {
      writeFileSync(opts.configPath, writeDatabaseIds(toml, env, ids));
      print(`  + wrote the ids of ${report.idsWritten.length} databases into ${opts.configPath} [env.${env}] (commit it)`);
    }
  }

  // 2. Queues, the dead-letter queue among them.
  print("Queues");
  const queues = new Set<string>();
  for (let page = 1; page <= 50; page++) {
    const out = await read(["queues", "list", "--page", String(page)]);
    if (out === undefined) break;
    const before = queues.size;
    for (const cell of tableCells(out)) queues.add(cell);
    if (queues.size === before) break;
  }
  for (const q of cfg.queues) {
    if (queues.has(q)) print(`  = ${q} exists`);
    else await create(`queue ${q}`, ["queues", "create", q]);
  }

  // 3. R2.
  print("R2 bucket");
  const buckets = bucketNames((await read(["r2", "bucket", "list"])) ?? "");
  for (const b of cfg.buckets) {
    if (buckets.has(b)) print(`  = ${b} exists`);
    else await create(`R2 bucket ${b}`, ["r2", "bucket", "create", b, "--location", location]);
  }

  // 4. Secrets: the Worker refuses the money and identity routes without them; say which are missing before migrating
  // or deploying anything (a database moved ahead of a Worker that cannot be deployed is a half-done release).
  print("Secrets");
  const needed = neededSecrets(cfg.vars);
  const secretList = await opts.run("wrangler", ["secret", "list", "--format", "json", ...envArgs]);
  let set: string[] | undefined;
  if (secretList.code === 0) {
    try {
      set = (JSON.parse(secretList.stdout) as { name: string }[]).map((s) => s.name);
    } catch {
      set = undefined;
    }
  } else if (/not found|does not exist|10007/i.test(secretList.stderr + secretList.stdout)) set = []; // the Worker's first deploy
  const missing = set ? needed.filter((n) => !set.includes(n)) : needed;
  if (!set) {
    const said = (secretList.stderr || secretList.stdout).trim().split("\n").slice(-3).join("\n    ");
    // Without the list nobody knows what is missing: stop (a dry run, perhaps without access, only says so).
    if (!dryRun)
      throw new DeployError(
        `could not list the secrets of ${cfg.workerName} (wrangler secret list failed); needed: ${needed.join(", ")}\n    ${said}`,
      );
    print(`  ! could not list the secrets of ${cfg.workerName}; needed: ${needed.join(", ")}`);
  } else if (missing.length === 0) print(`  = all ${needed.length} secrets are set`);
  if (set && missing.length) {
    const how = missing.map((n) => `npx wrangler secret put ${n} --env ${env}`).join("\n    ");
    if (!dryRun)
      throw new DeployError(
        `${cfg.workerName} lacks ${missing.length} secret(s); set them (worker/platform/secrets.ts says how to make each), then run again:\n    ${how}`,
      );
    print(`  would stop here: missing ${missing.join(", ")}\n    ${how}`);
  }

  // 5. Migrations, database by database (wrangler applies only those not yet applied; we ask first, to say so).
  print("Migrations");
  for (const db of cfg.databases) {
    const exists = databases.has(db.name) && !report.created.includes(`D1 ${db.name}`);
    const out =
      exists && (dryRun ? databases.get(db.name) === db.id : true)
        ? await read(["d1", "migrations", "list", db.name, "--remote", ...envArgs])
        : undefined;
    if (out?.includes("No migrations to apply")) {
      print(`  = ${db.name} is up to date`);
      continue;
    }
    report.migrated.push(db.name);
    const args = ["d1", "migrations", "apply", db.name, "--remote", ...envArgs];
    if (dryRun) print(`  would apply ${db.migrationsDir} to ${db.name}: wrangler ${args.join(" ")}`);
    else {
      await must("wrangler", args);
      print(`  + applied ${db.migrationsDir} to ${db.name}`);
    }
  }

  // 6. Build and deploy: the shard gateways first (the Worker's service bindings need them), then the Worker.
  print("Build and deploy");
  await must("vite", ["build", "--logLevel", "warn"]);
  print("  + built dist/");
  const written = readFileSync(opts.configPath, "utf8"); // with the ids step 1 wrote
  // Beside wrangler.toml (its paths are relative to it): wrangler.<env>.generated.toml and one per gateway.
  const mainGenerated = join(dirname(opts.configPath), `${generatedPrefix}.${env}.generated.toml`);
  const plan = planShards(readEnvironment(written, env), otherBindings(written, env), opts.shardLimits, previous);
  let workerArgs = envArgs;
  const outDir = dryRun ? (opts.outDir ?? mkdtempSync(join(tmpdir(), `kabinet-${env}-`))) : undefined;
  if (plan.gateways.length > 0) {
    print(
      `  ${plan.direct.length} shards bound to ${cfg.workerName}, ${plan.gateways.reduce((n, g) => n + g.databases.length, 0)} through ${plan.gateways.length} shard gateway(s)`,
    );
    report.gateways = [];
    for (const g of plan.gateways) {
      const at = join(dirname(opts.configPath), `${generatedPrefix}.${env}.${g.script}.generated.toml`);
      writeFileSync(at, gatewayConfig(written, g, at));
      const args = dryRun
        ? ["deploy", "--dry-run", "--outdir", join(outDir as string, g.script), "--config", at]
        : ["deploy", "--config", at];
      await must("wrangler", args);
      report.gateways.push(g.script);
      print(
        dryRun
          ? `  = ${g.script}: ${g.databases.length} shards (wrangler deploy --dry-run)`
          : `  + deployed ${g.script}: ${g.databases.length} shards`,
      );
    }
    writeFileSync(mainGenerated, mainConfig(written, env, plan));
    workerArgs = ["--env", env, "--config", mainGenerated];
  }
  if (dryRun) {
    await must("wrangler", ["deploy", "--dry-run", "--outdir", outDir as string, ...workerArgs]);
    print(`  = wrangler deploy --dry-run: the configuration and bundle are valid (${outDir})`);
  } else {
    await must("wrangler", ["deploy", ...workerArgs]);
    report.deployed = true;
    print(`  + deployed ${cfg.workerName}`);
    // The map the Worker now runs with, for the next deploy's check (a dry run writes none: it deployed nothing).
    const map = plan.shardGateways ?? "{}";
    if ((plan.shardGateways || existsSync(mapFile)) && (!existsSync(mapFile) || readFileSync(mapFile, "utf8").trim() !== map)) {
      writeFileSync(mapFile, `${map}\n`);
      print(
        `  + wrote the shard gateways' map to ${mapFile} (commit it: the next deploy, from any machine, keeps every shard where it is)`,
      );
    }
  }

  const [c, w, m] = [report.created.length, report.idsWritten.length, report.migrated.length];
  print(
    dryRun
      ? `Dry run done: would create ${c}, write ${w} database ids, migrate ${m} databases, then deploy ${cfg.workerName}.`
      : `Done: ${c} created, ${w} database ids written, ${m} databases migrated, ${cfg.workerName} deployed.`,
  );
  return report;
}

/** The real runner: the project's own wrangler and vite, output captured (wrangler skips its prompts without a TTY). */
export const cliRunner: Runner = (tool, args) =>
  new Promise((resolve) => {
    const child = spawn(join(process.cwd(), "node_modules", ".bin", tool), args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", (e) => resolve({ code: 127, stdout, stderr: String(e) }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });

/** `--env staging|production`, `--dry-run`, `--location <hint>`, `--direct-shards <n>`. */
export function parseArgs(argv: string[]): { env: EnvironmentName; dryRun: boolean; location?: string; shardLimits?: ShardLimits } {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    const eq = argv.find((a) => a.startsWith(`${flag}=`));
    return eq ? eq.slice(flag.length + 1) : i >= 0 ? argv[i + 1] : undefined;
  };
  const env = at("--env") ?? at("-e");
  if (!ENVIRONMENTS.includes(env as EnvironmentName))
    throw new DeployError(`usage: npm run deploy -- --env ${ENVIRONMENTS.join("|")} [--dry-run] [--location eeur] [--direct-shards <n>]`);
  const location = at("--location");
  // How many shards the Worker binds itself (SHARD_LIMITS.direct): lower on staging to try a gateway with few shards.
  const direct = at("--direct-shards");
  const home = new Set(Object.values(SHARD_MAP)).size;
  if (direct !== undefined && !(/^\d+$/.test(direct) && Number(direct) >= home && Number(direct) <= SHARD_LIMITS.direct))
    throw new DeployError(`--direct-shards takes a number from ${home} (the home shards) to ${SHARD_LIMITS.direct}`);
  return {
    env: env as EnvironmentName,
    dryRun: argv.includes("--dry-run"),
    ...(location ? { location } : {}),
    ...(direct !== undefined ? { shardLimits: { ...SHARD_LIMITS, direct: Number(direct) } } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseArgs(process.argv.slice(2));
    await deploy({ ...args, configPath: "wrangler.toml", run: cliRunner, print: (line) => console.log(line) });
  } catch (e) {
    console.error(e instanceof DeployError ? `deploy stopped: ${e.message}` : e);
    process.exit(1);
  }
}
