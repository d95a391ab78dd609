import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetRefusals } from "../../worker/platform/throttle";
import type { Scope } from "../../worker/platform/throttle.do";
import { forgetLoginStorm } from "../../worker/platform/throttle-storm";

/** A throttle key's stored count, as its object keeps it (platform/throttle.do.ts). */
export interface ThrottleRow {
  scope: Scope;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

const stubOf = (id: DurableObjectId) => env.THROTTLES.get(id);

/** The object of one throttle key. */
export const throttleObject = (key: string) => env.THROTTLES.get(env.THROTTLES.idFromName(key));

/** What one key's object stores (undefined: nothing). */
export const storedRow = (key: string) => runInDurableObject(throttleObject(key), (_, state) => state.storage.kv.get<ThrottleRow>("row"));

/** Every stored row of every throttle object, and everything else the objects keep (to show what is stored). */
export async function storedThrottles(): Promise<{ row?: ThrottleRow; entries: [string, unknown][] }[]> {
  return Promise.all(
    (await listDurableObjectIds(env.THROTTLES)).map((id) =>
      runInDurableObject(stubOf(id), (_, state) => ({
        row: state.storage.kv.get<ThrottleRow>("row"),
        entries: [...state.storage.kv.list()],
      })),
    ),
  );
}

/**
 * Rewrites the stored rows of the given scopes (all when none are named) as `change` says (undefined: the row is
 * deleted): the tests' way of letting a delay or a window pass. The refusals the Worker remembers go with them;
 * with "all", the sites' counts of failed logins (storm mode) and the Worker's view of them too.
 */
export async function changeThrottles(scopes: Scope[] | "all", change: (row: ThrottleRow) => ThrottleRow | undefined) {
  forgetRefusals();
  if (scopes === "all") forgetLoginStorm();
  await Promise.all(
    (await listDurableObjectIds(env.THROTTLES)).map((id) =>
      runInDurableObject(stubOf(id), (_, state) => {
        if (scopes === "all") state.storage.kv.delete("storm");
        const row = state.storage.kv.get<ThrottleRow>("row");
        if (!row || (scopes !== "all" && !scopes.includes(row.scope))) return;
        const next = change(row);
        if (next) state.storage.kv.put("row", next);
        else state.storage.kv.delete("row");
      }),
    ),
  );
}
