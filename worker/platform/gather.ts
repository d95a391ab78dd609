import { sql } from "drizzle-orm";
import { accountDirectory } from "../db/schema/global";
import { isShardBinding, type ShardBinding } from "./db";
import type { GlobalDb } from "./db.types";
import { newId } from "./ids";

/**
 * A read over many shards, a message's share at a time (an organisation's month of charges for its УПД, its act of
 * reconciliation): an organisation's accounts may be on hundreds of shards, one at least a query each, more than one
 * invocation's 1,000 D1 queries. A read that fits `budget` is made at once. A larger one is a run: its plan (the
 * shards and their accounts, fixed when it starts) and each message's share of the rows are kept in R2 under
 * `<prefix>/<run>/`, and the message that reads the last share puts them together, checking that the shares cover
 * the plan without a gap. Each share is written whole under its first shard's place in the plan, so a redelivered
 * message writes the same object again. The caller deletes the run once what it made of the rows is stored
 * (`done`); the runs a dead chain left are deleted by housekeeping a day later (`sweepGatherRuns`).
 */

/** D1 queries one message's share of a read may cost (the rest of its invocation makes and stores the document). */
export const GATHER_QUERIES = 400;
/** Where every run's objects live in the bucket. */
const ROOT = "gather/";
/** A run's objects are deleted by housekeeping once this old: its chain is long dead. */
const RUN_TTL_MS = 24 * 3600_000;

/** One shard's share of a read: the accounts (as the caller describes them) on it. */
export interface GatherShard<A> {
  shard: ShardBinding;
  accounts: A[];
}

/** Where a run goes on: its id, and the next shard of its plan. */
export interface GatherState {
  run: string;
  from: number;
}

/** Whether a queue message's field is a run's place (its id, and a shard of its plan). */
export function isGatherState(x: unknown): x is GatherState {
  const g = x as Partial<GatherState> | null;
  return typeof g === "object" && g !== null && /^[\w-]{1,60}$/.test(String(g.run)) && Number.isSafeInteger(g.from) && (g.from ?? -1) >= 0;
}

export type Gathered<A, T> =
  /** Every share read: the rows, the plan they were read by, and `done` to delete the run's objects once they are used. */
  | { kind: "rows"; rows: T[]; plan: GatherShard<A>[]; done: () => Promise<void> }
  /** More to read: the next message goes on from `next`. */
  | { kind: "more"; next: GatherState }
  /** The run's plan is gone: a redelivered message of a run that finished (or was swept). */
  | { kind: "gone" };

interface Share<T> {
  from: number;
  to: number;
  rows: T[];
}

export async function gather<A extends { accountNo: string }, T>(o: {
  files: R2Bucket;
  /** The global database: where a staged share's accounts are now (its directory). */
  global: GlobalDb;
  /** The run's objects go under `gather/<prefix>/<run>/`. */
  prefix: string;
  state: GatherState | undefined;
  /** The shards to read and their accounts, asked once, when a read starts. */
  plan: () => Promise<GatherShard<A>[]>;
  /** The rows of these accounts on this shard. */
  read: (s: GatherShard<A>) => Promise<T[]>;
  /** The D1 queries a shard's read makes (each share counts one more: a staged one's directory lookup). */
  cost: (s: GatherShard<A>) => number;
  now: Date;
  budget?: number;
}): Promise<Gathered<A, T>> {
  const budget = o.budget ?? GATHER_QUERIES;
  const cost = (s: GatherShard<A>) => o.cost(s) + 1;
  let plan: GatherShard<A>[];
  let run: string;
  let from: number;
  if (o.state === undefined) {
    plan = await o.plan();
    if (plan.reduce((n, s) => n + cost(s), 0) <= budget)
      return { kind: "rows", rows: (await Promise.all(plan.map(o.read))).flat(), plan, done: async () => {} };
    run = newId(o.now.getTime());
    from = 0;
    await o.files.put(`${ROOT}${o.prefix}/${run}/plan.json`, JSON.stringify(plan));
  } else {
    run = o.state.run;
    from = o.state.from;
    const stored = await o.files.get(`${ROOT}${o.prefix}/${run}/plan.json`);
    if (!stored) return { kind: "gone" };
    plan = (await stored.json<GatherShard<A>[]>()).filter((s) => isShardBinding(s.shard));
  }
  // This message's share: the shards from `from` while their queries fit, one at least.
  const first = plan[from];
  let to = Math.min(from + 1, plan.length);
  for (let spent = first ? cost(first) : 0; to < plan.length; to++) {
    const next = cost(plan[to] as GatherShard<A>);
    if (spent + next > budget) break;
    spent += next;
  }
  // The plan was made by an earlier message: an account may have moved to another shard since (platform/shard-map.ts
  // moves copy, switch the directory, then delete), so each share's accounts are read where the directory says now.
  const readNow = async (x: GatherShard<A>) => (await Promise.all((await whereNow(o.global, x)).map(o.read))).flat();
  const rows = (await Promise.all(plan.slice(from, to).map(readNow))).flat();
  const key = (n: number) => `${ROOT}${o.prefix}/${run}/share-${String(n).padStart(6, "0")}.json`;
  await o.files.put(key(from), JSON.stringify({ from, to, rows } satisfies Share<T>));
  if (to < plan.length) return { kind: "more", next: { run, from: to } };
  // The last share: every share of the run, in order, with no gap and no overlap.
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await o.files.list({ prefix: `${ROOT}${o.prefix}/${run}/share-`, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((x) => x.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const shares: Share<T>[] = [];
  for (const k of keys.sort()) {
    const body = await o.files.get(k);
    if (body) shares.push(await body.json<Share<T>>());
  }
  let covered = 0;
  for (const s of shares.sort((a, b) => a.from - b.from)) {
    if (s.from !== covered) throw new Error(`gather ${o.prefix}/${run}: shards ${covered}–${s.from} missing`);
    covered = s.to;
  }
  if (covered !== plan.length) throw new Error(`gather ${o.prefix}/${run}: ${covered} of ${plan.length} shards read`);
  return {
    kind: "rows",
    rows: shares.flatMap((s) => s.rows),
    plan,
    done: async () => {
      await o.files.delete([`${ROOT}${o.prefix}/${run}/plan.json`, ...keys]);
    },
  };
}

/**
 * Housekeeping: deletes the objects of runs a day old (their chains died), looking at up to ten pages of a thousand
 * objects a call (live runs' objects may come first), deleting at most a thousand.
 */
export async function sweepGatherRuns(files: R2Bucket, now = new Date()): Promise<number> {
  const old: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10 && old.length < 1000; pages++) {
    const page = await files.list({ prefix: ROOT, limit: 1000, ...(cursor ? { cursor } : {}) });
    old.push(...page.objects.filter((x) => x.uploaded.getTime() < now.getTime() - RUN_TTL_MS).map((x) => x.key));
    if (!page.truncated) break;
    cursor = page.cursor;
  }
  const gone = old.slice(0, 1000);
  if (gone.length > 0) await files.delete(gone);
  return gone.length;
}

/** A share's accounts where the directory says they are now, by shard (one query whatever their number). */
async function whereNow<A extends { accountNo: string }>(global: GlobalDb, s: GatherShard<A>): Promise<GatherShard<A>[]> {
  const d = accountDirectory;
  const now = await global
    .select({ accountNo: d.accountNo, shard: d.shard })
    .from(d)
    .where(sql`${d.accountNo} IN (SELECT value FROM json_each(${JSON.stringify(s.accounts.map((a) => a.accountNo))}))`)
    .all();
  const shardOf = new Map(now.map((r) => [r.accountNo, r.shard]));
  return shardPlan(s.accounts.map((account) => ({ shard: shardOf.get(account.accountNo) ?? "", account })));
}

/** A read's plan: the accounts grouped by their shard, in the shards' order (one not a shard's binding is left out). */
export function shardPlan<A>(items: { shard: string; account: A }[]): GatherShard<A>[] {
  const byShard = new Map<ShardBinding, A[]>();
  for (const { shard, account } of items) if (isShardBinding(shard)) byShard.set(shard, [...(byShard.get(shard) ?? []), account]);
  return [...byShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([shard, accounts]) => ({ shard, accounts }));
}
