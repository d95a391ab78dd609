import { eq, sql } from "drizzle-orm";
import { type LedgerKind, type PaymentStatus, paymentEvents, payments } from "../../db/schema/region";
import { type RegionDb, rawBatch } from "../../platform/db";
import { newId } from "../../platform/ids";
import { log } from "../../platform/log";
import { recordPayment } from "../../platform/metrics";
import { localDay, regionTz } from "../../platform/region";
import { entryIf } from "../billing/ledger.service";
import { buildReceipt, METHOD_TEXT } from "./receipts";

export { METHOD_TEXT };

export type PaymentRow = typeof payments.$inferSelect;

/**
 * The payment state machine. `created` → `pending` → `succeeded` | `failed`;
 * a webhook may skip `pending`; `succeeded` → `refunded`. Nothing leaves
 * `failed` or `refunded`, and nothing goes back.
 */
export const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: ["pending", "succeeded", "failed"],
  pending: ["succeeded", "failed"],
  succeeded: ["refunded"],
  failed: [],
  refunded: [],
};

export type TransitionResult = "applied" | "duplicate" | "same" | "refused" | "raced";

/**
 * Moves a payment to `to`, exactly once, in one D1 batch (a transaction):
 * the conditional status update, its audit event (only if the update changed
 * the row), and the money: the ledger credit `payment:<id>` when it succeeds,
 * the debit `refund:<id>` when it is refunded, each inserted only if the
 * payment is in that state and never twice (unique idempotency key). A
 * repeated webhook (same event id) changes nothing; an impossible transition
 * is recorded as refused and changes nothing.
 */
export async function transition(
  db: RegionDb,
  region: string,
  payment: PaymentRow,
  to: PaymentStatus,
  source: "client" | "webhook" | "sync" | "autopay",
  extra: { eventId?: string; cardLast4?: string; cardBrand?: string; failureCode?: string; receiptByAcquirer?: boolean } = {},
  now = new Date(),
): Promise<TransitionResult> {
  if (extra.eventId) {
    const seen = await db.select({ id: paymentEvents.id }).from(paymentEvents).where(eq(paymentEvents.eventId, extra.eventId)).get();
    if (seen) return "duplicate";
  }
  const from = payment.status;
  const refusedEvent = () =>
    db
      .insert(paymentEvents)
      .values({
        id: newId(now.getTime()),
        paymentId: payment.id,
        eventId: extra.eventId ?? null,
        source,
        fromStatus: from,
        toStatus: to,
        applied: false,
        at: now,
      })
      .onConflictDoNothing();
  if (from === to) {
    if (extra.eventId) await refusedEvent();
    return "same";
  }
  if (!TRANSITIONS[from].includes(to)) {
    await refusedEvent();
    log("warn", "payment.transition_refused", { paymentId: payment.id, from, to, source });
    return "refused";
  }
  const day = localDay(regionTz(region), now);
  const t = now.getTime();
  const statements: [string, ...unknown[]][] = [
    [
      `UPDATE payments SET status = ?, updated_at = ?, card_last4 = coalesce(?, card_last4), card_brand = coalesce(?, card_brand),
         failure_code = coalesce(?, failure_code) WHERE id = ? AND status = ?`,
      to,
      t,
      extra.cardLast4 ?? null,
      extra.cardLast4 ? (extra.cardBrand ?? null) : null,
      extra.failureCode ?? null,
      payment.id,
      from,
    ],
    // Recorded only when the update above changed the row (another request may have moved it first).
    [
      `INSERT INTO payment_events (id, payment_id, event_id, source, from_status, to_status, applied, at)
         SELECT ?, ?, ?, ?, ?, ?, 1, ? WHERE changes() = 1`,
      newId(t),
      payment.id,
      extra.eventId ?? null,
      source,
      from,
      to,
      t,
    ],
  ];
  const entry = (
    kind: LedgerKind,
    amountKop: number,
    descriptionRu: string,
    descriptionEn: string,
    idempotencyKey: string,
    status: PaymentStatus,
  ) =>
    entryIf(
      { accountNo: payment.accountNo, kind, amountKop, occurredAt: now, localDay: day, descriptionRu, descriptionEn, idempotencyKey },
      sql`EXISTS (SELECT 1 FROM ${payments} WHERE ${payments.id} = ${payment.id} AND ${payments.status} = ${status})`,
    );
  if (to === "succeeded") {
    const auto = payment.purpose === "autopay";
    const [ru, en] = METHOD_TEXT[payment.method].paid;
    statements.push(
      entry(
        "payment",
        payment.amountKop,
        auto ? "Автоплатёж с банковской карты" : ru,
        auto ? "Autopay by bank card" : en,
        `payment:${payment.id}`,
        "succeeded",
      ),
    );
    const card = { cardLast4: extra.cardLast4 ?? payment.cardLast4, cardBrand: extra.cardBrand ?? payment.cardBrand };
    const receipt = buildReceipt({ ...payment, ...card }, region, now, extra.receiptByAcquirer === true);
    statements.push([
      `INSERT INTO receipts (payment_id, account_no, number, issued_at, body)
         SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM payments WHERE id = ? AND status = 'succeeded')
         ON CONFLICT (payment_id) DO NOTHING`,
      payment.id,
      payment.accountNo,
      receipt.number,
      t,
      JSON.stringify(receipt),
      payment.id,
    ]);
  }
  if (to === "refunded")
    statements.push(
      entry(
        "adjustment",
        -payment.amountKop,
        METHOD_TEXT[payment.method].refunded[0],
        METHOD_TEXT[payment.method].refunded[1],
        `refund:${payment.id}`,
        "refunded",
      ),
    );
  await rawBatch(db, statements);
  const after = await db.select({ status: payments.status }).from(payments).where(eq(payments.id, payment.id)).get();
  if (after?.status !== to) return "raced";
  payment.status = to;
  // h16 gives payments a method (card, СБП, SberPay, T-Pay); until then every payment is by card.
  const method = (payment as PaymentRow & { method?: string | null }).method;
  recordPayment({ method, status: to, failureCode: extra.failureCode, amountKop: payment.amountKop });
  return "applied";
}
