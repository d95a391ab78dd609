import { isShardBinding, SHARDS, shardBindings, shardDatabase } from "../../platform/db";
import { isolateState } from "../../platform/isolate-state";
import { keyHash } from "../../platform/message-stores";
import { unusableConfig } from "../../platform/production";
import { type GatewayService, gatewayOf, shardGateways } from "../../platform/shard-gateways";
import { HEALTH_SHARDS } from "./health.limits";

/** Each check has this long; a binding that has not answered by then is failing. */
export const CHECK_TIMEOUT_MS = 2_000;

/** A repeated probe within this time gets the last answer: /healthz stays cheap whoever calls it how often. */
const REUSE_MS = 5_000;

export { HEALTH_SHARDS };

export type CheckOutcome =
  | { ok: true; ms: number }
  | { ok: false; ms: number; error: "timeout" | "error" | "missing" }
  /** The configuration check: the names of what is unusable (never a value). */
  | { ok: false; ms: number; error: "unusable"; names: string[] };

/**
 * `config`: outside DEV_MODE, a missing or development secret or provider
 * closes sign-in and payments (platform/production.ts) while every binding
 * answers; the probe says so, by names only.
 */
function configCheck(env: Env): CheckOutcome {
  const names = [...new Set(unusableConfig(env).map((p) => p.name))];
  return names.length === 0 ? { ok: true, ms: 0 } : { ok: false, ms: 0, error: "unusable", names };
}

export interface Health {
  ok: boolean;
  /** By binding name (wrangler.toml), in a fixed order. */
  checks: Record<string, CheckOutcome>;
  failing: string[];
}

const QUEUE_PRODUCERS = ["NOTIFICATIONS", "BILLING", "REPORTS"] as const;

/**
 * The shards this probe checks: every one when they fit, else the home shards and a share of the others that starts
 * at a place drawn from the probe's 5-second slot (`window`): every isolate checks the same ones in a slot, and a load
 * balancer probing every n seconds, whatever n, still reaches every shard in turn (a start that only moved on with the
 * slot would repeat the same share for a prober whose period is a multiple of the shards' cycle).
 */
export function shardsToProbe(all: readonly string[], window: number): string[] {
  if (all.length <= HEALTH_SHARDS) return [...all];
  const home = all.filter((s) => (SHARDS as readonly string[]).includes(s));
  const others = all.filter((s) => !(SHARDS as readonly string[]).includes(s));
  const room = Math.max(1, HEALTH_SHARDS - home.length);
  const start = keyHash(`healthz:${Math.max(0, Math.floor(window))}`) % others.length;
  return [...home, ...Array.from({ length: Math.min(room, others.length) }, (_, i) => others[(start + i) % others.length] as string)];
}

/**
 * Every shard this Worker should reach: those it reaches (bound, or through a bound gateway), then those the gateway
 * map gives a gateway it is not bound to (reported missing).
 */
function shardsNamed(env: Env): string[] {
  const reached = shardBindings(env);
  const known = new Set<string>(reached);
  const lost = [...shardGateways(env).keys()].filter((s) => !known.has(s)).sort();
  return [...reached, ...lost];
}

/**
 * What is checked, one entry per binding: the global database and every
 * shard answer `SELECT 1` (past `HEALTH_SHARDS`, the home shards and a share of the others in turn; a gateway's shards
 * in one call to it, whatever their number); the bucket answers a HEAD of a key that need not
 * exist; each queue producer is there (sending would be a write); the chat
 * rooms' namespace answers an RPC that reads nothing; the static assets
 * serve the app's shell. Nothing is written, and nothing read is returned.
 */
function probes(env: Env, now: number): [string, () => Promise<boolean>][] {
  const d1 = (db: D1Database | undefined) => async () => (await db?.prepare("SELECT 1 AS ok").first<{ ok: number }>())?.ok === 1;
  const chosen = shardsToProbe(shardsNamed(env), now / REUSE_MS);
  // One call a gateway for all its shards here (a request may make at most 32 Worker invocations).
  const viaGateway = new Map<GatewayService, string[]>();
  const holder = new Map<string, GatewayService>();
  for (const s of chosen) {
    const gateway = (env as unknown as Record<string, unknown>)[s] ? undefined : gatewayOf(env, s);
    if (!gateway) continue;
    viaGateway.set(gateway, [...(viaGateway.get(gateway) ?? []), s]);
    holder.set(s, gateway);
  }
  const answers = new Map<GatewayService, Promise<Record<string, boolean>>>();
  const viaCheck = (gateway: GatewayService, s: string) => async () => {
    let answer = answers.get(gateway);
    if (!answer) {
      answer = Promise.resolve(gateway.check(viaGateway.get(gateway) ?? []));
      answers.set(gateway, answer);
    }
    return (await answer)[s] === true;
  };
  return [
    ["DB", d1(env.DB)],
    ...chosen.map((s): [string, () => Promise<boolean>] => {
      const gateway = holder.get(s);
      return [s, gateway ? viaCheck(gateway, s) : d1(shardDatabase(env, s))];
    }),
    [
      "FILES",
      async () => {
        // null (no such object) is an answer: the bucket is there.
        await env.FILES.head("healthz/probe");
        return true;
      },
    ],
    ...QUEUE_PRODUCERS.map((q): [string, () => Promise<boolean>] => [q, async () => typeof env[q]?.send === "function"]),
    [
      "CHAT_ROOMS",
      async () => {
        const presence = await env.CHAT_ROOMS.get(env.CHAT_ROOMS.idFromName("healthz")).presence();
        return typeof presence.customers === "number";
      },
    ],
    [
      "ASSETS",
      async () => {
        const res = await env.ASSETS.fetch("http://assets.local/", { method: "HEAD" });
        await res.body?.cancel();
        return res.ok;
      },
    ],
  ];
}

/** Whether the Worker has what a check probes: its binding, or for a shard its binding or the gateway that holds it. */
function present(name: string, env: Env): boolean {
  if (isShardBinding(name)) return shardDatabase(env, name) !== undefined;
  return name in env && env[name as keyof Env] != null;
}

async function run(name: string, probe: () => Promise<boolean>, env: Env, timeoutMs: number): Promise<CheckOutcome> {
  const started = Date.now();
  if (!present(name, env)) return { ok: false, ms: 0, error: "missing" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([probe().then((ok) => (ok ? "ok" : "error")), timeout]);
    const ms = Date.now() - started;
    return answer === "ok" ? { ok: true, ms } : { ok: false, ms, error: answer };
  } catch {
    // What the binding threw may name internals: the check says only that it failed.
    return { ok: false, ms: Date.now() - started, error: "error" };
  } finally {
    clearTimeout(timer);
  }
}

let recent = new WeakMap<Env, { at: number; health: Promise<Health> }>();
isolateState("health/health.service", () => {
  recent = new WeakMap();
});

/** Checks every binding at once, each with its own timeout. */
export function checkHealth(env: Env, now = Date.now(), timeoutMs = CHECK_TIMEOUT_MS): Promise<Health> {
  const last = recent.get(env);
  if (last && now - last.at < REUSE_MS) return last.health;
  const health = (async () => {
    const list = probes(env, now);
    const outcomes = await Promise.all(list.map(([name, probe]) => run(name, probe, env, timeoutMs)));
    const checks: Record<string, CheckOutcome> = Object.fromEntries(list.map(([name], i) => [name, outcomes[i] as CheckOutcome]));
    checks.config = configCheck(env);
    const failing = Object.keys(checks).filter((name) => !checks[name]?.ok);
    return { ok: failing.length === 0, checks, failing };
  })();
  recent.set(env, { at: now, health });
  return health;
}
