import type { Lang, MessageKey } from "./i18n";
import { hasMessage, t } from "./i18n";

/** Stable problem types (RFC 9457 `type`), one per kind of expected failure. */
export const PROBLEM_BASE = "urn:kabinet:problem:";

export interface FieldError {
  field: string;
  /** An i18n key (translated in the request's language) or the text itself. */
  message: string;
  /** Values the message names (a rule's numbers). */
  params?: Record<string, string | number>;
}

/**
 * An expected failure: thrown by services, rendered once by the app's error
 * handler as problem+json in the request's language.
 *
 * One rule for refusals, whichever layer finds them (route schema or service):
 * - 400 `validation` (with `errors` naming the fields): the request is
 *   malformed or a value is invalid: out of range or format, an unknown
 *   choice, a reference to something that is not the caller's (a card id);
 * - 409 with its own type: a valid request the current state refuses
 *   (already done, not eligible now, a key reused for another request);
 * - 422 with its own type (never `validation`): a valid request a business
 *   rule refuses whatever the state (`notification_required`).
 * The OpenAPI responses of each route say the same.
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 503,
    readonly slug: string,
    readonly params: Record<string, string | number> = {},
    readonly fields: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(slug);
    this.name = "AppError";
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

/** Builds the problem body for a slug whose title (and optional detail) are in the i18n table. */
export function problemBody(
  lang: Lang,
  status: number,
  slug: string,
  params: Record<string, string | number> = {},
  extra: Partial<Problem> = {},
): Problem {
  const titleKey = `problem.${slug}`;
  const detailKey = `problem.${slug}.detail`;
  const title = hasMessage(titleKey) ? t(lang, titleKey as MessageKey, params) : slug;
  const body: Problem = { type: PROBLEM_BASE + slug.replace(/_/g, "-"), title, status };
  if (hasMessage(detailKey)) body.detail = t(lang, detailKey as MessageKey, params);
  return { ...body, ...extra };
}

export function problemResponse(body: Problem, lang: Lang, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { "content-type": "application/problem+json; charset=utf-8", "content-language": lang, ...headers },
  });
}

/** Seconds a write to an account that is being moved to another shard waits before it is tried again. */
export const ACCOUNT_MOVING_RETRY_S = 5;

/**
 * Whether a database error is the freeze of an account being moved off its shard (the triggers of migration
 * 0014 raise `account_moving`); drizzle wraps D1's error, so its cause is looked at too.
 */
export function isAccountMoving(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 3; e = e.cause, i++) if (e.message.includes("account_moving")) return true;
  return false;
}

/**
 * The `table.column` (the first, for an index of several) whose unique index refused a write, or null: another
 * request wrote the same value at the same moment. D1 says «UNIQUE constraint failed: subscribers.login»; drizzle
 * wraps it, so its cause is looked at too.
 */
export function uniqueViolation(err: unknown): string | null {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 3; e = e.cause, i++) {
    const m = /UNIQUE constraint failed: ([\w.]+)/.exec(e.message);
    if (m) return m[1] ?? null;
  }
  return null;
}

/** The 503 a request gets while its account is frozen for a move: try again after a few seconds. */
export function accountMovingError(): AppError {
  return new AppError(503, "account_moving", { seconds: ACCOUNT_MOVING_RETRY_S }, [], { "retry-after": String(ACCOUNT_MOVING_RETRY_S) });
}
