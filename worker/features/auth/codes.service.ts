import { and, desc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import { oneTimeCodes } from "../../db/schema/global";
import { randomDigits, sha256Hex, timingSafeEqual } from "../../platform/crypto";
import type { GlobalDb } from "../../platform/db";
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

/**
 * Issues a 6-digit code for `target` (an identifier, or a subscriber id):
 * at most one a minute, valid 5 minutes, 5 attempts, single use; a new code
 * replaces the previous one. `deliver` null still issues (and rate-limits) a
 * code that nobody receives, so the answer never tells whether the target exists.
 */
export async function issueCode(
  db: GlobalDb,
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
  await db.batch([
    db
      .update(oneTimeCodes)
      .set({ usedAt: now })
      .where(and(eq(oneTimeCodes.targetHash, tHash), eq(oneTimeCodes.purpose, args.purpose), isNull(oneTimeCodes.usedAt))),
    db.insert(oneTimeCodes).values({
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
  db: GlobalDb,
  args: { purpose: CodePurpose; target: string; code: string },
  now = new Date(),
  { spend = true }: { spend?: boolean } = {},
): Promise<CheckedCode> {
  const tHash = await targetHash(args.purpose, args.target);
  const live = db
    .select({ id: oneTimeCodes.id })
    .from(oneTimeCodes)
    .where(
      and(
        eq(oneTimeCodes.targetHash, tHash),
        eq(oneTimeCodes.purpose, args.purpose),
        isNull(oneTimeCodes.usedAt),
        gt(oneTimeCodes.expiresAt, now),
      ),
    )
    .orderBy(desc(oneTimeCodes.createdAt))
    .limit(1);
  const [row] = await db
    .update(oneTimeCodes)
    .set({ attempts: sql`${oneTimeCodes.attempts} + 1` })
    .where(and(inArray(oneTimeCodes.id, live), lt(oneTimeCodes.attempts, CODE_MAX_ATTEMPTS)))
    .returning();
  const invalid = () => new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
  if (!row || !/^\d{6}$/.test(args.code)) throw invalid();
  if (!timingSafeEqual(await codeHash(row.id, args.code), row.codeHash)) throw invalid();
  if (spend) await spendCode(db, row.id, now);
  return { id: row.id, subscriberId: row.subscriberId, payload: row.payload ? JSON.parse(row.payload) : null, channel: row.channel };
}

/** Spends a checked code; the condition makes a concurrent second use fail. */
export async function spendCode(db: GlobalDb, id: string, now = new Date()) {
  const spent = await db
    .update(oneTimeCodes)
    .set({ usedAt: now })
    .where(and(eq(oneTimeCodes.id, id), isNull(oneTimeCodes.usedAt)))
    .returning({ id: oneTimeCodes.id });
  if (spent.length === 0) throw new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
}

/**
 * Gives back a code spent at `at` for a change another request's write then refused (the login taken at the same
 * moment): the person, who has just proved it, may try again with it. A code spent otherwise stays spent.
 */
export async function unspendCode(db: GlobalDb, id: string, at: Date) {
  await db
    .update(oneTimeCodes)
    .set({ usedAt: null })
    .where(and(eq(oneTimeCodes.id, id), eq(oneTimeCodes.usedAt, at)));
}

/** Gives back the attempt of a right code whose other fields were refused (the person retries with the same code). */
export async function refundCodeAttempt(db: GlobalDb, id: string) {
  await db
    .update(oneTimeCodes)
    .set({ attempts: sql`max(${oneTimeCodes.attempts} - 1, 0)` })
    .where(eq(oneTimeCodes.id, id));
}
