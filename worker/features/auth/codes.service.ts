import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { oneTimeCodes } from "../../db/schema/global";
import { randomDigits, sha256Hex, timingSafeEqual } from "../../platform/crypto";
import type { GlobalDb } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import type { NotificationMessage } from "../notifications/notifications.messages";

/** What a one-time code confirms. */
export type CodePurpose = "login" | "register" | "recover" | "step_up" | "change_phone" | "change_email" | "link_account";

export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 5 * 60 * 1000;
export const CODE_RESEND_MS = 60 * 1000;
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
  args: { purpose: CodePurpose; target: string; deliver: Delivery | null; subscriberId?: string | null; payload?: unknown },
  now = new Date(),
): Promise<{ expiresAt: Date }> {
  const tHash = await targetHash(args.purpose, args.target);
  const last = await db
    .select({ createdAt: oneTimeCodes.createdAt })
    .from(oneTimeCodes)
    .where(and(eq(oneTimeCodes.targetHash, tHash), eq(oneTimeCodes.purpose, args.purpose)))
    .orderBy(desc(oneTimeCodes.createdAt))
    .get();
  if (last && now.getTime() - last.createdAt.getTime() < CODE_RESEND_MS) {
    const seconds = Math.ceil((CODE_RESEND_MS - (now.getTime() - last.createdAt.getTime())) / 1000);
    throw new AppError(429, "code_too_soon", { seconds }, [], { "retry-after": String(seconds) });
  }
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

/**
 * Checks a code and spends it. Wrong codes count against it; after 5 it is
 * dead. Every failure is the same 400, whether there was a code or not.
 */
export async function consumeCode(
  db: GlobalDb,
  args: { purpose: CodePurpose; target: string; code: string },
  now = new Date(),
): Promise<{ subscriberId: string | null; payload: unknown; channel: "sms" | "email" }> {
  const tHash = await targetHash(args.purpose, args.target);
  const row = await db
    .select()
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
    .get();
  const invalid = () => new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
  if (!row || row.attempts >= CODE_MAX_ATTEMPTS || !/^\d{6}$/.test(args.code)) {
    if (row)
      await db
        .update(oneTimeCodes)
        .set({ attempts: row.attempts + 1 })
        .where(eq(oneTimeCodes.id, row.id));
    throw invalid();
  }
  if (!timingSafeEqual(await codeHash(row.id, args.code), row.codeHash)) {
    await db
      .update(oneTimeCodes)
      .set({ attempts: row.attempts + 1 })
      .where(eq(oneTimeCodes.id, row.id));
    throw invalid();
  }
  // Spend it; the condition makes a concurrent second use fail.
  const spent = await db
    .update(oneTimeCodes)
    .set({ usedAt: now })
    .where(and(eq(oneTimeCodes.id, row.id), isNull(oneTimeCodes.usedAt)))
    .returning({ id: oneTimeCodes.id });
  if (spent.length === 0) throw invalid();
  return { subscriberId: row.subscriberId, payload: row.payload ? JSON.parse(row.payload) : null, channel: row.channel };
}
