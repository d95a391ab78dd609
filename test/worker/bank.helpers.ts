/** Helpers of the bank import's tests that run in workerd (the shared fixture, bank.fixture.ts, is read by the e2e tests too). */
import { env } from "cloudflare:workers";
import { OPERATOR_REQUISITES } from "../../worker/data/operator.data";
import { lineId } from "../../worker/features/bank/bank.service";
import { createDataAccess, type DataAccess } from "../../worker/platform/db";
import { type DocSpec, PAYER_ACCOUNT } from "./bank.fixture";
import { call } from "./helpers";

/**
 * The data access whose global database fails once, on the batch that marks statement lines credited: the shards'
 * credits (and a home invoice's payment) are in, the marks are not — a crash between the two. `crashed()` says it came.
 * workerd's D1PreparedStatement keeps its SQL in `statement`.
 */
export function crashingOnMark(env: Env): { data: DataAccess; crashed: () => boolean } {
  const sqlOf = (s: D1PreparedStatement) => (s as unknown as { statement?: string }).statement ?? "";
  let crashed = false;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          if (!crashed && statements.some((s) => sqlOf(s).includes("status = 'credited'"))) {
            crashed = true;
            return Promise.reject(new Error("injected crash"));
          }
          return target.batch(statements);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return {
    data: createDataAccess(new Proxy(env, { get: (t, p) => (p === "DB" ? db : Reflect.get(t, p)) }) as Env),
    crashed: () => crashed,
  };
}

/** A document's statement line id, as the import derives it from its content (features/bank/bank.service.ts `lineId`). */
export function docLineId(doc: DocSpec): Promise<string> {
  const [d, m, y] = doc.date.split(".");
  return lineId({
    date: `${y}-${m}-${d}`,
    number: doc.number,
    amountKop: Math.round(Number(doc.sum) * 100),
    payerAccount: doc.payerAccount ?? PAYER_ACCOUNT,
    payerInn: doc.payerInn ?? "",
    payeeAccount: OPERATOR_REQUISITES.settlementAccount,
  });
}

/** The operators' API with the operator's token (JSON unless the call says otherwise). */
export function ops(path: string, init: RequestInit = {}) {
  return call(null, `/ops/v1${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${env.OPERATOR_TOKEN}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });
}
