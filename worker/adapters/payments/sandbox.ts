import { type Context, Hono } from "hono";
import { html, raw } from "hono/html";
import { qrSvg } from "../../../shared/qr";
import { randomToken } from "../../platform/crypto";
import { AppError } from "../../platform/errors";
import { log } from "../../platform/log";
import { retryDelaySeconds } from "../../platform/queue";
import type { Acquirer, AcquirerCard, AcquirerPayment, Confirmation, PaymentMethod, WebhookEvent } from "./index";
import { signWebhook, verifySignature } from "./index";

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
 * СБП: the payment's QR payload is an НСПК-style link
 * (`https://qr.nspk.ru/<id>?type=02&bank=…&sum=…&cur=RUB&crc=…`); the page
 * `/sandbox/acquirer/sbp/<id>` shows it as a QR with «Оплатить из приложения
 * банка», the action a bank app would take after the scan; the deep link
 * (`confirmation.url`) is `/sandbox/acquirer/sbp/<id>/banks`, the bank-choice
 * list a phone shows, each bank's "app" confirming the payment. A QR not paid
 * within `SANDBOX_SBP_TTL_MS` expires: `canceled` with failure code `expired`.
 * SberPay and T-Pay are redirects to a page of the wallet's that pays or
 * cancels.
 *
 * Webhooks are delivered through the `billing` queue, signed at delivery:
 * the final event twice (at once and 3 s later) and `payment.pending`
 * 2 s after it, so the cabinet always sees duplicates and disorder.
 */
export const SANDBOX_CODE_3DS = "123456";

/** How long an СБП QR can be paid (a real acquirer's default is of this order). */
export const SANDBOX_SBP_TTL_MS = 10 * 60_000;

/** The banks of the sandbox's bank-choice list (НСПК member ids are made up). */
export const SANDBOX_SBP_BANKS = [
  { id: "100000000111", name: "Сбербанк" },
  { id: "100000000004", name: "Т-Банк" },
  { id: "100000000008", name: "Альфа-Банк" },
  { id: "100000000005", name: "ВТБ" },
] as const;

interface Stored {
  payment: AcquirerPayment;
  returnUrl: string;
  saveCard: boolean;
  description: string;
  /** СБП only: when the QR stops being payable (ISO). */
  expiresAt?: string;
}
interface StoredToken {
  card: AcquirerCard;
  failsLater: boolean;
}

export interface WebhookDelivery {
  kind: "acquirer.webhook";
  event: WebhookEvent;
}

/**
 * The sandbox's webhook deliveries (from the `billing` queue), signed at
 * delivery and POSTed over HTTP to `/webhooks/acquirer` (through `post`, the
 * Worker's own fetch, as the acquirer's servers would). A non-2xx answer is
 * retried with backoff and finally dead-lettered, like a real acquirer does.
 */
export async function deliverSandboxWebhooks(
  batch: MessageBatch<unknown>,
  env: Env,
  post: (req: Request) => Promise<Response>,
): Promise<void> {
  for (const message of batch.messages) {
    const m = message.body as WebhookDelivery;
    if (m?.kind !== "acquirer.webhook") {
      log("warn", "billing.unknown_message", { messageId: message.id });
      message.ack();
      continue;
    }
    const body = JSON.stringify(m.event);
    const res = await post(
      new Request(`http://${env.BASE_DOMAIN}/webhooks/acquirer`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature": await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, body) },
        body,
      }),
    );
    await res.body?.cancel();
    if (res.ok) message.ack();
    else {
      log("warn", "billing.webhook_refused", { messageId: message.id, status: res.status, attempts: message.attempts });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
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

/** CRC-16/CCITT-FALSE of a string, four hex digits (the `crc` of an НСПК link). */
function crc16(text: string): string {
  let crc = 0xffff;
  for (const b of new TextEncoder().encode(text)) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/** The СБП QR payload of a sandbox payment: a dynamic (type 02) НСПК link with the sum in kopecks. */
export function sbpPayload(payment: AcquirerPayment): string {
  const qrcId = `AD${payment.id
    .slice(4)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "0")}`
    .padEnd(32, "0")
    .slice(0, 32);
  const base = `https://qr.nspk.ru/${qrcId}?type=02&bank=${SANDBOX_SBP_BANKS[0].id}&sum=${payment.amountKop}&cur=RUB`;
  return `${base}&crc=${crc16(base)}`;
}

function confirmationOf(origin: string, stored: Stored): Confirmation {
  const { id, method } = stored.payment;
  if (method === "sbp") return { type: "qr", payload: sbpPayload(stored.payment), url: `${origin}/sandbox/acquirer/sbp/${id}/banks` };
  if (method === "sberpay" || method === "tpay") return { type: "redirect", url: `${origin}/sandbox/acquirer/wallet/${id}` };
  return { type: "redirect", url: `${origin}/sandbox/acquirer/pay/${id}` };
}

/** An СБП QR past its time is given up (as the acquirer would on its own): `canceled`, `expired`. */
async function expireIfDue(env: Env, stored: Stored, now = new Date()): Promise<Stored> {
  if (stored.payment.status === "pending" && stored.expiresAt && now.getTime() >= Date.parse(stored.expiresAt))
    await finish(env, stored, "expired", null);
  return stored;
}

export function sandboxAcquirer(env: Env, origin: string): Acquirer {
  return {
    methods: ["card", "sbp", "sberpay", "tpay"] satisfies PaymentMethod[],
    async createPayment(p) {
      const known = await env.FILES.get(key.idem(p.idempotenceKey));
      const existing = known ? await loadPayment(env, await known.text()) : null;
      if (existing) return { id: existing.payment.id, confirmation: confirmationOf(origin, existing) };
      const id = `sbx_${randomToken(12)}`;
      const payment: AcquirerPayment = { id, status: "pending", amountKop: p.amountKop, method: p.method, metadata: p.metadata };
      const stored: Stored = {
        payment,
        returnUrl: p.returnUrl,
        saveCard: p.method === "card" && p.saveCard,
        description: p.description,
        ...(p.method === "sbp" ? { expiresAt: new Date(Date.now() + SANDBOX_SBP_TTL_MS).toISOString() } : {}),
      };
      await save(env, key.payment(id), stored);
      await env.FILES.put(key.idem(p.idempotenceKey), id);
      return { id, confirmation: confirmationOf(origin, stored) };
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
      const stored = await loadPayment(env, id);
      return stored ? (await expireIfDue(env, stored)).payment : null;
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

/** A sandbox payment of one of `methods` from the URL (an СБП one expired if its time is up), else a 404 problem. */
async function pendingOf(c: Context<{ Bindings: Env }>, ...methods: PaymentMethod[]): Promise<Stored> {
  const stored = await loadPayment(c.env, c.req.param("id") ?? "");
  if (!stored || !methods.includes(stored.payment.method)) throw new AppError(404, "not_found");
  return expireIfDue(c.env, stored);
}

const timeOf = (stored: Stored) =>
  new Date(stored.expiresAt ?? 0).toLocaleTimeString("ru-RU", { timeZone: "Europe/Moscow", hour: "2-digit", minute: "2-digit" });

/** An СБП payment that can no longer be paid: paid, expired or cancelled. */
const sbpOver = (stored: Stored) =>
  page(
    "Оплата по СБП",
    html`<h1>${
      stored.payment.status === "succeeded"
        ? "Оплачено"
        : stored.payment.failureCode === "expired"
          ? "Срок действия QR-кода истёк"
          : "Оплата отменена"
    }</h1>
      <p><a href="${back(stored)}">Вернуться в кабинет</a></p>`,
  );

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

/** The card form again with what to fix for a person (400, invalid input); a problem naming the field for anything else. */
function refuse(c: Context, id: string, stored: Stored, field: string, message: string) {
  if (wantsHtml(c)) return c.html(cardForm(id, stored, message), 400);
  throw new AppError(400, "validation", {}, [{ field, message }]);
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
    const stored = await pendingOf(c, "card");
    if (stored.payment.status !== "pending") return c.redirect(back(stored), 303);
    return c.html(cardForm(stored.payment.id, stored));
  })
  .post("/sandbox/acquirer/pay/:id", async (c) => {
    const id = c.req.param("id");
    const stored = await pendingOf(c, "card");
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
    const stored = await pendingOf(c, "card", "sbp", "sberpay", "tpay");
    // Only an unfinished attempt can be given up; a paid or declined one just goes back to the cabinet.
    if (stored.payment.status === "pending" || stored.payment.status === "waiting_for_3ds") await finish(c.env, stored, "canceled", null);
    return c.redirect(back(stored), 303);
  })
  .get("/sandbox/acquirer/sbp/:id", async (c) => {
    const stored = await pendingOf(c, "sbp");
    if (stored.payment.status !== "pending") return c.html(sbpOver(stored));
    const payload = sbpPayload(stored.payment);
    return c.html(
      page(
        "Оплата по СБП",
        html`<h1>Оплата ${rub(stored.payment.amountKop)} по СБП</h1>
          <p>${stored.description}</p>
          <figure>
            ${raw(qrSvg(payload, `QR-код СБП на ${rub(stored.payment.amountKop)}`))}
            <figcaption class="muted">Отсканируйте камерой телефона или в приложении банка. Код действует до ${timeOf(stored)} (МСК).</figcaption>
          </figure>
          <form method="post" action="/sandbox/acquirer/sbp/${stored.payment.id}/pay">
            <button type="submit">Оплатить из приложения банка</button>
          </form>
          <p><a href="/sandbox/acquirer/sbp/${stored.payment.id}/banks">Выбрать банк на телефоне</a></p>
          ${cancelForm(stored.payment.id)}
          <p class="muted">Песочница: кнопка делает то, что сделало бы приложение банка после сканирования.</p>`,
      ),
    );
  })
  .get("/sandbox/acquirer/sbp/:id/banks", async (c) => {
    const stored = await pendingOf(c, "sbp");
    if (stored.payment.status !== "pending") return c.html(sbpOver(stored));
    return c.html(
      page(
        "Выберите банк",
        html`<h1>Оплата ${rub(stored.payment.amountKop)} по СБП</h1>
          <p>Выберите банк, в приложении которого хотите оплатить:</p>
          <ul class="banks">
            ${SANDBOX_SBP_BANKS.map((b) => html`<li><a href="/sandbox/acquirer/sbp/${stored.payment.id}/bank/${b.id}">${b.name}</a></li>`)}
          </ul>
          ${cancelForm(stored.payment.id)}`,
      ),
    );
  })
  .get("/sandbox/acquirer/sbp/:id/bank/:bank", async (c) => {
    const stored = await pendingOf(c, "sbp");
    const bank = SANDBOX_SBP_BANKS.find((b) => b.id === c.req.param("bank"));
    if (!bank) throw new AppError(404, "not_found");
    if (stored.payment.status !== "pending") return c.html(sbpOver(stored));
    return c.html(
      page(
        bank.name,
        html`<h1>${bank.name}: перевод по СБП</h1>
          <p>Получатель: ${stored.description}</p>
          <p>Сумма: <strong>${rub(stored.payment.amountKop)}</strong></p>
          <form method="post" action="/sandbox/acquirer/sbp/${stored.payment.id}/pay">
            <button type="submit">Подтвердить оплату</button>
          </form>
          ${cancelForm(stored.payment.id)}`,
      ),
    );
  })
  .post("/sandbox/acquirer/sbp/:id/pay", async (c) => {
    const stored = await pendingOf(c, "sbp");
    if (stored.payment.status !== "pending") return c.html(sbpOver(stored), 409);
    await finish(c.env, stored, null, null);
    // From the bank-choice flow the phone comes back to the cabinet; the desktop's QR page just says it is paid.
    return wantsHtml(c) ? c.redirect(back(stored), 303) : c.json({ status: stored.payment.status });
  })
  .get("/sandbox/acquirer/wallet/:id", async (c) => {
    const stored = await pendingOf(c, "sberpay", "tpay");
    if (stored.payment.status !== "pending") return c.redirect(back(stored), 303);
    const name = stored.payment.method === "sberpay" ? "SberPay" : "T-Pay";
    return c.html(
      page(
        name,
        html`<h1>${name}: оплата ${rub(stored.payment.amountKop)}</h1>
          <p>${stored.description}</p>
          <form method="post" action="/sandbox/acquirer/wallet/${stored.payment.id}">
            <button type="submit">Оплатить в ${name}</button>
          </form>
          ${cancelForm(stored.payment.id)}`,
      ),
    );
  })
  .post("/sandbox/acquirer/wallet/:id", async (c) => {
    const stored = await pendingOf(c, "sberpay", "tpay");
    if (stored.payment.status === "pending") await finish(c.env, stored, null, null);
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
