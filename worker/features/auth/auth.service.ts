import { randomToken } from "../../platform/crypto";
import type { DataAccess, GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { type Identifier, parseIdentifier } from "../../platform/identifiers";
import { hashPassword, needsRehash, verifyPassword } from "../../platform/password";
import {
  endAllSessions,
  endSessionByPublicId,
  openSession,
  preread,
  readWithSession,
  type SessionInfo,
  type SessionProfile,
  sessionProfile,
} from "../../platform/session";
import { addressGuard, assertNoRefusalFor, type Guard, takeAttempt, throttleKey } from "../../platform/throttle";
import { challengeRequired, loginStormOn, noteLoginFailure } from "../../platform/throttle-storm";
import { type SubscriberRow, selectLegacySessions, selectProfileRow, selectSessions } from "./auth.queries";
import { assertCaptcha } from "./captcha.service";
import { findSignIn, keepAfterGlobalLogin, rehashPassword } from "./sign-ins.service";

/** A hash of a random secret: verified against when an identifier is unknown, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
};

export function parseIdentifierOrThrow(input: string, field = "identifier"): Identifier {
  const id = parseIdentifier(input);
  if (!id) throw new AppError(400, "validation", {}, [{ field, message: "field.identifier" }]);
  return id;
}

export interface Client {
  /** The client's address, only ever used hashed, as a throttle key. */
  address: string;
  userAgent: string | null;
}

/**
 * The throttle keys of an attempt: the person (the subscriber behind the
 * identifier, whichever spelling was typed: phone, login, email, account
 * number), else the identifier as typed; and the client's address. Three
 * spellings of one person share one allowance.
 */
export async function throttleKeysFor(person: { subscriberId: string } | Identifier, client: Client): Promise<Guard[]> {
  return [await personGuard(person), await addressGuard(client.address)];
}

/** The person's key alone (the subscriber behind the identifier, else the identifier as typed). */
async function personGuard(person: { subscriberId: string } | Identifier): Promise<Guard> {
  const subject = "subscriberId" in person ? `subscriber:${person.subscriberId}` : `${person.kind}:${person.value}`;
  return { scope: "identifier", key: await throttleKey("identifier", subject) };
}

/** Who an identifier's attempts count against: its subscriber if there is one, else the identifier itself. */
export const personOf = (id: Identifier, s: { id: string } | undefined | null) => (s ? { subscriberId: s.id } : id);

/** What a password login comes with besides the identifier and password: where, and a solved challenge if any. */
export interface LoginContext {
  /** The site the login is made on (its storm mode): the region code, or `apex`. */
  site: string;
  /** A solved proof-of-work challenge (base64 JSON), needed only in storm mode. */
  captcha?: string;
  env: Env;
}

/**
 * Password login with any identifier. Unknown identifiers and wrong passwords
 * get the same answer in about the same time. The attempt is counted (per
 * person and per address) before the password is checked, in one atomic step.
 *
 * What costs nothing is checked first: a refusal this isolate remembers for
 * the identifier as typed (a flood on one identifier, from any number of
 * addresses, is answered from memory: no object per new address, no
 * database), then storm mode (a login without a valid, unused solution is
 * refused before any database read or hash). Every failure is counted
 * towards the site's storm mode.
 */
export async function loginWithPassword(data: DataAccess, identifier: string, password: string, client: Client, ctx: LoginContext) {
  const id = parseIdentifierOrThrow(identifier);
  try {
    return await checkPassword(data, id, password, client, ctx);
  } catch (e) {
    if (e instanceof AppError && (e.status === 401 || e.status === 429)) noteLoginFailure(ctx.site);
    throw e;
  }
}

async function checkPassword(data: DataAccess, id: Identifier, password: string, client: Client, ctx: LoginContext) {
  const typed = `${id.kind}:${id.value}`;
  assertNoRefusalFor(typed);
  if (await loginStormOn(ctx.site)) {
    if (!ctx.captcha) throw challengeRequired();
    await assertCaptcha(ctx.env, ctx.captcha, challengeRequired);
  }
  // The address, then the person: the address stays counted if the person then refuses, as it would in one step
  // (probing locked people is not free).
  const byAddress = await takeAttempt([await addressGuard(client.address)]);
  // By the identifier's key and the home shard's row (no global read), else by the global row (sign-ins.service.ts).
  const readAt = new Date();
  const found = await findSignIn(data, id);
  const attempt = await takeAttempt([await personGuard(personOf(id, found?.owner))], Date.now(), { rememberAs: typed });
  const hash = found?.passwordHash ?? null;
  const ok = (await verifyPassword(password, hash ?? (await getDummyHash()))) && hash !== null;
  if (!ok || !found) throw new AppError(401, "invalid_credentials");
  await Promise.all([attempt.succeeded(), byAddress.succeeded()]);
  // Found through the global row (and the home row missing or behind it): the home row and keys are written, so that
  // the next login reads nothing global; before the rehash, which then replaces the record in both places.
  await keepAfterGlobalLogin(data, found, readAt);
  // A PBKDF2 (or weaker argon2id) record is replaced while the password is at hand.
  if (needsRehash(hash)) await rehashPassword(data, found.owner, hash, await hashPassword(password));
  const session = await openSession(data, found.owner, "password", client.userAgent);
  return { profile: profileOf(found.profile), session };
}

const maskPhone = (p: string | null) => (p ? `${p.slice(0, 2)} ${p.slice(2, 5)} ***-**-${p.slice(-2)}` : null);
const maskEmail = (e: string | null) => {
  if (!e) return null;
  const [user = "", domain = ""] = e.split("@");
  return `${user.slice(0, 1)}***@${domain}`;
};

/** What the profile shows (from the subscriber's row, or the session's copy). Contacts are the subscriber's own, shown in full to them. */
export function profileOf(s: SubscriberRow | SessionProfile) {
  return {
    id: s.id,
    displayName: s.displayName,
    phone: s.phone,
    email: s.email,
    login: s.login,
    hasPassword: "hasPassword" in s ? s.hasPassword : s.passwordHash != null,
    maskedPhone: maskPhone(s.phone),
    maskedEmail: maskEmail(s.email),
  };
}

const LEGACY_SESSIONS_READ = readWithSession(["GET /api/v1/me/sessions"], selectLegacySessions);

/**
 * The profile as read with the session (the home shard's copy, kept with the links), or from the global database
 * when it was not (a legacy session) or the request has changed global data since.
 */
export async function currentProfile(db: GlobalDb, session: SessionInfo) {
  const s = sessionProfile(db, session.subscriberId) ?? (await selectProfileRow(db, session.subscriberId));
  if (!s) throw new AppError(401, "unauthorized");
  return profileOf(s);
}

/** Public id of a session: a prefix of its hash (the token itself is never shown). */
export const publicSessionId = (idHash: string) => idHash.slice(0, 16);

/** The subscriber's sessions: in their home shard, and any an older deployment opened in the global table. */
export async function listSessions(data: DataAccess, session: SessionInfo) {
  const db = data.global;
  const [home, legacy] = await Promise.all([
    data.hasShard(session.homeShard) ? selectSessions(data.shard(session.homeShard), session.subscriberId) : [],
    preread(db, session.subscriberId, LEGACY_SESSIONS_READ) ?? selectLegacySessions(db, session.subscriberId),
  ]);
  const rows = [...home, ...legacy].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  return rows.map((r) => ({
    id: publicSessionId(r.idHash),
    current: r.idHash === session.idHash,
    userAgent: r.userAgent,
    authMethod: r.authMethod,
    createdAt: r.createdAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
  }));
}

/** Ends one of the subscriber's sessions; a foreign or unknown id is a 404. */
export async function endOneSession(data: DataAccess, session: SessionInfo, publicId: string) {
  const ended = await endSessionByPublicId(data, { id: session.subscriberId, homeShard: session.homeShard }, publicId);
  if (!ended) throw new AppError(404, "not_found");
  return ended === session.idHash;
}

export async function endOtherSessions(data: DataAccess, session: SessionInfo) {
  await endAllSessions(data, { id: session.subscriberId, homeShard: session.homeShard }, session.idHash);
}

export type Profile = ReturnType<typeof profileOf>;
export type { SubscriberRow };
