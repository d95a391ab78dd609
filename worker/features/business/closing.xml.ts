import { vatPercentOn } from "../../platform/vat";
import { type ClosingDoc, dotted, lineName, rubXml } from "./closing.document";

/**
 * The УПД as the ФНС's exchange format 970 (приказ ФНС ЕД-7-26/970@, version 5.03, КНД 1115131, function СЧФДОП:
 * счёт-фактура and the document of services rendered), ready for an EDO operator. Element order follows the
 * schema: Файл → Документ → СвСчФакт (СвПрод, ДокПодтвОтгрНом, СвПокуп, ДенИзм) → ТаблСчФакт (СведТов…,
 * ВсегоОпл) → СвПродПер → Подписант. The file is written in windows-1251, as the format requires and EDO
 * operators expect; characters outside that code page become character references.
 */
export const UPD_FORMAT_VERSION = "5.03";
export const PROGRAM_VERSION = "Kabinet 1.0";
/** Services have no physical unit: ОКЕИ 876 «условная единица». */
export const OKEI_SERVICE = { code: "876", name: "усл. ед" };

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function el(name: string, attrs: Record<string, string | null | undefined>, children: string[] = []): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => ` ${k}="${escapeXml(v as string)}"`)
    .join("");
  return children.length ? `<${name}${a}>${children.join("")}</${name}>` : `<${name}${a}/>`;
}

/** The participant id of a buyer for the file name (ИдПол): without its EDO operator's id, its ИНН and КПП. */
export function buyerEdoId(doc: Pick<ClosingDoc, "parties">): string {
  const b = doc.parties.buyer;
  return `2KB-${b.inn}${b.kpp ?? ""}`;
}

/** ON_NSCHFDOPPR_<recipient>_<sender>_<YYYYMMDD>_<GUID>: the file's name without .xml, also its ИдФайл. */
export function updFileId(doc: ClosingDoc): string {
  const day = doc.docDate.replace(/-/g, "");
  return `ON_NSCHFDOPPR_${buyerEdoId(doc)}_${doc.parties.seller.edoId}_${day}_${doc.fileGuid}`;
}

/** Moscow wall-clock date and time of an instant, as ДатаИнфПр (DD.MM.YYYY) and ВремИнфПр (HH.MM.SS). */
function moscow(at: Date): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Moscow",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? "00";
  return { date: `${p("day")}.${p("month")}.${p("year")}`, time: `${p("hour")}.${p("minute")}.${p("second")}` };
}

function participant(tag: string, p: { name: string; inn: string; kpp: string | null; address: string }, entrepreneur: boolean): string {
  const id = entrepreneur
    ? el("СвИП", { ИННФЛ: p.inn }, [el("ФИО", fio(p.name))])
    : el("СвЮЛУч", { НаимОрг: p.name, ИННЮЛ: p.inn, КПП: p.kpp ?? undefined });
  return el(tag, {}, [el("ИдСв", {}, [id]), el("Адрес", {}, [el("АдрИнф", { КодСтр: "643", НаимСтран: "РОССИЯ", АдрТекст: p.address })])]);
}

/** An entrepreneur's name (ИП Фамилия Имя Отчество) as ФИО attributes. */
function fio(name: string): Record<string, string> {
  const words = name
    .replace(/^ИП\s+/i, "")
    .split(/\s+/)
    .filter(Boolean);
  return { Фамилия: words[0] ?? name, Имя: words[1] ?? "-", Отчество: words.slice(2).join(" ") };
}

/** The XML text of a УПД (a string; `encodeWindows1251` makes the file's bytes). */
export function updXml(doc: ClosingDoc): string {
  if (doc.kind !== "upd") throw new RangeError("only a УПД has the 5.03 СЧФДОП format");
  const { seller, buyer, signer, contract } = doc.parties;
  const made = moscow(doc.createdAt);
  const date = dotted(doc.docDate);
  const lines = doc.lines.map((l) =>
    el(
      "СведТов",
      {
        НомСтр: String(l.lineNo),
        НаимТов: lineName(l, doc.period),
        ОКЕИ_Тов: OKEI_SERVICE.code,
        НаимЕдИзм: OKEI_SERVICE.name,
        КолТов: "1",
        ЦенаТов: rubXml(l.amountKop - l.vatKop),
        СтТовБезНДС: rubXml(l.amountKop - l.vatKop),
        НалСт: `${vatPercentOn(doc.period)}%`,
        СтТовУчНал: rubXml(l.amountKop),
      },
      [el("Акциз", {}, ["<БезАкциз>без акциза</БезАкциз>"]), el("СумНал", {}, [`<СумНал>${rubXml(l.vatKop)}</СумНал>`])],
    ),
  );
  const total = el("ВсегоОпл", { СтТовБезНДСВсего: rubXml(doc.totalKop - doc.vatKop), СтТовУчНалВсего: rubXml(doc.totalKop) }, [
    el("СумНалВсего", {}, [`<СумНал>${rubXml(doc.vatKop)}</СумНал>`]),
  ]);
  const document = el(
    "Документ",
    {
      КНД: "1115131",
      Функция: "СЧФДОП",
      ПоФактХЖ: "Документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)",
      НаимДокОпр:
        "Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)",
      ДатаИнфПр: made.date,
      ВремИнфПр: made.time,
      НаимЭконСубСост: `${seller.name}, ИНН/КПП ${seller.inn}/${seller.kpp}`,
    },
    [
      el("СвСчФакт", { НомерДок: doc.number, ДатаДок: date }, [
        participant("СвПрод", seller, false),
        el("ДокПодтвОтгрНом", {
          РеквНаимДок: "Универсальный передаточный документ",
          РеквНомерДок: doc.number,
          РеквДатаДок: date,
        }),
        participant("СвПокуп", buyer, buyer.kind === "entrepreneur"),
        el("ДенИзм", { КодОКВ: "643", НаимОКВ: "Российский рубль" }),
      ]),
      el("ТаблСчФакт", {}, [...lines, total]),
      el("СвПродПер", {}, [
        el("СвПер", { СодОпер: "Услуги оказаны в полном объеме", ДатаПер: date }, [
          el("ОснПер", {
            РеквНаимДок: "Договор об оказании услуг связи",
            РеквНомерДок: contract.number,
            РеквДатаДок: dotted(contract.date),
          }),
        ]),
      ]),
      el("Подписант", { Должн: signer.position, ТипПодпис: "1", СпосПодтПолном: "1" }, [
        el("ФИО", { Фамилия: signer.lastName, Имя: signer.firstName, Отчество: signer.middleName }),
      ]),
    ],
  );
  const file = el("Файл", { ИдФайл: updFileId(doc), ВерсФорм: UPD_FORMAT_VERSION, ВерсПрог: PROGRAM_VERSION }, [document]);
  return `<?xml version="1.0" encoding="windows-1251"?>\n${file}\n`;
}

// windows-1251 beyond ASCII: 0x80–0xBF (a table), then А–я at 0xC0–0xFF.
const HIGH = "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u0098™љ›њќћџ\u00a0ЎўЈ¤Ґ¦§Ё©Є«¬\u00ad®Ї°±Ііґµ¶·ё№є»јЅѕї";
const CP1251 = new Map<string, number>();
for (let i = 0; i < HIGH.length; i++) CP1251.set(HIGH[i] as string, 0x80 + i);
for (let i = 0; i < 64; i++) CP1251.set(String.fromCharCode(0x410 + i), 0xc0 + i);

/** Text as windows-1251 bytes; a character the code page lacks becomes an XML character reference (&#NNNN;). */
export function encodeWindows1251(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) out.push(code);
    else {
      const b = CP1251.get(ch);
      if (b !== undefined) out.push(b);
      else for (const c of `&#${code};`) out.push(c.charCodeAt(0));
    }
  }
  return Uint8Array.from(out);
}
