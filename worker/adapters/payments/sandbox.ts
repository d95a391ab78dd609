import { type Context, Hono } from "hono";
import { html, raw } from "hono/html";
import { randomToken } from "../../platform/crypto";
import { AppError } from "../../platform/errors";
import type { Acquirer, AcquirerCard, AcquirerPayment, WebhookEvent } from "./index";
import { verifySignature } from "./index";

/**
 * The local default acquirer: a sandbox with the behaviour of a real one.
 * Its own state (it is "another company's system") lives in R2 under
 * `sandbox/`. Test cards:
 *
 * | card                | result                                                     |
 * | ------------------- | ---------------------------------------------------------- |
 * | 4242 4242 4242 4242 | succeeds                                                    |
 * | 4000 0000 0000 0002 | declined (`card_declined`)                                  |
 * | 4000 0000 0000 9995 | declined (`insufficient_funds`)                             |
 * | 4000 0000 0000 3220 | asks for 3-D Secure; code 123456 passes, anything else fails |
 * | 4000 0000 0000 0341 | succeeds, but later charges of its saved token are declined  |
 *
 * «Отмена — вернуться в кабинет» on the card and 3-D Secure pages gives the
 * attempt up (`canceled`, failure code `canceled`) and sends the payer back.
 *
 * Webhooks are delivered through the `billing` queue, signed at delivery:
 * the final event twice (at once and 3 s later) and `payment.pending`
 * 2 s after it, so the cabinet always sees duplicates and disorder.
 */
export const SANDBOX_CODE_3DS = "123456";

interface Stored {
  payment: AcquirerPayment;
  returnUrl: string;
  saveCard: boolean;
  description: string;
}
interface StoredToken {
  card: AcquirerCard;
  failsLater: boolean;
}

export interface WebhookDelivery {
  kind: "acquirer.webhook";
  event: WebhookEvent;
}

const key = {
  payment: (id: string) => `sandbox/payments/${id}.json`,
  token: (t: string) => `sandbox/tokens/${t}.json`,
  idem: (k: string) => `sandbox/idempotence/${encodeURIComponent(k)}`,
};

async function load<T>(env: Env, k: string): Promise<T | null> {
  const obj = await env.FILES.get(k);
  return obj ? ((await obj.json()) as T) : null;
}

/**
 * A payment of the sandbox's by its id (`sbx_` + a random token), null for
 * anything else: the pages take the id from the URL, and an R2 key over
 * 1024 bytes is an error, not a miss.
 */
const loadPayment = (env: Env, id: string) => (/^sbx_[\w-]{1,64}$/.test(id) ? load<Stored>(env, key.payment(id)) : Promise.resolve(null));
const save = (env: Env, k: string, value: unknown) => env.FILES.put(k, JSON.stringify(value));

/** Sends the webhooks of a payment's new status, the way the sandbox always does (late, twice, out of order). */
async function emit(env: Env, payment: AcquirerPayment) {
  const event = (type: WebhookEvent["type"]): WebhookDelivery => ({
    kind: "acquirer.webhook",
    event: { id: `evt_${payment.id}_${type}`, type, createdAt: new Date().toISOString(), object: payment },
  });
  if (payment.status === "succeeded" || payment.status === "canceled") {
    const final = event(payment.status === "succeeded" ? "payment.succeeded" : "payment.canceled");
    await env.BILLING.sendBatch([{ body: final }, { body: final, delaySeconds: 3 }, { body: event("payment.pending"), delaySeconds: 2 }]);
  } else if (payment.status === "refunded") {
    await env.BILLING.send(event("refund.succeeded"));
  }
}

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function sandboxAcquirer(env: Env, origin: string): Acquirer {
  return {
    methods: ["card"],
    async createPayment(p) {
      const known = await env.FILES.get(key.idem(p.idempotenceKey));
      if (known) {
        const id = await known.text();
        return { id, confirmation: { type: "redirect", url: `${origin}/sandbox/acquirer/pay/${id}` } };
      }
      const id = `sbx_${randomToken(12)}`;
      const payment: AcquirerPayment = { id, status: "pending", amountKop: p.amountKop, method: p.method, metadata: p.metadata };
      await save(env, key.payment(id), {
        payment,
        returnUrl: p.returnUrl,
        saveCard: p.saveCard,
        description: p.description,
      } satisfies Stored);
      await env.FILES.put(key.idem(p.idempotenceKey), id);
      return { id, confirmation: { type: "redirect", url: `${origin}/sandbox/acquirer/pay/${id}` } };
    },

    async chargeSavedCard(p) {
      const known = await env.FILES.get(key.idem(p.idempotenceKey));
      if (known) {
        const stored = await loadPayment(env, await known.text());
        if (stored) return stored.payment;
      }
      const token = await load<StoredToken>(env, key.token(p.token));
      const id = `sbx_${randomToken(12)}`;
      const payment: AcquirerPayment = {
        id,
        amountKop: p.amountKop,
        method: "card",
        metadata: p.metadata,
        status: token && !token.failsLater ? "succeeded" : "canceled",
        ...(token ? { card: { ...token.card, token: p.token } } : {}),
        ...(token && !token.failsLater ? {} : { failureCode: token ? "card_declined" : "unknown_token" }),
      };
      await save(env, key.payment(id), { payment, returnUrl: "", saveCard: false, description: p.description } satisfies Stored);
      await env.FILES.put(key.idem(p.idempotenceKey), id);
      await emit(env, payment);
      return payment;
    },

    async getPayment(id) {
      return (await loadPayment(env, id))?.payment ?? null;
    },

    async verifyWebhook(body, signature, now = new Date()) {
      if (!(await verifySignature(env.ACQUIRER_WEBHOOK_SECRET, body, signature, now))) return null;
      try {
        return JSON.parse(body) as WebhookEvent;
      } catch {
        return null;
      }
    },
  };
}

/** Refunds a succeeded sandbox payment (what the acquirer's dashboard would do); sends `refund.succeeded`. */
export async function sandboxRefund(env: Env, id: string): Promise<AcquirerPayment | null> {
  const stored = await loadPayment(env, id);
  if (stored?.payment.status !== "succeeded") return null;
  stored.payment.status = "refunded";
  await save(env, key.payment(id), stored);
  await emit(env, stored.payment);
  return stored.payment;
}

const page = (title: string, body: ReturnType<typeof html>) => html`<!doctype html>
  <html lang="ru">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} — Sandbox Pay</title>
      <style>
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: #eef2f7; color: #102030; }
        main { max-width: 26rem; margin: 2rem auto; background: #fff; padding: 1.5rem; border-radius: 12px; }
        label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
        input { width: 100%; box-sizing: border-box; font: inherit; padding: 0.6rem; border: 1px solid #8a99ad; border-radius: 8px; }
        button { margin-top: 1rem; width: 100%; font: inherit; padding: 0.75rem; border: 0; border-radius: 8px; background: #0b5cad; color: #fff; }
        .row { display: flex; gap: 0.75rem; } .row > div { flex: 1; }
        button.secondary { background: #fff; color: #0b5cad; border: 1px solid #0b5cad; }
        .error { color: #a00; } .muted { color: #4a5868; font-size: 0.9rem; }
      </style>
    </head>
    <body>
      <main>
        <p class="muted">Sandbox Pay · тестовая платёжная страница</p>
        ${body}
      </main>
    </body>
  </html>`;

/** «Отмена — вернуться в кабинет»: gives up the attempt at the acquirer, so the cabinet shows it cancelled. */
const cancelForm = (id: string) => html`<form method="post" action="/sandbox/acquirer/pay/${id}/cancel">
    <button type="submit" class="secondary">Отмена — вернуться в кабинет</button>
  </form>`;

const rub = (kop: number) => `${(kop / 100).toFixed(2).replace(".", ",")} ₽`;

function cardForm(id: string, stored: Stored, error?: string) {
  return page(
    "Оплата картой",
    html`<h1>Оплата ${rub(stored.payment.amountKop)}</h1>
      <p>${stored.description}</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
      <form method="post" action="/sandbox/acquirer/pay/${id}">
        <label for="number">Номер карты</label>
        <input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required />
        <div class="row">
          <div><label for="exp">Срок (ММ/ГГ)</label><input id="exp" name="exp" autocomplete="cc-exp" placeholder="12/30" required /></div>
          <div><label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required /></div>
        </div>
        <button type="submit">Оплатить ${rub(stored.payment.amountKop)}</button>
      </form>
      ${cancelForm(id)}
      <p class="muted">Тестовые карты: 4242 4242 4242 4242 — успех; 4000 0000 0000 0002 — отказ; 4000 0000 0000 3220 — 3-D Secure (код ${SANDBOX_CODE_3DS}).</p>`,
  );
}

const back = (stored: Stored) => stored.returnUrl;

/** A person's browser asks for a page; anything else gets problem+json. */
const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

/** The posted form; a body that is not one (broken multipart) is a 400 problem. */
async function formOf(c: Context): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new AppError(400, "validation");
  }
}

/** The card form again with what to fix for a person (422); a problem naming the field for anything else. */
function refuse(c: Context, id: string, stored: Stored, field: string, message: string) {
  if (wantsHtml(c)) return c.html(cardForm(id, stored, message), 422);
  throw new AppError(422, "validation", {}, [{ field, message }]);
}

/**
 * The sandbox's hosted pages: the card form and the 3-D Secure step. They
 * exist only while the sandbox is the acquirer; their errors are problems
 * (rendered by the app's error handler), except the card form shown again.
 */
export const sandboxPages = new Hono<{ Bindings: Env }>()
  .use("/sandbox/*", async (c, next) => {
    if (c.env.ACQUIRER !== "sandbox") throw new AppError(404, "not_found");
    await next();
  })
  .get("/sandbox/acquirer/pay/:id", async (c) => {
    const stored = await loadPayment(c.env, c.req.param("id"));
    if (!stored) throw new AppError(404, "not_found");
    if (stored.payment.status !== "pending") return c.redirect(back(stored), 303);
    return c.html(cardForm(stored.payment.id, stored));
  })
  .post("/sandbox/acquirer/pay/:id", async (c) => {
    const id = c.req.param("id");
    const stored = await loadPayment(c.env, id);
    if (!stored) throw new AppError(404, "not_found");
    if (stored.payment.status !== "pending") return c.redirect(back(stored), 303);
    const form = await formOf(c);
    const number = String(form.number ?? "").replace(/\D/g, "");
    const exp = /^(\d{2})\s*\/\s*(\d{2})$/.exec(String(form.exp ?? "").trim());
    const cvc = String(form.cvc ?? "").trim();
    const month = Number(exp?.[1]);
    const year = 2000 + Number(exp?.[2]);
    const now = new Date();
    if (number.length < 13 || number.length > 19 || !luhnOk(number)) return refuse(c, id, stored, "number", "Проверьте номер карты");
    if (!exp || month < 1 || month > 12 || year * 12 + month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1)
      return refuse(c, id, stored, "exp", "Проверьте срок действия");
    if (!/^\d{3}$/.test(cvc)) return refuse(c, id, stored, "cvc", "Проверьте CVC");
    const card: AcquirerCard = { last4: number.slice(-4), brand: number.startsWith("2") ? "mir" : "visa", expMonth: month, expYear: year };
    stored.payment.card = card;
    if (number.endsWith("3220")) {
      stored.payment.status = "waiting_for_3ds";
      await save(c.env, key.payment(id), stored);
      return c.redirect(`/sandbox/acquirer/3ds/${id}`, 303);
    }
    await finish(c.env, stored, number.endsWith("0002") ? "card_declined" : number.endsWith("9995") ? "insufficient_funds" : null, number);
    return c.redirect(back(stored), 303);
  })
  .post("/sandbox/acquirer/pay/:id/cancel", async (c) => {
    const stored = await loadPayment(c.env, c.req.param("id"));
    if (!stored) throw new AppError(404, "not_found");
    // Only an unfinished attempt can be given up; a paid or declined one just goes back to the cabinet.
    if (stored.payment.status === "pending" || stored.payment.status === "waiting_for_3ds") await finish(c.env, stored, "canceled", null);
    return c.redirect(back(stored), 303);
  })
  .get("/sandbox/acquirer/3ds/:id", async (c) => {
    const stored = await loadPayment(c.env, c.req.param("id"));
    if (stored?.payment.status !== "waiting_for_3ds") throw new AppError(404, "not_found");
    return c.html(
      page(
        "3-D Secure",
        html`<h1>Подтверждение платежа</h1>
          <p>Банк отправил код на телефон держателя карты •••• ${stored.payment.card?.last4}.</p>
          <form method="post" action="/sandbox/acquirer/3ds/${stored.payment.id}">
            <label for="code">Код из SMS</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required />
            <button type="submit">Подтвердить</button>
          </form>
          ${cancelForm(stored.payment.id)}
          ${raw(`<p class="muted">Код в песочнице: ${SANDBOX_CODE_3DS}</p>`)}`,
      ),
    );
  })
  .post("/sandbox/acquirer/3ds/:id", async (c) => {
    const stored = await loadPayment(c.env, c.req.param("id"));
    if (stored?.payment.status !== "waiting_for_3ds") throw new AppError(404, "not_found");
    const code = String((await formOf(c)).code ?? "").trim();
    await finish(c.env, stored, code === SANDBOX_CODE_3DS ? null : "3ds_failed", null);
    return c.redirect(back(stored), 303);
  });

async function finish(env: Env, stored: Stored, failure: string | null, number: string | null) {
  if (failure) {
    stored.payment.status = "canceled";
    stored.payment.failureCode = failure;
  } else {
    stored.payment.status = "succeeded";
    if (stored.saveCard && stored.payment.card) {
      const token = `tok_${randomToken(16)}`;
      stored.payment.card.token = token;
      await save(env, key.token(token), {
        card: { ...stored.payment.card, token: undefined },
        failsLater: number?.endsWith("0341") ?? false,
      });
    }
  }
  await save(env, key.payment(stored.payment.id), stored);
  await emit(env, stored.payment);
}
