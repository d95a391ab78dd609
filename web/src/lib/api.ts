import type { z } from "zod";
import type { Confirmation, PaymentMethod } from "../../../worker/adapters/payments";
import type { Account, LedgerEntry } from "../../../worker/features/accounts/accounts.routes";
import type { ProfileDto, SessionDto } from "../../../worker/features/auth/auth.routes";
import type { Payment } from "../../../worker/features/payments/payments.routes";
import type { Receipt } from "../../../worker/features/payments/receipts";
import type {
  ApplicationDto as Application,
  Tariff as ServiceTariff,
  terminationQuoteRoute,
  visitSlotsRoute,
} from "../../../worker/features/services/services.routes";
import type { Report as UsageReport, UsageView } from "../../../worker/features/usage/usage.routes";

export type PaymentDto = z.infer<typeof Payment>;
export type ReceiptDto = Receipt;
export interface CardDto {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}
export interface AutopayDto {
  cardId: string;
  mode: "threshold" | "monthly";
  thresholdKop: number | null;
  dayOfMonth: number | null;
  amountKop: number;
  monthlyLimitKop: number;
  nextChargeAfter: string | null;
  lastResult: string | null;
}
export interface PaymentOptionsDto {
  minKop: number;
  maxKop: number;
  suggestedKop: number[];
  /** What the acquirer offers, in order (older servers: absent, card only). */
  methods?: PaymentMethod[];
  cards: CardDto[];
  autopay: AutopayDto | null;
  promised: {
    eligible: boolean;
    refusals: string[];
    minKop: number;
    maxKop: number;
    days: number;
    open: { id: string; amountKop: number; dueAt: string } | null;
  };
}

export type AccountDto = z.infer<typeof Account>;
export type LedgerEntryDto = z.infer<typeof LedgerEntry>;
export interface InsightDto {
  balanceKop: number;
  dailyKop: number;
  daysLeft: number | null;
  lastsUntil: string | null;
  lowBalanceKop: number | null;
  months: {
    month: string;
    totalKop: number;
    services: { serviceId: string | null; name: { ru: string; en: string }; spentKop: number }[];
  }[];
}

import type {
  ContactDto,
  OfficeDto,
  RegionContextDto,
  RegionSummaryDto,
  ServiceOptionDto,
  TariffDto,
} from "../../../worker/features/regions/regions.routes";

/** The region's offices and the tiles to show them on (null: no provider configured, the schematic map only). */
export interface OfficesDto {
  items: OfficeDto[];
  map: { tiles: string; attribution: string; attributionUrl: string | null } | null;
}
export type { ContactDto, OfficeDto, ProfileDto, RegionContextDto, RegionSummaryDto, ServiceOptionDto, SessionDto, TariffDto };

/** An RFC 9457 problem from the API, already in the user's language. */
export interface BonusDto {
  accountNo: string;
  status: "active" | "left" | "none";
  balance: number;
  expiringSoon: number;
  history: { id: string; kind: string; points: number; description: { ru: string; en: string }; createdAt: string }[];
  rules: { version: string; ratePct: Record<string, number>; autopayMonthly: number; tenureYearly: number; expiryMonths: number };
}
export interface RewardDto {
  id: string;
  kind: "discount" | "traffic" | "partner";
  cost: number;
  title: string;
  partner: string | null;
  valueKop: number | null;
}
export interface RedemptionDto {
  id: string;
  rewardId: string;
  points: number;
  code: string | null;
  creditedKop: number | null;
  createdAt: string;
}
export type Channel = "sms" | "email" | "push" | "inapp";
export interface InboxItemDto {
  id: string;
  kind: string;
  accountNo: string | null;
  title: string;
  body: string;
  url: string;
  createdAt: string;
  read: boolean;
}
export interface InboxDto {
  items: InboxItemDto[];
  unread: number;
}
export interface NotificationPrefsDto {
  accountNo: string;
  kinds: {
    kind: string;
    label: string;
    channels: Channel[];
    isDefault: boolean;
    required: Channel[] | null;
    marketing: boolean;
    urgent: boolean;
  }[];
  quiet: { from: string; to: string } | null;
  marketing: boolean;
  pushDevices: number;
}
export interface OutageDto {
  id: string;
  title: string;
  expectedEnd: string;
  accountNos?: string[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
  /** Seconds until a refused request may be made again (the response's Retry-After), when the server said. */
  retryAfter?: number;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
    this.name = "ApiError";
  }
}

let currentLang: "ru" | "en" = "ru";
/** The language sent with every request, so problems come back in it. */
export function setApiLang(lang: "ru" | "en") {
  currentLang = lang;
}

/** A JSON request to the API in the chosen language; a problem answer is thrown as an ApiError. */
export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    credentials: "same-origin",
    headers: { accept: "application/json", "accept-language": currentLang, ...(init.headers ?? {}) },
  });
  if (!res.ok) {
    const isProblem = (res.headers.get("content-type") ?? "").includes("problem+json");
    const problem: Problem = isProblem
      ? ((await res.json()) as Problem)
      : { type: "about:blank", title: res.statusText || "Error", status: res.status };
    const retryAfter = Number(res.headers.get("retry-after"));
    if (retryAfter > 0) problem.retryAfter = retryAfter;
    throw new ApiError(problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const send = <T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown) =>
  request<T>(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });

/** The logged-in subscriber, or null when not logged in. */
async function me(): Promise<ProfileDto | null> {
  // The server's companion cookie says whether there is a session at all (the session cookie itself is HttpOnly).
  if (!/(?:^|;\s*)kab_in=1/.test(document.cookie)) return null;
  const ready = fromBoot("me");
  if (ready) return ready;
  try {
    return (await request<{ profile: ProfileDto }>("/api/v1/me")).profile;
  } catch (e) {
    if (e instanceof ApiError && e.problem.status === 401) return null;
    throw e;
  }
}

type Items<T> = { items: T[] };
type AccountsDto = { items: AccountDto[]; totalKop: number; viewOnlyKop: number };

/**
 * Data the server put into the first page (region context, support numbers),
 * used once instead of a request; later calls go to the network.
 */
const boot: {
  region?: RegionContextDto;
  contacts?: ContactDto[];
  tariffs?: TariffDto[];
  services?: ServiceOptionDto[];
  me?: ProfileDto;
  accounts?: AccountsDto;
  outages?: OutageDto[];
} = (() => {
  const el = typeof document === "undefined" ? null : document.getElementById("kabinet-boot");
  if (!el?.textContent) return {};
  el.remove();
  try {
    return JSON.parse(el.textContent) as typeof boot;
  } catch {
    return {};
  }
})();
function fromBoot<K extends keyof typeof boot>(key: K): NonNullable<(typeof boot)[K]> | undefined {
  const value = boot[key];
  delete boot[key];
  return value ?? undefined;
}

export const api = {
  region: () => {
    const ready = fromBoot("region");
    return ready ? Promise.resolve(ready) : request<RegionContextDto>("/api/v1/region");
  },
  regions: () => request<Items<RegionSummaryDto>>("/api/v1/regions").then((r) => r.items),
  tariffs: () => {
    const ready = fromBoot("tariffs");
    return ready ? Promise.resolve(ready) : request<Items<TariffDto>>("/api/v1/region/tariffs").then((r) => r.items);
  },
  services: () => {
    const ready = fromBoot("services");
    return ready ? Promise.resolve(ready) : request<Items<ServiceOptionDto>>("/api/v1/region/services").then((r) => r.items);
  },
  offices: () => request<OfficesDto>("/api/v1/region/offices"),
  contacts: () => {
    const ready = fromBoot("contacts");
    return ready ? Promise.resolve(ready) : request<Items<ContactDto>>("/api/v1/region/contacts").then((r) => r.items);
  },
  me,
  login: (identifier: string, password: string) =>
    send<{ profile: ProfileDto }>("POST", "/api/v1/auth/login", { identifier, password }).then((r) => r.profile),
  logout: () => send<void>("POST", "/api/v1/auth/logout"),
  sessions: () => request<Items<SessionDto>>("/api/v1/me/sessions").then((r) => r.items),
  endSession: (id: string) => send<void>("DELETE", `/api/v1/me/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () => send<void>("POST", "/api/v1/me/sessions/end-others"),
  requestLoginCode: (identifier: string, channel?: "sms" | "email") => send<CodeSent>("POST", "/api/v1/auth/code", { identifier, channel }),
  loginWithCode: (identifier: string, code: string) =>
    send<{ profile: ProfileDto }>("POST", "/api/v1/auth/code/verify", { identifier, code }).then((r) => r.profile),
  startRegistration: (by: RegisterBy) => send<CodeSent>("POST", "/api/v1/auth/register/start", by),
  completeRegistration: (body: RegisterBy & { code: string; login: string; password: string; displayName?: string }) =>
    send<{ profile: ProfileDto }>("POST", "/api/v1/auth/register/complete", body).then((r) => r.profile),
  captcha: () => request<Record<string, unknown>>("/api/v1/auth/captcha"),
  startRecovery: (identifier: string, channel: "sms" | "email", captcha: string) =>
    send<CodeSent>("POST", "/api/v1/auth/recover/start", { identifier, channel, captcha }),
  completeRecovery: (identifier: string, code: string, password: string) =>
    send<{ profile: ProfileDto }>("POST", "/api/v1/auth/recover/complete", { identifier, code, password }).then((r) => r.profile),
  providers: () => request<Items<{ id: string; name: { ru: string; en: string } }>>("/api/v1/auth/providers").then((r) => r.items),
  identities: () =>
    request<Items<{ provider: string; name: { ru: string; en: string }; displayName: string | null; linkedAt: string }>>(
      "/api/v1/me/identities",
    ).then((r) => r.items),
  unlinkIdentity: (provider: string) => send<void>("DELETE", `/api/v1/me/identities/${encodeURIComponent(provider)}`),
  passkeys: () =>
    request<Items<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>>("/api/v1/me/passkeys").then((r) => r.items),
  passkeyRegisterOptions: () => send<Record<string, unknown>>("POST", "/api/v1/me/passkeys/options"),
  registerPasskey: (credential: unknown, name: string) => send<{ id: string }>("POST", "/api/v1/me/passkeys", { credential, name }),
  deletePasskey: (id: string) => send<void>("DELETE", `/api/v1/me/passkeys/${encodeURIComponent(id)}`),
  passkeyLoginOptions: () => send<Record<string, unknown>>("POST", "/api/v1/auth/passkey/options"),
  loginWithPasskey: (credential: unknown) =>
    send<{ profile: ProfileDto }>("POST", "/api/v1/auth/passkey/verify", { credential }).then((r) => r.profile),
  accounts: () => {
    const ready = fromBoot("accounts");
    return ready ? Promise.resolve(ready) : request<AccountsDto>("/api/v1/accounts");
  },
  account: (no: string) => request<AccountDto>(`/api/v1/accounts/${encodeURIComponent(no)}`),
  history: (no: string, params: URLSearchParams) =>
    request<{ items: LedgerEntryDto[]; nextCursor: string | null }>(`/api/v1/accounts/${encodeURIComponent(no)}/history?${params}`),
  insight: (no: string) => request<InsightDto>(`/api/v1/accounts/${encodeURIComponent(no)}/insight`),
  setLowBalance: (no: string, thresholdKop: number | null) =>
    request<void>(`/api/v1/accounts/${encodeURIComponent(no)}/low-balance`, {
      method: "PUT",
      body: JSON.stringify({ thresholdKop }),
      headers: { "content-type": "application/json" },
    }),
  startAccountLink: (accountNo: string, channel: "sms" | "email") =>
    send<CodeSent>("POST", "/api/v1/accounts/link/start", { accountNo, channel }),
  confirmAccountLink: (accountNo: string, code: string, role: "payer" | "viewer") =>
    send<void>("POST", "/api/v1/accounts/link/confirm", { accountNo, code, role }),
  unlinkAccount: (no: string) => send<void>("DELETE", `/api/v1/accounts/${encodeURIComponent(no)}/link`),
  paymentOptions: (no: string) => request<PaymentOptionsDto>(`/api/v1/accounts/${encodeURIComponent(no)}/payment-options`),
  /** Top-up; the same `key` (one per attempt on the screen) never makes a second payment. */
  pay: (no: string, body: { amountKop: number; method?: PaymentMethod; saveCard?: boolean; cardId?: string }, key: string) =>
    request<{ payment: PaymentDto; confirmationUrl: string | null; confirmation?: Confirmation | null }>(
      `/api/v1/accounts/${encodeURIComponent(no)}/payments`,
      {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", "idempotency-key": key },
      },
    ),
  payment: (no: string, id: string) => request<PaymentDto>(`/api/v1/accounts/${encodeURIComponent(no)}/payments/${encodeURIComponent(id)}`),
  payments: (no: string) => request<Items<PaymentDto>>(`/api/v1/accounts/${encodeURIComponent(no)}/payments`).then((r) => r.items),
  receipt: (no: string, id: string) =>
    request<ReceiptDto>(`/api/v1/accounts/${encodeURIComponent(no)}/payments/${encodeURIComponent(id)}/receipt`),
  deleteCard: (id: string) => send<void>("DELETE", `/api/v1/me/cards/${encodeURIComponent(id)}`),
  setAutopay: (no: string, body: Omit<AutopayDto, "nextChargeAfter" | "lastResult">) =>
    request<void>(`/api/v1/accounts/${encodeURIComponent(no)}/autopay`, {
      method: "PUT",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  stopAutopay: (no: string) => send<void>("DELETE", `/api/v1/accounts/${encodeURIComponent(no)}/autopay`),
  takePromised: (no: string, amountKop: number, key: string) =>
    request<{ id: string; amountKop: number; dueAt: string }>(`/api/v1/accounts/${encodeURIComponent(no)}/promised-payment`, {
      method: "POST",
      body: JSON.stringify({ amountKop }),
      headers: { "content-type": "application/json", "idempotency-key": key },
    }),
  inbox: () => request<InboxDto>("/api/v1/notifications"),
  markRead: (ids: string[] | "all") =>
    send<{ marked: number; unread: number }>("POST", "/api/v1/notifications/read", ids === "all" ? { all: true } : { ids }),
  notificationPrefs: (accountNo = "*") =>
    request<NotificationPrefsDto>(`/api/v1/notifications/preferences?accountNo=${encodeURIComponent(accountNo)}`),
  setNotificationPrefs: (body: {
    accountNo: string;
    kinds: { kind: string; channels: Channel[] }[];
    reset?: boolean;
    quiet?: { from: string; to: string } | null;
    marketing?: boolean;
  }) =>
    request<void>("/api/v1/notifications/preferences", {
      method: "PUT",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  pushKey: () => request<{ publicKey: string }>("/api/v1/push/key").then((r) => r.publicKey),
  subscribePush: (sub: { endpoint: string; keys: { p256dh: string; auth: string } }, lang: "ru" | "en") =>
    send<{ id: string }>("POST", "/api/v1/push/subscriptions", { ...sub, lang }),
  unsubscribePush: (endpoint: string) => send<void>("POST", "/api/v1/push/unsubscribe", { endpoint }),
  outages: () => {
    const ready = fromBoot("outages");
    return ready ? Promise.resolve(ready) : request<Items<OutageDto>>("/api/v1/outages").then((r) => r.items);
  },
  bonus: (no: string) => request<BonusDto>(`/api/v1/accounts/${encodeURIComponent(no)}/bonus`),
  bonusRewards: (no: string) => request<Items<RewardDto>>(`/api/v1/accounts/${encodeURIComponent(no)}/bonus/rewards`).then((r) => r.items),
  bonusRedemptions: (no: string) =>
    request<Items<RedemptionDto>>(`/api/v1/accounts/${encodeURIComponent(no)}/bonus/redemptions`).then((r) => r.items),
  joinBonus: (no: string) => send<void>("POST", `/api/v1/accounts/${encodeURIComponent(no)}/bonus/join`, { consent: true }),
  leaveBonus: (no: string) => send<void>("POST", `/api/v1/accounts/${encodeURIComponent(no)}/bonus/leave`, { confirm: true }),
  redeem: (no: string, rewardId: string, key: string) =>
    request<RedemptionDto>(`/api/v1/accounts/${encodeURIComponent(no)}/bonus/redemptions`, {
      method: "POST",
      body: JSON.stringify({ rewardId }),
      headers: { "content-type": "application/json", "idempotency-key": key },
    }),
  startStepUp: () => send<CodeSent>("POST", "/api/v1/auth/step-up/start"),
  verifyStepUp: (code: string) => send<{ validUntil: string }>("POST", "/api/v1/auth/step-up/verify", { code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    send<void>("POST", "/api/v1/me/password", currentPassword ? { currentPassword, newPassword } : { newPassword }),
  startContactChange: (kind: "phone" | "email", value: string) => send<CodeSent>("POST", `/api/v1/me/${kind}/start`, { [kind]: value }),
  confirmContactChange: (kind: "phone" | "email", code: string) =>
    send<{ profile: ProfileDto }>("POST", `/api/v1/me/${kind}/verify`, { code }).then((r) => r.profile),
};

export interface CodeSent {
  expiresAt: string;
}

export type RegisterBy =
  | { by: "account"; accountNo: string; channel: "sms" | "email" }
  | { by: "phone"; phone: string }
  | { by: "email"; email: string };

/** The problem of a failed call, or a generic one for network errors. */
export function problemOf(e: unknown, fallbackTitle: string): Problem {
  return e instanceof ApiError ? e.problem : { type: "network", title: fallbackTitle, status: 0 };
}

export type UsageViewDto = z.infer<typeof UsageView>;
export type UsageReportDto = z.infer<typeof UsageReport>;
export type UsageOrder = {
  from: string;
  to: string;
  serviceId?: string;
  categories?: string[];
  format: "pdf" | "xlsx";
  delivery: "cabinet" | "email";
  email?: string;
};

/** Usage detail (детализация): the on-screen view, ordered reports and their progress. */
export const usageApi = {
  view: (no: string, params: URLSearchParams) => request<UsageViewDto>(`/api/v1/accounts/${encodeURIComponent(no)}/usage?${params}`),
  order: (no: string, body: UsageOrder) => send<UsageReportDto>("POST", `/api/v1/accounts/${encodeURIComponent(no)}/usage/reports`, body),
  reports: (no: string) => request<Items<UsageReportDto>>(`/api/v1/accounts/${encodeURIComponent(no)}/usage/reports`).then((r) => r.items),
};

export type ServiceTariffDto = z.infer<typeof ServiceTariff>;
export type ApplicationDto = z.infer<typeof Application>;
export type VisitSlotsDto = z.infer<(typeof visitSlotsRoute)["responses"][200]["content"]["application/json"]["schema"]>;
export type TerminationQuoteDto = z.infer<(typeof terminationQuoteRoute)["responses"][200]["content"]["application/json"]["schema"]>;
export interface TariffOfferDto {
  accountNo: string;
  serviceId: string;
  current: ServiceTariffDto;
  effectiveDay: string;
  pending: { toTariffId: string; effectiveDay: string; status: string } | null;
  alternatives: (ServiceTariffDto & { monthlyDiffKop: number; restOfMonthDiffKop: number; needsTechnician: boolean })[];
}
export interface AdvisorDto {
  months: { month: string; minutes: number; dataKb: number; paidSms: number; international: number }[];
  options: {
    tariff: ServiceTariffDto;
    current: boolean;
    slower: boolean;
    months: { month: string; feeKop: number; extraKop: number; totalKop: number }[];
    totalKop: number;
    savingKop: number;
  }[];
  best: string | null;
}
export interface OptionsDto {
  accountNo: string;
  canChange: boolean;
  services: {
    serviceId: string;
    kind: string;
    name: { ru: string; en: string };
    status: string;
    options: { id: string; name: { ru: string; en: string }; priceKop: number; dailyKop: number; restOfMonthKop: number; on: boolean }[];
  }[];
}
export interface AllowanceDto {
  total: number;
  used: number;
  left: number;
}
/** What is left of each mobile number's package this month. */
export interface PackagesDto {
  accountNo: string;
  month: string;
  asOf: string;
  items: {
    serviceId: string;
    name: { ru: string; en: string };
    status: string;
    minutes: AllowanceDto;
    sms: AllowanceDto;
    dataMb: AllowanceDto;
  }[];
}
export type LineVerdict = "ok" | "port_down" | "no_session" | "blocked" | "suspended";
export type LineStep = "restart_router" | "check_cable" | "callout" | "pay" | "end_block";
/** The operator's side of a home line (проверка линии) and what to do next. */
export interface LineCheckDto {
  serviceId: string;
  verdict: LineVerdict;
  port: "up" | "down";
  session: "up" | "down";
  speedMbps: number | null;
  checkedAt: string;
  nextSteps: LineStep[];
}
export interface BlockQuoteDto {
  days: number;
  savedKop: number;
  feeKop: number;
  savingKop: number;
  usedThisYear: number;
  earliest: string;
  rules: { minDays: number; maxDays: number; maxDaysPerYear: number; freeDaysPerYear: number; feePerDayKop: number };
  errors: string[];
}
export interface BlockDto {
  id: string;
  serviceId: string;
  fromDay: string;
  toDay: string;
  status: string;
  feeKop: number;
  applicationId: string;
}
export interface CoverageDto {
  street: string;
  house: string;
  available: boolean;
  maxMbps: number;
  technologies: { technology: "gpon" | "fttb" | "adsl"; maxMbps: number; tv: boolean }[];
  tariffs: ServiceTariffDto[];
}

const acc = (no: string) => `/api/v1/accounts/${encodeURIComponent(no)}`;
const svc = (no: string, id: string) => `${acc(no)}/services/${encodeURIComponent(id)}`;
const put = <T>(path: string, body: unknown) =>
  request<T>(path, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

/** Services of an account, coverage and applications. */
export const servicesApi = {
  offer: (no: string, id: string) => request<TariffOfferDto>(`${svc(no, id)}/tariffs`),
  changeTariff: (no: string, id: string, tariffId: string) =>
    send<{ effectiveDay: string | null; applicationId: string | null; status: string }>("POST", `${svc(no, id)}/tariff`, { tariffId }),
  cancelChange: (no: string, id: string) => send<void>("DELETE", `${svc(no, id)}/tariff-change`),
  advisor: (no: string, id: string) => request<AdvisorDto>(`${svc(no, id)}/advisor`),
  options: (no: string) => request<OptionsDto>(`${acc(no)}/options`),
  packages: (no: string) => request<PackagesDto>(`${acc(no)}/packages`),
  lineCheck: (no: string, id: string) => send<LineCheckDto>("POST", `${svc(no, id)}/line-check`),
  setOption: (no: string, id: string, optionId: string, on: boolean) =>
    put<{ on: boolean }>(`${svc(no, id)}/options/${encodeURIComponent(optionId)}`, { on }),
  blockQuote: (no: string, id: string, from: string, to: string) =>
    request<BlockQuoteDto>(`${svc(no, id)}/block-quote?${new URLSearchParams({ from, to })}`),
  block: (no: string, id: string, from: string, to: string) =>
    send<BlockDto & { number: string }>("POST", `${svc(no, id)}/blocks`, { from, to }),
  blocks: (no: string) => request<Items<BlockDto>>(`${acc(no)}/blocks`).then((r) => r.items),
  endBlock: (no: string, blockId: string) => send<{ status: string }>("POST", `${acc(no)}/blocks/${encodeURIComponent(blockId)}/end`),
  coverage: (street: string, house: string) => request<CoverageDto>(`/api/v1/region/coverage?${new URLSearchParams({ street, house })}`),
  streets: (q: string) => request<Items<string>>(`/api/v1/region/coverage/streets?${new URLSearchParams({ q })}`).then((r) => r.items),
  apply: (body: Record<string, unknown>) => send<ApplicationDto>("POST", "/api/v1/applications", body),
  applications: () => request<Items<ApplicationDto>>("/api/v1/applications").then((r) => r.items),
  application: (id: string) => request<ApplicationDto>(`/api/v1/applications/${encodeURIComponent(id)}`),
  cancel: (id: string) => send<ApplicationDto>("POST", `/api/v1/applications/${encodeURIComponent(id)}/cancel`),
  visitSlots: (id: string) => request<VisitSlotsDto>(`/api/v1/applications/${encodeURIComponent(id)}/visit/slots`),
  moveVisit: (id: string, day: string, slot: string) =>
    put<ApplicationDto>(`/api/v1/applications/${encodeURIComponent(id)}/visit`, { day, slot }),
  terminationQuote: (no: string) => request<TerminationQuoteDto>(`${acc(no)}/termination`),
};

/** The operators' API, with the token the operator typed (kept for this tab only). */
export const opsApi = {
  request: async <T>(token: string, path: string, init: RequestInit = {}) =>
    request<T>(`/ops/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers ?? {}) },
    }),
};

/** The same request helper for feature-local clients (their code stays in their lazy chunks). */
export { request as apiRequest };
