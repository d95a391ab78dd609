/**
 * Every secret the Worker reads, in one place: what it protects, how to make
 * it, how to rotate it. Locally `wrangler.toml`'s `[vars]` hold development
 * values (`dev-only-…`); staging and production set each one with
 * `wrangler secret put NAME --env <env>`. Outside DEV_MODE a missing or
 * development value closes the money and identity routes (platform/production.ts),
 * and `npm run deploy` lists the ones an environment still lacks.
 *
 * Plain data and pure functions: the deploy script imports this file too.
 */
export interface SecretSpec {
  name: string;
  /** What an attacker could do with it, or what stops working without it. */
  protects: string;
  /** A command that makes a good value and stores it (`<env>` is staging or production). */
  make: string;
  /** How to replace it, and what the change does to people and systems. */
  rotate: string;
  /** Needed only with this configuration (e.g. the acquirer chosen); always when absent. */
  neededWhen?: (vars: Readonly<Record<string, unknown>>) => boolean;
  /** Shortest value accepted: keys that sign or authenticate are random, ≥ 32 characters. */
  minLength: number;
}

const random = (name: string) => `openssl rand -base64 48 | npx wrangler secret put ${name} --env <env>`;

export const SECRETS: readonly SecretSpec[] = [
  {
    name: "ALTCHA_HMAC_KEY",
    protects: "the proof-of-work captcha of the password-recovery form: with it anyone can mint solved challenges and flood codes",
    make: random("ALTCHA_HMAC_KEY"),
    rotate: "put a new value; challenges handed out in the last minutes are refused once and the form asks for a new one",
    minLength: 32,
  },
  {
    name: "ACQUIRER_WEBHOOK_SECRET",
    protects:
      "the signature of payment webhooks at /webhooks/acquirer (and of those the billing queue replays): with it anyone can mark a payment paid",
    make: random("ACQUIRER_WEBHOOK_SECRET"),
    rotate:
      "put a new value (and the same in the acquirer's settings when it signs with it); queued webhooks are signed when delivered, so none is lost",
    minLength: 32,
  },
  {
    name: "OPERATOR_TOKEN",
    protects: "the operators' API (Bearer token of /ops/v1: outages, announcements, applications)",
    make: random("OPERATOR_TOKEN"),
    rotate: "put a new value and give it to the operators' systems at the same time: the old token stops at once",
    minLength: 32,
  },
  {
    name: "REPORT_LINK_SECRET",
    protects: "the signed, expiring links to usage-detail reports sent by email: with it anyone can read any subscriber's calls",
    make: random("REPORT_LINK_SECRET"),
    rotate: "put a new value; links already emailed stop working (they expire anyway) and the subscriber orders the report again",
    minLength: 32,
  },
  {
    name: "VAPID_PUBLIC_KEY",
    protects: "web push: the public half of the key pair browsers subscribed with (RFC 8292)",
    make: "npm run vapid (prints the key pair and the wrangler secret put commands; add --env <env>)",
    rotate:
      "only if the private key leaked: put a new pair (both keys together); existing push subscriptions stop (410) and are removed, subscribers turn push on again",
    minLength: 40,
  },
  {
    name: "VAPID_PRIVATE_JWK",
    protects: "web push: the private key that signs every push (with it anyone can push to our subscribers)",
    make: "npm run vapid (see VAPID_PUBLIC_KEY)",
    rotate: "together with VAPID_PUBLIC_KEY",
    minLength: 40,
  },
  {
    name: "YOOKASSA_SHOP_ID",
    protects: "ЮKassa API v3 (ACQUIRER = yookassa): the shop's id, the user half of Basic auth",
    make: "ЮKassa's personal account → Integration → API keys: the shopId; `npx wrangler secret put YOOKASSA_SHOP_ID --env <env>`",
    rotate: "changes only with a new shop; put it together with that shop's secret key",
    neededWhen: (vars) => vars.ACQUIRER === "yookassa",
    minLength: 1,
  },
  {
    name: "YOOKASSA_SECRET_KEY",
    protects: "ЮKassa API v3 (ACQUIRER = yookassa): creates payments, refunds and autopay charges on the shop's behalf",
    make: "ЮKassa's personal account → Integration → API keys → issue a secret key; `npx wrangler secret put YOOKASSA_SECRET_KEY --env <env>`",
    rotate: "issue a second key in ЮKassa, put it, check a payment on staging, then revoke the old key there",
    neededWhen: (vars) => vars.ACQUIRER === "yookassa",
    minLength: 16,
  },
  {
    name: "SMSC_API_KEY",
    protects: "the SMS gateway (SMS_PROVIDER = smsc, SMSC.ru send.php): sends codes and notices at the operator's expense",
    make: "SMSC's personal account → Settings → API key; `npx wrangler secret put SMSC_API_KEY --env <env>` (or SMSC_LOGIN and SMSC_PASSWORD)",
    rotate: "make a new key in SMSC, put it, send a test code on staging, then delete the old key there",
    neededWhen: (vars) => vars.SMS_PROVIDER === "smsc" && !vars.SMSC_LOGIN,
    minLength: 16,
  },
  {
    name: "SMSC_PASSWORD",
    protects: "the SMS gateway, when it is reached with a login and password (SMSC_LOGIN) instead of an API key",
    make: "SMSC's personal account → the API password; `npx wrangler secret put SMSC_PASSWORD --env <env>`",
    rotate: "change the password in SMSC and put it here at the same time (messages in between wait in the queue)",
    neededWhen: (vars) => vars.SMS_PROVIDER === "smsc" && !!vars.SMSC_LOGIN,
    minLength: 8,
  },
  {
    name: "SMS_CALLBACK_SECRET",
    protects: "the SMS delivery reports at /webhooks/sms/smsc?key=…: with it anyone can mark messages delivered or failed",
    make: `${random("SMS_CALLBACK_SECRET")}; then set SMSC's status handler URL to https://<domain>/webhooks/sms/smsc?key=<it>`,
    rotate: "put the new value, then change the URL in SMSC; reports refused in between are repeated by SMSC",
    neededWhen: (vars) => vars.SMS_PROVIDER === "smsc",
    minLength: 32,
  },
];

/**
 * Optional secrets: read when set, nothing refused without them. `OIDC_PROVIDERS`
 * holds the identity providers' client secrets (README, «Вход через Госуслуги…»).
 */
export const OPTIONAL_SECRETS: readonly Omit<SecretSpec, "minLength" | "neededWhen">[] = [
  {
    name: "OIDC_PROVIDERS",
    protects:
      "sign-in through Госуслуги, T-ID, VK ID…: the JSON list of providers with their client secrets; without it no provider is offered",
    make: "the JSON of the README's identity section; `npx wrangler secret put OIDC_PROVIDERS --env <env>`",
    rotate: "issue a new client secret at the provider, put the whole JSON again, then revoke the old secret there",
  },
];

/** `unknown`: a provider variable naming no adapter there is (a typo would otherwise be a 500 at first use). */
export type SecretProblem = { name: string; problem: "missing" | "development" | "too_short" | "unknown" };

/** True only where development helpers may exist (local runs and tests): `DEV_MODE = "true"`. */
export const isDevMode = (vars: { readonly DEV_MODE?: unknown }) => vars.DEV_MODE === "true";

/** The secrets this configuration needs that are unset, development values or too short to be random. */
export function secretProblems(env: object): SecretProblem[] {
  const vars = env as Readonly<Record<string, unknown>>;
  const problems: SecretProblem[] = [];
  for (const spec of SECRETS) {
    if (spec.neededWhen && !spec.neededWhen(vars)) continue;
    const value = vars[spec.name];
    if (typeof value !== "string" || value.trim() === "") problems.push({ name: spec.name, problem: "missing" });
    else if (/dev-only/i.test(value)) problems.push({ name: spec.name, problem: "development" });
    else if (value.length < spec.minLength) problems.push({ name: spec.name, problem: "too_short" });
    // A live shop with a test shop's key would take test payments, which are no money (ЮKassa: `test_…` keys).
    else if (spec.name === "YOOKASSA_SECRET_KEY" && vars.YOOKASSA_MODE === "live" && value.startsWith("test_"))
      problems.push({ name: spec.name, problem: "development" });
  }
  return problems;
}

/** Secrets needed by this configuration (the deploy script compares them with `wrangler secret list`). */
export const neededSecrets = (vars: Readonly<Record<string, unknown>>) =>
  SECRETS.filter((s) => !s.neededWhen || s.neededWhen(vars)).map((s) => s.name);
