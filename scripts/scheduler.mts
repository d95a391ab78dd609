/**
 * A small local cron for `npm start`: `wrangler dev` never fires the Worker's
 * cron triggers by itself (only through `/__scheduled` with
 * `--test-scheduled`), so this runs the expressions of `wrangler.toml`'s
 * `[triggers] crons` on their schedule, in UTC as Cloudflare does, and calls
 * `/__scheduled?cron=…` for each, one log line per tick.
 */

/** The cron expressions of `[triggers] crons` in a wrangler.toml: the one list, not a copy. */
export function readCrons(toml: string): string[] {
  const triggers = toml.split(/^(?=\[)/m).find((s) => /^\[triggers\]/.test(s));
  const list = triggers && /^crons\s*=\s*(\[[^\]]*\])/m.exec(triggers)?.[1];
  if (!list) return [];
  const crons: unknown = JSON.parse(list);
  if (!Array.isArray(crons) || !crons.every((c) => typeof c === "string"))
    throw new Error("wrangler.toml: crons must be a list of strings");
  return crons;
}

const FIELDS = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12 }, // month
  { min: 0, max: 7 }, // day of week (0 and 7: Sunday)
] as const;

/** The values one field of a cron expression allows: `*`, `n`, `a-b`, lists and `/step`. */
function fieldValues(field: string, { min, max }: { min: number; max: number }): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`unsupported cron field "${field}"`);
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === "*" ? min : Number(m[2]);
    const to = m[1] === "*" ? max : m[3] ? Number(m[3]) : m[4] ? max : from;
    if (from < min || to > max || from > to || step < 1) throw new Error(`cron field "${field}" out of range`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Whether a five-field cron expression fires in the UTC minute of `at`. */
export function cronMatches(expr: string, at: Date): boolean {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expr}" must have five fields`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => fieldValues(p, FIELDS[i] as (typeof FIELDS)[number]));
  const day = at.getUTCDay();
  const domAny = parts[2] === "*";
  const dowAny = parts[4] === "*";
  // Classic cron: when both day fields are restricted, either one matching is enough.
  const dayOk =
    domAny && dowAny
      ? true
      : domAny
        ? dow?.has(day) || (day === 0 && dow?.has(7))
        : dowAny
          ? dom?.has(at.getUTCDate())
          : dom?.has(at.getUTCDate()) || dow?.has(day) || (day === 0 && dow?.has(7));
  return Boolean(minute?.has(at.getUTCMinutes()) && hour?.has(at.getUTCHours()) && month?.has(at.getUTCMonth() + 1) && dayOk);
}

export interface Scheduler {
  stop(): void;
}

/**
 * Calls `fire(cron, minute)` for every expression that matches each new UTC
 * minute, until stopped; with `runAtStart`, fires every expression once at
 * once, so a Worker that was not running catches up without waiting for the hour.
 */
export function startScheduler(
  crons: string[],
  fire: (cron: string, minute: Date) => Promise<void>,
  { runAtStart = true, now = () => new Date() } = {},
): Scheduler {
  for (const c of crons) cronMatches(c, new Date(0)); // refuse a malformed expression before the first tick
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let last = Math.floor(now().getTime() / 60_000);
  const loop = () => {
    if (stopped) return;
    const current = Math.floor(now().getTime() / 60_000);
    // Every minute since the last check (a sleeping laptop skips some; the Worker catches up the days itself).
    if (current > last) {
      last = current;
      const minute = new Date(current * 60_000);
      for (const c of crons) if (cronMatches(c, minute)) void fire(c, minute);
    }
    timer = setTimeout(loop, 60_000 - (now().getTime() % 60_000) + 50);
  };
  if (runAtStart) {
    const minute = new Date(last * 60_000);
    for (const c of crons) void fire(c, minute);
  }
  timer = setTimeout(loop, 60_000 - (now().getTime() % 60_000) + 50);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
