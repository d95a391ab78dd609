import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { and, eq, isNull } from "drizzle-orm";
import { authChallenges, passkeys, subscribers } from "../../db/schema/global";
import { homePasskeys } from "../../db/schema/region";
import {
  type CredentialOwner,
  credentialsHome,
  credentialsShard,
  homeCredentials,
  mergeCredentials,
  removeCredential,
} from "../../platform/credentials";
import { isOwnOrigin } from "../../platform/csrf";
import type { DataAccess, GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { openSession, preread, readWithSession, type SessionInfo, type SessionSubscriber, subscriberIs } from "../../platform/session";
import { selectSubscriberById } from "./auth.queries";

/** A WebAuthn ceremony must finish within this time. */
const CEREMONY_TTL_MS = 5 * 60 * 1000;

/** The challenge inside a response's clientDataJSON, and the origin it was made on. */
function clientData(response: { response: { clientDataJSON: string } }): { challenge: string; origin: string } {
  try {
    const json = JSON.parse(new TextDecoder().decode(isoBase64URL.toBuffer(response.response.clientDataJSON)));
    return { challenge: String(json.challenge ?? ""), origin: String(json.origin ?? "") };
  } catch {
    return { challenge: "", origin: "" };
  }
}

/** Spends an issued challenge (once, unexpired); returns the subscriber it was issued to (null for login). */
async function spendChallenge(
  db: GlobalDb,
  challenge: string,
  purpose: "register" | "login",
): Promise<{ subscriberId: string | null } | null> {
  const rows = await db
    .delete(authChallenges)
    .where(eq(authChallenges.id, `webauthn:${challenge}`))
    .returning();
  const row = rows[0];
  if (!row || row.expiresAt.getTime() < Date.now() || JSON.parse(row.data).purpose !== purpose) return null;
  return { subscriberId: row.subscriberId };
}

async function saveChallenge(db: GlobalDb, challenge: string, purpose: "register" | "login", subscriberId: string | null) {
  await db.insert(authChallenges).values({
    id: `webauthn:${challenge}`,
    kind: "webauthn",
    subscriberId,
    data: JSON.stringify({ purpose }),
    expiresAt: new Date(Date.now() + CEREMONY_TTL_MS),
  });
}

/** The RP is the base domain, so one passkey works on the apex and every regional subdomain. */
const rp = (env: Env) => ({ id: env.WEBAUTHN_RP_ID || env.BASE_DOMAIN, name: env.WEBAUTHN_RP_NAME });

function checkedOrigin(env: Env, origin: string): string {
  if (!isOwnOrigin(origin, rp(env).id)) throw new AppError(400, "passkey_failed");
  return origin;
}

/** The subscriber whose passkeys a session reads: they and their home shard, where their passkeys are. */
const ownerOf = (session: SessionInfo): CredentialOwner => ({ id: session.subscriberId, homeShard: session.homeShard });

const selectPasskeys = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select().from(passkeys).where(subscriberIs(passkeys.subscriberId, who));
/** The passkeys an older deployment kept in the global table, read with the session on the page that lists them. */
const PASSKEYS_READ = readWithSession(["GET /api/v1/me/passkeys"], selectPasskeys);

/** The subscriber's passkeys, in both places (platform/credentials.ts): the home shard's and the global table's. */
export async function passkeysOf(data: DataAccess, owner: CredentialOwner) {
  // The global table first (with the session, where the route reads it there), then the home shard: platform/credentials.ts.
  const legacy = preread(data.global, owner.id, PASSKEYS_READ) ?? (await selectPasskeys(data.global, owner.id));
  return mergeCredentials<"passkeys">(await homeCredentials(data, "passkeys", owner), legacy);
}

export async function registrationOptions(env: Env, data: DataAccess, session: SessionInfo) {
  const db = data.global;
  const [s, existing] = await Promise.all([selectSubscriberById(db, session.subscriberId), passkeysOf(data, ownerOf(session))]);
  if (!s) throw new AppError(401, "unauthorized");
  const options = await generateRegistrationOptions({
    rpName: rp(env).name,
    rpID: rp(env).id,
    userName: s.login ?? s.phone ?? s.email ?? s.id,
    userDisplayName: s.displayName,
    // The user handle a login gets back: the subscriber's id, which names their home shard (`loginWithPasskey`).
    userID: new Uint8Array(new TextEncoder().encode(s.id)),
    attestationType: "none",
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports ? JSON.parse(k.transports) : undefined })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
  await saveChallenge(db, options.challenge, "register", s.id);
  return options;
}

export async function registerPasskey(env: Env, data: DataAccess, session: SessionInfo, response: RegistrationResponseJSON, name: string) {
  const db = data.global;
  const { challenge, origin } = clientData(response);
  const issued = await spendChallenge(db, challenge, "register");
  if (!issued || issued.subscriberId !== session.subscriberId) throw new AppError(400, "passkey_failed");
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: checkedOrigin(env, origin),
      expectedRPID: rp(env).id,
      requireUserVerification: false,
    });
  } catch (e) {
    log("warn", "passkey.register_failed", { error: e instanceof Error ? e.name : "unknown" });
    throw new AppError(400, "passkey_failed");
  }
  if (!verification.verified) throw new AppError(400, "passkey_failed");
  const { credential } = verification.registrationInfo;
  const row = {
    id: credential.id,
    subscriberId: session.subscriberId,
    publicKey: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ? JSON.stringify(credential.transports) : null,
    name: name.trim().slice(0, 60) || "Passkey",
    createdAt: new Date(),
  };
  // In the home shard (the global table under `CREDENTIALS_STORE = "global"`). A credential id already there or in the
  // global table (the same authenticator registered again, or an id made up to match someone else's: the drain would
  // not copy theirs over it) is refused, not a 500.
  if (await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, row.id)).get()) throw new AppError(400, "passkey_failed");
  const home = credentialsHome(data, ownerOf(session));
  const saved = home
    ? await home.insert(homePasskeys).values(row).onConflictDoNothing().returning({ id: homePasskeys.id })
    : await db.insert(passkeys).values(row).onConflictDoNothing().returning({ id: passkeys.id });
  if (saved.length === 0) throw new AppError(400, "passkey_failed");
  return { id: credential.id };
}

export async function authenticationOptions(env: Env, db: GlobalDb) {
  // No allowCredentials: the authenticator offers the passkeys it holds for this site (discoverable credentials).
  const options = await generateAuthenticationOptions({ rpID: rp(env).id, userVerification: "preferred" });
  await saveChallenge(db, options.challenge, "login", null);
  return options;
}

/**
 * The subscriber id in a login's user handle (base64url of the id registration gave): null when there is none, and
 * undefined when it is not one (not UTF-8, empty or too long), which no subscriber has.
 */
function userHandleOf(response: AuthenticationResponseJSON): string | null | undefined {
  if (!response.response.userHandle) return null;
  try {
    const id = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(isoBase64URL.toBuffer(response.response.userHandle));
    return id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The passkey a login names and its subscriber, or null. The user handle (the subscriber's id, as registration gave
 * it) names the subscriber and so their home shard, where the passkey is read by its id and that subscriber; one an
 * older deployment kept is read from the global table beside the subscriber, and must be theirs. A login without a
 * user handle is found by the global table's row alone.
 */
async function passkeyForLogin(data: DataAccess, response: AuthenticationResponseJSON) {
  const db = data.global;
  const handle = userHandleOf(response);
  if (handle === undefined) return null;
  const [[named], [legacy]] = await db.batch([
    db
      .select()
      .from(subscribers)
      .where(eq(subscribers.id, handle ?? "")),
    db.select().from(passkeys).where(eq(passkeys.id, response.id)),
  ]);
  const subscriber = named ?? (handle === null && legacy ? await selectSubscriberById(db, legacy.subscriberId) : undefined);
  if (!subscriber) return null;
  const home = credentialsShard(data, { id: subscriber.id, homeShard: subscriber.homeShard });
  const here = await home
    ?.select()
    .from(homePasskeys)
    .where(and(eq(homePasskeys.id, response.id), eq(homePasskeys.subscriberId, subscriber.id)))
    .get();
  if (here) return here.removedAt === null ? { subscriber, key: here, home } : null;
  return legacy?.subscriberId === subscriber.id ? { subscriber, key: legacy, home: null } : null;
}

/** Logs in with a passkey; any failure is the same 401, telling nothing about which part failed. */
export async function loginWithPasskey(env: Env, data: DataAccess, response: AuthenticationResponseJSON, userAgent: string | null) {
  const db = data.global;
  const failed = () => new AppError(401, "passkey_failed");
  const { challenge, origin } = clientData(response);
  if (!(await spendChallenge(db, challenge, "login"))) throw failed();
  const found = await passkeyForLogin(data, response);
  if (!found) throw failed();
  const { subscriber, key, home } = found;
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: checkedOrigin(env, origin),
      expectedRPID: rp(env).id,
      credential: {
        id: key.id,
        publicKey: isoBase64URL.toBuffer(key.publicKey),
        counter: key.counter,
        transports: key.transports ? JSON.parse(key.transports) : undefined,
      },
      requireUserVerification: false,
    });
  } catch (e) {
    log("warn", "passkey.login_failed", { error: e instanceof Error ? e.name : "unknown" });
    throw failed();
  }
  if (!verification.verified) throw failed();
  const used = { counter: verification.authenticationInfo.newCounter, lastUsedAt: new Date() };
  // Its counter where it was found: in the home shard, not the global database. One the drain moved meanwhile is
  // updated where it went.
  const mine = (t: typeof homePasskeys | typeof passkeys) => and(eq(t.id, key.id), eq(t.subscriberId, subscriber.id));
  const homeShard = home ?? credentialsShard(data, { id: subscriber.id, homeShard: subscriber.homeShard });
  const moved = home ? [] : await db.update(passkeys).set(used).where(mine(passkeys)).returning({ id: passkeys.id });
  if (moved.length === 0 && homeShard)
    await homeShard
      .update(homePasskeys)
      .set(used)
      .where(and(mine(homePasskeys), isNull(homePasskeys.removedAt)));
  return { subscriber, session: await openSession(data, subscriber, "passkey", userAgent) };
}

export async function listPasskeys(data: DataAccess, session: SessionInfo) {
  const rows = await passkeysOf(data, ownerOf(session));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  }));
}

export async function deletePasskey(data: DataAccess, session: SessionInfo, id: string) {
  if (!(await removeCredential(data, "passkeys", ownerOf(session), id))) throw new AppError(404, "not_found");
}
