import { isShardBinding, type ShardBinding } from "./db";
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

export type Gathered<T> =
  /** Every share read: the rows, and `done` to delete the run's objects once they are used. */
  | { kind: "rows"; rows: T[]; done: () => Promise<void> }
  /** More to read: the next message goes on from `next`. */
  | { kind: "more"; next: GatherState }
  /** The run's plan is gone: a redelivered message of a run that finished (or was swept). */
  | { kind: "gone" };

interface Share<T> {
  from: number;
  to: number;
  rows: T[];
}

export async function gather<A, T>(o: {
  files: R2Bucket;
  /** The run's objects go under `gather/<prefix>/<run>/`. */
  prefix: string;
  state: GatherState | undefined;
  /** The shards to read and their accounts, asked once, when a read starts. */
  plan: () => Promise<GatherShard<A>[]>;
  /**
   * One shard's share of the rows. `staged`: the plan was made by an earlier message, so an account may have moved
   * to another shard since (platform/shard-map.ts moves copy, switch the directory, then delete): read it where the
   * directory says it is now.
   */
  read: (s: GatherShard<A>, staged: boolean) => Promise<T[]>;
  /** The D1 queries a shard's read makes (staged: with the directory's lookup). */
  cost: (s: GatherShard<A>) => number;
  now: Date;
  budget?: number;
}): Promise<Gathered<T>> {
  const budget = o.budget ?? GATHER_QUERIES;
  let plan: GatherShard<A>[];
  let run: string;
  let from: number;
  if (o.state === undefined) {
    plan = await o.plan();
    if (plan.reduce((n, s) => n + o.cost(s), 0) <= budget)
      return { kind: "rows", rows: (await Promise.all(plan.map((x) => o.read(x, false)))).flat(), done: async () => {} };
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
  for (let spent = first ? o.cost(first) : 0; to < plan.length; to++) {
    const next = o.cost(plan[to] as GatherShard<A>);
    if (spent + next > budget) break;
    spent += next;
  }
  const rows = (await Promise.all(plan.slice(from, to).map((x) => o.read(x, true)))).flat();
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

/** Where these accounts are now, by shard (the directory's word): what a staged share reads. */
export function byCurrentShard(directory: { accountNo: string; shard: string }[]): Map<ShardBinding, string[]> {
  const byShard = new Map<ShardBinding, string[]>();
  for (const d of directory) if (isShardBinding(d.shard)) byShard.set(d.shard, [...(byShard.get(d.shard) ?? []), d.accountNo]);
  return byShard;
}
