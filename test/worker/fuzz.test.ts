/**
 * A schema-driven fuzzer over the served OpenAPI document (issue 19).
 *
 * It reads `/api/openapi.json` from the Worker and sends every operation
 * (path × method), plus the plain routes the document does not describe,
 * hostile requests: wrong types, missing fields, huge and malformed strings,
 * out-of-range numbers, bad JSON, wrong content types, oversized bodies,
 * random bytes, bad percent-encoding in paths, queries and headers, other
 * subscribers' ids — anonymously and with the sessions of demo subscribers
 * and an operator, from our own origin so that the CSRF check does not hide
 * the handlers, and from a new client address each time so that the
 * per-address throttle does not either.
 *
 * Every answer must be below 500; every error under /api and /ops must be
 * problem+json with a `urn:kabinet:problem:` type and a title, and no error
 * may show a stack, SQL or a D1 message.
 *
 * Seeded and bounded: FUZZ_SEED (default below) and FUZZ_REQUESTS (2,000 in
 * `npm test`; `npm run fuzz` sends 20,000). A failure lists each kind of
 * bad answer once, with a request that reproduces it.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../worker/adapters/payments";
import { DEMO_OPERATOR_PASSWORD, DEMO_PASSWORD } from "../../worker/data/demo.data";
import { BASE, call, json, login, SAME_ORIGIN, sessionCookie, stepUp } from "./helpers";

const DEFAULT_SEED = 20261119;
const DEFAULT_BUDGET = 2000;
const positive = (value: string | undefined, fallback: number) => (/^\d+$/.test(value ?? "") ? Number(value) : fallback);
const SEED = positive(env.FUZZ_SEED, DEFAULT_SEED) >>> 0;
const BUDGET = positive(env.FUZZ_REQUESTS, DEFAULT_BUDGET);
/** Requests in flight at once: the Worker's own awaits (D1, R2, queues) overlap; more only adds contention on 2 cores. */
const CONCURRENCY = 4;
/** Routes whose handlers call a server outside workerd (the OIDC provider): sent one at a time, see below. */
const OUTSIDE = /\/auth\/oidc\//;
/** An answer slower than this is a hang (and a failure). */
const ANSWER_TIMEOUT_MS = 30_000;

// The actors. Their own identifiers never go into fuzzed bodies, so the fuzzer's wrong passwords and codes cannot lock them out.
const ACTORS = [
  { owner: "petr", phone: "+79000000002" },
  { owner: "olga", phone: "+79000000003" },
] as const;
/** Subscribers whose ids are the actors' "other subscribers' ids" (they may well be throttled by the fuzzer: they only seed). */
const OTHERS = [
  { owner: "anna", phone: "+79000000001" },
  { owner: "maria", phone: "+79000000004" },
] as const;
const OPERATOR_LOGIN = "operator.msk";

// ---------------------------------------------------------------------------
// The OpenAPI document, as far as the fuzzer reads it

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  example?: unknown;
  additionalProperties?: boolean | Schema;
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One operation to fuzz. `documented: false` for the plain routes the document leaves out. */
interface Target {
  method: string;
  path: string;
  op: Operation;
  documented: boolean;
  /** Not JSON: the body is bytes of the given types (uploads) or a form. */
  raw?: readonly string[];
  /** The acquirer's webhook: most bodies go signed with the webhook secret, so that what is inside is read too. */
  signed?: boolean;
}

/** The acquirer's webhook event (worker/adapters/payments: WebhookEvent), as a schema to fuzz from. */
const WEBHOOK_EVENT: Schema = {
  type: "object",
  required: ["id", "type", "createdAt", "object"],
  properties: {
    id: { type: "string", example: "evt_fuzz" },
    type: { enum: ["payment.pending", "payment.succeeded", "payment.canceled", "refund.succeeded"] },
    createdAt: { type: "string", format: "date-time" },
    object: {
      type: "object",
      required: ["id", "status", "amountKop", "method", "metadata"],
      properties: {
        id: { type: "string", example: "sbx_fuzz" },
        status: { enum: ["pending", "waiting_for_3ds", "succeeded", "canceled", "refunded"] },
        amountKop: { type: "integer", minimum: 1, maximum: 100_000_00 },
        method: { enum: ["card", "sbp", "sberpay", "tpay"] },
        metadata: {
          type: "object",
          required: ["paymentId", "accountNo"],
          properties: { paymentId: { type: "string" }, accountNo: { type: "string" } },
        },
        card: {
          type: "object",
          required: ["last4", "brand", "expMonth", "expYear"],
          properties: {
            last4: { type: "string", example: "4242" },
            brand: { type: "string", example: "visa" },
            expMonth: { type: "integer", minimum: 1, maximum: 12 },
            expYear: { type: "integer", minimum: 2026, maximum: 2040 },
          },
        },
        failureCode: { type: "string", example: "card_declined" },
      },
    },
  },
};

const pathParam = (name: string): Parameter => ({ name, in: "path", required: true, schema: { type: "string" } });
const fileName: Parameter = { name: "x-file-name", in: "header", required: true, schema: { type: "string", example: "scan.png" } };
const UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp", "application/pdf"] as const;
/** The first bytes by which the Worker knows an upload's type: with them a file gets past the type check to be stored. */
const FILE_MAGIC: Record<string, number[]> = {
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/jpeg": [0xff, 0xd8, 0xff, 0xe0],
  "image/webp": [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  "application/pdf": [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a],
};
/** Names of uploads (sent percent-encoded, as the web app does): long, Unicode beyond the BMP, RTL, paths, quotes. */
const FILE_NAMES: readonly string[] = [
  "скан.png",
  "receipt.pdf",
  "photo.jpg",
  `${"😀".repeat(61)}.png`,
  `a${"😀".repeat(80)}.pdf`,
  `${"я".repeat(300)}.jpg`,
  "evil\u202egnp.exe",
  "../../../etc/passwd",
  "..\\..\\boot.ini",
  'a"b;filename=evil.html',
  "name\r\nX-Injected: 1.png",
  "   ",
  "",
  "%",
  "\u0000.png",
  "CON.pdf",
];

/**
 * The Worker's plain routes (files, the chat socket, the acquirer's webhook,
 * signed links, dev tools, the sandbox acquirer's pages): not JSON, so not in
 * the document, but reachable all the same.
 *
 * The chat socket (`…/live`) is sent without `Upgrade: websocket`: an
 * accepted socket would stay open and hold the run; what is fuzzed is the
 * refusal path and the party lookup in front of it.
 */
const PLAIN_ROUTES: Target[] = [
  ...(["/api/v1", "/ops/v1"] as const).flatMap((prefix): Target[] => [
    {
      method: "post",
      path: `${prefix}/support/chats/{chatId}/attachments`,
      op: { parameters: [pathParam("chatId"), fileName] },
      documented: false,
      raw: UPLOAD_TYPES,
    },
    {
      method: "get",
      path: `${prefix}/support/chats/{chatId}/attachments/{attachmentId}`,
      op: { parameters: [pathParam("chatId"), pathParam("attachmentId")] },
      documented: false,
    },
    { method: "get", path: `${prefix}/support/chats/{chatId}/live`, op: { parameters: [pathParam("chatId")] }, documented: false },
  ]),
  {
    method: "post",
    path: "/webhooks/acquirer",
    op: { requestBody: { content: { "application/json": { schema: WEBHOOK_EVENT } } } },
    documented: false,
    signed: true,
  },
  { method: "get", path: "/files/reports/{token}", op: { parameters: [pathParam("token")] }, documented: false },
  { method: "post", path: "/dev/support/chats/{chatId}/drop", op: { parameters: [pathParam("chatId")] }, documented: false },
  { method: "get", path: "/sandbox/acquirer/pay/{paymentRef}", op: { parameters: [pathParam("paymentRef")] }, documented: false },
  {
    method: "post",
    path: "/sandbox/acquirer/pay/{paymentRef}",
    op: { parameters: [pathParam("paymentRef")] },
    documented: false,
    raw: ["application/x-www-form-urlencoded"],
  },
  { method: "get", path: "/sandbox/acquirer/3ds/{paymentRef}", op: { parameters: [pathParam("paymentRef")] }, documented: false },
  {
    method: "post",
    path: "/sandbox/acquirer/3ds/{paymentRef}",
    op: { parameters: [pathParam("paymentRef")] },
    documented: false,
    raw: ["application/x-www-form-urlencoded"],
  },
];

// ---------------------------------------------------------------------------
// Seeded randomness and hostile values

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function createRng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error("pick from nothing");
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted<T extends string>(weights: readonly (readonly [T, number])[]): T {
      const total = weights.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [value, w] of weights) {
        r -= w;
        if (r < 0) return value;
      }
      return (weights[weights.length - 1] as readonly [T, number])[0];
    },
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(""),
  };
}

/** Strings that have broken parsers, encoders, logs and SQL elsewhere. */
const HOSTILE: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0001\u0002\u0007\u001b[31m\u001f\u007f",
  "\r\nX-Injected: 1\r\n\r\n",
  "\t\v\f",
  "\ud800",
  "\udfff",
  "a\ud800b\udc00",
  "\u202eevil\u202c",
  "\ufeff",
  "\u200b\u200d\u2060",
  "\u2028\u2029",
  "\u0085",
  "💩".repeat(40),
  "Z̴̡̪͇a̸͓͍l̵̹̈g̴̭̈o̶̖͠",
  "Ｋａｂｉｎｅｔ",
  "İıß".repeat(30),
  "' OR '1'='1",
  "'; DROP TABLE subscribers; --",
  '" OR ""="',
  "1 UNION SELECT password_hash FROM subscribers --",
  "%' AND 1=1 --",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(1)",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "/etc/passwd\u0000.png",
  "%2e%2e%2f%2e%2e%2f",
  "%",
  "%%",
  "%E0%A4%A",
  "%zz",
  "%00",
  "%ED%A0%80",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  "${7*7}{{7*7}}#{7*7}",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1e999",
  "0x1F",
  "9".repeat(400),
  "true",
  "[]",
  "{}",
  "\\",
  '"',
  "'",
  "`",
  "http://evil.example/",
  "//evil.example/%2f..",
  "+7 900 000-00-01",
  "anna",
  "msk_0000000000000000000000000",
  `zz_${"0".repeat(25)}`,
  "ÿþ",
  "a".repeat(10_000),
];

/** Percent-encodings a decoder must refuse rather than throw on. */
const BAD_ENCODINGS: readonly string[] = [
  "%",
  "%%",
  "%E0%A4%A",
  "%zz",
  "%G0",
  "%ED%A0%80",
  "%C0%AE%C0%AE",
  "%FF%FE",
  "%00",
  "%0A%0D",
  "a%2",
  "%u0041",
  "%F0%9F%92",
  "%%32%65",
];

/** JSON texts that are not what the route expects, or not JSON at all. */
const BAD_JSON: readonly string[] = [
  "",
  "{",
  "}",
  '{"a":',
  "[1,2",
  "{'a':1}",
  '{"a":1,}',
  "nul",
  "undefined",
  "NaN",
  "\u0000",
  "\ufeff{}",
  '{"a":"\\ud800"}',
  '{"a":"\\u00"}',
  '{"a":"\\x41"}',
  "{} garbage",
  '{"a":1}{"b":2}',
  "[]",
  "null",
  "true",
  "0",
  "-1",
  '"string"',
  "{}",
  '{"":""}',
  `{"a":${"1".repeat(400)}}`,
];

/** Number literals that are valid JSON but not a sensible integer (and a few that are not JSON). */
const ODD_NUMBERS: readonly string[] = [
  "1e999",
  "-1e999",
  "-0",
  "1.5",
  "-1",
  "0.0000001",
  "9007199254740993",
  "1e308",
  "-2147483649",
  "4294967296",
  "123456789012345678901234567890",
  "1E2",
  '"12"',
  '"NaN"',
  '""',
  "NaN",
  "Infinity",
  "0x10",
  "01",
];

const CONTENT_TYPES: readonly string[] = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=----fuzz",
  "application/json; charset=utf-16",
  'application/json; charset="',
  "application/xml",
  "application/problem+json",
  "application/json, text/plain",
  "application/jsonx",
  "APPLICATION/JSON",
  "image/png",
  "*/*",
  ";;;",
];

const GARBAGE_IPS: readonly string[] = [
  "not-an-ip",
  "999.999.999.999",
  "::1",
  "::ffff:127.0.0.1",
  "1.2.3.4, 5.6.7.8",
  "",
  "x".repeat(600),
  "%",
];

/**
 * What the client lets into a header: visible ASCII and tabs (it refuses control characters, and sends
 * Latin-1 only with a warning per request); anything else reaches the Worker percent-encoded.
 */
const headerSafe = (s: string) => /^[\t\x20-\x7e]*$/.test(s) && s.trim() === s;

/** encodeURIComponent, except that a lone surrogate (which it refuses) becomes its WTF-8 bytes: invalid UTF-8 for the server. */
function encodePart(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((ch) => (/[\ud800-\udfff]/.test(ch) ? "%ED%A0%80" : encodeURIComponent(ch))).join("");
  }
}

// ---------------------------------------------------------------------------
// Ids seen on the way: the actors' own and everyone else's

/** owner → kind → values ("public" for what every caller may read, "ops" for what the operator sees). */
type Pools = Map<string, Map<string, Set<string>>>;

function addToPool(pools: Pools, owner: string, kind: string, value: string) {
  if (!value || value.length > 200) return;
  const byKind = pools.get(owner) ?? new Map<string, Set<string>>();
  pools.set(owner, byKind);
  const values = byKind.get(kind) ?? new Set<string>();
  byKind.set(kind, values);
  values.add(value);
}

/** Every `id` (as `idKind`), `accountNo` and `…Id` string in a JSON answer. */
function harvest(pools: Pools, owner: string, idKind: string, value: unknown) {
  if (Array.isArray(value)) {
    for (const v of value) harvest(pools, owner, idKind, v);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") {
        if (k === "id") addToPool(pools, owner, idKind, v);
        else if (k === "accountNo" || /Id$/.test(k)) addToPool(pools, owner, k, v);
      } else harvest(pools, owner, idKind, v);
    }
  }
}

/** The pool a path parameter draws from: its name, or for a bare `{id}` the collection it sits in (`sessions:id`). */
function kindOfParam(path: string, name: string): string {
  if (name !== "id") return name;
  const segments = path.split("/");
  const at = segments.indexOf("{id}");
  return `${segments[at - 1] ?? ""}:id`;
}

/** What a body field named so should hold, when a pool has it. */
const FIELD_POOLS: Record<string, string> = {
  accountNo: "accountNo",
  paymentId: "paymentId",
  serviceId: "serviceId",
  tariffId: "tariffId",
  cardId: "cardId",
  rewardId: "rewardId",
  chatId: "chatId",
  ticketId: "ticketId",
  attachmentId: "attachmentId",
  operatorId: "operatorId",
  ids: "notifications:id",
};

// ---------------------------------------------------------------------------
// Requests

type Who = "anonymous" | "subscriber" | "operator" | "bearer";

interface Actor {
  owner: string;
  identifier: string;
  password: string;
  cookie: string | null;
  /** A 401 was seen with this session: check it (and sign in again) before its next request. */
  suspect: boolean;
  pending?: Promise<void>;
  relogins: number;
}

interface Spec {
  index: number;
  target: Target;
  mutation: Mutation | "follow-up";
  sub: string | null;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  who: Who;
  actor?: Actor;
  /** Signed with the acquirer's webhook secret when sent. */
  sign?: boolean;
}

const MUTATIONS = [
  ["valid", 12],
  ["foreign-ids", 10],
  ["path-garbage", 7],
  ["path-encoding", 5],
  ["query-garbage", 6],
  ["header-garbage", 7],
  ["missing", 6],
  ["wrong-type", 10],
  ["hostile-string", 10],
  ["huge-string", 3],
  ["odd-number", 5],
  ["bad-json", 5],
  ["content-type", 4],
  ["oversized", 2],
  ["random-bytes", 3],
  ["deep-nesting", 1],
  ["other-method", 3],
  ["proto-keys", 2],
] as const;
type Mutation = (typeof MUTATIONS)[number][0];
const BODY_MUTATIONS = new Set<Mutation>([
  "wrong-type",
  "hostile-string",
  "huge-string",
  "odd-number",
  "bad-json",
  "content-type",
  "oversized",
  "random-bytes",
  "deep-nesting",
  "proto-keys",
]);

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type FieldPath = (string | number)[];
interface Field {
  path: FieldPath;
  type: string;
  required: boolean;
}

/** The answer's checks: what makes it a failure. Empty when it is fine. */
function judge(spec: Spec, status: number, contentType: string, text: string): string[] {
  const wrong: string[] = [];
  if (status >= 500) wrong.push(`status ${status}`);
  if (status < 400) return wrong;
  // Internals in an error: a stack, SQL or D1's own words (none of these is in the fuzzer's inputs).
  if (/SQLITE|D1_ERROR|Failed query|no such (table|column)|constraint failed|syntax error|TypeError|ReferenceError|RangeError/.test(text))
    wrong.push("error shows internals");
  if (/^\s*at \S.*(:\d+:\d+\)?|\(native\))$/m.test(text)) wrong.push("error shows a stack");
  let pathname = "";
  try {
    pathname = new URL(`http://${BASE}${spec.path}`).pathname;
  } catch {
    // not a URL at all: the request was not sent
  }
  if (!/^\/(api|ops)\//.test(pathname)) return wrong;
  if (!contentType.startsWith("application/problem+json")) {
    wrong.push(`error is ${contentType || "no content type"}, not problem+json`);
    return wrong;
  }
  let problem: { type?: unknown; title?: unknown; status?: unknown } = {};
  try {
    problem = JSON.parse(text);
  } catch {
    wrong.push("problem+json that is not JSON");
    return wrong;
  }
  if (typeof problem.type !== "string" || !problem.type.startsWith("urn:kabinet:problem:"))
    wrong.push("problem without a urn:kabinet:problem: type");
  if (typeof problem.title !== "string" || problem.title.trim() === "") wrong.push("problem without a title");
  if (problem.status !== status) wrong.push(`problem status ${String(problem.status)} on a ${status}`);
  return wrong;
}

/** Control characters and halves of surrogate pairs written as escapes: a report must survive the runner's socket. */
const printable = (s: string) =>
  s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
    /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** A request as text someone can paste into a test: method, URL, headers and the start of the body. */
function describeSpec(spec: Spec): string {
  const url = `http://${spec.sub ? `${spec.sub}.` : ""}${BASE}${spec.path}`;
  const shown = Object.entries(spec.headers)
    .filter(([k]) => !["origin", "sec-fetch-site", "cookie"].includes(k))
    .map(([k, v]) => `${k}: ${JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v)}`);
  let body = "";
  if (typeof spec.body === "string")
    body = ` body ${JSON.stringify(spec.body.length > 200 ? `${spec.body.slice(0, 200)}…` : spec.body)} (${spec.body.length} chars)`;
  else if (spec.body) body = ` body ${spec.body.byteLength} random bytes`;
  const as = `${spec.who === "subscriber" ? `as ${spec.actor?.owner}` : spec.who}${spec.sign ? ", signed" : ""}`;
  return printable(
    `#${spec.index} [${spec.mutation}, ${as}] ${spec.method.toUpperCase()} ${url.length > 300 ? `${url.slice(0, 300)}…(${url.length})` : url} {${shown.join("; ")}}${body}`,
  );
}

describe("the API under a schema-driven fuzzer", () => {
  it(
    `answers ${BUDGET} hostile requests over every operation with no 5xx and problem+json errors (seed ${SEED})`,
    async ({ annotate }) => {
      const rng = createRng(SEED);
      const started = Date.now();
      let clientNo = 0;
      /** A new client address for each request: the per-address throttle must not hide the handlers. */
      const nextIp = () => {
        clientNo++;
        return `10.${(clientNo >> 16) & 255}.${(clientNo >> 8) & 255}.${clientNo & 255}`;
      };
      const setup = { requests: 0 };
      const own = (sub: string | null, path: string, init: RequestInit = {}) => {
        setup.requests++;
        const headers = { ...SAME_ORIGIN, "cf-connecting-ip": nextIp(), ...(init.headers as Record<string, string>) };
        return call(sub, path, { ...init, headers });
      };

      const docRes = await own(null, "/api/openapi.json");
      expect(docRes.status).toBe(200);
      const doc = await json<OpenApiDoc>(docRes);
      const schemas = doc.components?.schemas ?? {};
      const deref = (s: Schema | undefined): Schema => {
        let cur: Schema = s ?? {};
        for (let i = 0; cur.$ref && i < 20; i++) cur = schemas[cur.$ref.replace("#/components/schemas/", "")] ?? {};
        return cur;
      };

      const targets: Target[] = [
        ...Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops)
            .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
            .map(([method, op]): Target => ({ method, path, op, documented: true })),
        ),
        ...PLAIN_ROUTES,
      ];
      const documented = targets.filter((t) => t.documented).length;
      expect(documented).toBeGreaterThan(100);

      // --- Sessions: two actors, the subscribers whose ids they try, an operator.
      const signIn = async (identifier: string, password: string) => {
        setup.requests++;
        try {
          return await login(identifier, password);
        } catch {
          return null;
        }
      };
      const actors: Actor[] = [];
      for (const a of ACTORS) {
        let cookie = await signIn(a.phone, DEMO_PASSWORD);
        expect(cookie, `${a.owner} signs in`).not.toBeNull();
        // A fresh step-up lets the money and tariff routes run their handlers, not stop at "confirm by SMS".
        try {
          if (cookie) cookie = await stepUp(cookie, a.phone);
        } catch {
          // no step-up: those routes answer 403, which is fine
        }
        setup.requests += 2;
        actors.push({ owner: a.owner, identifier: a.phone, password: DEMO_PASSWORD, cookie, suspect: false, relogins: 0 });
      }
      const others = new Map<string, string>();
      for (const o of OTHERS) {
        const cookie = await signIn(o.phone, DEMO_PASSWORD);
        if (cookie) others.set(o.owner, cookie);
      }
      const operatorSignIn = async () => {
        const res = await own("msk", "/ops/v1/support/session", {
          method: "POST",
          body: JSON.stringify({ login: OPERATOR_LOGIN, password: DEMO_OPERATOR_PASSWORD }),
        });
        const cookie = /(kab_ops=[^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? null;
        await res.body?.cancel();
        return cookie;
      };
      const operator: Actor = {
        owner: "ops",
        identifier: OPERATOR_LOGIN,
        password: DEMO_OPERATOR_PASSWORD,
        cookie: await operatorSignIn(),
        suspect: false,
        relogins: 0,
      };
      expect(operator.cookie, "the operator signs in").not.toBeNull();
      const bearer = `Bearer ${env.OPERATOR_TOKEN}`;

      const poolStore: Pools = new Map();

      // --- Things for the ids to point at: chats (one with an attachment), a request (обращение), a card payment.
      const anna = others.get("anna");
      if (anna) {
        const chat = await own("msk", "/api/v1/support/chats", {
          method: "POST",
          headers: { cookie: anna },
          body: JSON.stringify({ topic: "billing", text: "Здравствуйте, вопрос по счёту", clientId: "fuzz-setup-anna" }),
        });
        const chatId = chat.ok ? (await json<{ chat: { id: string } }>(chat)).chat.id : undefined;
        const png = Uint8Array.from(
          atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
          (c) => c.charCodeAt(0),
        );
        if (chatId) {
          const up = await own("msk", `/api/v1/support/chats/${chatId}/attachments`, {
            method: "POST",
            headers: { cookie: anna, "content-type": "image/png", "x-file-name": "scan.png" },
            body: png,
          });
          if (up.ok) harvest(poolStore, "anna", "attachmentId", await up.json());
          else await up.body?.cancel();
        }
        await (
          await own("msk", "/api/v1/support/tickets", {
            method: "POST",
            headers: { cookie: anna },
            body: JSON.stringify({ category: "billing", subject: "Вопрос о счёте", text: "Почему в этом месяце больше обычного?" }),
          })
        ).body?.cancel();
        // The hosted payment page's id (the sandbox acquirer's, not ours) is in the confirmation URL.
        const accounts = await json<{ items: { accountNo: string }[] }>(
          await own("msk", "/api/v1/accounts", { headers: { cookie: anna } }),
        );
        const accountNo = accounts.items[0]?.accountNo;
        const payment = await own("msk", `/api/v1/accounts/${accountNo}/payments`, {
          method: "POST",
          headers: { cookie: anna, "idempotency-key": "fuzz-setup-payment" },
          body: JSON.stringify({ amountKop: 50_000 }),
        });
        const confirmationUrl = payment.ok ? (await json<{ confirmationUrl: string | null }>(payment)).confirmationUrl : null;
        if (!payment.ok) await payment.body?.cancel();
        const ref = /\/sandbox\/acquirer\/pay\/([^/?#]+)/.exec(confirmationUrl ?? "")?.[1];
        if (ref) addToPool(poolStore, "anna", "paymentRef", decodeURIComponent(ref));
      }
      await (
        await own("msk", "/api/v1/support/chats", {
          method: "POST",
          body: JSON.stringify({ name: "Гость", phone: "+79001112233", text: "Вопрос о подключении", clientId: "fuzz-setup-visitor" }),
        })
      ).body?.cancel();
      // The actors' own chats, so that their uploads and messages have somewhere to go.
      for (const a of actors)
        await (
          await own("msk", "/api/v1/support/chats", {
            method: "POST",
            headers: { cookie: a.cookie ?? "" },
            body: JSON.stringify({ topic: "other", text: "Проверка", clientId: `fuzz-setup-${a.owner}` }),
          })
        ).body?.cancel();

      // --- Harvest ids: everyone's lists, each account's lists, the public catalogue, the operator's queue.
      const read = async (owner: string, path: string, headers: Record<string, string>, idKind: string) => {
        const res = await own("msk", path, { headers });
        if (!res.ok || !(res.headers.get("content-type") ?? "").includes("json")) {
          await res.body?.cancel();
          return undefined;
        }
        const body: unknown = await res.json();
        harvest(poolStore, owner, idKind, body);
        return body;
      };
      const sessions: [string, string][] = [
        ...actors.flatMap((a): [string, string][] => (a.cookie ? [[a.owner, a.cookie]] : [])),
        ...others.entries(),
      ];
      for (const [owner, cookie] of sessions) {
        const headers = { cookie };
        for (const [path, kind] of [
          ["/accounts", "serviceId"],
          ["/me/sessions", "sessions:id"],
          ["/me/passkeys", "passkeys:id"],
          ["/me/cards", "cardId"],
          ["/applications", "applications:id"],
          ["/support/chats", "chatId"],
          ["/support/tickets", "ticketId"],
          ["/notifications", "notifications:id"],
          ["/me/identities", "provider"],
        ] as const)
          await read(owner, `/api/v1${path}`, headers, kind);
        for (const accountNo of poolStore.get(owner)?.get("accountNo") ?? []) {
          const base = `/api/v1/accounts/${accountNo}`;
          for (const [path, kind] of [
            ["/payments", "paymentId"],
            ["/usage/reports", "reportId"],
            ["/blocks", "blockId"],
            ["/bonus/rewards", "rewardId"],
            ["/bonus/redemptions", "redemptionId"],
            ["/options", "optionId"],
          ] as const)
            await read(owner, `${base}${path}`, headers, kind);
        }
      }
      for (const [path, kind] of [
        ["/api/v1/region/tariffs", "tariffId"],
        ["/api/v1/help/articles", "articles:id"],
        ["/api/v1/outages", "outages:id"],
        ["/api/v1/auth/providers", "provider"],
      ] as const)
        await read("public", path, {}, kind);
      await read("ops", "/ops/v1/support/queue", { cookie: operator.cookie ?? "" }, "chatId");
      await read("ops", "/ops/v1/applications?region=msk", { authorization: bearer }, "applications:id");
      for (const id of ["op-msk", "op-msk2", "op-spb", "op-east"]) addToPool(poolStore, "ops", "operatorId", id);

      /** An id of the kind: the caller's own (or public), or another's when `foreign`. */
      const idOf = (kind: string, owner: string, foreign: boolean): string | undefined => {
        const mine = [...(poolStore.get("public")?.get(kind) ?? []), ...(poolStore.get(owner)?.get(kind) ?? [])];
        const theirs = [...poolStore.entries()]
          .filter(([o]) => o !== owner && o !== "public")
          .flatMap(([, byKind]) => [...(byKind.get(kind) ?? [])]);
        const from = foreign && theirs.length ? theirs : mine.length ? mine : theirs;
        return from.length ? rng.pick(from) : undefined;
      };

      // --- Values from the schema

      const today = Date.now();
      const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
      const NAMED: Record<string, () => string> = {
        identifier: () =>
          rng.pick(["anna", "+79000000004", "maria.ivanova@example.com", "+7 900 000-00-01", "nobody", "+79009999999", "50800000010"]),
        phone: () => rng.pick(["+79000000005", "+79001234567", "8 (900) 765-43-21", "+7 900 000-00-04"]),
        contactPhone: () => rng.pick(["+79001234567", "89001234567"]),
        email: () => rng.pick(["fuzz@example.com", "sergey.petrov@example.com", "anna.ivanova@example.com"]),
        code: () => rng.pick(["123456", "000000", String(rng.int(100000, 999999))]),
        password: () => rng.pick(["WrongPass-2026", "Kabinet2027!fz", "x"]),
        currentPassword: () => rng.pick(["WrongPass-2026", "Kabinet2027!fz"]),
        newPassword: () => rng.pick(["Fuzz-Password-2026!", "short", "Kabinet2026"]),
        login: () => rng.pick(["operator.spb", "operator.east", "fuzz_login", "anna", "petr-2"]),
        region: () => rng.pick(["msk", "spb", "nsk", "zz"]),
        street: () => rng.pick(["ул. Профсоюзная", "Невский пр-т", "Ленина"]),
        house: () => rng.pick(["12", "100", "3к2"]),
        q: () => rng.pick(["интернет", "оплата", "tv", "пароль"]),
        provider: () => rng.pick(["gosuslugi", "yandex", "vk", "nope"]),
        token: () => rng.pick(["abc", "a.b.c", `${rng.hex(32)}.${rng.hex(16)}`]),
        endpoint: () =>
          // Loopback on a closed port: accepted (https), and refused at once when a push is sent; never the Internet.
          rng.pick([`https://127.0.0.1:9/push/${rng.hex(16)}`, "http://127.0.0.1/", "https://[::1]:9/"]),
        p256dh: () => "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth: () => "tBHItJI5svbpez7KI4CCXg",
        captcha: () => btoa(JSON.stringify({ challenge: rng.hex(16), solution: rng.int(0, 1e6) })),
        key: () => `fuzz-${rng.hex(8)}`,
      };
      const fromPattern = (pattern: string): string | undefined => {
        if (pattern === "^\\d{4}-\\d{2}-\\d{2}$") return day(rng.pick([-60, -3, 0, 1, 2, 7, 30]));
        if (pattern.startsWith("^[\\w-]{8,64}")) return `fz-${rng.hex(12)}`;
        if (pattern.includes("[0-5]\\d")) return rng.pick(["22:00", "07:30", "00:00"]);
        if (pattern === "^\\/[^\\s]*$") return rng.pick(["/payments", "/"]);
        const list = /^\^\(([\w|]+)\)\(,/.exec(pattern)?.[1];
        if (list) {
          const words = list.split("|");
          return Array.from({ length: rng.int(1, 2) }, () => rng.pick(words)).join(",");
        }
        return undefined;
      };
      const typeOf = (s: Schema): string => {
        const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
        const concrete = types.filter((t) => t !== "null");
        if (types.includes("null") && (concrete.length === 0 || rng.chance(0.1))) return "null";
        return concrete.length ? rng.pick(concrete) : s.properties ? "object" : s.items ? "array" : "any";
      };

      /** A value the schema accepts (as far as a schema says: ids come from the pools), with every field it made listed in `fields`. */
      const valid = (
        input: Schema | undefined,
        name: string,
        at: FieldPath,
        fields: Field[],
        owner: string,
        foreign: boolean,
        depth = 0,
      ): JsonValue => {
        const s = deref(input);
        if (s.allOf) {
          const merged: Record<string, JsonValue> = {};
          for (const part of s.allOf) Object.assign(merged, valid(part, name, at, fields, owner, foreign, depth + 1));
          return merged;
        }
        const alternatives = s.oneOf ?? s.anyOf;
        if (alternatives?.length) return valid(rng.pick(alternatives), name, at, fields, owner, foreign, depth + 1);
        if (s.enum?.length) return rng.pick(s.enum) as JsonValue;
        const type = typeOf(s);
        switch (type) {
          case "null":
            return null;
          case "boolean":
            return rng.chance(0.5);
          case "integer":
          case "number": {
            const lo = s.minimum ?? 0;
            const hi = s.maximum ?? (/Kop$/.test(name) ? 500_000 : 1000);
            if (/amountKop$/.test(name)) return rng.pick([10_000, 50_000, 100, 1_000_000]);
            if (name === "seq" || name === "after") return rng.int(0, 5);
            return rng.int(lo, Math.min(hi, lo + 100_000));
          }
          case "string": {
            const pool = FIELD_POOLS[name] ?? (at.length === 0 ? name : undefined);
            const pooled = pool ? idOf(pool, owner, foreign) : undefined;
            let v =
              pooled ??
              NAMED[name]?.() ??
              (s.pattern ? fromPattern(s.pattern) : undefined) ??
              (s.format === "email" ? "fuzz@example.com" : undefined) ??
              (s.format === "date-time" ? new Date(today + 86_400_000).toISOString() : undefined) ??
              (typeof s.example === "string" ? s.example : undefined) ??
              rng.pick(["Проверка связи", "fuzz", "Hello, world"]);
            if (s.minLength && v.length < s.minLength) v = v.padEnd(s.minLength, "x");
            if (s.maxLength && v.length > s.maxLength) v = v.slice(0, s.maxLength);
            return v;
          }
          case "array": {
            const n = Math.min(s.maxItems ?? 3, (s.minItems ?? 0) + rng.int(0, 2));
            return Array.from({ length: n }, (_, i) => {
              fields.push({ path: [...at, i], type: typeOf(deref(s.items)), required: i < (s.minItems ?? 0) });
              return valid(s.items, name, [...at, i], fields, owner, foreign, depth + 1);
            });
          }
          case "object": {
            const out: Record<string, JsonValue> = {};
            for (const [key, prop] of Object.entries(s.properties ?? {})) {
              const required = s.required?.includes(key) ?? false;
              if (!required && !rng.chance(0.6)) continue;
              fields.push({ path: [...at, key], type: typeOf(deref(prop)), required });
              out[key] = valid(prop, key, [...at, key], fields, owner, foreign, depth + 1);
            }
            return out;
          }
          default:
            return depth === 0 ? {} : rng.pick(["x", 1, true, null]);
        }
      };

      const getAt = (root: JsonValue, path: FieldPath): JsonValue | undefined => {
        let cur: JsonValue | undefined = root;
        for (const key of path) cur = cur && typeof cur === "object" ? (cur as Record<string, JsonValue>)[key as string] : undefined;
        return cur;
      };
      const setAt = (root: JsonValue, path: FieldPath, value: JsonValue | undefined): JsonValue | undefined => {
        if (path.length === 0) return value;
        const parent = getAt(root, path.slice(0, -1));
        if (!parent || typeof parent !== "object") return root;
        const key = path[path.length - 1] as string;
        if (value === undefined) delete (parent as Record<string, JsonValue>)[key];
        else (parent as Record<string, JsonValue>)[key] = value;
        return root;
      };

      const HUGE = Array.from({ length: 1 << 15 }, () => rng.pick(["a", "Ж", "0", " ", "💩", "\\", '"', "\u0001", "\u00ff"])).join("");
      const huge = (chars: number) => HUGE.repeat(Math.ceil(chars / HUGE.length)).slice(0, chars);
      const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 255));
      const wrongFor = (current: JsonValue | undefined): JsonValue => {
        const options: JsonValue[] = [123, -1, 1.5, 0, true, false, null, "str", "", [], {}, [1, "2", null], { a: { b: [] } }];
        return rng.pick(options.filter((o) => typeof o !== typeof current || Array.isArray(o) !== Array.isArray(current)));
      };

      // --- One request

      const whoFor = (t: Target): Who =>
        t.path.startsWith("/ops/v1/support/") ? "operator" : t.path.startsWith("/ops/v1/") ? "bearer" : "subscriber";

      const generate = (index: number, target: Target): Spec => {
        const hasBody = target.method !== "get";
        const jsonSchema = target.op.requestBody?.content["application/json"]?.schema;
        const params = target.op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === "path");
        let mutation = rng.weighted(MUTATIONS);
        while ((!hasBody && BODY_MUTATIONS.has(mutation)) || (pathParams.length === 0 && mutation.startsWith("path-")))
          mutation = rng.weighted(MUTATIONS);

        const who: Who = rng.chance(0.2) ? "anonymous" : whoFor(target);
        const actor = who === "subscriber" ? rng.pick(actors) : who === "operator" ? operator : undefined;
        const owner = actor?.owner ?? "anonymous";
        const foreign = mutation === "foreign-ids" || rng.chance(0.15);
        const sub = rng.weighted([
          ["msk", 14],
          ["spb", 2],
          ["nsk", 2],
          ["apex", 2],
        ] as const);
        const host = sub === "apex" ? BASE : `${sub}.${BASE}`;
        const headers: Record<string, string> = {
          origin: `http://${host}`,
          "sec-fetch-site": "same-origin",
          "cf-connecting-ip": nextIp(),
        };
        if (rng.chance(0.3)) headers["accept-language"] = rng.pick(["en", "ru", "en-US,en;q=0.9", "de"]);
        if (who === "bearer") headers.authorization = bearer;

        // Path parameters.
        const pathValues = new Map<string, string>();
        const garbled = pathParams.length ? rng.pick(pathParams).name : "";
        for (const p of pathParams) {
          const kind = kindOfParam(target.path, p.name);
          const value = idOf(kind, owner, foreign) ?? (typeof p.schema?.example === "string" ? p.schema.example : `fz${rng.hex(8)}`);
          pathValues.set(p.name, encodePart(value));
        }
        if (mutation === "path-garbage") {
          const raw = rng.chance(0.25);
          const v = rng.pick([...HOSTILE, "", ".", "..", "x".repeat(rng.pick([100, 2048, 20_000]))]);
          pathValues.set(garbled, raw ? v.replace(/[#?]/g, "") : encodePart(v));
        } else if (mutation === "path-encoding") pathValues.set(garbled, rng.pick(BAD_ENCODINGS));
        const path = target.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues.get(name) ?? "");

        // Query parameters.
        const query: [string, string][] = [];
        const queryParams = params.filter((p) => p.in === "query");
        const missingQuery = mutation === "missing" && queryParams.some((p) => p.required) && rng.chance(0.5);
        const dropped = missingQuery ? rng.pick(queryParams.filter((p) => p.required)).name : "";
        for (const p of queryParams) {
          if (p.name === dropped || (!p.required && rng.chance(0.4))) continue;
          const v = valid(p.schema, p.name, [], [], owner, foreign);
          query.push([encodePart(p.name), encodePart(typeof v === "string" ? v : JSON.stringify(v))]);
        }
        if (mutation === "query-garbage") {
          const victim = queryParams.length ? rng.pick(queryParams).name : rng.pick(["lang", "page", "__proto__"]);
          const action = rng.int(0, 4);
          if (action === 0) query.push([encodePart(victim), encodePart(rng.pick(HOSTILE))]);
          else if (action === 1) query.push([encodePart(victim), rng.pick(BAD_ENCODINGS)]);
          else if (action === 2) query.push([encodePart(victim), "1"], [encodePart(victim), "2"], [`${encodePart(victim)}[]`, "x"]);
          else if (action === 3) query.push(["lang", encodePart(rng.pick(HOSTILE))], ["__proto__", "1"], ["constructor[prototype]", "x"]);
          else query.push([encodePart(victim), encodePart(rng.pick(ODD_NUMBERS.concat(["-5", "0", "1.5", "NaN", "1e999"])))]);
        }
        const search = query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join("&")}` : "";

        // Header parameters (the idempotency key, the file name of an upload), then one header garbled.
        const headerParams = params.filter((x) => x.in === "header").map((p) => p.name);
        for (const name of headerParams) {
          if (mutation === "missing" && !missingQuery && rng.chance(0.5)) continue;
          headers[name] = name === "x-file-name" ? encodePart(rng.pick(FILE_NAMES)) : `fz-${rng.hex(16)}`;
        }
        // A raw body has no fields: its field mutations go to its header parameters instead.
        const garbleHeader = mutation === "header-garbage" || (target.raw !== undefined && BODY_MUTATIONS.has(mutation) && rng.chance(0.7));
        if (garbleHeader) {
          const header =
            headerParams.length && (target.raw || rng.chance(0.5))
              ? rng.pick(headerParams)
              : rng.pick([
                  "accept-language",
                  "cookie",
                  "cf-connecting-ip",
                  "x-request-id",
                  "authorization",
                  "if-none-match",
                  "range",
                  "user-agent",
                ]);
          const hostile = rng.pick([...HOSTILE, ...BAD_ENCODINGS]);
          const value = rng.weighted([
            ["hostile", 3],
            ["encoded", 2],
            ["special", 3],
          ] as const);
          headers[header] =
            value === "hostile" && headerSafe(hostile)
              ? hostile
              : value === "special"
                ? rng.pick([
                    ...BAD_ENCODINGS,
                    "x".repeat(rng.pick([1000, 16_000])),
                    "*;q=abc, en;q=NaN, ru;q=-1",
                    "kab_session=%; lang=%E0%A4%A; region=../../etc",
                    `kab_session=${"a".repeat(4000)}`,
                    "kab_session=garbage; kab_session=other; kab_ops=x",
                    "Bearer ",
                    "Bearer %",
                    "Basic Og==",
                    "bytes=abc-",
                    ...GARBAGE_IPS.filter(headerSafe),
                  ])
                : encodePart(hostile);
        }

        // The body.
        let body: string | Uint8Array | undefined;
        if (hasBody) {
          if (target.raw) {
            headers["content-type"] = rng.chance(0.8) ? rng.pick(target.raw) : rng.pick(CONTENT_TYPES);
            const type = headers["content-type"] as string;
            const magic = FILE_MAGIC[type];
            body = target.raw.includes("application/x-www-form-urlencoded")
              ? rng.pick(["card=4111111111111111&cvc=123", "code=123456", "a=%", "%%=%E0%A4%A", "", "x".repeat(5000)])
              : magic && rng.chance(0.6)
                ? Uint8Array.from([...magic, ...randomBytes(rng.pick([0, 100, 5000]))])
                : randomBytes(rng.pick([0, 16, 1024, 70_000]));
            if (mutation === "oversized") body = randomBytes(rng.pick([1 << 20, 6 << 20]));
          } else {
            const fields: Field[] = [];
            let value: JsonValue | undefined = valid(jsonSchema, "", [], fields, owner, foreign);
            const markers = new Map<string, string>();
            const pickField = (types: string[]) => {
              const preferred = fields.filter((f) => types.includes(f.type));
              return preferred.length ? rng.pick(preferred) : fields.length ? rng.pick(fields) : undefined;
            };
            if (mutation === "wrong-type") {
              const f = rng.chance(0.1) ? undefined : pickField(["string", "integer", "number", "boolean", "object", "array"]);
              value = setAt(value, f?.path ?? [], wrongFor(f ? getAt(value, f.path) : value));
            } else if (mutation === "missing") {
              const required = fields.filter((f) => f.required);
              const f = required.length ? rng.pick(required) : fields.length ? rng.pick(fields) : undefined;
              value = f ? setAt(value, f.path, undefined) : undefined;
            } else if (mutation === "hostile-string") {
              const f = pickField(["string"]);
              value = setAt(value, f?.path ?? [], rng.pick(HOSTILE));
            } else if (mutation === "huge-string") {
              const f = pickField(["string"]);
              value = setAt(value, f?.path ?? [], huge(rng.pick([4096, 65_536, 262_144, 1_000_000])));
            } else if (mutation === "odd-number") {
              const f = pickField(["integer", "number"]);
              const marker = `@@fuzz-number-${index}@@`;
              markers.set(JSON.stringify(marker), rng.pick(ODD_NUMBERS));
              value = setAt(value, f?.path ?? [], marker);
            } else if (mutation === "oversized") {
              value = rng.chance(0.5)
                ? setAt(value ?? {}, ["padding"], huge(1_100_000))
                : Array.from({ length: 150_000 }, (_, i) => (i % 2 ? i : `${i}`));
            }
            let text = value === undefined ? "" : JSON.stringify(value);
            for (const [marker, literal] of markers) text = text.replace(marker, literal);
            if (mutation === "bad-json") text = rng.pick(BAD_JSON);
            if (mutation === "deep-nesting") {
              const n = rng.pick([1000, 10_000, 100_000]);
              text = rng.chance(0.5) ? "[".repeat(n) + "]".repeat(n) : `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
            }
            if (mutation === "proto-keys" && text.startsWith("{")) {
              const polluted = '"__proto__":{"isAdmin":true,"role":"owner"},"constructor":{"prototype":{"polluted":1}}';
              text = text === "{}" ? `{${polluted}}` : `{${polluted},${text.slice(1)}`;
            }
            headers["content-type"] = mutation === "content-type" ? rng.pick(CONTENT_TYPES) : "application/json";
            body = mutation === "random-bytes" ? randomBytes(rng.pick([1, 64, 4096, 300_000])) : text;
          }
        }
        // The path with a method it does not have: a 404 or 405 problem, never an empty answer from elsewhere.
        let method = target.method;
        if (mutation === "other-method") {
          method = rng.pick(["get", "post", "put", "patch", "delete", "options"].filter((m) => m !== target.method));
          if (method === "get" || method === "options") body = undefined;
          else if (body === undefined) {
            body = "{}";
            headers["content-type"] = "application/json";
          }
        }
        return {
          index,
          target,
          mutation,
          sub: sub === "apex" ? null : sub,
          method,
          path: `${path}${search}`,
          headers,
          body,
          who,
          actor,
          sign: target.signed && rng.chance(0.7),
        };
      };

      // --- Sessions that the fuzzing itself ends (logout, end-others, a password change) are made again.

      const ensure = (actor: Actor) => {
        if (!actor.suspect) return actor.pending ?? Promise.resolve();
        actor.suspect = false;
        actor.pending = (async () => {
          const isOperator = actor === operator;
          const check = await own("msk", isOperator ? "/ops/v1/support/me" : "/api/v1/me", { headers: { cookie: actor.cookie ?? "" } });
          await check.body?.cancel();
          if (check.status !== 401) return;
          actor.relogins++;
          actor.cookie = isOperator ? await operatorSignIn() : await signIn(actor.identifier, actor.password);
        })().finally(() => {
          actor.pending = undefined;
        });
        return actor.pending;
      };

      // --- The run

      const byClass: Record<string, number> = {};
      const byStatus: Record<number, number> = {};
      const answered = new Set<string>();
      const succeeded = new Set<string>();
      const failures = new Map<string, { count: number; examples: string[] }>();
      const msByTarget = new Map<string, number>();
      let unsendable = 0;
      let sent = 0;
      const keyOf = (t: Target) => `${t.method.toUpperCase()} ${t.path}`;
      const fail = (spec: Spec, why: string, status: number | string) => {
        const key = `${keyOf(spec.target)} → ${status}: ${why}`;
        const seen = failures.get(key) ?? { count: 0, examples: [] };
        seen.count++;
        if (seen.examples.length < 3) seen.examples.push(`${describeSpec(spec)} (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        failures.set(key, seen);
      };

      // Every operation once per round, in a shuffled order, until the budget is spent.
      let index = 0;
      let order: Target[] = [];
      const nextSpec = (): Spec | undefined => {
        if (index >= BUDGET) return undefined;
        if (order.length === 0) {
          order = [...targets];
          for (let i = order.length - 1; i > 0; i--) {
            const j = rng.int(0, i);
            [order[i], order[j]] = [order[j] as Target, order[i] as Target];
          }
        }
        const target = order.pop() as Target;
        return generate(index++, target);
      };

      let followUps = 0;
      const send = async (spec: Spec, followUp = false) => {
        if (spec.actor) {
          await ensure(spec.actor);
          const jar = spec.actor.cookie;
          if (jar) spec.headers.cookie = spec.headers.cookie ? `${jar}; ${spec.headers.cookie}` : jar;
        }
        if (spec.sign) {
          const text = typeof spec.body === "string" ? spec.body : new TextDecoder().decode(spec.body ?? new Uint8Array());
          spec.headers["x-signature"] = await signWebhook(env.ACQUIRER_WEBHOOK_SECRET, text);
        }
        let request: Request;
        try {
          request = new Request(`http://${spec.sub ? `${spec.sub}.` : ""}${BASE}${spec.path}`, {
            method: spec.method.toUpperCase(),
            headers: spec.headers,
            body: spec.body,
            redirect: "manual",
          });
        } catch {
          unsendable++;
          return;
        }
        if (followUp) followUps++;
        else sent++;
        const sentAt = Date.now();
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const res = await Promise.race([
            exports.default.fetch(request),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
            }),
          ]);
          // Bytes, decoded here: text() warns about every image it is asked to read as text.
          const text = new TextDecoder().decode(await res.arrayBuffer());
          const took = Date.now() - sentAt;
          const key = keyOf(spec.target);
          answered.add(key);
          msByTarget.set(key, (msByTarget.get(key) ?? 0) + took);
          if (res.status < 300) succeeded.add(key);
          byClass[`${Math.floor(res.status / 100)}xx`] = (byClass[`${Math.floor(res.status / 100)}xx`] ?? 0) + 1;
          byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
          for (const why of judge(spec, res.status, res.headers.get("content-type") ?? "", text)) fail(spec, why, res.status);
          // A stored upload is downloaded at once, by whoever sent it: its name goes into Content-Disposition there.
          const url = res.status === 201 && spec.target.raw ? (JSON.parse(text) as { url?: unknown }).url : undefined;
          const download = targets.find((t) => t.method === "get" && t.path === `${spec.target.path}/{attachmentId}`);
          if (typeof url === "string" && download)
            await send(
              {
                ...spec,
                target: download,
                mutation: "follow-up",
                method: "get",
                path: url,
                headers: { origin: spec.headers.origin ?? "", "sec-fetch-site": "same-origin", "cf-connecting-ip": nextIp() },
                body: undefined,
              },
              true,
            );
          // Keep the actors signed in: follow a renewed cookie, notice a lost one, remember a changed password.
          if (spec.actor && spec.actor !== operator) {
            const renewed = /kab_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
            if (renewed) spec.actor.cookie = sessionCookie(res);
            if (res.ok && spec.target.path === "/api/v1/me/password" && typeof spec.body === "string") {
              const newPassword = (JSON.parse(spec.body) as { newPassword?: string }).newPassword;
              if (newPassword) spec.actor.password = newPassword;
            }
          }
          if (spec.actor && (res.status === 401 || /kab_(session|ops)=;/.test(res.headers.get("set-cookie") ?? "")))
            spec.actor.suspect = true;
        } catch (error) {
          answered.add(keyOf(spec.target));
          fail(spec, `the Worker threw: ${String(error).slice(0, 200)}`, "no answer");
        } finally {
          clearTimeout(timer);
        }
      };

      // A request that waits on a server outside workerd (the identity provider's mock) goes alone: while the
      // others keep the isolate busy, workerd delivers outside I/O (and timers) only in rare gaps, so it
      // would wait tens of seconds for an answer that is long there.
      let inFlight = 0;
      let alone: Promise<void> | undefined;
      let drained: (() => void) | undefined;
      const sendInTurn = async (spec: Spec) => {
        while (alone) await alone;
        if (!OUTSIDE.test(spec.target.path)) {
          inFlight++;
          await send(spec).finally(() => {
            if (--inFlight === 0) drained?.();
          });
          return;
        }
        let release = () => {};
        alone = new Promise<void>((resolve) => {
          release = resolve;
        });
        if (inFlight > 0)
          await new Promise<void>((resolve) => {
            drained = resolve;
          });
        drained = undefined;
        await send(spec).finally(() => {
          alone = undefined;
          release();
        });
      };
      const fuzzStarted = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let spec = nextSpec(); spec; spec = nextSpec()) await sendInTurn(spec);
        }),
      );

      const seconds = (Date.now() - started) / 1000;
      const fuzzSeconds = (Date.now() - fuzzStarted) / 1000;
      const missed = targets.map(keyOf).filter((k) => !answered.has(k));
      const summary = [
        `fuzz: seed ${SEED} (FUZZ_SEED), budget ${BUDGET} (FUZZ_REQUESTS), ${CONCURRENCY} in flight, ${seconds.toFixed(1)} s (${fuzzSeconds.toFixed(1)} s of fuzzing)`,
        `requests: ${sent} sent (${unsendable} refused by the client as malformed), ${followUps} downloads of what was uploaded, ${setup.requests} for setup and sessions`,
        `operations: ${answered.size}/${targets.length} answered (${documented} documented + ${targets.length - documented} plain), ${succeeded.size} with a 2xx`,
        `status classes: ${Object.entries(byClass)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
        `statuses: ${Object.entries(byStatus)
          .map(([k, v]) => `${k}×${v}`)
          .join(" ")}`,
        `slowest operations (total ms): ${[...msByTarget.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([k, ms]) => `${k} ${ms}`)
          .join(", ")}`,
        `sessions made again: ${[...actors, operator].map((a) => `${a.owner} ${a.relogins}`).join(", ")}`,
        `failures: ${[...failures.values()].reduce((n, f) => n + f.count, 0)} in ${failures.size} kinds`,
      ].join("\n");
      const details = [...failures.entries()]
        .map(([key, f]) => `${key} (×${f.count})${f.examples.map((e) => `\n    e.g. ${e}`).join("")}`)
        .join("\n");
      console.log(`${summary}${details ? `\n${details}` : ""}`);
      try {
        await annotate(summary, "fuzz");
      } catch {
        // a runner without annotations: the summary is in the log (shown on failure) and in the assertions below
      }

      expect(sent + unsendable, summary).toBe(BUDGET);
      expect(missed, `operations never answered\n${summary}`).toEqual([]);
      expect(byClass["5xx"] ?? 0, `${summary}\n${details}`).toBe(0);
      expect(details, `${summary}\n${details}`).toBe("");
    },
    Math.max(180_000, BUDGET * 120),
  );
});
