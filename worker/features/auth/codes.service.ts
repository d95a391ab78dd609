import { and, desc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import { oneTimeCodes } from "../../db/schema/global";
import { storeCodes } from "../../db/schema/identity";
import { randomDigits, sha256Hex, timingSafeEqual } from "../../platform/crypto";
import type { DataAccess, IdentityDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { takeAttempt, throttleKey } from "../../platform/throttle";
import type { NotificationMessage } from "../notifications/notifications.messages";

/** What a one-time code confirms. */
export type CodePurpose = "login" | "register" | "recover" | "step_up" | "change_phone" | "change_email" | "link_account" | "join_org";

export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 5 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;

export type Notify = (message: NotificationMessage) => Promise<void>;

export interface Delivery {
  channel: "sms" | "email";
  to: string;
}

const TEXTS: Record<CodePurpose, string> = {
  login: "Код для входа в личный кабинет",
  register: "Код для регистрации в личном кабинете",
  recover: "Код для восстановления пароля",
  step_up: "Код для подтверждения операции",
  change_phone: "Код для смены телефона в личном кабинете",
  change_email: "Код для смены почты в личном кабинете",
  link_account: "Код для привязки лицевого счёта к чужому личному кабинету",
  join_org: "Код для входа администратора в корпоративный кабинет организации",
};

const codeHash = (id: string, code: string) => sha256Hex(`otc:${id}:${code}`);
export const targetHash = (purpose: CodePurpose, target: string) => sha256Hex(`target:${purpose}:${target}`);

/** What the codes need of the data access: the identity stores, the global database (an older release's codes) and where codes go. */
export type CodeData = Pick<DataAccess, "global" | "identities" | "codesStore">;

/** Where a code is: a database and its table of codes (the identity stores' and the global one have the same columns). */
interface CodeStore {
  db: IdentityDb;
  table: typeof storeCodes;
}

/**
 * The identity store a target's codes are in (by the hash of `code:<target hash>`, as a login key picks its store): a
 * code is written and checked in one place, and a storm of logins by SMS code writes nothing global. With no store
 * bound (a deployment without them), the global table.
 */
export function codeStore(data: CodeData, tHash: string): CodeStore {
  if (data.codesStore === "global" || data.identities.all.length === 0) return legacyStore(data);
  return { db: data.identities.forKey(`code:${tHash}`), table: storeCodes };
}

/** The global table, where an older deployment issued codes: checked when the store has none, until they expire. */
const legacyStore = (data: CodeData): CodeStore => ({
  db: data.global as unknown as IdentityDb,
  table: oneTimeCodes as unknown as typeof storeCodes,
});

/**
 * Issues a 6-digit code for `target` (an identifier, or a subscriber id):
 * at most one a minute, valid 5 minutes, 5 attempts, single use; a new code
 * replaces the previous one. `deliver` null still issues (and rate-limits) a
 * code that nobody receives, so the answer never tells whether the target exists.
 */
export async function issueCode(
  data: CodeData,
  notify: Notify,
  args: {
    purpose: CodePurpose;
    target: string;
    deliver: Delivery | null;
    subscriberId?: string | null;
    payload?: unknown;
    /** The requesting client's address: its codes an hour are counted too (against SMS pumping). */
    address?: string;
  },
  now = new Date(),
): Promise<{ expiresAt: Date }> {
  const tHash = await targetHash(args.purpose, args.target);
  // One code a minute per target and 20 an hour per address: counted and checked in one batch, so parallel
  // requests send one code; a code refused by one limit is not counted by the other.
  await takeAttempt(
    [
      { scope: "resend", key: await throttleKey("resend", tHash), problem: "code_too_soon" },
      ...(args.address ? [{ scope: "codes" as const, key: await throttleKey("codes", args.address) }] : []),
    ],
    now.getTime(),
  );
  const id = newId(now.getTime());
  const code = randomDigits(CODE_LENGTH);
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  const { db, table } = codeStore(data, tHash);
  await db.batch([
    db
      .update(table)
      .set({ usedAt: now })
      .where(and(eq(table.targetHash, tHash), eq(table.purpose, args.purpose), isNull(table.usedAt))),
    db.insert(table).values({
      id,
      purpose: args.purpose,
      targetHash: tHash,
      codeHash: await codeHash(id, code),
      channel: args.deliver?.channel ?? "sms",
      subscriberId: args.subscriberId ?? null,
      payload: args.payload === undefined ? null : JSON.stringify(args.payload),
      createdAt: now,
      expiresAt,
    }),
  ]);
  if (args.deliver) {
    const text = `${TEXTS[args.purpose]}: ${code}. Действует 5 минут. Никому не сообщайте его.`;
    await notify(
      args.deliver.channel === "sms"
        ? { channel: "sms", to: args.deliver.to, text, dedupeKey: `code:${id}` }
        : { channel: "email", to: args.deliver.to, subject: TEXTS[args.purpose], text, dedupeKey: `code:${id}` },
    );
  }
  return { expiresAt };
}

export interface CheckedCode {
  id: string;
  /** Where it is (`spendCode`, `unspendCode` and `refundCodeAttempt` write it there). */
  store: CodeStore;
  subscriberId: string | null;
  payload: unknown;
  channel: "sms" | "email";
}

/**
 * Checks a code and spends it. Each check is first counted against the code
 * by one conditional UPDATE (`attempts < 5`), so parallel guesses can never
 * get more than 5 checked; after 5 the code is dead. Every failure is the
 * same 400, whether there was a code or not. `spend: false` checks without
 * spending (the caller spends with `spendCode` once the rest is valid).
 */
export async function consumeCode(
  data: CodeData,
  args: { purpose: CodePurpose; target: string; code: string },
  now = new Date(),
  { spend = true }: { spend?: boolean } = {},
): Promise<CheckedCode> {
  const tHash = await targetHash(args.purpose, args.target);
  const store = codeStore(data, tHash);
  let found = await countAttempt(store, tHash, args.purpose, now);
  // None to check in the store: one issued in the global table (by the release before, or beside, this one; five
  // minutes at most), only when the store has no code of the target's at all that has not expired — one spent, used up
  // or replaced there is newer than any in the global table, which then never gets another five checks. Read first, so
  // that a wrong or unknown target costs the global database a read, not a write.
  if (!found && store.table === storeCodes && !(await anyUnexpired(store, tHash, args.purpose, now))) {
    const legacy = legacyStore(data);
    if (await anyUnexpired(legacy, tHash, args.purpose, now, true)) found = await countAttempt(legacy, tHash, args.purpose, now);
  }
  const invalid = () => new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
  if (!found || !/^\d{6}$/.test(args.code)) throw invalid();
  const { row, at } = found;
  if (!timingSafeEqual(await codeHash(row.id, args.code), row.codeHash)) throw invalid();
  const checked = {
    id: row.id,
    store: at,
    subscriberId: row.subscriberId,
    payload: row.payload ? JSON.parse(row.payload) : null,
    channel: row.channel,
  };
  if (spend) await spendCode(checked, now);
  return checked;
}

/** The target's newest code for the purpose in `at` that has not expired (`live`: nor been spent), as a query. */
function newestUnexpired(at: CodeStore, tHash: string, purpose: CodePurpose, now: Date, live: boolean) {
  const { db, table } = at;
  return db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.targetHash, tHash), eq(table.purpose, purpose), gt(table.expiresAt, now), live ? isNull(table.usedAt) : undefined))
    .orderBy(desc(table.createdAt))
    .limit(1);
}

/** Whether `at` has a code of the target's for the purpose that has not expired (`live`: nor been spent). */
async function anyUnexpired(at: CodeStore, tHash: string, purpose: CodePurpose, now: Date, live = false) {
  return (await newestUnexpired(at, tHash, purpose, now, live).get()) !== undefined;
}

/**
 * Counts one check against the target's live code in `at` by one conditional UPDATE (`attempts < 5`), so parallel
 * guesses can never get more than 5 checked; the code's row, or null when there is none left to check.
 */
async function countAttempt(at: CodeStore, tHash: string, purpose: CodePurpose, now: Date) {
  const { db, table } = at;
  const live = newestUnexpired(at, tHash, purpose, now, true);
  const [row] = await db
    .update(table)
    .set({ attempts: sql`${table.attempts} + 1` })
    .where(and(inArray(table.id, live), lt(table.attempts, CODE_MAX_ATTEMPTS)))
    .returning();
  return row ? { row, at } : null;
}

/** Spends a checked code; the condition makes a concurrent second use fail. */
export async function spendCode(checked: Pick<CheckedCode, "id" | "store">, now = new Date()) {
  const { db, table } = checked.store;
  const spent = await db
    .update(table)
    .set({ usedAt: now })
    .where(and(eq(table.id, checked.id), isNull(table.usedAt)))
    .returning({ id: table.id });
  if (spent.length === 0) throw new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
}

/**
 * Gives back a code spent at `at` for a change another request's write then refused (the login taken at the same
 * moment): the person, who has just proved it, may try again with it. A code spent otherwise stays spent.
 */
export async function unspendCode(checked: Pick<CheckedCode, "id" | "store">, at: Date) {
  const { db, table } = checked.store;
  await db
    .update(table)
    .set({ usedAt: null })
    .where(and(eq(table.id, checked.id), eq(table.usedAt, at)));
}

/** Gives back the attempt of a right code whose other fields were refused (the person retries with the same code). */
export async function refundCodeAttempt(checked: Pick<CheckedCode, "id" | "store">) {
  const { db, table } = checked.store;
  await db
    .update(table)
    .set({ attempts: sql`max(${table.attempts} - 1, 0)` })
    .where(eq(table.id, checked.id));
}
