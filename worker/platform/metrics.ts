/**
 * Metrics in Workers Analytics Engine (binding `METRICS`, dataset
 * `kabinet_metrics`; the layout and the queries are in docs/observability.md).
 *
 * Every invocation (a request, a queue batch, a cron tick) runs in a scope
 * (`withMetrics`); what happens inside it — a payment settled, a delivery
 * sent, a dead letter stored — is recorded into the scope from wherever it
 * happens (`recordPayment`, `recordDelivery`, `recordDeadLetter`) and written
 * when the invocation ends, aggregated: a request writes exactly one data
 * point (a payment it settles is folded into it), a queue batch one for the
 * batch plus one per kind of delivery outcome. `writeDataPoint` does not
 * block (the runtime sends it after the response), so nothing waits for it.
 *
 * Blobs carry no personal data: route patterns (`/api/v1/accounts/:accountNo`),
 * never paths; region codes, statuses, methods and queue names only.
 * Without the binding (unit tests, a configuration without the dataset)
 * points go nowhere.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { log } from "./log";

/** What writes the data points: the Analytics Engine binding, or a test's recorder. */
export type MetricsSink = Pick<AnalyticsEngineDataset, "writeDataPoint">;

const NOWHERE: MetricsSink = { writeDataPoint() {} };

/** The dataset binding of this environment, or a sink that drops every point. */
export function metricsSink(env: Partial<Pick<Env, "METRICS">>): MetricsSink {
  return env.METRICS ?? NOWHERE;
}

/** The kinds of data point; `index1` (the sampling key) and `blob1`. */
export type PointKind = "request" | "queue" | "payment" | "delivery";

/**
 * Positions in the data point: each blob and double means the same thing in
 * every kind of point (empty or 0 where it does not apply), so one query
 * reads one column whatever wrote it.
 */
export const BLOB = {
  kind: 1,
  route: 2,
  httpMethod: 3,
  httpStatus: 4,
  region: 5,
  paymentMethod: 6,
  paymentStatus: 7,
  paymentFailure: 8,
  queue: 9,
  channel: 10,
  deliveryStatus: 11,
} as const;

export const DOUBLE = {
  count: 1,
  durationMs: 2,
  serverError: 3,
  d1RoundTrips: 4,
  d1Statements: 5,
  payments: 6,
  paymentAmountKop: 7,
  messages: 8,
  lagMsSum: 9,
  lagMsMax: 10,
  deadLetters: 11,
  deliveries: 12,
} as const;

type Blobs = Partial<Record<keyof typeof BLOB, string>>;
type Doubles = Partial<Record<keyof typeof DOUBLE, number>>;

/** A blob is an identifier-like token; anything longer or odder is cut (it never holds free text). */
function token(value: string): string {
  return value.replace(/[^\w:/*.-]/g, "_").slice(0, 120);
}

function dataPoint(kind: PointKind, blobs: Blobs, doubles: Doubles): AnalyticsEngineDataPoint {
  const b: string[] = Array.from({ length: Object.keys(BLOB).length }, () => "");
  const d: number[] = Array.from({ length: Object.keys(DOUBLE).length }, () => 0);
  b[BLOB.kind - 1] = kind;
  for (const [k, v] of Object.entries(blobs)) if (v !== undefined) b[BLOB[k as keyof typeof BLOB] - 1] = token(v);
  for (const [k, v] of Object.entries(doubles)) if (v !== undefined && Number.isFinite(v)) d[DOUBLE[k as keyof typeof DOUBLE] - 1] = v;
  return { indexes: [kind], blobs: b, doubles: d };
}

interface PaymentGroup {
  method: string;
  status: string;
  failureCode: string;
  count: number;
  amountKop: number;
}

/** What one invocation has recorded so far. */
interface Scope {
  payments: Map<string, PaymentGroup>;
  deliveries: Map<string, { channel: string; status: string; count: number }>;
  deadLetters: number;
}

const current = new AsyncLocalStorage<Scope>();

/** What an invocation recorded, handed to whoever writes its data points. */
export type Recorded = Scope;

/** Runs `fn` in a fresh metrics scope, then hands what was recorded in it to `done` (even if `fn` threw). */
export async function withMetrics<T>(fn: () => Promise<T>, done: (recorded: Recorded) => void): Promise<T> {
  const scope: Scope = { payments: new Map(), deliveries: new Map(), deadLetters: 0 };
  try {
    return await current.run(scope, fn);
  } finally {
    done(scope);
  }
}

/** A payment that changed status (the payment's method; "card" where the payment has none). */
export function recordPayment(p: { method?: string | null; status: string; failureCode?: string | null; amountKop: number }): void {
  const scope = current.getStore();
  if (!scope) return;
  const method = p.method || "card";
  const failureCode = p.failureCode ?? "";
  const key = `${method}|${p.status}|${failureCode}`;
  const g = scope.payments.get(key) ?? { method, status: p.status, failureCode, count: 0, amountKop: 0 };
  g.count++;
  g.amountKop += p.amountKop;
  scope.payments.set(key, g);
}

/** A delivery (SMS, email, push, in-app) that reached a status. */
export function recordDelivery(channel: string, status: string): void {
  const scope = current.getStore();
  if (!scope) return;
  const key = `${channel}|${status}`;
  const g = scope.deliveries.get(key) ?? { channel, status, count: 0 };
  g.count++;
  scope.deliveries.set(key, g);
}

/** A message kept in `dead_letters` (malformed, or out of retries). */
export function recordDeadLetter(): void {
  const scope = current.getStore();
  if (scope) scope.deadLetters++;
}

function paymentBlobs(g: PaymentGroup): Blobs {
  return { paymentMethod: g.method, paymentStatus: g.status, paymentFailure: g.failureCode };
}

/** Points for what the main point could not carry: payments beyond the first, deliveries. */
function restPoints(recorded: Recorded, payments: PaymentGroup[], blobs: Blobs): AnalyticsEngineDataPoint[] {
  const out = payments.map((g) =>
    dataPoint("payment", { ...blobs, ...paymentBlobs(g) }, { count: g.count, payments: g.count, paymentAmountKop: g.amountKop }),
  );
  for (const g of recorded.deliveries.values())
    out.push(dataPoint("delivery", { ...blobs, channel: g.channel, deliveryStatus: g.status }, { count: g.count, deliveries: g.count }));
  return out;
}

function write(sink: MetricsSink, points: AnalyticsEngineDataPoint[]): void {
  // An invocation may write 250 points; ours are aggregated, so this is far more than any writes.
  for (const p of points.slice(0, 100)) {
    try {
      sink.writeDataPoint(p);
    } catch (err) {
      // Metrics never fail the work they describe: said in the log, not thrown.
      log("warn", "metrics.write_failed", { error: err instanceof Error ? err.name : "unknown" });
      return;
    }
  }
}

/** The one data point of an HTTP request (and a payment it settled, folded in). */
export function writeRequestMetrics(
  sink: MetricsSink,
  r: { route: string; method: string; status: number; ms: number; region: string | null; d1RoundTrips: number; d1Statements: number },
  recorded: Recorded,
): void {
  const [first, ...others] = [...recorded.payments.values()];
  const base: Blobs = { route: r.route, httpMethod: r.method, region: r.region ?? "" };
  write(sink, [
    dataPoint(
      "request",
      { ...base, httpStatus: String(r.status), ...(first ? paymentBlobs(first) : {}) },
      {
        count: 1,
        durationMs: r.ms,
        serverError: r.status >= 500 ? 1 : 0,
        d1RoundTrips: r.d1RoundTrips,
        d1Statements: r.d1Statements,
        payments: first?.count ?? 0,
        paymentAmountKop: first?.amountKop ?? 0,
        deadLetters: recorded.deadLetters,
      },
    ),
    // None of today's routes settles two kinds of payment or delivers anything; if one ever does, it is not lost.
    ...restPoints(recorded, others, base),
  ]);
}

/**
 * Wraps a queue consumer: after the batch, one point for it — its messages,
 * their lag (age when the consumer starts: how long they waited, retries
 * included), the dead letters it stored — then one per kind of delivery and
 * payment outcome recorded while it ran.
 */
export function measuredQueue<B extends MessageBatch<unknown>>(
  consume: (batch: B, env: Env, ctx: ExecutionContext) => Promise<void>,
): (batch: B, env: Env, ctx: ExecutionContext) => Promise<void> {
  return async (batch, env, ctx) => {
    const started = Date.now();
    const lags = batch.messages.map((m) => Math.max(0, started - m.timestamp.getTime()));
    await withMetrics(
      () => consume(batch, env, ctx),
      (recorded) =>
        write(metricsSink(env), [
          dataPoint(
            "queue",
            { queue: batch.queue },
            {
              count: 1,
              durationMs: Date.now() - started,
              messages: lags.length,
              lagMsSum: lags.reduce((a, b) => a + b, 0),
              lagMsMax: lags.length ? Math.max(...lags) : 0,
              deadLetters: recorded.deadLetters,
            },
          ),
          ...restPoints(recorded, [...recorded.payments.values()], { queue: batch.queue }),
        ]),
    );
  };
}

/** Wraps a cron handler: a tick writes only what it recorded (autopay's payments, say), one point per kind of outcome. */
export function measuredCron<C extends ScheduledController>(
  run: (controller: C, env: Env, ctx: ExecutionContext) => Promise<void>,
): (controller: C, env: Env, ctx: ExecutionContext) => Promise<void> {
  return async (controller, env, ctx) => {
    await withMetrics(
      () => run(controller, env, ctx),
      (recorded) => write(metricsSink(env), restPoints(recorded, [...recorded.payments.values()], {})),
    );
  };
}
