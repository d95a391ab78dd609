import type { DataAccess, ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { type GatherState, gather, isGatherState, shardPlan } from "../../platform/gather";
import { beat, release, startChain } from "../../platform/lease";
import { errorText, log } from "../../platform/log";
import { retryDelaySeconds } from "../../platform/queue";
import * as cq from "./closing.queries";
import * as nq from "./numbers.queries";
import * as sq from "./sites.queries";

/**
 * An organisation's account figures (address, status, balance, monthly fee) read from every shard its accounts are
 * on. The accounts list reads them at once when they are on at most {@link LIST_SHARDS} shards (two queries a
 * shard). An organisation on more (a national one whose accounts were opened over years, each on the shard open
 * then) would ask more than one request may make: its figures come from a snapshot in R2, made by a chain of
 * messages on the reports queue a share of shards at a time (platform/gather.ts), at most
 * {@link FIGURES_FRESH_MS} old; an older one is shown with its time while a new one is made.
 */
export const LIST_SHARDS = 200;
export const FIGURES_FRESH_MS = 10 * 60_000;
/** An older snapshot is shown while a new one is made only up to this age; past it, the list waits for the new one. */
export const FIGURES_SHOWN_MS = 60 * 60_000;
/** A chain that has not reported (each message does) for this long is taken over by the next view. */
const FIGURES_LEASE_STALE_MS = 5 * 60_000;

export interface AccountFigures {
  accountNo: string;
  address: string;
  status: "active" | "blocked" | "closed";
  balanceKop: number;
  monthlyKop: number;
}

/** A corporate number as the snapshot keeps it (its row but for the time of its last change). */
export type SnapshotNumber = Omit<nq.NumberRow, "updatedAt">;

export interface FiguresSnapshot {
  /** When it was asked for (ms): every figure in it was read after that. */
  at: number;
  figures: AccountFigures[];
}

/**
 * The corporate numbers of the organisation's accounts, made by the same chain, in an object of their own (the
 * accounts list does not download them): for the numbers list and for finding a number's shard.
 */
export interface NumbersSnapshot {
  at: number;
  /** When its last share was read (ms): a chain over many shards may take minutes after `at`. */
  madeAt?: number;
  /** The accounts whose numbers were read (an account not among them was gained since). */
  accounts: string[];
  numbers: SnapshotNumber[];
}

/** The reports queue's message that makes (or goes on making) an organisation's figures. */
export interface OrgFiguresMessage {
  kind: "org_figures";
  orgId: string;
  run: string;
  /** When the chain was asked for (ms): the snapshot's time. */
  since: number;
  gather?: GatherState;
}

export function isOrgFiguresMessage(body: unknown): body is OrgFiguresMessage {
  const m = body as Partial<OrgFiguresMessage> | null;
  return (
    m?.kind === "org_figures" &&
    typeof m.orgId === "string" &&
    /^[a-z0-9-]{1,40}$/.test(m.orgId) &&
    typeof m.run === "string" &&
    /^[\w-]{1,60}$/.test(m.run) &&
    Number.isSafeInteger(m.since) &&
    (m.gather === undefined || isGatherState(m.gather))
  );
}

/** The shards with accounts a snapshot does not have (gained since it was made), with those accounts. */
export function unknownShards(known: ReadonlySet<string>, shards: Map<ShardBinding, string[]>): [ShardBinding, string[]][] {
  const out: [ShardBinding, string[]][] = [];
  for (const [shard, nos] of shards) {
    const left = nos.filter((no) => !known.has(no));
    if (left.length > 0) out.push([shard, left]);
  }
  return out;
}

const key = (orgId: string) => `org-figures/${orgId}.json`;
const numbersKey = (orgId: string) => `org-numbers/${orgId}.json`;
const lease = (orgId: string) => `org-figures:${orgId}`;

/** One shard's figures of these accounts: their rows and their active services' fees (a batch of two). */
export async function shardFigures(db: ReturnType<DataAccess["shard"]>, accountNos: string[]): Promise<AccountFigures[]> {
  const { rows, fees } = await sq.selectShardFigures(db, accountNos);
  const monthly = new Map(fees.map((f) => [f.accountNo, f.monthlyKop ?? 0]));
  return rows.map((r) => ({
    accountNo: r.accountNo,
    address: r.address,
    status: r.status,
    balanceKop: r.balanceKop ?? 0,
    monthlyKop: monthly.get(r.accountNo) ?? 0,
  }));
}

/**
 * The figures of an organisation on many shards, for its accounts list: the snapshot, if one is fresh; else a new one
 * is asked for (one chain at a time: its lease), and the old one is given meanwhile with its time. None yet: a 503
 * that asks to try again in a minute.
 */
export function snapshotFigures(data: DataAccess, files: R2Bucket, queue: Queue, orgId: string, now: Date): Promise<FiguresSnapshot> {
  return snapshotOf<FiguresSnapshot>(data, files, queue, orgId, key(orgId), now);
}

/** The corporate numbers of an organisation on many shards, as {@link snapshotFigures} gives its figures. */
export function snapshotNumbers(
  data: DataAccess,
  files: R2Bucket,
  queue: Queue,
  orgId: string,
  now: Date,
  freshMs = FIGURES_FRESH_MS,
): Promise<NumbersSnapshot> {
  return snapshotOf<NumbersSnapshot>(data, files, queue, orgId, numbersKey(orgId), now, freshMs);
}

async function snapshotOf<T extends { at: number }>(
  data: DataAccess,
  files: R2Bucket,
  queue: Queue,
  orgId: string,
  objectKey: string,
  now: Date,
  freshMs = FIGURES_FRESH_MS,
): Promise<T> {
  const stored = await files.get(objectKey);
  const snapshot = stored ? await stored.json<T>() : null;
  if (snapshot && now.getTime() - snapshot.at < freshMs) return snapshot;
  await startChain(data.global, lease(orgId), now, FIGURES_LEASE_STALE_MS, (run) =>
    queue.send({ kind: "org_figures", orgId, run, since: now.getTime() } satisfies OrgFiguresMessage),
  );
  if (snapshot && now.getTime() - snapshot.at < FIGURES_SHOWN_MS) return snapshot;
  throw new AppError(503, "figures_preparing", {}, [], { "retry-after": "60" });
}

/**
 * A message of the chain that makes an organisation's figures: its share of the shards (all its accounts, each read
 * where the directory says it is now); the last share writes the snapshot and gives the lease back.
 */
export async function makeFigures(
  deps: { data: DataAccess; files: R2Bucket; queue: Queue },
  m: Omit<OrgFiguresMessage, "kind">,
  now = new Date(),
  budget?: number,
): Promise<"ready" | "gathering" | "skipped"> {
  // Each message reports; one of a chain that was taken over (quiet too long) stops.
  if (!(await beat(deps.data.global, lease(m.orgId), m.run, now))) return "skipped";
  const got = await gather<{ accountNo: string }, AccountFigures | SnapshotNumber>({
    files: deps.files,
    global: deps.data.global,
    // (A run of the release before, whose shares had no numbers, is under `figures/`: its next message finds no plan.)
    prefix: `figures-v2/${m.orgId}`,
    state: m.gather,
    plan: async () =>
      shardPlan(
        (await cq.selectOrgAccounts(deps.data.global, m.orgId)).map((a) => ({ shard: a.shard, account: { accountNo: a.accountNo } })),
      ),
    read: async (s) => {
      const nos = s.accounts.map((a) => a.accountNo);
      const db = deps.data.shard(s.shard);
      const [figures, numbers] = await Promise.all([shardFigures(db, nos), nq.selectNumbersOf(db, nos)]);
      return [...figures, ...numbers.map(({ updatedAt: _, ...n }): SnapshotNumber => n)];
    },
    // Two queries for the figures, and the numbers' one a 90 accounts.
    cost: (s) => 2 + Math.ceil(s.accounts.length / 90),
    now,
    ...(budget !== undefined ? { budget } : {}),
  });
  if (got.kind === "gone") return "skipped";
  if (got.kind === "more") {
    await deps.queue.send({
      kind: "org_figures",
      orgId: m.orgId,
      run: m.run,
      since: m.since,
      gather: got.next,
    } satisfies OrgFiguresMessage);
    return "gathering";
  }
  // The snapshots' time is when they were asked for: a balance in them is at least that fresh. A newer one already
  // there (a chain that overtook this one) stays.
  const figures: AccountFigures[] = [];
  const numbers: SnapshotNumber[] = [];
  for (const r of got.rows)
    if ("msisdn" in r) numbers.push(r);
    else figures.push(r);
  const accounts = got.plan.flatMap((s) => s.accounts.map((a) => a.accountNo));
  await putUnlessNewer<FiguresSnapshot>(deps.files, key(m.orgId), { at: m.since, figures });
  await putUnlessNewer<NumbersSnapshot>(deps.files, numbersKey(m.orgId), { at: m.since, madeAt: now.getTime(), accounts, numbers });
  await got.done();
  await release(deps.data.global, lease(m.orgId), m.run);
  return "ready";
}

async function putUnlessNewer<T extends { at: number }>(files: R2Bucket, objectKey: string, snapshot: T) {
  const stored = await files.get(objectKey);
  if (stored && (await stored.json<{ at: number }>()).at >= snapshot.at) return;
  await files.put(objectKey, JSON.stringify(snapshot), { httpMetadata: { contentType: "application/json" } });
}

/** The reports queue's figures messages: each acked when its share is done, retried with backoff on an error. */
export async function consumeFigures(messages: readonly Message<unknown>[], deps: { data: DataAccess; files: R2Bucket; queue: Queue }) {
  for (const message of messages) {
    if (!isOrgFiguresMessage(message.body)) {
      message.ack();
      continue;
    }
    try {
      const outcome = await makeFigures(deps, message.body);
      log("info", "org_figures.done", { orgId: message.body.orgId, outcome });
      message.ack();
    } catch (err) {
      log("warn", "org_figures.error", { orgId: message.body.orgId, attempts: message.attempts, error: errorText(err) });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
