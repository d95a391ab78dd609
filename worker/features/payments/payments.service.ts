import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Acquirer, AcquirerPayment, Confirmation, PaymentMethod, ReceiptCustomer } from "../../adapters/payments";
import { cards, subscribers } from "../../db/schema/global";
import { homeCards, type PaymentStatus, payments, receipts } from "../../db/schema/region";
import {
  type Credential,
  type CredentialOwner,
  credentialsHome,
  findCredential,
  homeCredentials,
  mergeCredentials,
  removeCredential,
} from "../../platform/credentials";
import { sha256Hex } from "../../platform/crypto";
import type { DataAccess, GlobalDb, RegionDb, ShardBinding } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { formatAccountNoPlain, rubText } from "../../platform/format";
import { holdersOn } from "../../platform/holders";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { preread, readWithSession, type SessionInfo, type SessionSubscriber, subscriberIs } from "../../platform/session";
import { requireAccount } from "../accounts/accounts.service";
import { archivedPayment } from "../billing/archive.service";
import { applyOrgPayment, isOrgPaymentId } from "../business/topup.service";

/** The receipt (54-ФЗ) and the payment methods' words, for the business top-up's receipts. */
export { METHOD_TEXT } from "./payments.ledger";
export { RECEIPT_METHOD, type Receipt, receiptText, SELLER } from "./receipts";

import type { NotificationMessage } from "../notifications/notifications.messages";
import { type PaymentRow, transition } from "./payments.ledger";
import { settlePromised } from "./promised.service";
import { type Receipt, receiptText } from "./receipts";

export type Notify = (m: NotificationMessage) => Promise<void>;

/** One payment: at least 10 ₽, at most 15 000 ₽ (the acquirer's and the regulator's usual limits for a top-up). */
export const MIN_PAYMENT_KOP = 1_000;
export const MAX_PAYMENT_KOP = 1_500_000;

export function paymentDto(p: PaymentRow) {
  return {
    id: p.id,
    accountNo: p.accountNo,
    amountKop: p.amountKop,
    method: p.method,
    status: p.status,
    purpose: p.purpose,
    card: p.cardLast4 ? { last4: p.cardLast4, brand: p.cardBrand ?? "card" } : null,
    failureCode: p.failureCode,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

const ACQUIRER_STATUS: Record<AcquirerPayment["status"], PaymentStatus> = {
  pending: "pending",
  waiting_for_3ds: "pending",
  succeeded: "succeeded",
  canceled: "failed",
  refunded: "refunded",
};

function checkAmount(amountKop: number) {
  if (!Number.isSafeInteger(amountKop) || amountKop < MIN_PAYMENT_KOP || amountKop > MAX_PAYMENT_KOP)
    throw new AppError(400, "validation", {}, [{ field: "amountKop", message: "field.amountRange" }]);
}

/** The shard of an account the subscriber may see: the link (read with the session) names it, no directory lookup. */
function shardOf(data: DataAccess, link: { shard: ShardBinding; region: string }) {
  return { db: data.shard(link.shard), region: link.region };
}

/** The payer's email and phone, for the receipt the acquirer registers (54-ФЗ). */
const contactOf = (db: GlobalDb, who: string | SessionSubscriber) =>
  db.select({ email: subscribers.email, phone: subscribers.phone }).from(subscribers).where(subscriberIs(subscribers.id, who)).limit(1);
/** A top-up's payer contact, read with the session. */
const CONTACT_READ = readWithSession(["POST /api/v1/accounts/:accountNo/payments"], contactOf);

export async function payerContact(db: GlobalDb, subscriberId: string): Promise<ReceiptCustomer> {
  const [row] = preread(db, subscriberId, CONTACT_READ) ?? (await contactOf(db, subscriberId));
  return { ...(row?.email ? { email: row.email } : {}), ...(row?.phone ? { phone: row.phone } : {}) };
}

/**
 * Starts a top-up of an account the subscriber may pay for (own, or a
 * relative's with the payer role). With the same Idempotency-Key the same
 * payment comes back (a double click, a retried request, two tabs), never a
 * second one; the same key with a different request is a 409. With a new card
 * the payer finishes on the acquirer's page (3-D Secure there); with a saved
 * card it is charged at once. Saving a card and paying with a saved one need a
 * fresh SMS code (step-up).
 */
export async function startPayment(
  data: DataAccess,
  acquirer: Acquirer,
  notify: Notify,
  session: SessionInfo,
  input: {
    accountNo: string;
    amountKop: number;
    method?: PaymentMethod;
    saveCard: boolean;
    cardId?: string;
    idempotencyKey: string;
    returnOrigin: string;
  },
  now = new Date(),
): Promise<{ payment: ReturnType<typeof paymentDto>; confirmationUrl: string | null; confirmation: Confirmation | null }> {
  const link = await requireAccount(data, session.subscriberId, input.accountNo, "payer");
  const method = input.method ?? "card";
  if (!acquirer.methods.includes(method))
    throw new AppError(400, "validation", {}, [{ field: "method", message: "field.methodNotOffered" }]);
  // Saved cards (one-click, autopay) exist only for cards.
  if (method !== "card" && (input.saveCard || input.cardId))
    throw new AppError(400, "validation", {}, [{ field: input.cardId ? "cardId" : "saveCard", message: "field.cardOnly" }]);
  checkAmount(input.amountKop);
  if (!/^[\w-]{8,100}$/.test(input.idempotencyKey))
    throw new AppError(400, "validation", {}, [{ field: "Idempotency-Key", message: "field.idempotencyKey" }]);
  const { db, region } = shardOf(data, link);
  // A card payment hashes as before the methods came, so a replay across the deploy is still the same request.
  const requestHash = await sha256Hex(
    JSON.stringify([link.accountNo, input.amountKop, input.saveCard, input.cardId ?? null, ...(method === "card" ? [] : [method])]),
  );
  const card = input.cardId ? await savedCard(data, ownerOf(session), input.cardId) : undefined;
  if (input.cardId && !card) throw new AppError(400, "validation", {}, [{ field: "cardId", message: "field.unknownCard" }]);

  const id = newId(now.getTime());
  const inserted = await db
    .insert(payments)
    .values({
      id,
      accountNo: link.accountNo,
      payerId: session.subscriberId,
      idempotencyKey: input.idempotencyKey,
      requestHash,
      purpose: "topup",
      amountKop: input.amountKop,
      method,
      status: "created",
      saveCard: input.saveCard && !card,
      cardId: card?.id ?? null,
      cardLast4: card?.last4 ?? null,
      cardBrand: card?.brand ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  let payment = inserted[0];
  if (!payment) {
    const existing = await db
      .select()
      .from(payments)
      .where(and(eq(payments.payerId, session.subscriberId), eq(payments.idempotencyKey, input.idempotencyKey)))
      .get();
    if (!existing) throw new AppError(409, "conflict");
    if (existing.requestHash !== requestHash) throw new AppError(409, "idempotency_mismatch");
    payment = existing;
    // A replay of a finished payment only reports it.
    if (payment.status !== "created" && payment.status !== "pending")
      return { payment: paymentDto(payment), confirmationUrl: null, confirmation: null };
    // The acquirer already has it: ask it first. An acquirer forgets an idempotence key (ЮKassa after 24 hours),
    // and asking again then starts a second payment that the cabinet refuses as foreign: paid, never credited.
    if (payment.acquirerPaymentId) {
      await settleFromAcquirer(data, acquirer, notify, payment.acquirerPaymentId, now);
      const after = (await db.select().from(payments).where(eq(payments.id, payment.id)).get()) ?? payment;
      // A saved card is charged once; a finished payment is only reported.
      if (card || after.status !== "pending") return { payment: paymentDto(after), confirmationUrl: null, confirmation: null };
    }
  }
  const metadata = { paymentId: payment.id, accountNo: payment.accountNo };
  const description = `Пополнение лицевого счёта ${formatAccountNoPlain(payment.accountNo)}`;
  const customer = await payerContact(data.global, session.subscriberId);
  if (card) {
    const result = await acquirer.chargeSavedCard({
      token: card.token,
      amountKop: payment.amountKop,
      description,
      metadata,
      idempotenceKey: payment.id,
      customer,
    });
    await applyAcquirerPayment(data, notify, result, "client", undefined, now);
    const after = await db.select().from(payments).where(eq(payments.id, payment.id)).get();
    return { payment: paymentDto(after ?? payment), confirmationUrl: null, confirmation: null };
  }
  const started = await acquirer.createPayment({
    method: payment.method,
    amountKop: payment.amountKop,
    description,
    returnUrl: `${input.returnOrigin}/accounts/${payment.accountNo}/payments/${payment.id}`,
    saveCard: payment.saveCard,
    metadata,
    idempotenceKey: payment.id,
    customer,
  });
  if (payment.acquirerPaymentId && started.id !== payment.acquirerPaymentId) {
    // The acquirer started another payment for the same one of ours: its page is never handed out.
    log("warn", "payment.acquirer_restarted", { paymentId: payment.id });
    return { payment: paymentDto(payment), confirmationUrl: null, confirmation: null };
  }
  await db
    .update(payments)
    .set({ acquirerPaymentId: started.id })
    .where(and(eq(payments.id, payment.id), sql`${payments.acquirerPaymentId} IS NULL`));
  if (payment.status === "created") await transition(db, region, payment, "pending", "client", {}, now);
  // `confirmationUrl` stays for clients that know only cards: the page to open (for СБП, the bank-choice link).
  return { payment: paymentDto(payment), confirmationUrl: started.confirmation.url, confirmation: started.confirmation };
}

/**
 * Asks the acquirer about a payment of ours and applies a final answer as a notification would (credited once, or
 * failed); an unfinished or unknown one changes nothing. The result page, a replayed top-up and the hourly sweep
 * all settle this way. Returns what applying said, or null when there was nothing final to apply.
 */
export async function settleFromAcquirer(
  data: DataAccess,
  acquirer: Acquirer,
  notify: Notify,
  acquirerPaymentId: string,
  now = new Date(),
): Promise<string | null> {
  const ap = await acquirer.getPayment(acquirerPaymentId);
  if (!ap || ap.status === "pending" || ap.status === "waiting_for_3ds") return null;
  return applyAcquirerPayment(data, notify, ap, "sync", undefined, now);
}

/**
 * Applies what the acquirer says about a payment (a webhook or a status
 * query). Checks that it is ours (id, account and amount agree), then moves
 * the state machine; on success saves the card if asked, settles an open
 * promised payment and sends the receipt. Safe to call any number of times.
 */
export async function applyAcquirerPayment(
  data: DataAccess,
  notify: Notify,
  ap: AcquirerPayment,
  source: "webhook" | "sync" | "client" | "autopay",
  eventId?: string,
  now = new Date(),
): Promise<string> {
  // An organisation's payment for its accounts (the business cabinet's top-up): on its home shard, which its id names.
  if (isOrgPaymentId(ap.metadata.paymentId)) return applyOrgPayment(data, notify, ap, source === "autopay" ? "sync" : source, now);
  const shard = await data.shardForAccount(ap.metadata.accountNo);
  const payment = shard ? await shard.db.select().from(payments).where(eq(payments.id, ap.metadata.paymentId)).get() : undefined;
  if (
    !shard ||
    !payment ||
    payment.accountNo !== ap.metadata.accountNo ||
    payment.amountKop !== ap.amountKop ||
    (payment.acquirerPaymentId && payment.acquirerPaymentId !== ap.id)
  ) {
    log("warn", "payment.foreign_event", { source, acquirerPaymentId: ap.id });
    return "foreign";
  }
  if (!payment.acquirerPaymentId)
    await shard.db
      .update(payments)
      .set({ acquirerPaymentId: ap.id })
      .where(and(eq(payments.id, payment.id), sql`${payments.acquirerPaymentId} IS NULL`));
  const to = ACQUIRER_STATUS[ap.status];
  const result = await transition(
    shard.db,
    shard.region,
    payment,
    to,
    source,
    {
      eventId,
      cardLast4: ap.card?.last4,
      cardBrand: ap.card?.brand,
      failureCode: ap.failureCode,
      receiptByAcquirer: ap.receiptByAcquirer,
    },
    now,
  );
  if (result === "applied" && to === "succeeded") await afterSuccess(data, shard, notify, payment, ap, now);
  return result;
}

async function afterSuccess(
  data: DataAccess,
  shard: { db: RegionDb; binding: ShardBinding },
  notify: Notify,
  payment: PaymentRow,
  ap: AcquirerPayment,
  now: Date,
) {
  const db = shard.db;
  if (payment.saveCard && ap.card?.token) {
    const saved = await saveCard(data, payment.payerId, { ...ap.card, token: ap.card.token }, now);
    if (saved) await db.update(payments).set({ cardId: saved }).where(eq(payments.id, payment.id));
  }
  await settlePromised(db, payment.accountNo, `payment:${payment.id}`, now);
  // Everyone who sees the account hears of the money (each through their own channels).
  const links = (await holdersOn(data, shard.binding, [payment.accountNo])).map((h) => ({ s: h.subscriberId }));
  for (const l of links)
    await notify({
      channel: "event",
      eventId: `payment:${payment.id}`,
      kind: "payment_credited",
      subscriberId: l.s,
      accountNo: payment.accountNo,
      params: { amountKop: payment.amountKop, paymentId: payment.id, method: payment.method },
    });
  const receipt = await db.select().from(receipts).where(eq(receipts.paymentId, payment.id)).get();
  const payer = await data.global.select({ email: subscribers.email }).from(subscribers).where(eq(subscribers.id, payment.payerId)).get();
  const body = receipt ? (JSON.parse(receipt.body) as Receipt) : undefined;
  // The acquirer's own 54-ФЗ receipt reaches the payer from it; the cabinet's page is payment information, not a second receipt.
  if (body?.fiscal && payer?.email) {
    await notify({
      channel: "email",
      to: payer.email,
      subject: `Кассовый чек № ${body.number}: ${rubText(body.totalKop)}`,
      text: receiptText(body, rubText),
      dedupeKey: `receipt:${payment.id}`,
    });
  }
}

/**
 * One payment of an account the subscriber can see; an unfinished one is checked with the acquirer first. A payment
 * of a year archived to R2 is read from there (billing/archive.service.ts).
 */
export async function getPayment(
  data: DataAccess,
  files: R2Bucket,
  acquirer: Acquirer,
  notify: Notify,
  subscriberId: string,
  accountNo: string,
  paymentId: string,
) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const { db } = shardOf(data, link);
  const find = () =>
    db
      .select()
      .from(payments)
      .where(and(eq(payments.id, paymentId), eq(payments.accountNo, link.accountNo)))
      .get();
  const payment = await find();
  if (!payment) {
    const archived = await archivedPayment(db, files, link.accountNo, paymentId);
    if (!archived) throw new AppError(404, "not_found");
    return { ...paymentDto(archived.payment), receiptNumber: archived.receipt?.number ?? null };
  }
  if ((payment.status === "created" || payment.status === "pending") && payment.acquirerPaymentId) {
    await settleFromAcquirer(data, acquirer, notify, payment.acquirerPaymentId);
  }
  const now = (await find()) ?? payment;
  const receipt = await db.select({ number: receipts.number }).from(receipts).where(eq(receipts.paymentId, paymentId)).get();
  return { ...paymentDto(now), receiptNumber: receipt?.number ?? null };
}

export async function listPayments(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const { db } = shardOf(data, link);
  const rows = await db
    .select({ p: payments, receiptNumber: receipts.number })
    .from(payments)
    .leftJoin(receipts, eq(receipts.paymentId, payments.id))
    .where(eq(payments.accountNo, link.accountNo))
    .orderBy(desc(payments.createdAt))
    .limit(50)
    .all();
  return rows.map((r) => ({ ...paymentDto(r.p), receiptNumber: r.receiptNumber ?? null }));
}

export async function getReceipt(
  data: DataAccess,
  files: R2Bucket,
  subscriberId: string,
  accountNo: string,
  paymentId: string,
): Promise<Receipt> {
  const link = await requireAccount(data, subscriberId, accountNo);
  const { db } = shardOf(data, link);
  const row = await db
    .select()
    .from(receipts)
    .where(and(eq(receipts.paymentId, paymentId), eq(receipts.accountNo, link.accountNo)))
    .get();
  const body = row?.body ?? (await archivedPayment(db, files, link.accountNo, paymentId))?.receipt?.body;
  if (!body) throw new AppError(404, "not_found");
  return JSON.parse(body) as Receipt;
}

const selectCards = (db: GlobalDb, who: string | SessionSubscriber) => db.select().from(cards).where(subscriberIs(cards.subscriberId, who));
/** The cards an older deployment kept in the global table, read with the session on the pages that list them. */
const CARDS_READ = readWithSession(
  ["GET /api/v1/me/cards", "GET /api/v1/accounts/:accountNo/payment-options", "PUT /api/v1/accounts/:accountNo/autopay"],
  selectCards,
);

/** The subscriber whose cards a session reads: they and their home shard, where their cards are (platform/credentials.ts). */
const ownerOf = (session: SessionInfo): CredentialOwner => ({ id: session.subscriberId, homeShard: session.homeShard });

/** One of the subscriber's saved cards, or undefined (a stranger's card is the same as none, and so is one removed). */
export function savedCard(data: DataAccess, owner: CredentialOwner, cardId: string): Promise<Credential<"cards"> | undefined> {
  return findCredential(data, "cards", owner, cardId, preread(data.global, owner.id, CARDS_READ));
}

/**
 * Saves the card a payment was made with for its payer, once: in their home shard (the global table under
 * `CREDENTIALS_STORE = "global"`), unless either place has its token already (a report of the payment sent again, or
 * one an older deployment saved). Returns the card's id, or undefined when the payer is gone.
 */
async function saveCard(data: DataAccess, payerId: string, card: NonNullable<AcquirerPayment["card"]> & { token: string }, now: Date) {
  const [[payer], [legacy]] = await data.global.batch([
    data.global.select({ homeShard: subscribers.homeShard }).from(subscribers).where(eq(subscribers.id, payerId)),
    data.global
      .select({ id: cards.id })
      .from(cards)
      .where(and(eq(cards.token, card.token), eq(cards.subscriberId, payerId))),
  ]);
  if (legacy) return legacy.id;
  if (!payer) return undefined;
  const row = {
    id: newId(now.getTime()),
    subscriberId: payerId,
    token: card.token,
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
    createdAt: now,
  };
  const home = credentialsHome(data, { id: payerId, homeShard: payer.homeShard });
  if (!home) {
    await data.global.insert(cards).values(row).onConflictDoNothing();
    return (
      await data.global
        .select({ id: cards.id })
        .from(cards)
        .where(and(eq(cards.token, card.token), eq(cards.subscriberId, payerId)))
        .get()
    )?.id;
  }
  const [, [saved]] = await home.batch([
    home.insert(homeCards).values(row).onConflictDoNothing(),
    home
      .select({ id: homeCards.id })
      .from(homeCards)
      .where(and(eq(homeCards.token, card.token), eq(homeCards.subscriberId, payerId), isNull(homeCards.removedAt))),
  ]);
  return saved?.id;
}

/** The subscriber's saved cards, in both places (platform/credentials.ts), as the pages show them. */
export async function listCards(data: DataAccess, session: SessionInfo) {
  const owner = ownerOf(session);
  // The global table first (with the session, where the route reads it there), then the home shard: platform/credentials.ts.
  const legacy = preread(data.global, owner.id, CARDS_READ) ?? (await selectCards(data.global, owner.id));
  return mergeCredentials<"cards">(await homeCredentials(data, "cards", owner), legacy).map((c) => ({
    id: c.id,
    brand: c.brand,
    last4: c.last4,
    expMonth: c.expMonth,
    expYear: c.expYear,
  }));
}

export async function deleteCard(data: DataAccess, session: SessionInfo, cardId: string) {
  if (!(await removeCredential(data, "cards", ownerOf(session), cardId))) throw new AppError(404, "not_found");
}
