import type { Channel, NotificationKind } from "../../db/schema/global";
import { dayText } from "../../platform/dates";
import { formatAccountNoPlain } from "../../platform/format";
import type { Lang } from "../../platform/i18n";
import { countOf, DAYS, plural } from "../../platform/plural";

export interface KindInfo {
  /** Sent during quiet hours too (the service is affected now). */
  urgent: boolean;
  /** Needs the subscriber's marketing consent. */
  marketing: boolean;
  /** Channels when the subscriber has not chosen. */
  defaults: Channel[];
  /** At least one of these must stay on (the seed: autopay only "с обязательным уведомлением клиента"). */
  required?: Channel[];
  /** How long a push service keeps it for an offline device, seconds. */
  ttl: number;
  urgency: "very-low" | "low" | "normal" | "high";
  label: Record<Lang, string>;
}

const HOUR = 3600;

/** Every kind of event, with its delivery defaults. The order is the settings screen's. */
export const KINDS: Record<NotificationKind, KindInfo> = {
  low_balance: {
    urgent: false,
    marketing: false,
    defaults: ["sms", "push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "high",
    label: { ru: "Баланс ниже порога", en: "Balance below the threshold" },
  },
  runs_out: {
    urgent: false,
    marketing: false,
    defaults: ["push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "normal",
    label: { ru: "Деньги скоро закончатся", en: "Money runs out soon" },
  },
  payment_credited: {
    urgent: false,
    marketing: false,
    defaults: ["push", "inapp"],
    ttl: 12 * HOUR,
    urgency: "normal",
    label: { ru: "Платёж зачислен", en: "Payment credited" },
  },
  charge_made: {
    urgent: false,
    marketing: false,
    defaults: [],
    ttl: 12 * HOUR,
    urgency: "low",
    label: { ru: "Списание за услуги", en: "Charge for services" },
  },
  autopay_notice: {
    // Must reach the subscriber before the charge, which quiet hours would not wait for.
    urgent: true,
    marketing: false,
    defaults: ["sms", "email", "push", "inapp"],
    required: ["sms", "email", "push"],
    ttl: 24 * HOUR,
    urgency: "high",
    label: { ru: "Уведомление перед автоплатежом", en: "Notice before an autopay charge" },
  },
  autopay_failed: {
    urgent: false,
    marketing: false,
    defaults: ["sms", "push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "high",
    label: { ru: "Автоплатёж не прошёл", en: "Autopay failed" },
  },
  tariff_change: {
    urgent: false,
    marketing: false,
    defaults: ["email", "inapp"],
    ttl: 24 * HOUR,
    urgency: "low",
    label: { ru: "Изменение цены или условий тарифа", en: "Tariff price or terms change" },
  },
  application_status: {
    urgent: false,
    marketing: false,
    defaults: ["push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "normal",
    label: { ru: "Статус заявки", en: "Application status" },
  },
  block: {
    urgent: false,
    marketing: false,
    defaults: ["push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "normal",
    label: { ru: "Добровольная блокировка", en: "Voluntary block" },
  },
  support_reply: {
    urgent: false,
    marketing: false,
    defaults: ["push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "normal",
    label: { ru: "Ответ поддержки", en: "Support reply" },
  },
  report_ready: {
    urgent: false,
    marketing: false,
    defaults: ["email", "push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "low",
    label: { ru: "Детализация готова", en: "Usage detail ready" },
  },
  outage: {
    urgent: true,
    marketing: false,
    defaults: ["sms", "push", "inapp"],
    ttl: 6 * HOUR,
    urgency: "high",
    label: { ru: "Аварии и работы в сети", en: "Outages and network works" },
  },
  promo: {
    urgent: false,
    marketing: true,
    defaults: ["email", "inapp"],
    ttl: 24 * HOUR,
    urgency: "very-low",
    label: { ru: "Акции и предложения", en: "Promotions and offers" },
  },
  number_limit: {
    urgent: false,
    marketing: false,
    defaults: ["sms", "push", "inapp"],
    ttl: 24 * HOUR,
    urgency: "high",
    label: { ru: "Лимит расходов корпоративного номера", en: "Corporate number spend limit" },
  },
};

export interface Rendered {
  title: string;
  body: string;
  /** One SMS part: at most 70 characters (UCS-2, Cyrillic). */
  sms: string;
  /** The screen to open, a path. */
  url: string;
}

type Params = Record<string, string | number>;
const num = (p: Params, k: string) => Number(p[k] ?? 0);
const str = (p: Params, k: string) => String(p[k] ?? "");
/** "…0012": the end of an account number, enough to tell accounts apart in 70 characters. */
const tail = (accountNo: string | null) => (accountNo ? `…${accountNo.slice(-4)}` : "");
/** 123450 → "1 234,50 ₽" / "1,234.50 ₽": grouped thousands, as the cabinet's screens write money. */
function money(kop: number, lang: Lang): string {
  const abs = Math.abs(Math.round(kop));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, lang === "ru" ? " " : ",");
  return `${kop < 0 ? "-" : ""}${whole}${lang === "ru" ? "," : "."}${String(abs % 100).padStart(2, "0")} ₽`;
}
/** Renders an event's texts in the subscriber's language. `until` and `day` params are already local to the region. */
/** How a credited payment was paid, as a phrase after «Платёж» (a card says nothing: it was the only way). */
const METHOD_NOTE: Record<"ru" | "en", Record<string, string>> = {
  ru: { sbp: " через СБП", sberpay: " через SberPay", tpay: " через T-Pay", bank: " по платёжному поручению" },
  en: { sbp: " by SBP", sberpay: " by SberPay", tpay: " by T-Pay", bank: " by payment order" },
};

export function render(kind: NotificationKind, lang: Lang, accountNo: string | null, p: Params): Rendered {
  const ru = lang === "ru";
  const acc = accountNo ? `/accounts/${accountNo}` : "/accounts";
  const t = tail(accountNo);
  // Account numbers in the texts as the screens show them: "2010 0000 0012".
  const no = accountNo ? formatAccountNoPlain(accountNo) : "";
  switch (kind) {
    case "low_balance":
      return {
        title: ru ? `Баланс ниже ${money(num(p, "thresholdKop"), lang)}` : `Balance below ${money(num(p, "thresholdKop"), lang)}`,
        body: ru
          ? `На счёте ${no} осталось ${money(num(p, "balanceKop"), lang)}. Пополните, чтобы услуги не остановились.`
          : `Account ${no} has ${money(num(p, "balanceKop"), lang)} left. Top up to keep your services on.`,
        sms: ru
          ? `Счёт ${t}: баланс ${money(num(p, "balanceKop"), lang)}, ниже порога`
          : `Acc ${t}: balance ${money(num(p, "balanceKop"), lang)}, low`,
        url: `${acc}?topup`,
      };
    case "runs_out": {
      const days = countOf(lang, num(p, "days"), DAYS[lang]);
      return {
        title: ru ? `Денег хватит на ${days}` : `Money lasts ${num(p, "days")} more ${plural(lang, num(p, "days"), DAYS.en)}`,
        body: ru
          ? `По счёту ${no} баланса ${money(num(p, "balanceKop"), lang)} хватит примерно на ${days}.`
          : `The balance of account ${no} (${money(num(p, "balanceKop"), lang)}) lasts about ${days}.`,
        sms: ru ? `Счёт ${t}: денег хватит на ${days}. Пополните счёт` : `Acc ${t}: money lasts ${days}`,
        url: `${acc}?topup`,
      };
    }
    case "payment_credited":
      return {
        title: ru ? `Зачислено ${money(num(p, "amountKop"), lang)}` : `${money(num(p, "amountKop"), lang)} credited`,
        body: ru
          ? `Платёж${METHOD_NOTE.ru[str(p, "method")] ?? ""} на счёт ${no} зачислен. ${str(p, "method") === "bank" ? "Он — в истории счёта." : "Чек — в разделе платежей."}`
          : `The payment${METHOD_NOTE.en[str(p, "method")] ?? ""} to account ${no} is credited. ${str(p, "method") === "bank" ? "It is in the account's history." : "The receipt is in payments."}`,
        sms: ru ? `Счёт ${t}: зачислено ${money(num(p, "amountKop"), lang)}` : `Acc ${t}: ${money(num(p, "amountKop"), lang)} credited`,
        url: str(p, "paymentId") ? `${acc}/payments/${str(p, "paymentId")}` : acc,
      };
    case "charge_made":
      return {
        title: ru ? `Списано ${money(num(p, "amountKop"), lang)}` : `${money(num(p, "amountKop"), lang)} charged`,
        body: ru
          ? `За ${dayText(str(p, "day"), lang)} со счёта ${no} списано ${money(num(p, "amountKop"), lang)} за услуги.`
          : `${money(num(p, "amountKop"), lang)} was charged to account ${no} for ${dayText(str(p, "day"), lang)}.`,
        sms: ru
          ? `Счёт ${t}: списано ${money(num(p, "amountKop"), lang)} за ${str(p, "day")}`
          : `Acc ${t}: ${money(num(p, "amountKop"), lang)} charged`,
        url: acc,
      };
    case "autopay_notice":
      return {
        title: ru
          ? `Автоплатёж ${money(num(p, "amountKop"), lang)} ${str(p, "day")}`
          : `Autopay of ${money(num(p, "amountKop"), lang)} on ${str(p, "day")}`,
        body: ru
          ? `${str(p, "day")} с карты •••• ${str(p, "last4")} будет списано ${money(num(p, "amountKop"), lang)} на счёт ${no}. Остановить автоплатёж можно в личном кабинете.`
          : `On ${str(p, "day")} ${money(num(p, "amountKop"), lang)} will be charged to card •••• ${str(p, "last4")} for account ${no}. You can stop autopay in the cabinet.`,
        sms: ru
          ? `${str(p, "day")} автоплатёж ${money(num(p, "amountKop"), lang)} на счёт ${t}`
          : `Autopay ${money(num(p, "amountKop"), lang)} to ${t} on ${str(p, "day")}`,
        url: `${acc}#autopay`,
      };
    case "autopay_failed": {
      const reason = str(p, "reason");
      const why = ru
        ? reason === "limit"
          ? "достигнут месячный лимит автоплатежа"
          : reason === "no_card"
            ? "карта автоплатежа удалена"
            : "банк отклонил списание"
        : reason === "limit"
          ? "the monthly autopay limit is reached"
          : reason === "no_card"
            ? "the autopay card was removed"
            : "the bank declined the charge";
      return {
        title: ru ? "Автоплатёж не прошёл" : "Autopay failed",
        body: ru
          ? `Не удалось списать ${money(num(p, "amountKop"), lang)} на счёт ${no}: ${why}. ${num(p, "attemptsLeft") > 0 ? `Попробуем ещё ${num(p, "attemptsLeft")} раз.` : "Пополните счёт вручную или смените карту."}`
          : `Could not charge ${money(num(p, "amountKop"), lang)} for account ${no}: ${why}. ${num(p, "attemptsLeft") > 0 ? `We will try ${num(p, "attemptsLeft")} more times.` : "Please top up manually or change the card."}`,
        sms: ru ? `Счёт ${t}: автоплатёж ${money(num(p, "amountKop"), lang)} не прошёл` : `Acc ${t}: autopay failed`,
        url: `${acc}?topup`,
      };
    }
    case "tariff_change":
    case "promo":
      return {
        title: str(p, "title"),
        body: str(p, "body"),
        sms: str(p, "title").slice(0, 70),
        url: str(p, "url") || (kind === "promo" ? "/" : "/tariffs"),
      };
    case "application_status": {
      const status = str(p, `status_${lang}`) || str(p, "status");
      // What the application is about: its kind, the service («Интернет 100»), the account.
      const service = str(p, `service_${lang}`);
      const about = [
        `${str(p, `kind_${lang}`)}${service ? (ru ? ` «${service}»` : ` “${service}”`) : ""}`,
        accountNo ? (ru ? `счёт ${no}` : `account ${no}`) : "",
      ]
        .filter((s) => s.trim())
        .join(", ");
      const what = about ? `${about}. ` : "";
      return {
        title: ru ? `Заявка № ${str(p, "number")}: ${status}` : `Application ${str(p, "number")}: ${status}`,
        body: ru ? `${what}Заявка № ${str(p, "number")} — ${status}.` : `${what}Application ${str(p, "number")} is now: ${status}.`,
        sms: ru ? `Заявка ${str(p, "number")}: ${status}`.slice(0, 70) : `Application ${str(p, "number")}: ${status}`.slice(0, 70),
        url: str(p, "url") || "/notifications",
      };
    }
    case "block": {
      const start = str(p, "phase") === "start";
      return {
        title: ru ? (start ? "Блокировка началась" : "Блокировка снята") : start ? "Block started" : "Block lifted",
        body: ru
          ? `Счёт ${no}: ${start ? `добровольная блокировка до ${dayText(str(p, "day"), lang)}` : "услуги снова работают."}`
          : `Account ${no}: ${start ? `voluntary block until ${dayText(str(p, "day"), lang)}` : "services are back on"}.`,
        sms: ru
          ? `Счёт ${t}: ${start ? `блокировка до ${str(p, "day")}` : "блокировка снята"}`
          : `Acc ${t}: block ${start ? "started" : "lifted"}`,
        url: acc,
      };
    }
    case "support_reply": {
      if (str(p, "chat"))
        return {
          title: ru ? "Ответ в чате поддержки" : "Support replied in the chat",
          body: ru
            ? `${str(p, "operator") || "Оператор"} ответил(а) вам в чате.`
            : `${str(p, "operator") || "An operator"} answered you in the chat.`,
          sms: ru ? "Поддержка ответила вам в чате" : "Support answered you in the chat",
          url: str(p, "url") || "/support",
        };
      const status = str(p, `status_${lang}`);
      return {
        title: status
          ? ru
            ? `Обращение № ${str(p, "ticket")}: ${status}`
            : `Request ${str(p, "ticket")}: ${status}`
          : ru
            ? "Ответ поддержки"
            : "Support replied",
        body: status
          ? ru
            ? `Статус обращения № ${str(p, "ticket")}: ${status}.`
            : `Request ${str(p, "ticket")} is now: ${status}.`
          : ru
            ? `В обращении № ${str(p, "ticket")} новый ответ.`
            : `There is a new reply in request ${str(p, "ticket")}.`,
        sms: ru
          ? `Обращение ${str(p, "ticket")}: ${status || "новый ответ поддержки"}`.slice(0, 70)
          : `Request ${str(p, "ticket")}: ${status || "new reply"}`.slice(0, 70),
        url: str(p, "url") || "/support",
      };
    }
    case "report_ready":
      return {
        title: ru ? `Детализация по счёту ${t} готова` : `Usage detail for ${t} is ready`,
        body: ru
          ? `Детализация по счёту ${no} с ${dayText(str(p, "from"), lang)} по ${dayText(str(p, "to"), lang)} (${str(p, "format")}, записей: ${num(p, "rows")}) готова. Скачать можно в личном кабинете.`
          : `Usage detail for account ${no}, ${dayText(str(p, "from"), lang)} to ${dayText(str(p, "to"), lang)} (${str(p, "format")}, ${num(p, "rows")} records), is ready to download in the cabinet.`,
        sms: ru ? `Счёт ${t}: детализация готова, она в личном кабинете` : `Acc ${t}: usage detail is ready in the cabinet`,
        url: `${acc}/usage?report=${encodeURIComponent(str(p, "reportId"))}`,
      };
    case "outage": {
      const resolved = str(p, "phase") === "resolved";
      return {
        title: resolved ? (ru ? "Авария устранена" : "Outage resolved") : str(p, "title"),
        body: resolved
          ? ru
            ? `«${str(p, "title")}»: связь восстановлена. Спасибо за терпение.`
            : `"${str(p, "title")}": service is restored. Thank you for your patience.`
          : ru
            ? `Ожидаем восстановление до ${str(p, "until")}. Ничего делать не нужно.`
            : `We expect to restore service by ${str(p, "until")}. No action is needed.`,
        sms: resolved
          ? ru
            ? "Авария устранена, связь восстановлена"
            : "Outage resolved, service restored"
          : ru
            ? `Авария в сети. Восстановим до ${str(p, "until")}`
            : `Network outage. Back by ${str(p, "until")}`,
        // The home screen, naming the notice: an isolate's copy of the outages that predates it is read again.
        url: str(p, "id") ? `/?${resolved ? "outage-resolved" : "outage"}=${encodeURIComponent(str(p, "id"))}` : "/",
      };
    }
    case "number_limit": {
      // A corporate number's monthly spend reached 80 % or 100 % of its limit (features/business/numbers).
      const msisdn = str(p, "msisdn");
      const pct = num(p, "threshold");
      const blocked = num(p, "blocked") === 1;
      const spent = money(num(p, "spendKop"), lang);
      const limit = money(num(p, "limitKop"), lang);
      return {
        title: ru ? `Номер ${msisdn}: ${pct}% лимита` : `Number ${msisdn}: ${pct}% of its limit`,
        body: ru
          ? `Расходы номера ${msisdn} в этом месяце — ${spent} из ${limit}.${blocked ? " Номер заблокирован до следующего месяца или до увеличения лимита." : ""}`
          : `Number ${msisdn} has spent ${spent} of ${limit} this month.${blocked ? " It is blocked until next month or until the limit is raised." : ""}`,
        sms: blocked
          ? ru
            ? `Номер ${msisdn}: лимит исчерпан, номер заблокирован`
            : `Number ${msisdn}: limit reached, blocked`
          : ru
            ? `Номер ${msisdn}: израсходовано ${pct}% лимита`
            : `Number ${msisdn}: ${pct}% of the limit spent`,
        url: `/business/${encodeURIComponent(str(p, "orgId"))}/numbers`,
      };
    }
  }
}

/** SMS parts: 70 characters per single UCS-2 message (67 per part when split), 160/153 for GSM-7 text. */
export function smsParts(text: string): number {
  const gsm = /^[\n\r\x20-\x7E]*$/.test(text) && !/[[\]{}\\^~|`]/.test(text);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return text.length <= single ? 1 : Math.ceil(text.length / part);
}
