/**
 * `npm run check:deploy`: is each environment of wrangler.toml deployable?
 * Offline: the rules of scripts/deploy.mts (DEV_MODE off, no development
 * values, every binding repeated, resources of its own), then
 * `wrangler deploy --dry-run --outdir <tmp> --env <env>`, which validates the
 * configuration and bundles the Worker without talking to Cloudflare.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliRunner, ENVIRONMENTS, environmentProblems } from "./deploy.mts";

const toml = readFileSync("wrangler.toml", "utf8");
const out = mkdtempSync(join(tmpdir(), "kabinet-check-deploy-"));
let failed = false;
// Static Assets need the built app; build it once if this checkout has none.
if (!existsSync("dist/index.html")) {
  const build = await cliRunner("vite", ["build", "--logLevel", "warn"]);
  if (build.code !== 0) {
    console.error(build.stderr || build.stdout);
    process.exit(1);
  }
}
for (const env of ENVIRONMENTS) {
  const problems = environmentProblems(toml, env);
  for (const p of problems) console.error(`✘ ${p}`);
  const res = await cliRunner("wrangler", ["deploy", "--dry-run", "--outdir", join(out, env), "--env", env]);
  if (res.code !== 0) console.error(`✘ wrangler deploy --dry-run --env ${env} (exit ${res.code}):\n${res.stderr || res.stdout}`);
  const ok = problems.length === 0 && res.code === 0;
  failed ||= !ok;
  console.log(`${ok ? "✓" : "✘"} ${env}: ${ok ? "deployable (wrangler deploy --dry-run)" : "not deployable"}`);
}
process.exit(failed ? 1 : 0);
