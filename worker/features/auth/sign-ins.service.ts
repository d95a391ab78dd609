import { and, eq, lt, sql } from "drizzle-orm";
import { subscribers } from "../../db/schema/global";
import { loginKeys } from "../../db/schema/identity";
import { signIns } from "../../db/schema/region";
import { type CredentialOwner, credentialsShard } from "../../platform/credentials";
import type { DataAccess, RegionDb } from "../../platform/db";
import { holdersByNumber } from "../../platform/holders";
import type { Identifier } from "../../platform/identifiers";
import { accountKey, type SignInKind, signInKey } from "../../platform/identity-stores";
import { errorText, log } from "../../platform/log";
import { ownerByCopy, type SessionProfile } from "../../platform/session";
import { type SubscriberRow, selectSubscriberById, selectSubscriberByIdentifier } from "./auth.queries";

/**
 * Password logins that read nothing in the global database (issue 20: a login storm's 3,000 logins a second were as
 * many global reads, four times its one thread). A subscriber's phone, e-mail and login are keys in the identity
 * stores (`phone:+79…`, `email:…`, `login:…` → the subscriber and their home shard), and their sign-in row in the
 * home shard (`sign_ins`) keeps their password's record, their name and the identifiers a key must agree with.
 *
 * - **Who holds a phone, e-mail or login is decided by its key** (`claimIdentifier`: claimed before the global row
 *   takes the value; the global row's unique indexes still refuse a duplicate behind it, until a later release drops
 *   them), and for a login a key is an index: it trusts a key only when the row it names in the home shard holds the
 *   identifier typed.
 *   Any other key (absent, stale, in an unbound shard) sends the login to the global row as before, and a success
 *   there writes the row and the keys (`keepSignIn`): every subscriber's first login after the upgrade, and the
 *   backfill, fill them in.
 * - **The home row's password is the truth once the row is there:** a change writes it first, then the global column
 *   (the record itself under `GLOBAL_PASSWORDS = "keep"`, for a rollback to a deployment that reads only it; else the
 *   mark below).
 * - **Order of a change:** the new phone's or e-mail's key is claimed before the global row changes, the sign-in row
 *   forgets the old one before it too (so a change that stops half-way leaves no row a login could trust for the old
 *   value, whatever its key says), and the old value's key goes after the global row has let it go.
 * - **The global column keeps a mark, not the record** (`GLOBAL_PASSWORDS`, not "keep"): `PASSWORD_AT_HOME` says the
 *   home row has it, and whether the subscriber has a password at all (what a profile shows). A record is marked only
 *   once the home row holds it (a write there first, or the backfill's pass reading it back); a mark is never a
 *   password (`globalRecord`), so a home row that is lost (a restore) leaves its subscriber to recover by code, never
 *   a record taken from the mark.
 */

/** What the global `password_hash` holds once the home row alone keeps the record (not a record: it matches nothing). */
export const PASSWORD_AT_HOME = "@home";

/** The global column's record as a password's record: null for none, and for the mark (the record is in the home row). */
export const globalRecord = (hash: string | null): string | null => (hash === PASSWORD_AT_HOME ? null : hash);

/** Who a password login names, and their password's record. */
export interface SignIn {
  owner: CredentialOwner;
  /** The password's record: the home row's when there is one, else the global row's (null: no password). */
  passwordHash: string | null;
  profile: SessionProfile;
  /** Where the record was read: the home row (its key agreed), or the global row, whose success writes the home row and keys. */
  via: "key" | "global";
  /** The global row as read (`via: "global"`), for `keepSignIn` after a success. */
  global: SubscriberRow | null;
  /** An account number whose key a success through the global row writes (`claimAccountKeys`). */
  accountNo?: string;
}

const NAMED: readonly SignInKind[] = ["phone", "email", "login"];

const profileOf = (
  id: string,
  r: { displayName: string; phone: string | null; email: string | null; login: string | null },
  hash: string | null,
) => ({
  id,
  displayName: r.displayName,
  phone: r.phone,
  email: r.email,
  login: r.login,
  hasPassword: hash !== null,
});

/** The subscriber a key names, when the home row it points to holds the identifier typed. */
async function viaKey(data: DataAccess, kind: SignInKind, value: string): Promise<SignIn | null> {
  const key = await data.identities.keyOf(signInKey(kind, value));
  if (!key || !data.hasShard(key.homeShard)) return null;
  const row = await data.shard(key.homeShard).select().from(signIns).where(eq(signIns.subscriberId, key.subscriberId)).get();
  if (!row || row[kind] !== value) return null;
  return {
    owner: { id: key.subscriberId, homeShard: key.homeShard },
    passwordHash: row.passwordHash,
    profile: profileOf(key.subscriberId, row, row.passwordHash),
    via: "key",
    global: null,
  };
}

/**
 * The owner an account number's key names, when their home shard's copy of their links (as their sessions trust it)
 * says they own it, and their sign-in row is there: the key alone is never trusted (an owner's link removed since).
 */
async function viaAccountKey(data: DataAccess, accountNo: string): Promise<{ found: SignIn | null; holder: CredentialOwner | null }> {
  const key = await data.identities.keyOf(accountKey(accountNo));
  const holder = key ? { id: key.subscriberId, homeShard: key.homeShard } : null;
  if (!key || !data.hasShard(key.homeShard)) return { found: null, holder };
  const home = data.shard(key.homeShard);
  const [row, owns] = await Promise.all([
    home.select().from(signIns).where(eq(signIns.subscriberId, key.subscriberId)).get(),
    ownerByCopy(home, key.subscriberId, accountNo),
  ]);
  if (!row || owns !== true) return { found: null, holder };
  return {
    found: {
      owner: { id: key.subscriberId, homeShard: key.homeShard },
      passwordHash: row.passwordHash,
      profile: profileOf(key.subscriberId, row, row.passwordHash),
      via: "key",
      global: null,
    },
    holder,
  };
}

/** The global row of an account's settled owner, found by the account's holder rows (the directory names its shard). */
async function ownerOfAccount(data: DataAccess, accountNo: string): Promise<SubscriberRow | undefined> {
  const owner = (await holdersByNumber(data, [accountNo])).find((h) => h.role === "owner");
  return owner ? selectSubscriberById(data.global, owner.subscriberId) : undefined;
}

/**
 * Whose sign-in an identifier names, or undefined: by its key and the home row (no global read), else by the global
 * row (an account number always: its owner is a global link), with the home row's password when it has one. Under
 * `SIGN_INS_STORE = "global"` (the release that brings the rows, while an older one may still write the global row
 * alone), the global row and its password only.
 */
export async function findSignIn(data: DataAccess, id: Identifier): Promise<SignIn | undefined> {
  const homeRows = data.signInsStore === "home";
  // An account number's key as read: a success through the global row writes it only when it names someone else.
  let accountHolder: CredentialOwner | null = null;
  if (homeRows && id.kind === "account") {
    const keyed = await viaAccountKey(data, id.value);
    if (keyed.found) return keyed.found;
    accountHolder = keyed.holder;
  } else if (homeRows && id.kind !== "account") {
    const keyed = await viaKey(data, id.kind, id.value);
    if (keyed) return keyed;
  }
  // An account number's owner by its holder row in the account's shard (platform/holders.ts), not the global links by
  // their index on the account (under HOLDERS_STORE = "global", those).
  const s =
    id.kind === "account" && data.holdersStore === "shard"
      ? await ownerOfAccount(data, id.value)
      : await selectSubscriberByIdentifier(data.global, id);
  if (!s) return undefined;
  const owner = { id: s.id, homeShard: s.homeShard };
  if (!homeRows) {
    // The global row's record; its mark (a deployment that went on to "drop" before this flag came back) is read home.
    const passwordHash = s.passwordHash === PASSWORD_AT_HOME ? await passwordHashOf(data, owner, s.passwordHash) : s.passwordHash;
    return { owner, passwordHash, profile: profileOf(s.id, s, s.passwordHash), via: "global", global: null };
  }
  const home = credentialsShard(data, owner);
  const row = home ? await home.select().from(signIns).where(eq(signIns.subscriberId, s.id)).get() : undefined;
  const passwordHash = row ? row.passwordHash : globalRecord(s.passwordHash);
  // A login comes here without a key it could trust: the row and keys are written after its success. One by account
  // number writes the row only when it differs from the global row, and the number's key (its owner has no trusted
  // copy of their links yet, or the key was not there).
  const agrees = row && row.displayName === s.displayName && NAMED.every((k) => row[k] === s[k]);
  return {
    owner,
    passwordHash,
    profile: profileOf(s.id, s, passwordHash),
    via: "global",
    global: agrees && id.kind === "account" ? null : s,
    ...(id.kind === "account" && (accountHolder?.id !== s.id || accountHolder.homeShard !== s.homeShard) ? { accountNo: id.value } : {}),
  };
}

/**
 * The owner's password record: their home row's when it is there (the truth), else `globalHash`, the global row's (none
 * for its mark: a home row lost with the record in it leaves them to recover by code).
 */
export async function passwordHashOf(data: DataAccess, owner: CredentialOwner, globalHash: string | null): Promise<string | null> {
  // Under SIGN_INS_STORE = "global" the global record, unless it is the mark: the record is in the home row then.
  if (data.signInsStore === "global" && globalHash !== PASSWORD_AT_HOME) return globalHash;
  const home = credentialsShard(data, owner);
  const row = home
    ? await home.select({ hash: signIns.passwordHash }).from(signIns).where(eq(signIns.subscriberId, owner.id)).get()
    : undefined;
  return row ? row.hash : globalRecord(globalHash);
}

/** What a sign-in row copies of the subscriber's global row. */
type SignInSource = Pick<SubscriberRow, "id" | "displayName" | "phone" | "email" | "login">;

/** A sign-in row from the subscriber's global row, with a password's record and the times of it and of the read. */
const signInRow = (s: SignInSource, passwordHash: string | null, passwordAt: Date, updatedAt: Date) => ({
  subscriberId: s.id,
  displayName: s.displayName,
  phone: s.phone,
  email: s.email,
  login: s.login,
  passwordHash,
  passwordAt,
  updatedAt,
});

/**
 * Writes the subscriber's sign-in row from their global row `s` as read at `readAt` (a new row takes its password; a
 * row there keeps its own, the truth), unless the row holds a read as new or newer; then their keys, each unless one
 * as new or newer is there. A row's `updated_at` and a key's `created_at` are the time of the global read they were
 * written from, so a write from an older read (a login's, begun before a change) never undoes a newer one, whichever
 * lands last. False when the row was left as it was (a newer read, or the home shard unbound). `keysAt`: the keys' date
 * when it is not the row's (a contact change dates its row past its hold, but its keys at their read: a key dated ahead
 * would stand against a later claim it has no global row behind).
 */
export async function keepSignIn(data: DataAccess, s: SubscriberRow, readAt: Date, keysAt: Date = readAt): Promise<boolean> {
  const home = credentialsShard(data, s);
  if (!home) return false;
  const kept = await home
    .insert(signIns)
    .values(signInRow(s, globalRecord(s.passwordHash), readAt, readAt))
    .onConflictDoUpdate({
      target: signIns.subscriberId,
      set: { displayName: s.displayName, phone: s.phone, email: s.email, login: s.login, updatedAt: readAt },
      setWhere: lt(signIns.updatedAt, readAt),
    })
    .returning({ id: signIns.subscriberId });
  if (kept.length === 0) return false;
  await claimSignInKeys(data, s, keysAt);
  return true;
}

/** `keepSignIn` where the caller's own work is done: a failure is logged, and a later login through the global row writes it. */
export async function keepSignInQuietly(data: DataAccess, s: SubscriberRow, readAt: Date, keysAt: Date = readAt) {
  await keepSignIn(data, s, readAt, keysAt).then(
    (kept) => {
      if (!kept) log("info", "sign_in.newer_kept", {});
    },
    (e: unknown) => log("warn", "sign_in.keep_failed", { error: errorText(e) }),
  );
}

/**
 * Points the keys of the subscriber's phone, e-mail and login at them (each in its store, at once), as read at
 * `readAt`: the global row's unique indexes said they were theirs then, so a key someone else holds from an older read
 * is taken over, and one from a newer read is left (the login checks the home row anyway).
 */
function claimSignInKeys(data: DataAccess, s: SubscriberRow, readAt: Date) {
  return claimKeys(
    data,
    s,
    NAMED.flatMap((kind) => (s[kind] ? [signInKey(kind, s[kind] as string)] : [])),
    readAt,
  );
}

/**
 * Points the keys of account numbers at their owner, as read at `readAt` (the global links said they own them then): a
 * key from an older read is taken over, one from a newer is left. A login by number trusts the key only beside the
 * owner's copy of their links.
 */
export function claimAccountKeys(data: DataAccess, owner: CredentialOwner, accountNos: readonly string[], readAt: Date) {
  return claimKeys(data, owner, accountNos.map(accountKey), readAt);
}

/** Points keys at the owner, each in its store, at once, as read at `readAt`: over a key from an older read only. */
async function claimKeys(data: DataAccess, owner: CredentialOwner, keys: readonly string[], readAt: Date) {
  if (data.identities.all.length === 0) return;
  await Promise.all(
    keys.map((key) =>
      data.identities
        .forKey(key)
        .insert(loginKeys)
        .values({ key, subscriberId: owner.id, homeShard: owner.homeShard, createdAt: readAt })
        .onConflictDoUpdate({
          target: loginKeys.key,
          set: { subscriberId: owner.id, homeShard: owner.homeShard, createdAt: readAt },
          setWhere: lt(loginKeys.createdAt, readAt),
        }),
    ),
  );
}

/** After a success through the global row: the sign-in row and keys, and the account number's key; failures logged. */
export async function keepAfterGlobalLogin(data: DataAccess, found: SignIn, readAt: Date) {
  if (found.global) await keepSignInQuietly(data, found.global, readAt);
  if (found.accountNo)
    await claimAccountKeys(data, found.owner, [found.accountNo], readAt).catch((e: unknown) =>
      log("warn", "sign_in.account_key_failed", { error: errorText(e) }),
    );
}

/** How long a contact change holds the sign-in row against writes from global reads made before it ends. */
export const CONTACT_CHANGE_HOLD_MS = 60_000;

/**
 * Before a contact the owner is giving up leaves their global row: their sign-in row forgets their phone, e-mail and
 * login (a code asked for by their login would otherwise still go to the old contact, and a key of it would still be
 * trusted: a key is trusted only where the row agrees; with none of them, every login of theirs reads the global row
 * until the row is written again), dated `CONTACT_CHANGE_HOLD_MS` ahead, so that no login's write from a global read
 * made during the change puts the old contact back. Its key goes after the global row has let it go
 * (`dropIdentifier`). Not quietly: the change must not go ahead while the row still names the old contact. The time
 * the row is held until: the change's own write of the row afterwards is dated after it (`keepSignIn`).
 */
export async function giveUpContact(
  data: DataAccess,
  owner: CredentialOwner & { displayName?: string; passwordHash?: string | null },
  at: Date,
) {
  const heldUntil = new Date(at.getTime() + CONTACT_CHANGE_HOLD_MS);
  const home = credentialsShard(data, owner);
  if (home) {
    // A subscriber with no row yet (the backfill has not reached them, or a restore lost it) gets one that holds too,
    // naming nothing: otherwise a login's or the backfill's write from a read made before the change could put the old
    // contact into a new row after the change had let it go.
    await home
      .insert(signIns)
      .values({
        subscriberId: owner.id,
        displayName: owner.displayName ?? "",
        phone: null,
        email: null,
        login: null,
        passwordHash: globalRecord(owner.passwordHash ?? null),
        passwordAt: new Date(0),
        updatedAt: heldUntil,
      })
      .onConflictDoUpdate({
        target: signIns.subscriberId,
        set: { phone: null, email: null, login: null, updatedAt: sql`max(${signIns.updatedAt}, ${heldUntil.getTime()})` },
      });
  }
  return heldUntil;
}

/**
 * After the global row has let a phone or e-mail go: its key, if it still names the owner, goes too (another subscriber
 * may claim it from then on; before, their claim would have met the owner's global row). A failure leaves a key the
 * owner's global row no longer stands behind, which the next claim takes over (`claimIdentifier`). Logged, not thrown:
 * the change is made.
 */
export async function dropIdentifier(data: DataAccess, owner: CredentialOwner, kind: SignInKind, value: string) {
  if (data.identities.all.length === 0) return;
  const key = signInKey(kind, value);
  await data.identities
    .forKey(key)
    .delete(loginKeys)
    .where(and(eq(loginKeys.key, key), eq(loginKeys.subscriberId, owner.id)))
    .catch((e: unknown) => log("warn", "sign_in.key_left", { error: errorText(e) }));
}

/**
 * A new password record: the home row first (the truth; a row not there yet is written from `s` without its
 * identifiers, as of no read at all, so that the next write from a global read brings them in), then the global column
 * (the record for a rollback, or its mark: `globalColumn`), then the home row again. The row's `updated_at` stays (the time of the identifiers' read);
 * `password_at` is the write's, so that a backfill's page read before the global column changed does not put the old
 * record back.
 */
export async function writePassword(data: DataAccess, s: SubscriberRow, passwordHash: string, now = new Date()) {
  const home = await stagePassword(data, s, passwordHash, now);
  await data.global
    .update(subscribers)
    .set({ passwordHash: globalColumn(data, home, passwordHash) })
    .where(eq(subscribers.id, s.id));
  // Once more after the global column: a backfill page that read the global row between the two writes (the old
  // record, read after `now`) and wrote it back in between is undone, and dated after its read.
  if (home) await home.update(signIns).set({ passwordHash, passwordAt: new Date() }).where(eq(signIns.subscriberId, s.id));
}

/**
 * The home row's password record, written before the global row is (a registration's, a change's): a row not there
 * yet is written from `s` without its identifiers, as of no read at all (the next write from a global read brings
 * them in); one there takes the record, dated `now`. The home shard written, or null when it is not bound here.
 */
export async function stagePassword(data: DataAccess, s: SignInSource & CredentialOwner, passwordHash: string, now: Date) {
  const home = credentialsShard(data, s);
  if (!home) return null;
  // A new row names no phone, e-mail or login yet: a key claimed for it is trusted only once the global row is written
  // and `keepSignIn` has brought them in (a registration that never committed is no one to log in as).
  await home
    .insert(signIns)
    .values(signInRow({ ...s, phone: null, email: null, login: null }, passwordHash, now, new Date(0)))
    .onConflictDoUpdate({ target: signIns.subscriberId, set: { passwordHash, passwordAt: now } });
  return home;
}

/**
 * What the global column gets of a record the home row holds (`home`, as `stagePassword` wrote it): the record itself
 * under `GLOBAL_PASSWORDS = "keep"` or when the home shard is not bound (it is the only copy then), else the mark.
 */
export const globalColumn = (data: DataAccess, home: RegionDb | null, passwordHash: string) =>
  data.globalPasswords === "keep" || !home ? passwordHash : PASSWORD_AT_HOME;

/**
 * Replaces a password record made with weaker parameters only if it is still `current` (a password change in between
 * wins): in the home row, then in the global column, each where it still holds `current`. The global column takes the
 * mark where the home row took the new record under `GLOBAL_PASSWORDS = "drop"`, else the record itself (the home row
 * may not hold it: a first login through the global row, before its row is written; the backfill's pass marks it once
 * the home row holds the same).
 */
export async function rehashPassword(data: DataAccess, owner: CredentialOwner, current: string, next: string) {
  const home = credentialsShard(data, owner);
  const kept = home
    ? await home
        .update(signIns)
        .set({ passwordHash: next })
        .where(and(eq(signIns.subscriberId, owner.id), eq(signIns.passwordHash, current)))
        .returning({ id: signIns.subscriberId })
    : [];
  await data.global
    .update(subscribers)
    .set({ passwordHash: globalColumn(data, kept.length > 0 ? home : null, next) })
    .where(and(eq(subscribers.id, owner.id), eq(subscribers.passwordHash, current)));
}

// ── Who holds a phone, e-mail or login: the keys decide ──────────────────

/**
 * How long a key's claim stands for a registration or a change under way (written before the global row is) when the
 * global row does not have it: past it, a claim whose global write never came is stale and may be taken over.
 */
export const CLAIM_WINDOW_MS = 60_000;

type HeldKey = typeof loginKeys.$inferSelect;

/** Whether a key's subscriber holds the identifier: their global row has it, or their claim of it is under way. */
async function keyStands(data: DataAccess, key: HeldKey, kind: SignInKind, value: string, now: Date, settled = false): Promise<boolean> {
  if (!settled && key.createdAt.getTime() > now.getTime() - CLAIM_WINDOW_MS) return true;
  const row = await data.global
    .select({ phone: subscribers.phone, email: subscribers.email, login: subscribers.login })
    .from(subscribers)
    .where(eq(subscribers.id, key.subscriberId))
    .get();
  return row?.[kind] === value;
}

/**
 * Who holds a phone, e-mail or login (their subscriber id), or null: the subscriber its key names, while that key stands
 * (`keyStands`: with `settled`, only when their global row has it — a claim under way is no holder to give rights to,
 * only one to refuse a second claim for); else the global row's unique index — the rollout's net for a subscriber an older release registered
 * whose key the backfill has not written yet, which the release that drops those indexes takes away.
 */
export async function identifierHolder(
  data: DataAccess,
  kind: SignInKind,
  value: string,
  opts: { now?: Date; settled?: boolean } = {},
): Promise<string | null> {
  const key = await data.identities.keyOf(signInKey(kind, value));
  if (key && (await keyStands(data, key, kind, value, opts.now ?? new Date(), opts.settled))) return key.subscriberId;
  const column = kind === "phone" ? subscribers.phone : kind === "email" ? subscribers.email : subscribers.login;
  const row = await data.global.select({ id: subscribers.id }).from(subscribers).where(eq(column, value)).get();
  return row?.id ?? null;
}

/**
 * Claims an identifier's key for the owner before their global row takes it (a registration, a contact change): the
 * keys are where two subscribers' claims of one phone, e-mail or login meet, in one row of one store. True when the key
 * is theirs now: it was free, or theirs, or named someone whose claim no longer stands (taken over only if unchanged
 * since it was read). False when someone else holds it. The global row's unique indexes still refuse a duplicate too:
 * a claim whose global write is refused is given back (`releaseIdentifier`).
 */
export async function claimIdentifier(
  data: DataAccess,
  owner: CredentialOwner,
  kind: SignInKind,
  value: string,
  at: Date,
  tries = 3,
): Promise<boolean> {
  if (data.identities.all.length === 0) return true;
  const key = signInKey(kind, value);
  const store = data.identities.forKey(key);
  const mine = { subscriberId: owner.id, homeShard: owner.homeShard, createdAt: at };
  const made = await store
    .insert(loginKeys)
    .values({ key, ...mine })
    .onConflictDoNothing()
    .returning({ key: loginKeys.key });
  if (made.length > 0) return true;
  const held = await data.identities.keyOf(key);
  // Gone between the two reads (a claim given back): once more, a few times at most.
  if (!held) return tries > 1 && claimIdentifier(data, owner, kind, value, at, tries - 1);
  // Theirs already: renewed as this claim unless their global row has it (an earlier change that stopped half-way
  // left it; as it was, it would look stale to anyone else from the start, and this change's refusal gives it back).
  const renew = held.subscriberId === owner.id;
  if (renew && (await keyStands(data, held, kind, value, at, true))) return true;
  if (!renew && (await keyStands(data, held, kind, value, at))) return false;
  const taken = await store
    .update(loginKeys)
    .set(mine)
    .where(and(eq(loginKeys.key, key), eq(loginKeys.subscriberId, held.subscriberId), eq(loginKeys.createdAt, held.createdAt)))
    .returning({ key: loginKeys.key });
  // Changed between the read and the update (given back, or claimed by someone else): looked at again.
  return taken.length > 0 || (tries > 1 && claimIdentifier(data, owner, kind, value, at, tries - 1));
}

/**
 * After the global row has taken the value: the key made sure to name the owner (re-dated `at`, the claim confirmed),
 * or written again if it went meanwhile (a claim someone else made and gave back). False when it names someone else:
 * this claim lapsed (its global write took longer than the claim window) and was taken over, and the caller undoes
 * its global write, so that whoever holds the key holds the value, once the global indexes no longer refuse a second.
 */
export async function confirmIdentifier(data: DataAccess, owner: CredentialOwner, kind: SignInKind, value: string, at = new Date()) {
  if (data.identities.all.length === 0) return true;
  const key = signInKey(kind, value);
  const store = data.identities.forKey(key);
  const kept = await store
    .update(loginKeys)
    .set({ homeShard: owner.homeShard, createdAt: at })
    .where(and(eq(loginKeys.key, key), eq(loginKeys.subscriberId, owner.id)))
    .returning({ key: loginKeys.key });
  if (kept.length > 0) return true;
  const made = await store
    .insert(loginKeys)
    .values({ key, subscriberId: owner.id, homeShard: owner.homeShard, createdAt: at })
    .onConflictDoNothing()
    .returning({ key: loginKeys.key });
  return made.length > 0;
}

/**
 * `confirmIdentifier` after a write that is made: an identity store that does not answer counts as confirmed (the claim
 * stands a minute, and the keys are written again from the global row after it), logged.
 */
export function confirmIdentifierQuietly(data: DataAccess, owner: CredentialOwner, kind: SignInKind, value: string) {
  return confirmIdentifier(data, owner, kind, value).catch((e: unknown) => {
    log("warn", "sign_in.confirm_failed", { error: errorText(e) });
    return true;
  });
}

/**
 * Gives back a claim the global row refused: the key goes only if it is still this claim (dated `at`), or, with `at`
 * null, still the owner's (a claim confirmed before its change was undone). Failures are logged.
 */
export async function releaseIdentifier(data: DataAccess, owner: CredentialOwner, kind: SignInKind, value: string, at: Date | null) {
  if (data.identities.all.length === 0) return;
  const key = signInKey(kind, value);
  await data.identities
    .forKey(key)
    .delete(loginKeys)
    .where(and(eq(loginKeys.key, key), eq(loginKeys.subscriberId, owner.id), at ? eq(loginKeys.createdAt, at) : undefined))
    .catch((e: unknown) => log("warn", "sign_in.claim_left", { error: errorText(e) }));
}
