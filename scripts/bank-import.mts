/**
 * The operators' bank statement tool, through the operators' API of a running Worker (`npm start` locally;
 * `KABINET_URL` and `OPERATOR_TOKEN` for another):
 *   npm run bank:import -- <file.txt>                      imports a 1CClientBankExchange statement, prints the result
 *   npm run bank:import -- --queue                         lists the payments waiting to be assigned by hand
 *   npm run bank:import -- --assign <lineId> <accountNo | СЧ-…>   assigns one to an account or an invoice (credited once)
 * Messages in Russian unless `LANG_KABINET=en`.
 */
import { lookup as dnsLookup } from "node:dns";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { Agent, fetch } from "undici";

const base = (process.env.KABINET_URL ?? `http://kabinet.localhost:${process.env.PORT ?? 8787}`).replace(/\/$/, "");
// The development token of wrangler.toml; production's is a secret, given here by OPERATOR_TOKEN.
const token = process.env.OPERATOR_TOKEN ?? "dev-only-operator-token";
const lang = process.env.LANG_KABINET === "en" ? "en" : "ru";

/** Node's fetch cannot resolve *.localhost: this agent sends them to loopback. */
const dispatcher = new Agent({
  connect: {
    lookup(hostname, options, callback) {
      if (hostname === "localhost" || hostname.endsWith(".localhost")) {
        if ((options as { all?: boolean }).all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
        return callback(null, "127.0.0.1", 4);
      }
      return dnsLookup(hostname, options, callback);
    },
  },
});

async function ops(
  path: string,
  init: { method?: string; body?: string | Uint8Array; type?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${base}/ops/v1${path}`, {
    method: init.method ?? "GET",
    dispatcher,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": init.type ?? "application/json",
      "accept-language": lang,
      ...init.headers,
    },
    body: init.body,
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}

/** A problem+json answer as one line per error. */
function fail(status: number, body: Record<string, unknown>): never {
  console.error(`✗ ${status} ${String(body.title ?? "")}`);
  for (const e of (body.errors as { field: string; message: string }[] | undefined) ?? []) console.error(`  ${e.field}: ${e.message}`);
  process.exit(1);
}

const rub = (kop: number) => `${(kop / 100).toFixed(2)} ₽`;
const args = process.argv.slice(2).filter((a) => a !== "--");

if (args[0] === "--queue") {
  const { status, body } = await ops("/bank-statements/lines?status=queued&limit=200");
  if (status !== 200) fail(status, body);
  const items = body.items as {
    id: string;
    docNumber: string;
    docDate: string;
    amountKop: number;
    payerName: string;
    payerInn: string;
    reason: string;
    purpose: string;
  }[];
  if (items.length === 0) console.log(lang === "ru" ? "Очередь пуста." : "The queue is empty.");
  for (const l of items)
    console.log(
      `${l.id}\n  № ${l.docNumber} ${l.docDate}  ${rub(l.amountKop)}  ${l.payerName} (${l.payerInn || "—"})  [${l.reason}]\n  ${l.purpose}`,
    );
} else if (args[0] === "--assign" && args[1] && args[2]) {
  const to = /^\d[\d\s-]*$/.test(args[2]) ? { accountNo: args[2] } : { invoiceNumber: args[2] };
  const { status, body } = await ops(`/bank-statements/lines/${args[1]}/assign`, { method: "POST", body: JSON.stringify(to) });
  if (status !== 200) fail(status, body);
  for (const t of body.targets as { accountNo: string; amountKop: number }[]) console.log(`✓ ${t.accountNo}: +${rub(t.amountKop)}`);
} else if (args[0] && !args[0].startsWith("--")) {
  const file = args[0];
  const bytes = new Uint8Array(await readFile(file));
  const { status, body } = await ops("/bank-statements", {
    method: "POST",
    body: bytes,
    type: "text/plain",
    headers: { "x-file-name": encodeURIComponent(basename(file)) },
  });
  if (status !== 200) fail(status, body);
  const lines = body.lines as { credited: number; queued: number; pending: number };
  console.log(
    lang === "ru"
      ? `✓ ${file}: документов ${body.documents}, входящих ${body.incoming} (новых ${body.newLines}); зачислено ${lines.credited}, ждут разноски ${lines.queued}, в работе ${lines.pending}`
      : `✓ ${file}: ${body.documents} documents, ${body.incoming} incoming (${body.newLines} new); credited ${lines.credited}, waiting in the queue ${lines.queued}, in progress ${lines.pending}`,
  );
  const tooOld = Number(body.tooOld ?? 0);
  if (tooOld > 0)
    console.warn(
      lang === "ru"
        ? `! не загружено платежей старше года: ${tooOld} (повтор старой выписки или разбор вручную)`
        : `! not imported, dated over a year before the upload: ${tooOld} (a repeat of an old statement, or one to settle by hand)`,
    );
} else {
  console.error(
    "usage: npm run bank:import -- <statement.txt>\n       npm run bank:import -- --queue\n       npm run bank:import -- --assign <lineId> <accountNo | СЧ-2026-000123>",
  );
  process.exit(2);
}
