import type { z } from "zod";
import type { AccountsDto } from "../../../worker/features/accounts/accounts.routes";
import type { ProfileDto } from "../../../worker/features/auth/auth.routes";
import type { OutageDto } from "../../../worker/features/notifications/notifications.routes";
import type { ContactDto, RegionContextDto, ServiceOptionDto, TariffDto } from "../../../worker/features/regions/regions.routes";
import type { Problem as ProblemSchema } from "../../../worker/platform/openapi";

/**
 * The shared request and problem machinery. Each feature has its own small client next to its screens
 * (`features/<feature>/<feature>Api.ts`) whose types are derived from the Worker's route contracts
 * (`import type` only: no Worker code reaches the bundle).
 */

/** An RFC 9457 problem from the API, already in the user's language. */
export type Problem = z.infer<typeof ProblemSchema> & {
  /** Seconds until a refused request may be made again (the response's Retry-After), when the server said. */
  retryAfter?: number;
};

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
    this.name = "ApiError";
  }
}

let currentLang: "ru" | "en" = "ru";
/** The language sent with every request, so problems come back in it. */
export function setApiLang(lang: "ru" | "en") {
  currentLang = lang;
}

/** A JSON request to the API: problem+json answers throw an `ApiError`, 204 resolves to undefined. */
export async function apiRequest<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    credentials: "same-origin",
    headers: { accept: "application/json", "accept-language": currentLang, ...(init.headers ?? {}) },
  });
  if (!res.ok) {
    const isProblem = (res.headers.get("content-type") ?? "").includes("problem+json");
    const problem: Problem = isProblem
      ? ((await res.json()) as Problem)
      : { type: "about:blank", title: res.statusText || "Error", status: res.status };
    const retryAfter = Number(res.headers.get("retry-after"));
    if (retryAfter > 0) problem.retryAfter = retryAfter;
    throw new ApiError(problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A POST, PUT or DELETE with an optional JSON body. */
export const apiSend = <T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown) =>
  apiRequest<T>(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });

/** A PUT with a JSON body. */
export const apiPut = <T>(path: string, body: unknown) =>
  apiRequest<T>(path, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

/** A collection as the API answers it. */
export type Items<T> = { items: T[] };

/** The path of one of the subscriber's accounts. */
export const accountPath = (no: string) => `/api/v1/accounts/${encodeURIComponent(no)}`;

/**
 * Data the server put into the first page (region context, support numbers),
 * used once instead of a request; later calls go to the network.
 */
const boot: {
  region?: RegionContextDto;
  contacts?: ContactDto[];
  tariffs?: TariffDto[];
  services?: ServiceOptionDto[];
  me?: ProfileDto;
  accounts?: AccountsDto;
  outages?: OutageDto[];
} = (() => {
  const el = typeof document === "undefined" ? null : document.getElementById("kabinet-boot");
  if (!el?.textContent) return {};
  el.remove();
  try {
    return JSON.parse(el.textContent) as typeof boot;
  } catch {
    return {};
  }
})();
export function fromBoot<K extends keyof typeof boot>(key: K): NonNullable<(typeof boot)[K]> | undefined {
  const value = boot[key];
  delete boot[key];
  return value ?? undefined;
}

/** The problem of a failed call, or a generic one for network errors. */
export function problemOf(e: unknown, fallbackTitle: string): Problem {
  return e instanceof ApiError ? e.problem : { type: "network", title: fallbackTitle, status: 0 };
}

/** The operators' API, with the token the operator typed (kept for this tab only). */
export const opsApi = {
  request: async <T>(token: string, path: string, init: RequestInit = {}) =>
    apiRequest<T>(`/ops/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
    }),
};
