// @vitest-environment node
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import {
  cliRunner,
  compressShardNames,
  DeployError,
  deploy,
  planShards as deployPlan,
  type EnvironmentName,
  environmentProblems,
  otherBindings,
  parseArgs,
  type Runner,
  readEnvironment,
  type ShardLimits,
} from "../../scripts/deploy.mts";
import { neededSecrets } from "../../worker/platform/secrets";
import { parseShardGateways } from "../../worker/platform/shard-gateways";

const TOML = readFileSync(join(process.cwd(), "wrangler.toml"), "utf8");
const SHARDS = ["global", "center", "moscow", "northwest", "volga", "south", "ural", "siberia", "fareast"];
/** Message stores an environment has: two in staging, 16 in production (wrangler.toml). */
const STORES: Record<EnvironmentName, number> = { staging: 2, production: 16 };
/** Identity stores: two in staging, 8 in production. */
const IDENTITY_STORES: Record<EnvironmentName, number> = { staging: 2, production: 8 };
const databasesOf = (env: EnvironmentName) => [
  ...SHARDS.map((s) => `kabinet-${env}-${s}`),
  ...Array.from({ length: STORES[env] }, (_, i) => `kabinet-${env}-messages-${i}`),
  ...Array.from({ length: IDENTITY_STORES[env] }, (_, i) => `kabinet-${env}-identity-${i}`),
];

/**
 * A Cloudflare account as the wrangler CLI shows it, in memory: databases,
 * queues, buckets, applied migrations, secrets. It answers the commands the
 * deploy script runs with wrangler's own output formats, and records them.
 */
function fakeAccount(opts: { secrets?: string[]; fail?: string } = {}) {
  const databases = new Map<string, string>();
  const queues = new Set<string>();
  const buckets = new Set<string>();
  const migrated = new Set<string>();
  const secrets = new Set(opts.secrets ?? []);
  const commands: string[] = [];
  let n = 0;
  const ok = (stdout = "") => Promise.resolve({ code: 0, stdout, stderr: "" });
  const run: Runner = (tool, args) => {
    const line = `${tool} ${args.join(" ")}`;
    commands.push(line);
    if (opts.fail && line.startsWith(opts.fail))
      return Promise.resolve({ code: 1, stdout: "", stderr: "✘ [ERROR] A request to the Cloudflare API failed. [code: 7500]" });
    if (tool === "vite") return ok("built");
    const [a, b, c, d] = args;
    if (a === "d1" && b === "list")
      return ok(JSON.stringify([...databases].map(([name, uuid]) => ({ uuid, name, version: "production" }))));
    if (a === "d1" && b === "create" && c) {
      databases.set(c, `5e1f0000-0000-4000-8000-${String(++n).padStart(12, "0")}`);
      return ok(`✅ Successfully created DB '${c}'`);
    }
    if (a === "d1" && b === "migrations" && c === "list" && d)
      return ok(migrated.has(d) ? "✅ No migrations to apply!" : "Migrations to be applied:\n│ 0000_init.sql │");
    if (a === "d1" && b === "migrations" && c === "apply" && d) {
      migrated.add(d);
      return ok("✅ applied");
    }
    if (a === "queues" && b === "list") {
      const rows = args[3] === "1" ? [...queues].map((q, i) => `│ q${i} │ ${q} │ 2026-12-02 │ 2026-12-02 │ 1 │ 1 │`) : [];
      return ok(["┌────┬──────┐", "│ id │ name │ created_on │ modified_on │ producers │ consumers │", ...rows, "└────┘"].join("\n"));
    }
    if (a === "queues" && b === "create" && c) {
      queues.add(c);
      return ok(`Created queue ${c}.`);
    }
    if (a === "r2" && b === "bucket" && c === "list")
      return ok(
        ["Listing buckets...", ...[...buckets].map((x) => `name:           ${x}\ncreation_date:  2026-12-02T00:00:00.000Z`)].join("\n\n"),
      );
    if (a === "r2" && b === "bucket" && c === "create" && d) {
      buckets.add(d);
      return ok(`✅ Created bucket '${d}'`);
    }
    if (a === "secret" && b === "list") return ok(JSON.stringify([...secrets].map((name) => ({ name, type: "secret_text" }))));
    if (a === "deploy") return ok("Uploaded kabinet");
    return Promise.resolve({ code: 1, stdout: "", stderr: `unknown command ${line}` });
  };
  return { run, commands, databases, queues, buckets, migrated };
}

const changing = (commands: string[]) => commands.filter((c) => /\b(create|apply)\b/.test(c));

describe("npm run deploy", () => {
  let config: string;
  beforeEach(() => {
    config = join(mkdtempSync(join(tmpdir(), "kabinet-deploy-")), "wrangler.toml");
    writeFileSync(config, TOML);
  });
  const quiet = { print: () => {} };

  for (const env of ["staging", "production"] as EnvironmentName[]) {
    it(`${env}: the first run creates every database, queue and the bucket, writes their ids, migrates and deploys; the second changes nothing`, async () => {
      const account = fakeAccount({ secrets: neededSecrets(readEnvironment(TOML, env).vars) });
      const lines: string[] = [];
      const first = await deploy({ env, dryRun: false, configPath: config, run: account.run, print: (l) => lines.push(l) });

      expect([...account.databases.keys()].sort()).toEqual(databasesOf(env).sort());
      expect([...account.queues].sort()).toEqual(["billing", "dlq", "notifications", "reports", "usage"].map((q) => `kabinet-${env}-${q}`));
      expect([...account.buckets]).toEqual([`kabinet-${env}-files`]);
      expect([...account.migrated].sort()).toEqual([...account.databases.keys()].sort());
      const dbs = 9 + STORES[env] + IDENTITY_STORES[env];
      expect(first.created).toHaveLength(dbs + 5 + 1);
      expect(first.deployed).toBe(true);
      // The real ids are in the environment's bindings now; the other environment and the local ones are untouched.
      const written = readFileSync(config, "utf8");
      expect(readEnvironment(written, env).databases.map((d) => d.id)).toEqual(
        readEnvironment(written, env).databases.map((d) => account.databases.get(d.name)),
      );
      const other = env === "staging" ? "production" : "staging";
      expect(readEnvironment(written, other)).toEqual(readEnvironment(TOML, other));
      expect(written.split("[env.")[0]).toBe(TOML.split("[env.")[0]);
      // The global directory gets the global migrations, a shard the regional ones.
      expect(account.commands).toContain(`wrangler d1 migrations apply kabinet-${env}-global --remote --env ${env} --config ${config}`);
      expect(lines.join("\n")).toContain(
        `Done: ${dbs + 6} created, ${dbs} database ids written, ${dbs} databases migrated, kabinet-${env} deployed.`,
      );
      expect(account.commands.at(-1)).toBe(`wrangler deploy --env ${env} --config ${config}`);

      account.commands.length = 0;
      const second = await deploy({ env, dryRun: false, configPath: config, run: account.run, ...quiet });
      expect(changing(account.commands)).toEqual([]);
      expect(second).toEqual({ created: [], idsWritten: [], migrated: [], deployed: true });
      expect(readFileSync(config, "utf8")).toBe(written);
    });
  }

  it("creates only what is missing, and applies only the migrations a database lacks", async () => {
    const account = fakeAccount({ secrets: neededSecrets(readEnvironment(TOML, "staging").vars) });
    await deploy({ env: "staging", dryRun: false, configPath: config, run: account.run, ...quiet });
    account.databases.delete("kabinet-staging-ural");
    account.queues.delete("kabinet-staging-dlq");
    account.migrated.delete("kabinet-staging-moscow");
    account.commands.length = 0;
    const report = await deploy({ env: "staging", dryRun: false, configPath: config, run: account.run, ...quiet });
    expect(changing(account.commands).map((c) => c.split(" --")[0])).toEqual([
      "wrangler d1 create kabinet-staging-ural",
      "wrangler queues create kabinet-staging-dlq",
      "wrangler d1 migrations apply kabinet-staging-moscow",
      "wrangler d1 migrations apply kabinet-staging-ural",
    ]);
    expect(report.idsWritten).toEqual(["kabinet-staging-ural"]);
  });

  it("stops at a failing command with what wrangler said, and does nothing after it", async () => {
    const account = fakeAccount({ fail: "wrangler d1 create kabinet-production-ural" });
    const run = deploy({ env: "production", dryRun: false, configPath: config, run: account.run, ...quiet });
    await expect(run).rejects.toThrow(DeployError);
    await expect(run).rejects.toThrow(/`wrangler d1 create kabinet-production-ural --location eeur` failed \(exit 1\).*\n.*code: 7500/);
    expect(account.commands.some((c) => c.includes("deploy") || c.includes("migrations apply") || c.includes("queues create"))).toBe(false);
    expect(readFileSync(config, "utf8")).toBe(TOML);
  });

  it("does not deploy an environment that lacks a secret; it names each with its wrangler secret put", async () => {
    const needed = neededSecrets(readEnvironment(TOML, "production").vars);
    expect(needed).toEqual(expect.arrayContaining(["ALTCHA_HMAC_KEY", "OPERATOR_TOKEN", "YOOKASSA_SECRET_KEY"]));
    const account = fakeAccount({ secrets: needed.filter((n) => n !== "REPORT_LINK_SECRET") });
    await expect(deploy({ env: "production", dryRun: false, configPath: config, run: account.run, ...quiet })).rejects.toThrow(
      /lacks 1 secret\(s\).*\n.*npx wrangler secret put REPORT_LINK_SECRET --env production/,
    );
    expect(account.commands.some((c) => c.startsWith("wrangler deploy"))).toBe(false);
    // Checked before anything is migrated: a database is not moved ahead of a Worker that cannot be deployed.
    expect(account.commands.some((c) => c.includes("migrations apply"))).toBe(false);
  });

  it("stops, migrating and deploying nothing, when wrangler cannot list the secrets", async () => {
    const account = fakeAccount({ secrets: neededSecrets(readEnvironment(TOML, "production").vars), fail: "wrangler secret list" });
    await expect(deploy({ env: "production", dryRun: false, configPath: config, run: account.run, ...quiet })).rejects.toThrow(
      /could not list the secrets of kabinet-production/,
    );
    expect(account.commands.some((c) => c.startsWith("wrangler deploy") || c.includes("migrations apply"))).toBe(false);
  });

  it("--dry-run only reads and prints: nothing is created, written or applied, and it ends with wrangler deploy --dry-run", async () => {
    const account = fakeAccount();
    const lines: string[] = [];
    const report = await deploy({
      env: "staging",
      dryRun: true,
      configPath: config,
      run: account.run,
      print: (l) => lines.push(l),
      outDir: "/tmp/x",
    });
    expect(changing(account.commands)).toEqual([]);
    expect(account.databases.size + account.queues.size + account.buckets.size).toBe(0);
    expect(readFileSync(config, "utf8")).toBe(TOML);
    expect(report.deployed).toBe(false);
    expect(account.commands.at(-1)).toBe(`wrangler deploy --dry-run --outdir /tmp/x --env staging --config ${config}`);
    const text = lines.join("\n");
    expect(text).toContain("would create D1 kabinet-staging-global: wrangler d1 create kabinet-staging-global --location eeur");
    expect(text).toContain("would create queue kabinet-staging-dlq");
    expect(text).toContain("would apply migrations/region to kabinet-staging-fareast");
    expect(text).toContain("would apply migrations/messages to kabinet-staging-messages-1");
    expect(text).toContain("would apply migrations/identity to kabinet-staging-identity-1");
    expect(text).toMatch(/Dry run done: would create 19, write 0 database ids, migrate 13 databases, then deploy kabinet-staging\./);
  });

  it("--dry-run without access to the account (CI) still prints the whole plan and checks the bundle", async () => {
    const offline: Runner = (tool, args) =>
      Promise.resolve(
        tool === "vite" || args.includes("--dry-run")
          ? { code: 0, stdout: "", stderr: "" }
          : { code: 1, stdout: "", stderr: "✘ [ERROR] In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN" },
      );
    const lines: string[] = [];
    const report = await deploy({
      env: "production",
      dryRun: true,
      configPath: config,
      run: offline,
      print: (l) => lines.push(l),
      outDir: "/tmp/x",
    });
    expect(report.created).toHaveLength(9 + 16 + 8 + 6);
    expect(report.migrated).toHaveLength(9 + 16 + 8);
    expect(lines.join("\n")).toContain("cannot read the account");
  });
});

describe("npm run deploy past one Worker's bindings", () => {
  /** A production shard binding as docs/operations.md adds one. */
  const shardBlock = (n: number) =>
    [
      "[[env.production.d1_databases]]",
      `binding = "DB_MOSCOW_${n}"`,
      `database_name = "kabinet-production-moscow-${n}"`,
      `database_id = "00000000-0000-4000-8000-0000000001${String(n).padStart(2, "0")}"`,
      'migrations_dir = "migrations/region"',
      "",
    ].join("\n");
  /** Production with Moscow's shards 2 … count + 1 added in that order (or as `order` lists them), in a directory of its own. */
  function withShards(count: number, dir = mkdtempSync(join(tmpdir(), "kabinet-gateways-")), order?: number[]) {
    const added = (order ?? Array.from({ length: count }, (_, i) => i + 2)).map(shardBlock);
    const toml = TOML.replace("[[env.production.r2_buckets]]", `${added.join("\n")}\n[[env.production.r2_buckets]]`);
    writeFileSync(join(dir, "wrangler.toml"), toml);
    return { toml, dir, config: join(dir, "wrangler.toml") };
  }
  /** A real (not dry) production deploy to the fake account, with these shard limits. */
  const deployTo = (config: string, account: ReturnType<typeof fakeAccount>, shardLimits: ShardLimits) =>
    deploy({ env: "production", dryRun: false, configPath: config, run: account.run, print: () => {}, shardLimits });
  /** The Worker binds its 8 home shards and one more; a gateway holds 5. */
  const small = (toml: string) => ({ direct: 9, perGateway: 5, perWorker: otherBindings(toml, "production") + 9 + 3 });

  it("binds the home shards and what fits to the Worker, deploys the rest in shard gateways first, and tells the Worker where each is", async () => {
    const { toml, dir, config } = withShards(6);
    // DB_MOSCOW_2 stays with the Worker, DB_MOSCOW_3 … 7 go to one gateway.
    const limits = small(toml);
    const account = fakeAccount({ secrets: neededSecrets(readEnvironment(toml, "production").vars) });
    const report = await deployTo(config, account, limits);

    expect(report.gateways).toEqual(["kabinet-production-shards-0"]);
    const gatewayToml = join(dir, "wrangler.production.kabinet-production-shards-0.generated.toml");
    const mainToml = join(dir, "wrangler.production.generated.toml");
    const deploys = account.commands.filter((c) => c.startsWith("wrangler deploy"));
    expect(deploys).toEqual([`wrangler deploy --config ${gatewayToml}`, `wrangler deploy --env production --config ${mainToml}`]);

    // The gateway: its script, no route, and exactly the five shards, with the ids the deploy wrote.
    const gateway = readFileSync(gatewayToml, "utf8");
    expect(gateway).toContain('name = "kabinet-production-shards-0"');
    expect(gateway).toContain("workers_dev = false");
    expect(gateway).toMatch(/^main = ".*worker\/gateway\.ts"$/m);
    const held = [...gateway.matchAll(/binding = "([^"]+)"/g)].map((m) => m[1]);
    expect(held).toEqual(["DB_MOSCOW_3", "DB_MOSCOW_4", "DB_MOSCOW_5", "DB_MOSCOW_6", "DB_MOSCOW_7"]);
    expect(gateway).toContain(`database_id = "${account.databases.get("kabinet-production-moscow-7")}"`);

    // The Worker: every shard but those five, the gateway as a service, and the map as one short variable.
    const main = readFileSync(mainToml, "utf8");
    const bound = readEnvironment(main, "production").databases.map((d) => d.binding);
    expect(bound).toContain("DB_MOSCOW_2");
    expect(bound).toContain("DB_FAREAST");
    expect(bound.filter((b) => held.includes(b))).toEqual([]);
    expect(main).toContain('[[env.production.services]]\nbinding = "SHARD_GATEWAY_0"\nservice = "kabinet-production-shards-0"');
    // A TOML literal string (single quotes: the JSON's double quotes as they are), in [env.production.vars].
    const vars = main.slice(main.indexOf("[env.production.vars]"), main.indexOf("[[env.production.d1_databases]]"));
    const map = /^SHARD_GATEWAYS = '(.*)'$/m.exec(vars)?.[1];
    expect(JSON.parse(map ?? "")).toEqual({ SHARD_GATEWAY_0: ["DB_MOSCOW_3-7"] });
    expect([...parseShardGateways(map).keys()]).toEqual(held);
    // The map the Worker runs with is written beside wrangler.toml, to be committed: the next deploy checks against it.
    expect(JSON.parse(readFileSync(join(dir, "wrangler.production.shard-gateways.json"), "utf8"))).toEqual(JSON.parse(map ?? ""));
    // The Worker's bindings as Cloudflare counts them: its others, its shards, the service and the variable.
    const services = main.split("[[env.production.services]]").length - 1;
    const shards = bound.filter((b) => /^DB_/.test(b)).length;
    expect(shards).toBe(9);
    expect(otherBindings(toml, "production") + shards + services + 1).toBeLessThanOrEqual(limits.perWorker);
    // Its invocations in Workers Logs.
    expect(gateway).toContain("[observability]\nenabled = true");
    // Every database is still migrated from wrangler.toml, the gateways' too.
    expect(account.commands).toContain(
      `wrangler d1 migrations apply kabinet-production-moscow-7 --remote --env production --config ${config}`,
    );
  });

  it("puts a shard added at the end in the last gateway or a new one, and refuses a deploy that would move one", async () => {
    const { dir, config } = withShards(6);
    const account = fakeAccount({ secrets: neededSecrets(readEnvironment(TOML, "production").vars) });
    const limits = small(readFileSync(config, "utf8"));
    await deployTo(config, account, limits);
    // Two shards more, at the end of the list: a second gateway, the first unchanged.
    withShards(8, dir);
    const report = await deployTo(config, account, limits);
    expect(report.gateways).toEqual(["kabinet-production-shards-0", "kabinet-production-shards-1"]);
    const map = /^SHARD_GATEWAYS = '(.*)'$/m.exec(readFileSync(join(dir, "wrangler.production.generated.toml"), "utf8"))?.[1];
    expect(JSON.parse(map ?? "")).toEqual({ SHARD_GATEWAY_0: ["DB_MOSCOW_3-7"], SHARD_GATEWAY_1: ["DB_MOSCOW_8-9"] });
    // A dry run with other limits writes no map: the next real deploy still checks against what runs.
    await deploy({
      env: "production",
      dryRun: true,
      configPath: config,
      run: account.run,
      print: () => {},
      outDir: "/tmp/x",
      shardLimits: { ...limits, direct: 8 },
    }).catch(() => undefined);
    expect(JSON.parse(readFileSync(join(dir, "wrangler.production.shard-gateways.json"), "utf8"))).toEqual(JSON.parse(map ?? ""));
    // A shard put in the middle of the list would push DB_MOSCOW_7 into the next gateway: refused before anything is
    // created, migrated or deployed (the database of DB_MOSCOW_10 is not even created).
    withShards(9, dir, [2, 3, 4, 10, 5, 6, 7, 8, 9]);
    account.commands.length = 0;
    await expect(deployTo(config, account, limits)).rejects.toThrow(
      /would move DB_MOSCOW_7 from the gateway the running Worker finds it in: add shards at the end/,
    );
    expect(account.commands).toEqual([]);
    // So would a deploy that binds a gateway's shards to the Worker again (a forgotten --direct-shards): DB_MOSCOW_3 … 9.
    withShards(8, dir);
    await expect(deployTo(config, account, { ...limits, direct: 20, perWorker: limits.perWorker + 20 })).rejects.toThrow(
      /would move DB_MOSCOW_3, DB_MOSCOW_4/,
    );
  });

  it("the generated configurations are valid to wrangler itself (wrangler deploy --dry-run)", { timeout: 180_000 }, async () => {
    const { toml } = withShards(3);
    // In the checkout, as wrangler.toml is: the Worker's paths (worker/index.ts, dist, migrations) are relative to it.
    const config = join(process.cwd(), `.deploy-test-${process.pid}.toml`);
    writeFileSync(config, toml);
    onTestFinished(() => {
      for (const f of readdirSync(process.cwd())) if (f.startsWith(`.deploy-test-${process.pid}.`)) rmSync(f);
    });
    const limits = { direct: 8, perGateway: 4_500, perWorker: 4_500 }; // the home shards with the Worker, the rest in a gateway
    const out = mkdtempSync(join(tmpdir(), "kabinet-gateways-out-"));
    // wrangler for real (offline: it reads no account, assumes nothing exists, and bundles); the app is not rebuilt here
    // (the browser tests may be serving dist/ beside this file): the checkout's build is what the bundle takes.
    const run: Runner = (tool, args) => (tool === "vite" ? Promise.resolve({ code: 0, stdout: "", stderr: "" }) : cliRunner(tool, args));
    const report = await deploy({
      env: "production",
      dryRun: true,
      configPath: config,
      run,
      print: () => {},
      outDir: out,
      shardLimits: limits,
    });
    expect(report.gateways).toEqual(["kabinet-production-shards-0"]);
    // The gateway's bundle is its one module: nothing of the app comes with it.
    expect(readFileSync(join(out, "kabinet-production-shards-0", "gateway.js"), "utf8")).toContain("shard gateway: no D1 binding");
  });

  it("names runs of shards in few bytes, and refuses a map over a variable's 5 KB", () => {
    const names = ["DB_MOSCOW_3", "DB_MOSCOW_2", "DB_MOSCOW_4", "DB_MOSCOW_9", "DB_VOLGA_ARCHIVE", "DB_SOUTH_07", "DB_SOUTH_08"];
    const runs = compressShardNames(names);
    expect(runs).toEqual(["DB_VOLGA_ARCHIVE", "DB_MOSCOW_2-4", "DB_MOSCOW_9", "DB_SOUTH_07-8"]);
    // The Worker reads them back as the same names.
    expect([...parseShardGateways(JSON.stringify({ SHARD_GATEWAY_0: runs })).keys()].sort()).toEqual([...names].sort());
    const cfg = readEnvironment(TOML, "production");
    const many = Array.from({ length: 4000 }, (_, i) => ({
      binding: `DB_SHARD_${String.fromCharCode(65 + (i % 26))}${i * 2}`,
      name: `n${i}`,
      id: "x",
      migrationsDir: "migrations/region",
    }));
    expect(() =>
      deployPlan({ ...cfg, databases: [...cfg.databases, ...many] }, 100, { direct: 8, perGateway: 5_000, perWorker: 10_000 }),
    ).toThrow(/over a variable's 5 KB/);
    // Too many other bindings for the Worker's share of shards: said, not deployed.
    expect(() => deployPlan(cfg, 4_495, { direct: 9, perGateway: 5, perWorker: 4_500 })).toThrow(/the Worker would have 4,?50\d bindings/);
  });
});

describe("wrangler.toml's environments are deployable", () => {
  it("staging and production have DEV_MODE off, no development values, every binding and resources of their own", () => {
    expect(environmentProblems(TOML, "staging")).toEqual([]);
    expect(environmentProblems(TOML, "production")).toEqual([]);
  });

  it("names what is wrong in a broken environment", () => {
    const broken = TOML.replace(
      /(\[env\.production\.vars\][^[]*?)DEV_MODE = "false"/,
      '$1DEV_MODE = "true"\nOPERATOR_TOKEN = "dev-only-operator-token"',
    )
      .replace(/\[\[env\.production\.r2_buckets\]\]\nbinding = "FILES"\nbucket_name = "kabinet-production-files"\n/, "")
      .replace('queue = "kabinet-production-reports"', 'queue = "kabinet-reports"');
    expect(environmentProblems(broken, "production")).toEqual(
      expect.arrayContaining([
        '[env.production.vars] DEV_MODE must be "false"',
        "[env.production.vars] OPERATOR_TOKEN has a development value; a secret is set with wrangler secret put",
        "[env.production] lacks the r2_buckets binding FILES (bindings are not inherited)",
        "[env.production] resource kabinet-reports is not this environment's own",
      ]),
    );
  });

  it("refuses a rollout flag with a value it does not know (it would mean the default)", () => {
    const misspelt = TOML.replace(/(\[env\.production\.vars\][^[]*?)SIGN_INS_STORE = "global"/, '$1SIGN_INS_STORE = "globl"').replace(
      /(\[env\.staging\.vars\][^[]*?)CODES_STORE = "global"/,
      '$1CODES_STORE = "stores"',
    );
    expect(environmentProblems(misspelt, "production")).toEqual(['[env.production.vars] SIGN_INS_STORE must be "global" or "home"']);
    expect(environmentProblems(misspelt, "staging")).toEqual(['[env.staging.vars] CODES_STORE must be "global" or "identity"']);
    const dropped = TOML.replace(/(\[env\.production\.vars\][^[]*?)GLOBAL_PASSWORDS = "keep"/, '$1GLOBAL_PASSWORDS = "kept"');
    expect(environmentProblems(dropped, "production")).toEqual(['[env.production.vars] GLOBAL_PASSWORDS must be "keep" or "drop"']);
    const both = TOML.replace(/(\[env\.production\.vars\][^[]*?)GLOBAL_PASSWORDS = "keep"/, '$1GLOBAL_PASSWORDS = "drop"');
    expect(environmentProblems(both, "production")).toEqual([
      '[env.production.vars] GLOBAL_PASSWORDS = "drop" has no effect while SIGN_INS_STORE = "global"',
    ]);
    const contacts = TOML.replace(/(\[env\.staging\.vars\][^[]*?)CONTRACT_CONTACTS = "global"/, '$1CONTRACT_CONTACTS = "directory"');
    expect(environmentProblems(contacts, "staging")).toEqual(['[env.staging.vars] CONTRACT_CONTACTS must be "global" or "home"']);
    const places = TOML.replace(/(\[env\.production\.vars\][^[]*?)DIRECTORY_ROWS = "keep"/, '$1DIRECTORY_ROWS = "kept"');
    expect(environmentProblems(places, "production")).toEqual([
      '[env.production.vars] DIRECTORY_ROWS must be "keep" or "drop" or "paused"',
    ]);
    const links = TOML.replace(/(\[env\.production\.vars\][^[]*?)GLOBAL_LINKS = "keep"/, '$1GLOBAL_LINKS = "kept"');
    expect(environmentProblems(links, "production")).toEqual(['[env.production.vars] GLOBAL_LINKS must be "keep" or "drop"']);
    // Dropped while the links are still read from the global table: refused (it would have no effect).
    const early = TOML.replace(/(\[env\.production\.vars\][^[]*?)GLOBAL_LINKS = "keep"/, '$1GLOBAL_LINKS = "drop"');
    expect(environmentProblems(early, "production")).toEqual([
      '[env.production.vars] GLOBAL_LINKS = "drop" has no effect while HOLDERS_STORE or LINKS_STORE = "global"',
    ]);
    // Once both are the stores' (their lines removed), it is deployable.
    const ready = early
      .replace(/(\[env\.production\.vars\][^[]*?)HOLDERS_STORE = "global"\n/, "$1")
      .replace(/(\[env\.production\.vars\][^[]*?)LINKS_STORE = "global"\n/, "$1");
    expect(environmentProblems(ready, "production")).toEqual([]);
  });

  it("wants the message stores bound from MESSAGES_0 without a gap", () => {
    // Production's MESSAGES_7 gone: 8 … 15 would be bound but never used.
    const gap = TOML.replace(
      /binding = "MESSAGES_7"\ndatabase_name = "kabinet-production-messages-7"/,
      'binding = "MESSAGES_77"\ndatabase_name = "kabinet-production-messages-7"',
    );
    expect(gap).not.toBe(TOML);
    expect(environmentProblems(gap, "production")).toEqual([expect.stringContaining("without a gap")]);
    const none = TOML.replace(
      /binding = "MESSAGES_(\d+)"\ndatabase_name = "kabinet-staging-/g,
      'binding = "STORE_$1"\ndatabase_name = "kabinet-staging-',
    );
    expect(environmentProblems(none, "staging")).toEqual(
      expect.arrayContaining(["[env.staging] has no message store (a d1_databases binding MESSAGES_0)"]),
    );
  });

  it("wants the identity stores bound from IDENTITY_0 without a gap", () => {
    // Production's IDENTITY_3 gone: a key hashed to 3 … 7 would be looked for where nothing is bound.
    const gap = TOML.replace(
      /binding = "IDENTITY_3"\ndatabase_name = "kabinet-production-identity-3"/,
      'binding = "IDENTITY_33"\ndatabase_name = "kabinet-production-identity-3"',
    );
    expect(gap).not.toBe(TOML);
    expect(environmentProblems(gap, "production")).toEqual([expect.stringContaining("identity stores must be IDENTITY_0")]);
    const none = TOML.replace(
      /binding = "IDENTITY_(\d+)"\ndatabase_name = "kabinet-staging-/g,
      'binding = "KEYS_$1"\ndatabase_name = "kabinet-staging-',
    );
    expect(environmentProblems(none, "staging")).toEqual(
      expect.arrayContaining(["[env.staging] has no identity store (a d1_databases binding IDENTITY_0)"]),
    );
    expect(environmentProblems(TOML, "production")).toEqual([]);
  });

  it("refuses an unknown environment", () => {
    expect(() => parseArgs(["--env", "prod"])).toThrow(/usage: npm run deploy -- --env staging\|production/);
    expect(parseArgs(["--env", "staging", "--dry-run"])).toEqual({ env: "staging", dryRun: true });
    expect(parseArgs(["--env=production", "--location", "weur"])).toEqual({ env: "production", dryRun: false, location: "weur" });
    expect(parseArgs(["--env", "staging", "--direct-shards", "8"]).shardLimits).toEqual({ direct: 8, perGateway: 4_500, perWorker: 4_500 });
    for (const bad of ["7", "4001", "x", ""])
      expect(() => parseArgs(["--env", "staging", "--direct-shards", bad])).toThrow(/--direct-shards/);
  });
});
