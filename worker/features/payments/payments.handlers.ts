import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { acquirerFor } from "../../adapters/payments/select";
import type { AppEnv } from "../../env";
import { notifier } from "../../platform/notify";
import { requireSession, requireStepUp } from "../../platform/session";
import { accountDetail, requireAccount } from "../accounts/accounts.service";
import * as auto from "./autopay.service";
import type * as r from "./payments.routes";
import * as svc from "./payments.service";
import { promisedOffer, takePromised } from "./promised.service";

const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");
const acquirer = (c: Context<AppEnv>) => acquirerFor(c.env, new URL(c.req.url).origin);

/** Enough for the next month first (rounded up to 10 ₽), then round sums. */
export function suggestions(monthlyKop: number, balanceKop: number): number[] {
  const need = Math.ceil(Math.max(0, monthlyKop - balanceKop) / 1000) * 1000;
  const round = [50_000, 100_000, 200_000];
  const first = need >= svc.MIN_PAYMENT_KOP ? [Math.min(need, svc.MAX_PAYMENT_KOP)] : [];
  return [...first, ...round.filter((k) => k > (first[0] ?? 0))].slice(0, 4);
}

export const optionsHandler: RouteHandler<typeof r.optionsRoute, AppEnv> = async (c) => {
  const session = requireSession(c);
  const data = c.get("data");
  const { accountNo } = c.req.valid("param");
  const detail = await accountDetail(data, session.subscriberId, accountNo);
  // The link (read with the session) names the account's shard: no directory lookup.
  const link = await requireAccount(data, session.subscriberId, detail.accountNo);
  const [cards, autopay, promised] = await Promise.all([
    svc.listCards(data, session),
    auto.getAutopay(data, session.subscriberId, detail.accountNo),
    promisedOffer(data.shard(link.shard), detail.accountNo),
  ]);
  noStore(c);
  return c.json(
    {
      minKop: svc.MIN_PAYMENT_KOP,
      maxKop: svc.MAX_PAYMENT_KOP,
      suggestedKop: suggestions(detail.monthlyKop, detail.balanceKop),
      methods: [...acquirer(c).methods],
      cards,
      autopay,
      promised,
    },
    200,
  );
};

export const createPaymentHandler: RouteHandler<typeof r.createPaymentRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  // Saving a card, or paying with a saved one, is a money operation without the bank's own check: fresh SMS code.
  // (With another method those options are a 400 from the service, not a request for a code.)
  const session = body.method === "card" && (body.saveCard || body.cardId) ? requireStepUp(c) : requireSession(c);
  const result = await svc.startPayment(c.get("data"), acquirer(c), notifier(c.env), session, {
    accountNo: c.req.valid("param").accountNo,
    amountKop: body.amountKop,
    method: body.method,
    saveCard: body.saveCard,
    cardId: body.cardId,
    idempotencyKey: c.req.valid("header")["idempotency-key"],
    returnOrigin: new URL(c.req.url).origin,
  });
  noStore(c);
  return c.json(result, 201);
};

export const listPaymentsHandler: RouteHandler<typeof r.listPaymentsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await svc.listPayments(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo) }, 200);
};

export const getPaymentHandler: RouteHandler<typeof r.getPaymentRoute, AppEnv> = async (c) => {
  const { accountNo, paymentId } = c.req.valid("param");
  noStore(c);
  return c.json(
    await svc.getPayment(c.get("data"), c.env.FILES, acquirer(c), notifier(c.env), requireSession(c).subscriberId, accountNo, paymentId),
    200,
  );
};

export const receiptHandler: RouteHandler<typeof r.receiptRoute, AppEnv> = async (c) => {
  const { accountNo, paymentId } = c.req.valid("param");
  noStore(c);
  return c.json(await svc.getReceipt(c.get("data"), c.env.FILES, requireSession(c).subscriberId, accountNo, paymentId), 200);
};

export const cardsHandler: RouteHandler<typeof r.cardsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await svc.listCards(c.get("data"), requireSession(c)) }, 200);
};

export const deleteCardHandler: RouteHandler<typeof r.deleteCardRoute, AppEnv> = async (c) => {
  await svc.deleteCard(c.get("data"), requireSession(c), c.req.valid("param").cardId);
  return c.body(null, 204);
};

export const setAutopayHandler: RouteHandler<typeof r.setAutopayRoute, AppEnv> = async (c) => {
  await auto.setAutopay(c.get("data"), requireStepUp(c), c.req.valid("param").accountNo, c.req.valid("json"));
  return c.body(null, 204);
};

export const stopAutopayHandler: RouteHandler<typeof r.stopAutopayRoute, AppEnv> = async (c) => {
  await auto.stopAutopay(c.get("data"), requireSession(c).subscriberId, c.req.valid("param").accountNo);
  return c.body(null, 204);
};

export const promisedHandler: RouteHandler<typeof r.promisedRoute, AppEnv> = async (c) => {
  const taken = await takePromised(
    c.get("data"),
    requireSession(c).subscriberId,
    c.req.valid("param").accountNo,
    c.req.valid("json").amountKop,
    c.req.valid("header")["idempotency-key"],
  );
  return c.json({ id: taken.id, amountKop: taken.amountKop, dueAt: taken.dueAt.toISOString() }, 201);
};
