import { and, eq } from "drizzle-orm";
import { accountLinks, subscribers } from "../../db/schema/global";
import { signIns } from "../../db/schema/region";
import { contractContactsOf, contractsByContact } from "../../platform/contract-contacts";
import { type DataAccess, inList, isShardBinding, type RegionDb, type ShardBinding } from "../../platform/db";
import { AppError, accountMovingError, isAccountMoving, uniqueViolation } from "../../platform/errors";
import { addHolders, byShardOf, dropHolders, ownedOn, settleHolders } from "../../platform/holders";
import { type Identifier, normalizeEmail, normalizeLogin, normalizePhone } from "../../platform/identifiers";
import type { SignInKind } from "../../platform/identity-stores";
import { newId, parseAccountNo } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { hashPassword, verifyPassword } from "../../platform/password";
import { checkPassword, passwordFieldError } from "../../platform/password-policy";
import { placesOf } from "../../platform/places";
import { endAllSessions, openSession, type SessionInfo, STEP_UP_TTL_MS, sessionProfile, whileCopyChanging } from "../../platform/session";
import { placeSubscriber } from "../../platform/shard-map";
import { assertNotThrottled, confirmGuards, takeAttempt, throttleKey } from "../../platform/throttle";
import { selectMovingAccounts } from "../accounts/accounts.service";
import { type SubscriberRow, selectSubscriberById } from "./auth.queries";
import { type Client, parseIdentifierOrThrow, personOf, profileOf, throttleKeysFor } from "./auth.service";
import { consumeCode, type Delivery, issueCode, type Notify, refundCodeAttempt, spendCode, unspendCode } from "./codes.service";
import {
  claimAccountKeys,
  claimIdentifier,
  confirmIdentifierQuietly,
  dropIdentifier,
  findSignIn,
  giveUpContact,
  globalColumn,
  identifierHolder,
  keepAfterGlobalLogin,
  keepSignIn,
  keepSignInQuietly,
  passwordHashOf,
  releaseIdentifier,
  stagePassword,
  writePassword,
} from "./sign-ins.service";

const targetOf = (id: Identifier) => `${id.kind}:${id.value}`;

/** A registration's proven contact as identifiers: its phone, or its e-mail. */
const contactsOf = (c: { phone?: string; email?: string }): [SignInKind, string][] => [
  ...(c.phone ? [["phone", c.phone] as [SignInKind, string]] : []),
  ...(c.email ? [["email", c.email] as [SignInKind, string]] : []),
];

/** Where a subscriber's code goes: the channel asked for if they have it, else the other one. */
function deliveryFor(s: { phone: string | null; email: string | null } | undefined, preferred: "sms" | "email"): Delivery | null {
  if (!s) return null;
  if (preferred === "email" && s.email) return { channel: "email", to: s.email };
  if (s.phone) return { channel: "sms", to: s.phone };
  return s.email ? { channel: "email", to: s.email } : null;
}

function assertPassword(password: string, personal: (string | null | undefined)[], field = "password") {
  const problem = checkPassword(password, personal);
  if (problem) throw new AppError(400, "weak_password", {}, [passwordFieldError(problem, field)]);
}

// ── Login by one-time code ────────────────────────────────────────────────

/** Sends a login code to the subscriber the identifier names; answers the same for unknown identifiers. */
export async function requestLoginCode(
  data: DataAccess,
  notify: Notify,
  identifier: string,
  channel: "sms" | "email" | undefined,
  client: Client,
) {
  return sendCodeToPerson(data, notify, "login", identifier, channel, client);
}

/**
 * A code for the person an identifier names, to the channel asked for (by default the identifier's own kind):
 * refused while the person is throttled; an unknown identifier gets the same answer and no code.
 */
async function sendCodeToPerson(
  data: DataAccess,
  notify: Notify,
  purpose: "login" | "recover",
  identifier: string,
  channel: "sms" | "email" | undefined,
  client: Client,
) {
  const id = parseIdentifierOrThrow(identifier);
  // By the identifier's key and the home shard's sign-in row, as a password login (no global read), else the global row.
  const found = await findSignIn(data, id);
  await assertNotThrottled(await throttleKeysFor(personOf(id, found?.owner), client));
  return issueCode(data, notify, {
    purpose,
    target: targetOf(id),
    deliver: deliveryFor(found?.profile, channel ?? (id.kind === "email" ? "email" : "sms")),
    subscriberId: found?.owner.id ?? null,
    address: client.address,
  });
}

export async function loginWithCode(data: DataAccess, identifier: string, code: string, client: Client) {
  const id = parseIdentifierOrThrow(identifier);
  // Whom the identifier names now (its key and sign-in row, else the global row): the code must have been sent to them.
  const readAt = new Date();
  const person = await findSignIn(data, id);
  const attempt = await takeAttempt(await throttleKeysFor(personOf(id, person?.owner), client));
  const { subscriberId } = await consumeCode(data, { purpose: "login", target: targetOf(id), code });
  if (!person || !subscriberId || subscriberId !== person.owner.id) throw new AppError(400, "invalid_code");
  await attempt.succeeded();
  // Found through the global row: the row and keys are written, so that the next login reads nothing global.
  await keepAfterGlobalLogin(data, person, readAt);
  return { profile: profileOf(person.profile), session: await openSession(data, person.owner, "code", client.userAgent) };
}

// ── Registration of an existing subscriber ───────────────────────────────

export type RegisterBy =
  | { by: "account"; accountNo: string; channel: "sms" | "email" }
  | { by: "phone"; phone: string }
  | { by: "email"; email: string };

interface RegisterTarget {
  target: string;
  deliver: Delivery | null;
  contact: { phone?: string; email?: string };
}

async function registerTarget(data: DataAccess, input: RegisterBy): Promise<RegisterTarget> {
  if (input.by === "account") {
    const accountNo = parseAccountNo(input.accountNo);
    if (!accountNo) throw new AppError(400, "validation", {}, [{ field: "accountNo", message: "field.accountNo" }]);
    // The contract's contacts: the account's row in its shard (or an older release's directory row).
    const contacts = await contractContactsOf(data, accountNo);
    const to = input.channel === "email" ? contacts.email : contacts.phone;
    const deliver = to ? { channel: input.channel, to } : null;
    return {
      target: `account:${accountNo}`,
      deliver,
      contact: deliver?.channel === "email" ? { email: to ?? "" } : to ? { phone: to } : {},
    };
  }
  if (input.by === "phone") {
    const phone = normalizePhone(input.phone);
    if (!phone) throw new AppError(400, "validation", {}, [{ field: "phone", message: "field.phone" }]);
    return { target: `phone:${phone}`, deliver: { channel: "sms", to: phone }, contact: { phone } };
  }
  const email = normalizeEmail(input.email);
  if (!email) throw new AppError(400, "validation", {}, [{ field: "email", message: "field.email" }]);
  return { target: `email:${email}`, deliver: { channel: "email", to: email }, contact: { email } };
}

/** Step 1: a code to the phone or email on the contract (by account number), or to the given phone/email. */
export async function startRegistration(data: DataAccess, notify: Notify, input: RegisterBy, client: Client) {
  const t = await registerTarget(data, input);
  await assertNotThrottled(await throttleKeysFor({ kind: "login", value: t.target }, client));
  return issueCode(data, notify, {
    purpose: "register",
    target: t.target,
    deliver: t.deliver,
    payload: t.contact,
    address: client.address,
  });
}

/**
 * Step 2: with the code, the subscriber chooses a login and a password. The
 * contracts whose contact was just proven become theirs. The code is checked
 * (and a wrong one counted) before anything about the login is looked at, so
 * whether a login is taken is never told without a valid code. A right code
 * is not consumed when the login or password is refused: its attempt is given
 * back and the person tries another.
 */
export async function completeRegistration(
  data: DataAccess,
  input: RegisterBy & { code: string; login: string; password: string; displayName?: string },
  client: Client,
) {
  const db = data.global;
  const t = await registerTarget(data, input);
  const login = normalizeLogin(input.login);
  if (!login) throw new AppError(400, "validation", {}, [{ field: "login", message: "field.login" }]);
  const attempt = await takeAttempt(await throttleKeysFor({ kind: "login", value: t.target }, client));
  const checked = await consumeCode(data, { purpose: "register", target: t.target, code: input.code }, new Date(), { spend: false });
  const contact = checked.payload as { phone?: string; email?: string };
  try {
    assertPassword(input.password, [login, contact.phone, contact.email]);
  } catch (e) {
    // A weak password tells nothing: the person tries again with the same code, at no cost.
    await Promise.all([refundCodeAttempt(checked), attempt.giveBack()]);
    throw e;
  }
  // Who holds the login: its key, while it stands (sign-ins.service.ts identifierHolder).
  if (await identifierHolder(data, "login", login)) {
    // The code survives for another login, but the attempt counts: a code of one's own must not make
    // probing for taken logins free.
    await refundCodeAttempt(checked);
    throw new AppError(409, "conflict", {}, [{ field: "login", message: "field.loginTaken" }]);
  }
  const spentAt = new Date();
  await spendCode(checked, spentAt);
  await attempt.succeeded();
  const proven = contactsOf(contact);
  const holders = await Promise.all(proven.map(([kind, value]) => identifierHolder(data, kind, value)));
  if (holders.some((h) => h !== null)) throw new AppError(409, "already_registered");

  // The contracts, each with whether it has an owner in its shard (its holder row, platform/holders.ts: an owner being
  // registered there counts): a read a shard, the contacts' own.
  const readContracts = async () =>
    input.by === "account"
      ? Promise.all(
          [...(await placesOf(data, [t.target.slice("account:".length)])).values()].map(async (d) => ({
            ...d,
            contactPhone: null,
            contactEmail: null,
            owned: isShardBinding(d.shard) && (await ownedOn(data, d.shard, [d.accountNo])).length > 0,
          })),
        )
      : // The contracts of the proven contact, by the identity stores' index (platform/contract-contacts.ts).
        contractsByContact(data, contact.phone ? "phone" : "email", contact.phone ?? contact.email ?? "");
  const contracts = await readContracts().catch(async (e: unknown) => {
    // Where the contracts are could not be asked (a 503 to retry: platform/places.ts): the code and its attempt go back.
    if (e instanceof AppError && e.status === 503) {
      await unspendCode(checked, spentAt);
      await refundCodeAttempt(checked);
    }
    throw e;
  });
  if (contracts.length === 0) throw new AppError(404, "no_contract");

  const id = newId();
  const now = new Date();
  // Which of them are at a shard move, and under HOLDERS_STORE = "global" which have an owner among the global links
  // too (an older release's, not yet copied to the shards), in a query each whatever their number (a contact on
  // hundreds of contracts, an organisation's, would otherwise take two queries each).
  const numbers = contracts.map((c) => c.accountNo);
  const [moving, owned] = await Promise.all([
    selectMovingAccounts(db, numbers).all(),
    data.holdersStore === "global"
      ? db
          .select({ accountNo: accountLinks.accountNo })
          .from(accountLinks)
          .where(and(inList(accountLinks.accountNo, numbers), eq(accountLinks.role, "owner")))
          .all()
      : [],
  ]);
  const hasOwner = new Set([...owned.map((o) => o.accountNo), ...contracts.filter((c) => c.owned).map((c) => c.accountNo)]);
  const unowned = numbers.filter((n) => !hasOwner.has(n));
  if (unowned.length === 0) throw new AppError(409, "already_registered");
  // More contracts than one registration's queries hold (`registrationQueries`): refused whole before anything is
  // written; the person registers by an account's number (a code of its own), or the operator links them. The code
  // stays used: the same contact would be refused again.
  if (registrationQueries(byShardOf(contracts).size, unowned.length) > REGISTRATION_QUERIES)
    throw new AppError(422, "too_many_contracts", { contracts: unowned.length });
  // As for any new holder: not while a shard move of one of the accounts is under way (accounts.service).
  if (moving.some((m) => unowned.includes(m.accountNo))) {
    // The code and its attempt are given back for the retry the 503 asks for.
    await unspendCode(checked, spentAt);
    await refundCodeAttempt(checked);
    throw accountMovingError();
  }
  // Their inbox and delivery records go to the shard of their first account (its place, read above).
  const first = contracts.find((c) => c.accountNo === unowned[0]);
  const homeShard = await placeSubscriber(data, { shard: first?.shard, region: first?.region ?? "" });
  const person = { id, displayName: input.displayName?.trim() || login, phone: contact.phone ?? null, email: contact.email ?? null, login };
  // The record is made before the claims (argon2 takes its time): a claim stands a minute for the global write.
  const passwordHash = await hashPassword(input.password);
  // The login's and the contact's keys are claimed first (sign-ins.service.ts claimIdentifier): two registrations of one
  // login or phone meet there, and the one that loses is told so before anything of it is written.
  const claimer = { id, homeShard };
  const claimedAt = new Date();
  const claimed: [SignInKind, string][] = [];
  // Given back as claimed, or (`confirmed`) whatever their date: the confirmation re-dates them.
  const giveBack = (confirmed = false) =>
    Promise.all(claimed.map(([kind, value]) => releaseIdentifier(data, claimer, kind, value, confirmed ? null : claimedAt)));
  // Refused for a login someone holds (the code given back for another login), or for a contact or contract taken.
  const refuse = async (what: "login" | "contact"): Promise<never> => {
    if (what === "login") {
      await unspendCode(checked, spentAt);
      throw new AppError(409, "conflict", {}, [{ field: "login", message: "field.loginTaken" }]);
    }
    throw new AppError(409, "already_registered");
  };
  for (const [kind, value] of [["login", login] as [SignInKind, string], ...proven]) {
    const mine = await claimIdentifier(data, claimer, kind, value, claimedAt).catch(async (e: unknown) => {
      // A store that failed: the claims made so far go back, so that a retry is not told they are taken.
      await giveBack();
      throw e;
    });
    if (mine) {
      claimed.push([kind, value]);
      continue;
    }
    await giveBack();
    return refuse(kind === "login" ? "login" : "contact");
  }
  // The password's record goes to the home shard's sign-in row first (the truth), and the global row gets it, or only
  // the mark that the home row has it (sign-ins.service.ts).
  // A home shard that fails here leaves the record to the global row alone (`globalColumn`), as an unbound one does: the
  // code is spent already, and the next password change writes the home row.
  const home = await stagePassword(data, { ...person, homeShard }, passwordHash, now).catch((e: unknown) => {
    log("warn", "sign_in.stage_failed", { error: errorText(e) });
    return null;
  });
  const unstage = () =>
    home
      ?.delete(signIns)
      .where(eq(signIns.subscriberId, id))
      .catch((d: unknown) => log("warn", "sign_in.staged_left", { error: errorText(d) }));
  // The contracts' holder rows, `adding`, before the global links: two registrations of one contract at once (by its
  // phone and by its e-mail) meet in the account's shard's unique index, and the one refused writes nothing else.
  const owning = unowned.map((accountNo) => ({
    accountNo,
    shard: contracts.find((c) => c.accountNo === accountNo)?.shard as ShardBinding,
    subscriberId: id,
    role: "owner" as const,
    homeShard,
  }));
  try {
    await addHolders(data, owning, now);
  } catch (e) {
    await unstage();
    await giveBack();
    if (uniqueViolation(e)) return refuse("contact");
    if (!isAccountMoving(e)) throw e;
    // A move froze one of them since it was asked: the code and its attempt are given back for the retry the 503 asks for.
    await unspendCode(checked, spentAt);
    await refundCodeAttempt(checked);
    throw accountMovingError();
  }
  const made = db.batch([
    db.insert(subscribers).values({ ...person, passwordHash: globalColumn(data, home, passwordHash), createdAt: now, homeShard }),
    // The global links only while they are kept (GLOBAL_LINKS): the holder rows above are the owners either way.
    ...(data.globalLinks === "keep"
      ? unowned.map((accountNo) => db.insert(accountLinks).values({ subscriberId: id, accountNo, role: "owner", createdAt: now }))
      : []),
  ]);
  try {
    await made;
  } catch (e) {
    // Another registration wrote the same login, contact or owner at the same moment (the checks above are reads):
    // nothing of this one was written but its sign-in row (which names no identifier yet) and its claims, which go. A
    // login taken gives the code back for another login. Any other error may have come after the batch was written (a
    // lost answer): the row, perhaps the only copy of the password's record, stays.
    const column = uniqueViolation(e);
    if (column) {
      await unstage();
      await dropHolders(data, owning, id, "adding").catch((d: unknown) => log("warn", "holders.left", { error: errorText(d) }));
      await giveBack();
    }
    if (column) return refuse(column === "subscribers.login" ? "login" : "contact");
    throw e;
  }
  // The claims confirmed: one taken over while the global write was on its way (it outlasted the claim window) is
  // someone else's, and this registration is undone, so that the key and the global row name one holder. A store that
  // fails to answer counts as confirmed (the registration is made; its keys are written again below, and the claim
  // stands a minute). While the global unique indexes stand, both claimers of such a race may be refused: rare (a
  // claim that lapsed), and the person tries again.
  const confirmed = await Promise.all(claimed.map(([kind, value]) => confirmIdentifierQuietly(data, claimer, kind, value)));
  const lost = claimed.find((_, i) => !confirmed[i]);
  if (lost && (await undoRegistration(data, id, home, owning))) {
    log("warn", "sign_in.claim_lost", { kind: lost[0] });
    await giveBack(true);
    return refuse(lost[0] === "login" ? "login" : "contact");
  }
  // The holder rows settled: their global links are written (a failure leaves them to housekeeping, which settles them).
  await settleHolders(data, owning, id).catch((e: unknown) => log("warn", "holders.settle_failed", { error: errorText(e) }));
  const s = (await selectSubscriberById(db, id)) as SubscriberRow;
  // The sign-in row and keys (the accounts' numbers' too), so that a login reads nothing global; a failure leaves it to
  // the first login to write.
  await keepSignInQuietly(data, s, new Date());
  await claimAccountKeys(data, s, unowned, now).catch((e: unknown) => log("warn", "sign_in.account_key_failed", { error: errorText(e) }));
  return { subscriber: s, session: await openSession(data, s, "code", client.userAgent) };
}

/**
 * D1 queries a registration makes at most with its contracts on `shards` shards, `contracts` of them unowned: the read
 * of their contacts, a claim, and a settle's read and write a shard; a global statement and an account number's key a
 * contract; and some 30 more (the code, the claims of the login and contacts, the sign-in row, the links in the home
 * shard, the session). It is refused past `REGISTRATION_QUERIES`, within an invocation's 1,000.
 */
export const registrationQueries = (shards: number, contracts: number) => 4 * shards + 2 * contracts + 31;
export const REGISTRATION_QUERIES = 950;

/**
 * Takes back a registration whose claim was lost: its links and global row (one batch), then its staged sign-in row and
 * its holder rows (still `adding`). False when the batch failed (something refers to the new subscriber already, or the
 * database did not answer): the registration then stands, logged, and its keys are written again from its global row
 * like any other's (and housekeeping settles its holder rows).
 */
async function undoRegistration(
  data: DataAccess,
  id: string,
  home: RegionDb | null,
  owning: readonly { accountNo: string; shard: ShardBinding }[],
): Promise<boolean> {
  const db = data.global;
  try {
    await db.batch([
      db.delete(accountLinks).where(eq(accountLinks.subscriberId, id)),
      db.delete(subscribers).where(eq(subscribers.id, id)),
    ]);
  } catch (e) {
    log("error", "sign_in.undo_failed", { error: errorText(e) });
    return false;
  }
  await home
    ?.delete(signIns)
    .where(eq(signIns.subscriberId, id))
    .catch((d: unknown) => log("warn", "sign_in.staged_left", { error: errorText(d) }));
  await dropHolders(data, owning, id, "adding").catch((d: unknown) => log("warn", "holders.left", { error: errorText(d) }));
  return true;
}

// ── Forgotten password ────────────────────────────────────────────────────

/** After the captcha: a code to the chosen channel, if the identifier exists (same answer otherwise). */
export async function startRecovery(data: DataAccess, notify: Notify, identifier: string, channel: "sms" | "email", client: Client) {
  return sendCodeToPerson(data, notify, "recover", identifier, channel, client);
}

/** With the code, a new password; every session ends and a fresh one opens here. */
export async function completeRecovery(data: DataAccess, identifier: string, code: string, password: string, client: Client) {
  const db = data.global;
  const id = parseIdentifierOrThrow(identifier);
  // The person found as the code's request found them (sendCodeToPerson), then their global row for the change.
  const found = await findSignIn(data, id);
  const s = found ? await selectSubscriberById(db, found.owner.id) : undefined;
  const attempt = await takeAttempt(await throttleKeysFor(personOf(id, s), client));
  const checked = await consumeCode(data, { purpose: "recover", target: targetOf(id), code }, new Date(), { spend: false });
  if (!checked.subscriberId || checked.subscriberId !== s?.id) throw new AppError(400, "invalid_code");
  try {
    assertPassword(password, [s.login, s.phone, s.email]);
  } catch (e) {
    await Promise.all([refundCodeAttempt(checked), attempt.giveBack()]);
    throw e;
  }
  await spendCode(checked);
  await replacePassword(data, s, await hashPassword(password));
  await attempt.succeeded();
  return { subscriber: s, session: await openSession(data, s, "code", client.userAgent) };
}

// ── Step-up (fresh SMS code for money operations) ─────────────────────────

export async function startStepUp(data: DataAccess, notify: Notify, session: SessionInfo) {
  // The phone as read with the session (the home shard's copy of the profile, which a contact change forgets), else
  // the global row: a payment's step-up reads nothing global.
  const s = sessionProfile(data.global, session.subscriberId) ?? (await selectSubscriberById(data.global, session.subscriberId));
  if (!s?.phone) throw new AppError(409, "no_phone");
  return issueCode(data, notify, {
    purpose: "step_up",
    target: `subscriber:${s.id}`,
    deliver: { channel: "sms", to: s.phone },
    subscriberId: s.id,
  });
}

export async function verifyStepUp(data: DataAccess, session: SessionInfo, code: string, client: Client) {
  const attempt = await takeAttempt([
    { scope: "step_up", key: await throttleKey("step_up", session.subscriberId) },
    { scope: "address", key: await throttleKey("address", client.address) },
  ]);
  await consumeCode(data, { purpose: "step_up", target: `subscriber:${session.subscriberId}`, code });
  await attempt.succeeded();
  return STEP_UP_TTL_MS;
}

// ── Profile changes ───────────────────────────────────────────────────────

/** New password: confirmed by a fresh step-up code (or, for a subscriber without a phone, the current password). Other sessions end. */
export async function changePassword(data: DataAccess, session: SessionInfo, current: string | undefined, next: string) {
  const db = data.global;
  const s = await selectSubscriberById(db, session.subscriberId);
  if (!s) throw new AppError(401, "unauthorized");
  const fresh = session.stepUpAt && Date.now() - session.stepUpAt.getTime() < STEP_UP_TTL_MS;
  if (!fresh) {
    const hash = await passwordHashOf(data, s, s.passwordHash);
    if (!current || !hash || !(await verifyPassword(current, hash))) {
      throw new AppError(400, "invalid_credentials", {}, [{ field: "currentPassword", message: "problem.invalid_credentials" }]);
    }
  }
  assertPassword(next, [s.login, s.phone, s.email], "newPassword");
  await replacePassword(data, s, await hashPassword(next), session.idHash);
}

/**
 * Writes a new password record and ends every session but `keep`, in the home shard and the global table: once
 * before the write, so that a failure after it leaves the old password and no session (never the new password with
 * the old sessions alive), and once after it, for a session opened with the old password in between (the hash is
 * made before, so the gap is two round trips).
 */
async function replacePassword(data: DataAccess, s: SubscriberRow, passwordHash: string, keep?: string) {
  // The profile shows whether a password is set: its copy is forgotten before the write and after it.
  await whileCopyChanging(data, s, async () => {
    await endAllSessions(data, s, keep);
    // The home shard's sign-in row first (what a login reads), then the global column (sign-ins.service.ts).
    await writePassword(data, s, passwordHash);
    await endAllSessions(data, s, keep);
  });
}

/** A code to the new phone (the caller has passed step-up) or email; confirming it sets the contact. */
export async function startContactChange(
  data: DataAccess,
  notify: Notify,
  session: SessionInfo,
  kind: "phone" | "email",
  value: string,
  client: Client,
) {
  const v = kind === "phone" ? normalizePhone(value) : normalizeEmail(value);
  if (!v) throw new AppError(400, "validation", {}, [{ field: kind, message: `field.${kind}` }]);
  return issueCode(data, notify, {
    purpose: kind === "phone" ? "change_phone" : "change_email",
    target: `subscriber:${session.subscriberId}`,
    deliver: kind === "phone" ? { channel: "sms", to: v } : { channel: "email", to: v },
    subscriberId: session.subscriberId,
    payload: { [kind]: v },
    address: client.address,
  });
}

export async function confirmContactChange(data: DataAccess, session: SessionInfo, kind: "phone" | "email", code: string, client: Client) {
  const db = data.global;
  const attempt = await takeAttempt(await confirmGuards(session.subscriberId, client.address));
  // The profile's copy shows the contact: forgotten before the change (a failure here uses up no code) and after it,
  // a wrong code or a taken contact included.
  const holder = { id: session.subscriberId, homeShard: session.homeShard };
  return whileCopyChanging(data, holder, async () => {
    const { payload } = await consumeCode(data, {
      purpose: kind === "phone" ? "change_phone" : "change_email",
      target: `subscriber:${session.subscriberId}`,
      code,
    });
    await attempt.succeeded();
    const value = (payload as Record<string, string>)[kind] ?? "";
    const [taken, s] = await Promise.all([identifierHolder(data, kind, value), selectSubscriberById(db, session.subscriberId)]);
    if (!s) throw new AppError(401, "unauthorized");
    const contactTaken = () => new AppError(409, "conflict", {}, [{ field: kind, message: "field.contactTaken" }]);
    if (taken && taken !== session.subscriberId) throw contactTaken();
    // The new contact's key is claimed first (two subscribers changing to it meet there); the sign-in row forgets the
    // old contact before the global row changes, and the old contact's key goes after it (sign-ins.service.ts): a
    // change that stops half-way leaves no row that sends a code to the old contact, and no key a login trusts for it.
    const claimedAt = new Date();
    if (!(await claimIdentifier(data, s, kind, value, claimedAt))) throw contactTaken();
    const old = s[kind];
    const heldUntil = old && old !== value ? await giveUpContact(data, s, new Date()) : new Date(0);
    // The change's own writes of the row are dated after the hold (those of logins made meanwhile are refused).
    const afterHold = () => new Date(Math.max(Date.now(), heldUntil.getTime() + 1));
    // A change refused or undone: the row and the kept contact's key written back from the global row as it is.
    const restoreRow = async () => {
      const kept = await selectSubscriberById(db, session.subscriberId).catch(() => undefined);
      if (kept) await keepSignInQuietly(data, kept, afterHold(), new Date());
    };
    try {
      await db
        .update(subscribers)
        .set(kind === "phone" ? { phone: value } : { email: value })
        .where(eq(subscribers.id, session.subscriberId));
    } catch (e) {
      // Another subscriber took it at the same moment (the check above is a read): nothing was changed, and the row
      // and key of the contact kept are written back from the global row.
      await restoreRow();
      if (uniqueViolation(e)) {
        await releaseIdentifier(data, s, kind, value, claimedAt);
        throw contactTaken();
      }
      throw e;
    }
    // The claim confirmed; one taken over while the change was on its way (it outlasted the claim window) is someone
    // else's: the change is undone (where the global row still has it) and refused, the old contact kept.
    // A store that fails to answer counts as confirmed (the change is made; its key is written again below). An undo
    // that fails (the old contact taken meanwhile, or no answer) leaves the change made, logged.
    if (!(await confirmIdentifierQuietly(data, s, kind, value))) {
      log("warn", "sign_in.claim_lost", { kind });
      const column = kind === "phone" ? subscribers.phone : subscribers.email;
      const undone = await db
        .update(subscribers)
        .set(kind === "phone" ? { phone: old } : { email: old })
        .where(and(eq(subscribers.id, session.subscriberId), eq(column, value)))
        .then(
          () => true,
          (e: unknown) => {
            log("error", "sign_in.undo_failed", { error: errorText(e) });
            return false;
          },
        );
      if (undone) {
        await restoreRow();
        throw contactTaken();
      }
    }
    if (old && old !== value) await dropIdentifier(data, s, kind, old);
    // The home row and the new key from the global row as it is now (read again after the change: a change of the
    // other contact at the same moment is in it too). A failure is the request's (the change is made, the person sees
    // it): the row names no phone, e-mail or login since `giveUpContact`, so each login of theirs reads the global row
    // and, once the hold is over, its success writes the row again.
    const readAt = afterHold();
    const keysAt = new Date();
    const now = await selectSubscriberById(db, session.subscriberId);
    if (now && !(await keepSignIn(data, now, readAt, keysAt))) log("info", "sign_in.newer_kept", {});
    return value;
  });
}
