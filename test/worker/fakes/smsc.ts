/**
 * A local SMSC.ru as its HTTP API describes itself (https://smsc.ru/api/http/):
 * `sys/send.php` and `sys/status.php` take form parameters (GET or POST),
 * authenticate with `login` + `psw` or `apikey`, answer JSON with `fmt=3`,
 * report failures as `{ error, error_code }` (1 parameters, 2 credentials,
 * 3 funds, 6 forbidden text or sender name, 7 phone format, 8 undeliverable,
 * 9 the same request again within a minute), count the parts of a message
 * (`cnt`) and post delivery reports to the client's handler URL. Faults a
 * network shows (429, 5xx, an answer that never comes) are scripted per request.
 */
import { SMSC_DEFAULTS, type SmscConfig } from "../../../worker/adapters/sms/smsc";

/** What the next send.php request meets before (or instead of) the gateway. */
export type Fault =
  /** 503 and nothing taken. */
  | "503"
  /** The message is taken, then the answer is lost in a 502. */
  | "accept-then-502"
  /** 429, nothing taken. */
  | "429"
  /** The message is taken and the answer never comes (the client times out). */
  | "accept-then-hang"
  /** No answer at all, nothing taken. */
  | "hang";

export interface SmscMessage {
  id: number;
  phone: string;
  mes: string;
  sender: string;
  cnt: number;
  status: number;
  at: number;
}

// GSM 03.38 default alphabet and extension (two septets), as a gateway counts parts.
const BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXT = "^{}\\[~]|€\f";
function parts(text: string): number {
  const chars = [...text];
  const gsm = chars.every((c) => BASIC.includes(c) || EXT.includes(c));
  const units = chars.reduce((n, c) => n + (gsm ? (EXT.includes(c) ? 2 : 1) : c.length), 0);
  if (units <= (gsm ? 160 : 70)) return 1;
  return Math.ceil(units / (gsm ? 153 : 67));
}

export function fakeSmsc(opts: {
  login?: string;
  password?: string;
  apiKey?: string;
  /** Sender names registered for this client (with every operator). */
  senders: string[];
  /** Parts the balance pays for. */
  balance?: number;
  /** Numbers whose operator refuses this client's traffic (error 8). */
  unreachable?: string[];
  /** The handler URL set in the cabinet; reports go there. */
  callbackUrl?: string;
  /** How the gateway reaches the handler (in the tests: the Worker itself). */
  post?: (req: Request) => Promise<Response>;
}) {
  const messages = new Map<string, SmscMessage>();
  const requests: { script: string; params: URLSearchParams }[] = [];
  const faults: Fault[] = [];
  const recent = new Map<string, number>();
  let balance = opts.balance ?? 1000;
  let now = Date.now();

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const error = (code: number, text: string, id?: string) => json({ error: text, error_code: code, ...(id ? { id: Number(id) } : {}) });
  const hang = (signal: AbortSignal | null | undefined) =>
    new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason ?? new Error("aborted"))));

  const authorised = (p: URLSearchParams) =>
    opts.apiKey ? p.get("apikey") === opts.apiKey : p.get("login") === opts.login && p.get("psw") === opts.password;

  function send(p: URLSearchParams): { response: Response; taken?: SmscMessage } {
    if (!authorised(p)) return { response: error(2, "authorise error") };
    const phones = p.get("phones") ?? "";
    const mes = p.get("mes") ?? "";
    const id = p.get("id") ?? "";
    if (!phones || !mes || (id && !/^\d+$/.test(id)) || Number(id) > 2147483647) return { response: error(1, "parameters error") };
    if (p.get("charset") !== "utf-8") return { response: error(1, "parameters error") };
    if (!/^7\d{10}$/.test(phones)) return { response: error(7, "invalid phone format", id) };
    const sender = p.get("sender") ?? "";
    if (!opts.senders.includes(sender)) return { response: error(6, "message is denied", id) };
    const cnt = parts(mes);
    const maxsms = Number(p.get("maxsms") ?? "0");
    if (maxsms && cnt > maxsms) return { response: error(1, "parameters error") };
    if (opts.unreachable?.includes(phones)) return { response: error(8, "can't deliver sms to the number", id) };
    const fingerprint = p.toString();
    if ((recent.get(fingerprint) ?? -Infinity) > now - 60_000) return { response: error(9, "duplicate request, wait a minute", id) };
    recent.set(fingerprint, now);
    if (cnt > balance) return { response: error(3, "no money", id) };
    balance -= cnt;
    const msg: SmscMessage = { id: Number(id) || messages.size + 1, phone: phones, mes, sender, cnt, status: -1, at: now };
    messages.set(`${msg.id}:${phones}`, msg);
    return { response: json({ id: msg.id, cnt }), taken: msg };
  }

  function status(p: URLSearchParams): Response {
    if (!authorised(p)) return error(2, "authorise error");
    const m = messages.get(`${p.get("id")}:${p.get("phone")}`);
    if (!m) return json({ status: -3, last_date: "", last_timestamp: 0, err: 0 });
    return json({ status: m.status, last_date: new Date(m.at).toISOString(), last_timestamp: Math.floor(m.at / 1000), err: 0 });
  }

  /** The `fetch` the adapter is given. */
  async function fetcher(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const params = new URLSearchParams(url.search);
    if (req.method === "POST")
      for (const [k, v] of new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()))) params.append(k, v);
    const script = url.pathname.replace(/^\/sys\//, "");
    requests.push({ script, params });
    if (script === "status.php") return status(params);
    if (script !== "send.php") return new Response("not found", { status: 404 });
    const fault = faults.shift();
    if (fault === "503") return new Response("Service Unavailable", { status: 503 });
    if (fault === "429") return new Response("Too Many Requests", { status: 429 });
    if (fault === "hang") return hang(init?.signal);
    const { response } = send(params);
    if (fault === "accept-then-502") return new Response("Bad Gateway", { status: 502 });
    if (fault === "accept-then-hang") return hang(init?.signal);
    return response;
  }

  return {
    fetch: fetcher,
    /** Faults met by the next send.php requests, in order. */
    fail: (...next: Fault[]) => void faults.push(...next),
    /** Messages the gateway took. */
    messages: () => [...messages.values()],
    sendRequests: () => requests.filter((r) => r.script === "send.php"),
    /** Every request, in order: which script. */
    scripts: () => requests.map((r) => r.script),
    /** Moves the gateway's clock (error 9 is "within a minute"). */
    advance: (ms: number) => {
      now += ms;
    },
    /**
     * The operator reports a status: the gateway posts it to the handler URL
     * (form fields id, phone, status, time, ts, err) and returns the answer.
     */
    async report(id: number, phone: string, code: number, err = 0): Promise<Response> {
      if (!opts.callbackUrl || !opts.post) throw new Error("no handler URL");
      const m = messages.get(`${id}:${phone}`);
      if (m) m.status = code;
      const ts = Math.floor(now / 1000);
      const body = new URLSearchParams({ id: String(id), phone, status: String(code), time: String(ts), ts: String(ts), err: String(err) });
      return opts.post(
        new Request(opts.callbackUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }),
      );
    },
  };
}

/** The adapter's settings for a fake gateway made with the tests' client (login kabinet, password right, sender Kabinet). */
export function fakeSmscConfig(fake: ReturnType<typeof fakeSmsc>, over: Partial<SmscConfig> = {}): SmscConfig {
  return {
    ...SMSC_DEFAULTS,
    baseUrl: "https://smsc.test",
    login: "kabinet",
    password: "right",
    sender: "Kabinet",
    timeoutMs: 200,
    backoffMs: 1,
    fetch: fake.fetch,
    ...over,
  };
}
