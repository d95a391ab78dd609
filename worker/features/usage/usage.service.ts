import { USAGE_CATEGORIES, type UsageCategory } from "../../db/schema/region";
import { hmacBase64Url, timingSafeEqual } from "../../platform/crypto";
import type { DataAccess, RegionDb, ShardBinding } from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { isId, newId, parseAccountNo } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { addDays, daysBetween, localDay, monthStart, regionTz } from "../../platform/region";
import { guardCount, POLICY } from "../../platform/throttle";
import { requireAccount } from "../accounts/accounts.service";
import { CATEGORIES_OF_KIND, CATEGORY_LABELS, localClock } from "./usage.format";
import { firstDailyMonth, foldBeforeMonth, RETENTION_MONTHS, STORAGE_MONTHS } from "./usage.limits";
import type { ReportMessage } from "./usage.messages";
import * as q from "./usage.queries";
import { selectRecords } from "./usage.records";
import { type CategoryTotal, grandTotal } from "./usage.report";
import { monthKey } from "./usage.store";

export { RETENTION_MONTHS, STORAGE_MONTHS };

/** Accounts whose expired months one shard gives up per round, and rounds per shard per tick (docs/usage-ingest.md). */
const EXPIRE_ACCOUNTS = 90;
const EXPIRE_ROUNDS = 10;
/** The longest period of one view or report. */
export const MAX_PERIOD_DAYS = 93;
/** How long a generated file is kept in R2 (and a signed link works at most). */
export const REPORT_TTL_MS = 7 * 24 * 3600_000;
/** Reports one subscriber may order an hour (each is a queue job of up to a few seconds of CPU). */
export const REPORTS_PER_HOUR = POLICY.reports.lockAfter;

export interface UsageQuery {
  from?: string;
  to?: string;
  serviceId?: string;
  categories?: UsageCategory[];
}

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * The holder's account for usage detail: calls and messages are private by
 * law (126-ФЗ art. 63), so only the contract holder (the owner link) gets them;
 * relatives who may pay or view get a 403 saying so.
 */
export async function requireHolder(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data, subscriberId, accountNo);
  if (link.role !== "owner") throw new AppError(403, "usage_owner_only");
  const tz = regionTz(link.region);
  return { ...link, tz, db: data.shard(link.shard) };
}

/** Checks a period and a service against the account, in its region's calendar; defaults: the last 30 days, every service. */
export async function resolveFilter(db: RegionDb, accountNo: string, tz: string, query: UsageQuery, now: Date) {
  const today = localDay(tz, now);
  const fromDay = query.from ?? addDays(today, -29);
  const toDay = query.to ?? today;
  const errors: FieldError[] = [];
  if (fromDay > toDay) errors.push({ field: "from", message: "field.usage.order" });
  if (toDay > today) errors.push({ field: "to", message: "field.usage.future" });
  if (fromDay.slice(0, 7) < firstDailyMonth(today)) errors.push({ field: "from", message: "field.usage.too_old" });
  else if (daysBetween(fromDay, toDay) > MAX_PERIOD_DAYS) errors.push({ field: "to", message: "field.usage.too_long" });
  const [accountRows, services] = await q.selectAccountWithServices(db, accountNo);
  const account = accountRows[0];
  if (!account) throw new AppError(404, "not_found");
  const service = query.serviceId ? services.find((s) => s.id === query.serviceId) : undefined;
  if (query.serviceId && !service) errors.push({ field: "serviceId", message: "field.usage.service" });
  if (query.categories && query.categories.length === 0) errors.push({ field: "categories", message: "field.usage.categories" });
  if (errors.length) throw new AppError(400, "validation", {}, errors);
  const offered = service ? CATEGORIES_OF_KIND[service.kind] : USAGE_CATEGORIES;
  const categories = query.categories ? USAGE_CATEGORIES.filter((c) => query.categories?.includes(c)) : [...offered];
  const filter: q.UsageFilter = { accountNo, fromDay, toDay, serviceId: service?.id ?? null, categories };
  return { filter, account, services, service: service ?? null };
}

function totalsOf(rows: Awaited<ReturnType<typeof q.selectUsageTotals>>): CategoryTotal[] {
  return USAGE_CATEGORIES.flatMap((c) => {
    const r = rows.find((x) => x.category === c);
    return r ? [{ category: c, count: r.count, durationSec: r.durationSec || 0, volumeKb: r.volumeKb || 0, costKop: r.costKop || 0 }] : [];
  });
}

const encodeCursor = (c: q.UsageCursor) => btoa(JSON.stringify([c.day, c.at, c.id])).replace(/=+$/, "");
function decodeCursor(s: string): q.UsageCursor {
  try {
    const [day, at, id] = JSON.parse(atob(s)) as [unknown, unknown, unknown];
    if (typeof day === "string" && /^\d{4}-\d{2}-\d{2}$/.test(day) && typeof at === "number" && typeof id === "string")
      return { day, at, id };
  } catch {
    // falls through to the field error
  }
  throw new AppError(400, "validation", {}, [{ field: "cursor", message: "Invalid cursor" }]);
}

/** The on-screen detail («Обновить»): a page of records in time order and the totals of the whole filter. */
export async function usageView(
  data: DataAccess,
  files: R2Bucket,
  subscriberId: string,
  accountNo: string,
  query: UsageQuery & { cursor?: string; limit: number },
  now = new Date(),
) {
  const holder = await requireHolder(data, subscriberId, accountNo);
  const { filter, services } = await resolveFilter(holder.db, holder.accountNo, holder.tz, query, now);
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const [rows, totals] = await Promise.all([selectRecords(files, filter, after, query.limit + 1), q.selectUsageTotals(holder.db, filter)]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const byCategory = totalsOf(totals);
  const clock = localClock(holder.tz, new Date(dayMs(filter.fromDay)), new Date(dayMs(filter.toDay)));
  return {
    accountNo: holder.accountNo,
    tz: holder.tz,
    from: filter.fromDay,
    to: filter.toDay,
    serviceId: filter.serviceId,
    categories: [...filter.categories],
    labels: CATEGORY_LABELS,
    services: services.map((s) => ({
      id: s.id,
      kind: s.kind,
      name: { ru: s.nameRu, en: s.nameEn },
      status: s.status,
      categories: [...CATEGORIES_OF_KIND[s.kind]],
    })),
    items: page.map((r) => ({
      id: r.id,
      serviceId: r.serviceId,
      category: r.category,
      direction: r.direction,
      peer: r.peer,
      startedAt: new Date(r.startedAt).toISOString(),
      local: clock.text(new Date(r.startedAt)),
      durationSec: r.durationSec,
      volumeKb: r.volumeKb,
      costKop: r.costKop,
      title: r.titleRu === null ? null : { ru: r.titleRu, en: r.titleEn ?? r.titleRu },
    })),
    totals: byCategory,
    total: grandTotal(byCategory),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ day: last.localDay, at: last.startedAt, id: last.id }) : null,
  };
}

export interface OrderInput extends UsageQuery {
  format: "pdf" | "xlsx";
  delivery: "cabinet" | "email";
  email?: string;
}

/** Orders a report: recorded as queued, then made by the `reports` consumer. */
export async function orderReport(
  data: DataAccess,
  queue: { send(m: ReportMessage): Promise<unknown> },
  subscriberId: string,
  accountNo: string,
  input: OrderInput,
  lang: Lang,
  now = new Date(),
) {
  const holder = await requireHolder(data, subscriberId, accountNo);
  const { filter } = await resolveFilter(holder.db, holder.accountNo, holder.tz, input, now);
  const email = input.delivery === "email" ? (input.email ?? (await q.selectSubscriberEmail(data.global, subscriberId))) : null;
  if (input.delivery === "email" && !email) throw new AppError(400, "validation", {}, [{ field: "email", message: "field.usage.email" }]);
  // Checked and counted in one step by the subscriber's throttle object.
  await guardCount("reports", subscriberId, now.getTime());
  const id = newId(now.getTime());
  const row: q.NewReport = {
    id,
    accountNo: holder.accountNo,
    subscriberId,
    serviceId: filter.serviceId,
    fromDay: filter.fromDay,
    toDay: filter.toDay,
    categories: filter.categories.join(","),
    format: input.format,
    delivery: input.delivery,
    email,
    lang,
    status: "queued",
    createdAt: now,
  };
  await q.insertReport(holder.db, row);
  await queue.send({ kind: "usage_report", reportId: id, accountNo: holder.accountNo, shard: holder.shard });
  return reportView({
    ...row,
    email,
    serviceId: filter.serviceId,
    progress: 0,
    attempts: 0,
    rowCount: null,
    totalCostKop: null,
    sizeBytes: null,
    fileKey: null,
    error: null,
    readyAt: null,
    expiresAt: null,
  });
}

export function reportView(r: q.Report) {
  return {
    id: r.id,
    accountNo: r.accountNo,
    serviceId: r.serviceId,
    from: r.fromDay,
    to: r.toDay,
    categories: r.categories.split(",").filter((c): c is UsageCategory => (USAGE_CATEGORIES as readonly string[]).includes(c)),
    format: r.format,
    delivery: r.delivery,
    email: r.email,
    status: r.status,
    progress: r.progress,
    rowCount: r.rowCount,
    totalCostKop: r.totalCostKop,
    sizeBytes: r.sizeBytes,
    createdAt: r.createdAt.toISOString(),
    readyAt: r.readyAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    downloadUrl: r.status === "ready" ? `/api/v1/accounts/${r.accountNo}/usage/reports/${r.id}/file` : null,
  };
}

export async function listReports(data: DataAccess, subscriberId: string, accountNo: string) {
  const holder = await requireHolder(data, subscriberId, accountNo);
  return (await q.selectReports(holder.db, holder.accountNo, subscriberId)).map(reportView);
}

/** One of the subscriber's own reports; anyone else's (or a missing one) is the same 404. */
export async function getReport(data: DataAccess, subscriberId: string, accountNo: string, id: string) {
  const holder = await requireHolder(data, subscriberId, accountNo);
  const r = await q.selectReport(holder.db, holder.accountNo, id);
  if (!r || r.subscriberId !== subscriberId) throw new AppError(404, "not_found");
  return r;
}

/** The stored file of a ready report, or the reason there is none (409 still running, 410 expired or failed). */
export async function reportFile(files: R2Bucket, r: q.Report) {
  if (r.status === "expired") throw new AppError(410, "report_expired");
  if (r.status === "failed") throw new AppError(410, "report_failed");
  if (r.status !== "ready" || !r.fileKey) throw new AppError(409, "report_not_ready");
  const obj = await files.get(r.fileKey);
  if (!obj) throw new AppError(410, "report_expired");
  return obj;
}

export const contentType = { pdf: "application/pdf", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } as const;

/** `attachment` with an ASCII name and the Russian one (RFC 6266 / 5987). */
export function contentDisposition(r: Pick<q.Report, "accountNo" | "fromDay" | "toDay" | "format" | "lang">) {
  const ascii = `usage-${r.accountNo}-${r.fromDay}-${r.toDay}.${r.format}`;
  const name = r.lang === "ru" ? `Детализация ${r.accountNo} ${r.fromDay}—${r.toDay}.${r.format}` : ascii;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A link to a report's file that works without a session until `expiresAt` (what an emailed report carries). */
export async function signedLink(secret: string, r: { accountNo: string; id: string }, expiresAt: Date): Promise<string> {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  const payload = `${r.accountNo}.${r.id}.${exp}`;
  return `/files/reports/${payload}.${await hmacBase64Url(secret, `usage-report:${payload}`)}`;
}

/** The report a signed link names, if the signature is ours and it has not expired; otherwise 404 (or 410 when only old). */
export async function reportBySignedLink(data: DataAccess, secret: string, token: string, now = new Date()) {
  const [accountNoRaw = "", id = "", expRaw = "", sig = ""] = token.split(".");
  const payload = `${accountNoRaw}.${id}.${expRaw}`;
  const expected = await hmacBase64Url(secret, `usage-report:${payload}`);
  const accountNo = parseAccountNo(accountNoRaw);
  if (!accountNo || !isId(id) || !/^\d{1,12}$/.test(expRaw) || !timingSafeEqual(sig, expected)) throw new AppError(404, "not_found");
  if (Number(expRaw) * 1000 < now.getTime()) throw new AppError(410, "report_expired");
  const found = await data.shardForAccount(accountNo);
  const r = found ? await q.selectReport(found.db, accountNo, id) : undefined;
  if (!r) throw new AppError(404, "not_found");
  return r;
}

/** Removes the files of reports past their expiry from R2 and marks them expired (the 15-minute cron). */
export async function expireReports(data: DataAccess, files: R2Bucket, shards: readonly ShardBinding[], now = new Date()) {
  let removed = 0;
  for (const shard of shards) {
    const db = data.shard(shard);
    const rows = await q.selectExpiredReports(db, now);
    if (rows.length === 0) continue;
    const keys = rows.flatMap((r) => (r.fileKey ? [r.fileKey] : []));
    if (keys.length) await files.delete(keys);
    await q.markExpired(
      db,
      rows.map((r) => r.id),
    );
    removed += rows.length;
  }
  return removed;
}

/** Accounts one fold takes a page, and pages per shard per tick: ≤ 2 D1 calls a page, plus the seeks for a month. */
export const FOLD_ACCOUNTS = 90;
export const FOLD_ROUNDS = 10;

/**
 * Folds the day rows of months the screen no longer shows into month rows (usage.limits.ts `foldBeforeMonth`), a
 * page of accounts at a time, oldest month first: a mobile number's day rows are ~158 a month, its month rows ~12,
 * so a shard keeps seven months of days and month rows for the rest of the three years. Returns the accounts folded.
 */
export async function foldUsage(data: DataAccess, shards: readonly ShardBinding[], now = new Date()) {
  const before = foldBeforeMonth(localDay("Europe/Moscow", now));
  const oldest = monthStart(before, -STORAGE_MONTHS - 1).slice(0, 7);
  let folded = 0;
  for (const shard of shards) {
    const db = data.shard(shard);
    let month = await q.oldestDayMonth(db, oldest, before, STORAGE_MONTHS + 2);
    for (let round = 0; month && round < FOLD_ROUNDS; round++) {
      const page = await q.selectAccountsWithDays(db, month, FOLD_ACCOUNTS);
      if (page.length > 0) {
        try {
          await q.foldMonth(
            db,
            page.map((p) => p.accountNo),
            month,
          );
        } catch (e) {
          // A move froze one of the page's accounts since it was read (its trigger refuses the batch, which is undone
          // whole): the next tick folds it. The tick's other jobs go on.
          log("warn", "usage.fold_skipped", { shard, month, error: errorText(e) });
          break;
        }
        folded += page.length;
      }
      // The month is done (but for an account a move has frozen: the next tick's), so on from the next one.
      if (page.length < FOLD_ACCOUNTS) month = await q.oldestDayMonth(db, monthStart(month, 1).slice(0, 7), before, STORAGE_MONTHS + 2);
    }
  }
  return folded;
}

/**
 * Retention (126-ФЗ): removes every account-month older than STORAGE_MONTHS
 * full months before the current one (Moscow's calendar) — its R2 object first,
 * then its daily totals, which are also the index of which objects exist: a
 * crash in between leaves the totals, and the next tick deletes again.
 */
export async function expireUsage(data: DataAccess, files: R2Bucket, shards: readonly ShardBinding[], now = new Date()) {
  const thisMonth = `${localDay("Europe/Moscow", now).slice(0, 8)}01`;
  const beforeDay = monthStart(thisMonth, -STORAGE_MONTHS);
  let months = 0;
  for (const shard of shards) {
    const db = data.shard(shard);
    for (let round = 0; round < EXPIRE_ROUNDS; round++) {
      const rows = await q.selectExpiredMonths(db, beforeDay, EXPIRE_ACCOUNTS);
      if (rows.length === 0) break;
      const keys = rows.map((r) => monthKey(r.accountNo, r.month));
      // R2 deletes up to 1,000 keys per call.
      for (let i = 0; i < keys.length; i += 1000) await files.delete(keys.slice(i, i + 1000));
      await q.deleteTotalsBefore(db, [...new Set(rows.map((r) => r.accountNo))], beforeDay);
      months += rows.length;
    }
  }
  return months;
}
