/**
 * The parser of bank statements in the 1CClientBankExchange format («Стандарт обмена с системами «Клиент банка»»,
 * versions 1.01–1.03): a text file of `Ключ=Значение` lines. It starts with `1CClientBankExchange`, then general
 * fields (`ВерсияФормата`, `Кодировка`, `Отправитель`, `ДатаНачала`, `ДатаКонца`, `РасчСчет`…), then sections:
 * `СекцияРасчСчет` … `КонецРасчСчет` (balances of an account over the period) and `СекцияДокумент=<вид>` …
 * `КонецДокумента` (one payment document each), and ends with `КонецФайла`. Dates are `дд.мм.гггг`, sums rubles with
 * a decimal point. A malformed file is refused whole, naming the first line at fault and why.
 */

/** Limits of one file: its size is refused before it is read (bodyLimit); these hold for what is read. */
export const STATEMENT_MAX_BYTES = 2 * 1024 * 1024;
export const STATEMENT_MAX_DOCUMENTS = 5000;
export const STATEMENT_MAX_LINE = 2000;

/** Why a file is refused: an i18n key `bankStatement.<reason>` and the values it names, at a 1-based line. */
export class StatementFormatError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "StatementFormatError";
  }
}

/** One payment document of a statement (платёжное поручение or another kind), as its fields say. */
export interface StatementDocument {
  /** The line of its `СекцияДокумент=`. */
  line: number;
  kind: string;
  number: string;
  /** ISO date (YYYY-MM-DD) of the document. */
  date: string;
  amountKop: number;
  payerInn: string;
  payerAccount: string;
  payerName: string;
  payeeAccount: string;
  /** The payee's account at its own bank when paid through a correspondent account (`ПолучательРасчСчет`). */
  payeeSettlementAccount: string;
  payeeInn: string;
  purpose: string;
  /** ISO date the money arrived (`ДатаПоступило`), or null for a debit. */
  receivedOn: string | null;
}

export interface ParsedStatement {
  version: string;
  /** The declared encoding (`Windows`, `DOS`). */
  declaredEncoding: string;
  /** The statement's own account(s) (`РасчСчет` of the header). */
  accounts: string[];
  from: string | null;
  to: string | null;
  documents: StatementDocument[];
}

const VERSIONS = new Set(["1.01", "1.02", "1.03"]);
const DATE = /^(\d{2})\.(\d{2})\.(\d{4})$/;
const SUM = /^(\d{1,13})(?:[.,](\d{1,2}))?$/;
const ACCOUNT = /^\d{20}$/;
const INN = /^(\d{10}|\d{12}|0)$/;

/** `дд.мм.гггг` as an ISO date, or null when it is not a real calendar date. */
export function parseRuDate(value: string): string | null {
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const [, d, mo, y] = m as unknown as [string, string, string, string];
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (at.getUTCFullYear() !== Number(y) || at.getUTCMonth() !== Number(mo) - 1 || at.getUTCDate() !== Number(d)) return null;
  return `${y}-${mo}-${d}`;
}

/** Rubles with up to two decimals (`1234.5`, `1234,50`) as whole kopecks, or null. */
export function parseSumKop(value: string): number | null {
  const m = SUM.exec(value.trim());
  if (!m) return null;
  const kop = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(kop) ? kop : null;
}

interface Field {
  value: string;
  line: number;
}

function documentOf(kind: string, start: number, fields: Map<string, Field>): StatementDocument {
  const need = (key: string): Field => {
    const f = fields.get(key);
    if (!f || f.value === "") throw new StatementFormatError(start, "missingField", { field: key });
    return f;
  };
  const number = need("Номер");
  const dateField = need("Дата");
  const date = parseRuDate(dateField.value);
  if (!date) throw new StatementFormatError(dateField.line, "badDate", { field: "Дата", value: dateField.value.slice(0, 40) });
  const sum = need("Сумма");
  const amountKop = parseSumKop(sum.value);
  if (amountKop === null || amountKop <= 0) throw new StatementFormatError(sum.line, "badSum", { value: sum.value.slice(0, 40) });
  const account = (key: string, required: boolean): string => {
    const f = required ? need(key) : fields.get(key);
    if (!f || f.value === "") return "";
    if (!ACCOUNT.test(f.value)) throw new StatementFormatError(f.line, "badAccount", { field: key, value: f.value.slice(0, 40) });
    return f.value;
  };
  const inn = (key: string): string => {
    const f = fields.get(key);
    if (!f || f.value === "") return "";
    if (!INN.test(f.value)) throw new StatementFormatError(f.line, "badInn", { field: key, value: f.value.slice(0, 40) });
    return f.value === "0" ? "" : f.value;
  };
  const received = fields.get("ДатаПоступило");
  let receivedOn: string | null = null;
  if (received && received.value !== "") {
    receivedOn = parseRuDate(received.value);
    if (!receivedOn)
      throw new StatementFormatError(received.line, "badDate", { field: "ДатаПоступило", value: received.value.slice(0, 40) });
  }
  const payerName = fields.get("Плательщик1")?.value || fields.get("Плательщик")?.value || "";
  return {
    line: start,
    kind,
    number: number.value.slice(0, 40),
    date,
    amountKop,
    payerInn: inn("ПлательщикИНН"),
    payerAccount: account("ПлательщикСчет", true),
    payerName: payerName.slice(0, 300),
    payeeAccount: account("ПолучательСчет", true),
    payeeSettlementAccount: account("ПолучательРасчСчет", false),
    payeeInn: inn("ПолучательИНН"),
    purpose: (fields.get("НазначениеПлатежа")?.value ?? "").slice(0, 1000),
    receivedOn,
  };
}

/** Parses a statement's text (already decoded); throws StatementFormatError at the first fault. */
export function parseStatement(text: string): ParsedStatement {
  const lines = text.split(/\r\n|\n|\r/);
  const header = new Map<string, Field>();
  const accounts: string[] = [];
  const documents: StatementDocument[] = [];
  let section: { kind: "account" | "document"; start: number; name: string; fields: Map<string, Field> } | null = null;
  let ended = false;
  let first = true;
  let last = 1;
  const requireHeader = (n: number) => {
    for (const field of ["ВерсияФормата", "Кодировка"])
      if (!header.get(field)?.value) throw new StatementFormatError(n, "missingHeaderField", { field });
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i] as string;
    if (raw.length > STATEMENT_MAX_LINE) throw new StatementFormatError(n, "lineTooLong", { max: STATEMENT_MAX_LINE });
    const line = raw.trim();
    if (first) {
      if (line !== "1CClientBankExchange") throw new StatementFormatError(n, "badHeader");
      first = false;
      continue;
    }
    if (line === "") continue;
    last = n;
    if (ended) throw new StatementFormatError(n, "afterEnd");
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    const value = eq < 0 ? "" : line.slice(eq + 1).trim();
    if (key === "СекцияРасчСчет" || key === "СекцияДокумент") {
      if (section) throw new StatementFormatError(n, "unclosedSection", { start: section.start });
      requireHeader(n);
      if (key === "СекцияДокумент" && documents.length >= STATEMENT_MAX_DOCUMENTS)
        throw new StatementFormatError(n, "tooManyDocuments", { max: STATEMENT_MAX_DOCUMENTS });
      section = { kind: key === "СекцияРасчСчет" ? "account" : "document", start: n, name: value, fields: new Map() };
      continue;
    }
    if (key === "КонецРасчСчет" || key === "КонецДокумента") {
      const expected = key === "КонецРасчСчет" ? "account" : "document";
      if (!section || section.kind !== expected) throw new StatementFormatError(n, "unexpectedEnd", { end: key });
      if (section.kind === "document") documents.push(documentOf(section.name, section.start, section.fields));
      section = null;
      continue;
    }
    if (key === "КонецФайла") {
      if (section) throw new StatementFormatError(n, "unclosedSection", { start: section.start });
      requireHeader(n);
      ended = true;
      continue;
    }
    if (eq <= 0) throw new StatementFormatError(n, "notKeyValue");
    const target = section ? section.fields : header;
    target.set(key, { value, line: n });
    if (!section && key === "РасчСчет") {
      if (!ACCOUNT.test(value)) throw new StatementFormatError(n, "badAccount", { field: key, value: value.slice(0, 40) });
      accounts.push(value);
    }
    if (!section && key === "ВерсияФормата" && !VERSIONS.has(value))
      throw new StatementFormatError(n, "badVersion", { value: value.slice(0, 20) });
  }
  if (first) throw new StatementFormatError(1, "badHeader");
  // At the end of the text: the last line that has anything on it.
  if (section) throw new StatementFormatError(last, "unclosedSection", { start: section.start });
  if (!ended) throw new StatementFormatError(last, "missingEnd");
  const date = (key: string) => {
    const f = header.get(key);
    if (!f || f.value === "") return null;
    const d = parseRuDate(f.value);
    if (!d) throw new StatementFormatError(f.line, "badDate", { field: key, value: f.value.slice(0, 40) });
    return d;
  };
  return {
    version: header.get("ВерсияФормата")?.value ?? "",
    declaredEncoding: header.get("Кодировка")?.value ?? "",
    accounts,
    from: date("ДатаНачала"),
    to: date("ДатаКонца"),
    documents,
  };
}
