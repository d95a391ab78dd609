import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { and, eq } from "drizzle-orm";
import { authChallenges, passkeys } from "../../db/schema/global";
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

export async function registrationOptions(env: Env, db: GlobalDb, session: SessionInfo) {
  const s = await selectSubscriberById(db, session.subscriberId);
  if (!s) throw new AppError(401, "unauthorized");
  const existing = await db
    .select({ id: passkeys.id, transports: passkeys.transports })
    .from(passkeys)
    .where(eq(passkeys.subscriberId, s.id))
    .all();
  const options = await generateRegistrationOptions({
    rpName: rp(env).name,
    rpID: rp(env).id,
    userName: s.login ?? s.phone ?? s.email ?? s.id,
    userDisplayName: s.displayName,
    userID: new Uint8Array(new TextEncoder().encode(s.id)),
    attestationType: "none",
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports ? JSON.parse(k.transports) : undefined })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
  await saveChallenge(db, options.challenge, "register", s.id);
  return options;
}

export async function registerPasskey(env: Env, db: GlobalDb, session: SessionInfo, response: RegistrationResponseJSON, name: string) {
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
  await db.insert(passkeys).values({
    id: credential.id,
    subscriberId: session.subscriberId,
    publicKey: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ? JSON.stringify(credential.transports) : null,
    name: name.trim().slice(0, 60) || "Passkey",
    createdAt: new Date(),
  });
  return { id: credential.id };
}

export async function authenticationOptions(env: Env, db: GlobalDb) {
  // No allowCredentials: the authenticator offers the passkeys it holds for this site (discoverable credentials).
  const options = await generateAuthenticationOptions({ rpID: rp(env).id, userVerification: "preferred" });
  await saveChallenge(db, options.challenge, "login", null);
  return options;
}

/** Logs in with a passkey; any failure is the same 401, telling nothing about which part failed. */
export async function loginWithPasskey(env: Env, data: DataAccess, response: AuthenticationResponseJSON, userAgent: string | null) {
  const db = data.global;
  const failed = () => new AppError(401, "passkey_failed");
  const { challenge, origin } = clientData(response);
  if (!(await spendChallenge(db, challenge, "login"))) throw failed();
  const key = await db.select().from(passkeys).where(eq(passkeys.id, response.id)).get();
  if (!key) throw failed();
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
  await db
    .update(passkeys)
    .set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: new Date() })
    .where(eq(passkeys.id, key.id));
  const subscriber = await selectSubscriberById(db, key.subscriberId);
  if (!subscriber) throw failed();
  return { subscriber, session: await openSession(data, subscriber, "passkey", userAgent) };
}

const selectPasskeys = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select().from(passkeys).where(subscriberIs(passkeys.subscriberId, who));
const PASSKEYS_READ = readWithSession(["GET /api/v1/me/passkeys"], selectPasskeys);

export async function listPasskeys(db: GlobalDb, session: SessionInfo) {
  const rows = preread(db, session.subscriberId, PASSKEYS_READ) ?? (await selectPasskeys(db, session.subscriberId));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  }));
}

export async function deletePasskey(db: GlobalDb, session: SessionInfo, id: string) {
  const gone = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.subscriberId, session.subscriberId)))
    .returning({ id: passkeys.id });
  if (gone.length === 0) throw new AppError(404, "not_found");
}
