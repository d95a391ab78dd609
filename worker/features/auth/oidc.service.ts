import { eq } from "drizzle-orm";
import {
  type AuthStart,
  configuredProviders,
  finishAuthorization,
  KNOWN_PROVIDERS,
  type ProviderConfig,
  type ProviderId,
  startAuthorization,
} from "../../adapters/identity";
import { authChallenges, externalIdentities, subscribers } from "../../db/schema/global";
import type { DataAccess, GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { openSession, preread, readWithSession, type SessionInfo, type SessionSubscriber, subscriberIs } from "../../platform/session";
import { findLinked, identitiesOf, linkIdentity, unlinkProvider } from "./identities.service";
import { passkeysOf } from "./passkeys.service";
import { passwordHashOf } from "./sign-ins.service";

const FLOW_TTL_MS = 10 * 60 * 1000;

export function listProviders(env: Env) {
  return configuredProviders(env.OIDC_PROVIDERS).map((p) => ({ id: p.id, name: KNOWN_PROVIDERS[p.id] }));
}

function provider(env: Env, id: string): ProviderConfig {
  const p = configuredProviders(env.OIDC_PROVIDERS).find((x) => x.id === id);
  if (!p) throw new AppError(404, "not_found");
  return p;
}

/** The one callback URL registered with every provider: on the apex, so one registration serves all regions. */
export const callbackUrl = (requestUrl: URL, baseDomain: string, id: string) =>
  `${requestUrl.protocol}//${baseDomain}${requestUrl.port ? `:${requestUrl.port}` : ""}/api/v1/auth/oidc/${id}/callback`;

interface FlowData {
  provider: ProviderId;
  mode: "login" | "link";
  nonce: string;
  verifier: string;
  redirectUri: string;
  /** The regional site to come back to. */
  returnTo: string;
}

/** Starts a login or a link: remembers state, nonce and PKCE verifier, returns where to send the browser. */
export async function beginFlow(
  env: Env,
  db: GlobalDb,
  args: { provider: string; mode: "login" | "link"; session: SessionInfo | null; redirectUri: string; returnTo: string },
): Promise<AuthStart> {
  const p = provider(env, args.provider);
  if (args.mode === "link" && !args.session) throw new AppError(401, "unauthorized");
  const start = await startAuthorization(p, args.redirectUri);
  const data: FlowData = {
    provider: p.id,
    mode: args.mode,
    nonce: start.nonce,
    verifier: start.verifier,
    redirectUri: args.redirectUri,
    returnTo: args.returnTo,
  };
  await db.insert(authChallenges).values({
    id: `oidc:${start.state}`,
    kind: "oidc",
    subscriberId: args.session?.subscriberId ?? null,
    data: JSON.stringify(data),
    expiresAt: new Date(Date.now() + FLOW_TTL_MS),
  });
  return start;
}

export type FlowOutcome =
  | { kind: "logged-in"; token: string; returnTo: string }
  | { kind: "linked"; returnTo: string }
  | { kind: "error"; code: "oidc_failed" | "oidc_unlinked" | "oidc_taken"; returnTo: string | null };

/**
 * Finishes the flow: the state must be one we issued (once, unexpired, and the
 * same as in this browser's cookie); then the provider's subject logs in, or
 * is linked to the logged-in subscriber who started the link.
 */
export async function completeFlow(
  env: Env,
  data: DataAccess,
  args: { provider: string; url: URL; cookieState: string | undefined; session: SessionInfo | null; userAgent: string | null },
): Promise<FlowOutcome> {
  const db = data.global;
  const state = args.url.searchParams.get("state") ?? "";
  if (!state || state !== args.cookieState) return { kind: "error", code: "oidc_failed", returnTo: null };
  const spent = await db
    .delete(authChallenges)
    .where(eq(authChallenges.id, `oidc:${state}`))
    .returning();
  const row = spent[0];
  if (!row || row.expiresAt.getTime() < Date.now()) return { kind: "error", code: "oidc_failed", returnTo: null };
  const flow = JSON.parse(row.data) as FlowData;
  if (flow.provider !== args.provider) return { kind: "error", code: "oidc_failed", returnTo: flow.returnTo };
  let subject: string;
  let name: string | null;
  try {
    ({ subject, name } = await finishAuthorization(provider(env, flow.provider), args.url, {
      state,
      nonce: flow.nonce,
      verifier: flow.verifier,
      redirectUri: flow.redirectUri,
    }));
  } catch (e) {
    log("warn", "oidc.failed", { provider: flow.provider, error: e instanceof Error ? e.name : "unknown" });
    return { kind: "error", code: "oidc_failed", returnTo: flow.returnTo };
  }
  if (flow.mode === "link") {
    if (!args.session || args.session.subscriberId !== row.subscriberId)
      return { kind: "error", code: "oidc_failed", returnTo: flow.returnTo };
    const owner = { id: args.session.subscriberId, homeShard: args.session.homeShard };
    const outcome = await linkIdentity(data, owner, { provider: flow.provider, subject, displayName: name });
    if (outcome === "taken") return { kind: "error", code: "oidc_taken", returnTo: flow.returnTo };
    return { kind: "linked", returnTo: flow.returnTo };
  }
  const linked = await findLinked(data, flow.provider, subject);
  if (!linked) return { kind: "error", code: "oidc_unlinked", returnTo: flow.returnTo };
  const session = await openSession(data, linked, `oidc:${flow.provider}`, args.userAgent);
  return { kind: "logged-in", token: session.token, returnTo: flow.returnTo };
}

const selectIdentities = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select().from(externalIdentities).where(subscriberIs(externalIdentities.subscriberId, who));
const IDENTITIES_READ = readWithSession(["GET /api/v1/me/identities"], selectIdentities);

/** The subscriber's linked providers: the global rows with the session (an older deployment's), then the home shard's. */
export async function listIdentities(data: DataAccess, session: SessionInfo) {
  const legacy = preread(data.global, session.subscriberId, IDENTITIES_READ);
  const rows = await identitiesOf(data, { id: session.subscriberId, homeShard: session.homeShard }, legacy);
  return rows.map((r) => ({
    provider: r.provider,
    name: KNOWN_PROVIDERS[r.provider as ProviderId] ?? { ru: r.provider, en: r.provider },
    displayName: r.displayName,
    linkedAt: r.createdAt.toISOString(),
  }));
}

/** Unlinks a provider, unless it is the subscriber's only way in (no password, no passkey, no other provider). */
export async function unlinkIdentity(data: DataAccess, session: SessionInfo, providerId: string) {
  const owner = { id: session.subscriberId, homeShard: session.homeShard };
  const [mine, hash, keys] = await Promise.all([
    identitiesOf(data, owner),
    // The password's record: the home shard's sign-in row when there is one (the truth), else the global column.
    data.global
      .select({ hash: subscribers.passwordHash })
      .from(subscribers)
      .where(eq(subscribers.id, session.subscriberId))
      .get()
      .then((r) => passwordHashOf(data, owner, r?.hash ?? null)),
    passkeysOf(data, owner),
  ]);
  if (!mine.some((m) => m.provider === providerId)) throw new AppError(404, "not_found");
  if (!hash && keys.length === 0 && mine.length === 1) throw new AppError(409, "last_login_method");
  if (!(await unlinkProvider(data, owner, providerId))) throw new AppError(404, "not_found");
}
