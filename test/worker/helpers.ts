import { exports } from "cloudflare:workers";
import { buildSeed } from "../../worker/db/seed/seed";
import type { ShardBinding } from "../../worker/platform/db";

let seedPromise: ReturnType<typeof buildSeed> | undefined;

/** Loads the demo data set into the global database and every shard (idempotent). */
export async function seedDatabases(env: Env) {
  seedPromise ??= buildSeed();
  const seed = await seedPromise;
  const run = async (db: D1Database, statements: string[]) => {
    for (let i = 0; i < statements.length; i += 200) await db.batch(statements.slice(i, i + 200).map((s) => db.prepare(s)));
  };
  await run(env.DB, seed.global);
  for (const [binding, statements] of Object.entries(seed.shards)) await run(env[binding as ShardBinding], statements);
}

export const BASE = "kabinet.localhost";

/** A request to the Worker as if made to a host under the base domain (sub = null for the apex). */
export function call(sub: string | null, path: string, init: RequestInit & { cf?: Record<string, unknown> } = {}) {
  const host = sub ? `${sub}.${BASE}` : BASE;
  return exports.default.fetch(new Request(`http://${host}${path}`, { redirect: "manual", ...init }));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
