// The Node build: its zip deflates in this thread (the universal build hands big files to Web Workers, which Workers lack).
import type { UsageCategory } from "../../db/schema/region";
import { xlsxWriter } from "../../platform/document-libs";
import type { Lang } from "../../platform/i18n";
import { CATEGORY_LABELS, durationText, isCall, localClock, moneyText, volumeText } from "./usage.format";
import { type PdfColumn, type PdfFonts, PdfTableWriter } from "./usage.pdf";

/** A usage record as the files need it (a stored record with its time as a Date). */
export interface ReportRecord {
  category: UsageCategory;
  direction: "in" | "out" | null;
  peer: string | null;
  startedAt: Date;
  durationSec: number | null;
  volumeKb: number | null;
  costKop: number;
  titleRu: string | null;
  titleEn: string | null;
}

export interface CategoryTotal {
  category: UsageCategory;
  count: number;
  durationSec: number;
  volumeKb: number;
  costKop: number;
}

/** What a report says about itself: the header of the PDF, the summary sheet of the XLSX. */
export interface ReportHead {
  lang: Lang;
  tz: string;
  accountNo: string;
  holderName: string;
  address: string;
  serviceName: string | null;
  fromDay: string;
  toDay: string;
  categories: readonly UsageCategory[];
  generatedAt: Date;
  totals: CategoryTotal[];
}

const L = {
  ru: {
    title: "Детализация расходов",
    account: "Лицевой счёт",
    holder: "Абонент",
    address: "Адрес",
    service: "Услуга",
    allServices: "Все услуги счёта",
    period: "Период",
    tz: "Часовой пояс",
    kinds: "Состав",
    generated: "Сформирован",
    when: "Дата и время",
    kind: "Вид",
    peer: "Номер / описание",
    qty: "Длительность / объём",
    duration: "Длительность",
    volume: "Объём, МБ",
    cost: "Стоимость, ₽",
    count: "Количество",
    totals: "Итого",
    total: "Всего",
    incoming: "входящее",
    outgoing: "исходящее",
    session: "Интернет-сессия",
    page: (n: number, m: number) => `Стр. ${n} из ${m}`,
    sheet: "Детализация",
    summary: "Сводка",
  },
  en: {
    title: "Usage detail",
    account: "Account",
    holder: "Subscriber",
    address: "Address",
    service: "Service",
    allServices: "All services of the account",
    period: "Period",
    tz: "Time zone",
    kinds: "Included",
    generated: "Generated",
    when: "Date and time",
    kind: "Kind",
    peer: "Number / description",
    qty: "Duration / volume",
    duration: "Duration",
    volume: "Volume, MB",
    cost: "Cost, RUB",
    count: "Count",
    totals: "Totals",
    total: "Total",
    incoming: "incoming",
    outgoing: "outgoing",
    session: "Internet session",
    page: (n: number, m: number) => `Page ${n} of ${m}`,
    sheet: "Usage",
    summary: "Summary",
  },
} as const;

const dmy = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;

/** «Всего» in one figure per unit: records and cost over everything, time of calls, volume of data, SMS in pieces. */
export interface UnitTotals {
  records: number;
  callSec: number;
  dataKb: number;
  smsCount: number;
  costKop: number;
}

/**
 * The grand total of a view or report. Units are never mixed: internet
 * sessions have a duration too, but it is not call time; a count of calls,
 * sessions and options together is no quantity of anything but records.
 */
export function grandTotal(totals: readonly CategoryTotal[]): UnitTotals {
  return totals.reduce(
    (t, c) => ({
      records: t.records + c.count,
      callSec: t.callSec + (isCall(c.category) ? c.durationSec : 0),
      dataKb: t.dataKb + (c.category === "internet" ? c.volumeKb : 0),
      smsCount: t.smsCount + (c.category === "sms" ? c.count : 0),
      costKop: t.costKop + c.costKop,
    }),
    { records: 0, callSec: 0, dataKb: 0, smsCount: 0, costKop: 0 },
  );
}

/** "50 SMS": the unit is the same word in both languages and needs no plural. */
const smsText = (n: number) => `${n} SMS`;

function headFields(h: ReportHead): [string, string][] {
  const l = L[h.lang];
  const clock = localClock(h.tz, h.generatedAt, h.generatedAt);
  const all = h.categories.length === Object.keys(CATEGORY_LABELS).length;
  return [
    [l.account, h.accountNo],
    [l.holder, h.holderName],
    [l.address, h.address],
    [l.service, h.serviceName ?? l.allServices],
    [l.period, `${dmy(h.fromDay)} — ${dmy(h.toDay)}`],
    [l.tz, h.tz],
    [l.kinds, all ? (h.lang === "ru" ? "все записи" : "everything") : h.categories.map((c) => CATEGORY_LABELS[c][h.lang]).join(", ")],
    [l.generated, clock.text(h.generatedAt)],
  ];
}

/** Number or description of a record, as both files show it. */
function describe(r: ReportRecord, lang: Lang): string {
  const l = L[lang];
  if (r.category === "option") return (lang === "ru" ? r.titleRu : r.titleEn) ?? "";
  if (r.category === "internet") return l.session;
  if (r.category === "sms") return `${r.peer ?? ""} (${r.direction === "in" ? l.incoming : l.outgoing})`;
  return r.peer ?? "";
}

/** Builds the PDF: header, a table over as many pages as it takes, totals per kind and overall. */
export async function reportPdf(
  fonts: PdfFonts,
  h: ReportHead,
  chunks: AsyncIterable<ReportRecord[]>,
  onRows?: (n: number) => Promise<void>,
): Promise<Uint8Array> {
  const l = L[h.lang];
  const clock = localClock(h.tz, new Date(`${h.fromDay}T00:00:00Z`), new Date(`${h.toDay}T23:59:59Z`));
  const pdf = await PdfTableWriter.create(fonts, {
    title: `${l.title} ${h.accountNo} ${dmy(h.fromDay)}–${dmy(h.toDay)}`,
    author: h.lang === "ru" ? "Личный кабинет" : "Kabinet",
    lang: h.lang === "ru" ? "ru-RU" : "en-GB",
  });
  pdf.heading(l.title);
  pdf.fields(headFields(h));
  const columns: PdfColumn[] = [
    { title: l.when, width: 92 },
    { title: l.kind, width: 128 },
    { title: l.peer, width: 150 },
    { title: l.qty, width: 83, align: "right" },
    { title: l.cost, width: 70, align: "right" },
  ];
  async function* cells() {
    for await (const chunk of chunks)
      yield chunk.map((r) => [
        clock.text(r.startedAt),
        CATEGORY_LABELS[r.category][h.lang],
        describe(r, h.lang),
        isCall(r.category) ? durationText(r.durationSec ?? 0) : r.category === "internet" ? volumeText(r.volumeKb ?? 0, h.lang) : "",
        moneyText(r.costKop, h.lang),
      ]);
  }
  await pdf.table(columns, cells(), onRows);
  pdf.heading(l.totals, 11);
  const totalsColumns: PdfColumn[] = [
    { title: l.kind, width: 180 },
    { title: l.count, width: 70, align: "right" },
    { title: l.duration, width: 90, align: "right" },
    { title: l.volume.replace(", МБ", "").replace(", MB", ""), width: 100, align: "right" },
    { title: l.cost, width: 83, align: "right" },
  ];
  const totalRow = (label: string, t: Omit<CategoryTotal, "category">, calls: boolean, data: boolean) => [
    label,
    String(t.count),
    calls ? durationText(t.durationSec) : "",
    data ? volumeText(t.volumeKb, h.lang) : "",
    moneyText(t.costKop, h.lang),
  ];
  const g = grandTotal(h.totals);
  await pdf.table(totalsColumns, [
    h.totals.map((t) => totalRow(CATEGORY_LABELS[t.category][h.lang], t, isCall(t.category), t.category === "internet")),
  ]);
  // «Всего» per unit: SMS in pieces under the count, call time, data volume, cost.
  pdf.boldRow(totalsColumns, [
    l.total,
    g.smsCount ? smsText(g.smsCount) : "",
    g.callSec ? durationText(g.callSec) : "",
    g.dataKb ? volumeText(g.dataKb, h.lang) : "",
    moneyText(g.costKop, h.lang),
  ]);
  return pdf.finish((n, m) => `${l.title} · ${h.accountNo} · ${dmy(h.fromDay)}–${dmy(h.toDay)} · ${l.page(n, m)}`);
}

const DAY_SEC = 86_400;

/**
 * Builds the XLSX: a sheet of records with typed columns (date-time, duration
 * as a time value, megabytes and roubles as numbers), the header row frozen and
 * totals at the bottom; a summary sheet with the header and totals per kind.
 */
export async function reportXlsx(h: ReportHead, chunks: AsyncIterable<ReportRecord[]>, onRows?: (n: number) => Promise<void>) {
  const l = L[h.lang];
  const clock = localClock(h.tz, new Date(`${h.fromDay}T00:00:00Z`), new Date(`${h.toDay}T23:59:59Z`));
  const bold = { fontWeight: "bold" as const };
  const money = "#,##0.00";
  type Cell = {
    value?: string | number | Date | null;
    type?: typeof String | typeof Number | typeof Date;
    format?: string;
    fontWeight?: "bold";
  };
  const data: (Cell | string | null)[][] = [[l.when, l.kind, l.peer, l.duration, l.volume, l.cost].map((value) => ({ value, ...bold }))];
  let n = 0;
  for await (const chunk of chunks) {
    for (const r of chunk) {
      data.push([
        { value: clock.wall(r.startedAt), type: Date, format: "dd.mm.yyyy hh:mm:ss" },
        // Plain values where no format is needed: fewer objects alive per row (50,000 rows must fit an isolate).
        CATEGORY_LABELS[r.category][h.lang],
        describe(r, h.lang),
        isCall(r.category) ? { value: (r.durationSec ?? 0) / DAY_SEC, type: Number, format: "[h]:mm:ss" } : null,
        r.category === "internet" ? { value: Math.round(((r.volumeKb ?? 0) / 1024) * 100) / 100, type: Number, format: money } : null,
        { value: r.costKop / 100, type: Number, format: money },
      ]);
      n++;
    }
    await onRows?.(n);
  }
  const g = grandTotal(h.totals);
  data.push([]);
  data.push([
    { value: l.total, ...bold },
    { value: null },
    g.smsCount ? { value: smsText(g.smsCount), type: String, ...bold } : { value: null },
    g.callSec ? { value: g.callSec / DAY_SEC, type: Number, format: "[h]:mm:ss", ...bold } : { value: null },
    g.dataKb ? { value: Math.round((g.dataKb / 1024) * 100) / 100, type: Number, format: money, ...bold } : { value: null },
    { value: g.costKop / 100, type: Number, format: money, ...bold },
  ]);
  const summary: Cell[][] = headFields(h).map(([k, v]) => [
    { value: k, ...bold },
    { value: v, type: String },
  ]);
  summary.push([]);
  summary.push([l.kind, l.count, l.duration, l.volume, l.cost].map((value) => ({ value, ...bold })));
  for (const t of h.totals)
    summary.push([
      { value: CATEGORY_LABELS[t.category][h.lang], type: String },
      { value: t.count, type: Number },
      isCall(t.category) ? { value: t.durationSec / DAY_SEC, type: Number, format: "[h]:mm:ss" } : { value: null },
      t.category === "internet" ? { value: Math.round((t.volumeKb / 1024) * 100) / 100, type: Number, format: money } : { value: null },
      { value: t.costKop / 100, type: Number, format: money },
    ]);
  summary.push([
    { value: l.total, ...bold },
    g.smsCount ? { value: smsText(g.smsCount), type: String, ...bold } : { value: null },
    g.callSec ? { value: g.callSec / DAY_SEC, type: Number, format: "[h]:mm:ss", ...bold } : { value: null },
    g.dataKb ? { value: Math.round((g.dataKb / 1024) * 100) / 100, type: Number, format: money, ...bold } : { value: null },
    { value: g.costKop / 100, type: Number, format: money, ...bold },
  ]);
  const writeXlsxFile = await xlsxWriter();
  const buffer = await writeXlsxFile([
    {
      data: data as never,
      sheet: l.sheet,
      stickyRowsCount: 1,
      columns: [{ width: 20 }, { width: 26 }, { width: 28 }, { width: 13 }, { width: 12 }, { width: 13 }],
    },
    { data: summary as never, sheet: l.summary, columns: [{ width: 26 }, { width: 40 }, { width: 13 }, { width: 12 }, { width: 13 }] },
  ]).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
