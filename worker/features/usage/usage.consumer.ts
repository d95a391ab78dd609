import type { UsageCategory } from "../../db/schema/region";
import { dayText } from "../../platform/dates";
import { type DataAccess, isShardBinding, type RegionDb } from "../../platform/db";
import { siteUrlFrom } from "../../platform/host";
import { errorText, log } from "../../platform/log";
import { retryDelaySeconds } from "../../platform/queue";
import { localDay, regionTz } from "../../platform/region";
import type { NotificationMessage } from "../notifications/notifications.messages";
import { CATEGORY_LABELS } from "./usage.format";
import { ReportMessage } from "./usage.messages";
import type { PdfFonts } from "./usage.pdf";
import * as q from "./usage.queries";
import { recordsOf } from "./usage.records";
import { grandTotal, reportPdf, reportXlsx } from "./usage.report";
import { contentDisposition, contentType, REPORT_TTL_MS, resolveFilter, signedLink } from "./usage.service";

/** Attempts at making one report before it is marked failed and the subscriber told. */
export const MAX_REPORT_ATTEMPTS = 3;

export interface ReportDeps {
  data: DataAccess;
  files: R2Bucket;
  fonts: () => Promise<PdfFonts>;
  notify: (m: NotificationMessage) => Promise<void>;
  siteTemplate: string;
  linkSecret: string;
  now?: () => Date;
}

let fontCache: Promise<PdfFonts> | undefined;

/**
 * The PDF fonts (PT Sans, OFL, with Cyrillic), served as static assets from
 * `dist/fonts/` and read once per isolate: kept out of the Worker bundle.
 */
export function assetFonts(assets: Fetcher): () => Promise<PdfFonts> {
  return () => {
    fontCache ??= (async () => {
      const get = async (name: string) => {
        const res = await assets.fetch(new Request(`https://assets.invalid/fonts/${name}`));
        if (!res.ok) throw new Error(`font ${name}: ${res.status}`);
        return res.arrayBuffer();
      };
      const [regular, bold] = await Promise.all([get("PTSans-Regular.ttf"), get("PTSans-Bold.ttf")]);
      return { regular, bold };
    })().catch((e) => {
      fontCache = undefined;
      throw e;
    });
    return fontCache;
  };
}

/**
 * Where the report's row is now: the account's shard in the directory, which a shard move may have switched since the
 * report was ordered (the move copies the row; the message still names the shard it was ordered on, which is the
 * shard only while the directory has no row). While the account is frozen for a move, its source refuses the claim's
 * update and the message is retried.
 */
async function reportShard(deps: ReportDeps, m: ReportMessage): Promise<{ db: RegionDb; region: string } | null> {
  const found = await deps.data.shardForAccount(m.accountNo);
  if (found) return found;
  if (!isShardBinding(m.shard)) return null;
  return { db: deps.data.shard(m.shard), region: "msk" };
}

/**
 * Makes one report: claims it (a redelivered message for a finished report
 * does nothing), reads the records a chunk at a time in index order, writes
 * the PDF or XLSX, stores it in R2 with its expiry, marks it ready and tells
 * the subscriber. Returns what happened, for the queue's ack or retry.
 */
export async function makeReport(deps: ReportDeps, m: ReportMessage): Promise<"ready" | "skipped"> {
  const held = await reportShard(deps, m);
  if (!held) return "skipped";
  const db = held.db;
  const now = deps.now?.() ?? new Date();
  const report = await q.claimReport(db, m.reportId, MAX_REPORT_ATTEMPTS);
  if (!report) {
    // Finished already (a redelivery), or every attempt died without a word (CPU limit): then it is failed, not left running.
    await q.failReport(db, m.reportId, "attempts exhausted", "running");
    return "skipped";
  }
  const region = held.region;
  const tz = regionTz(region);
  // The filter was checked when ordered; resolved again here for the account's header and services.
  const { filter, account, service } = await resolveFilter(
    db,
    report.accountNo,
    tz,
    {
      from: report.fromDay,
      to: report.toDay,
      serviceId: report.serviceId ?? undefined,
      categories: report.categories.split(",") as UsageCategory[],
    },
    report.createdAt,
  );
  const totals = (await q.selectUsageTotals(db, filter)).map((t) => ({
    category: t.category,
    count: t.count,
    durationSec: t.durationSec || 0,
    volumeKb: t.volumeKb || 0,
    costKop: t.costKop || 0,
  }));
  const order = Object.keys(CATEGORY_LABELS);
  totals.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category));
  const all = grandTotal(totals);
  async function* chunks() {
    for await (const rows of recordsOf(deps.files, filter)) yield rows.map((r) => ({ ...r, startedAt: new Date(r.startedAt) }));
  }
  let reported = 0;
  const onRows = async (n: number) => {
    const pct = all.records ? Math.min(95, Math.floor((n / all.records) * 95)) : 95;
    if (pct >= reported + 10) {
      reported = pct;
      await q.setProgress(db, report.id, pct);
    }
  };
  const head = {
    lang: report.lang,
    tz,
    accountNo: report.accountNo,
    holderName: account.holderName,
    address: account.address,
    serviceName: service ? (report.lang === "ru" ? service.nameRu : service.nameEn) : null,
    fromDay: filter.fromDay,
    toDay: filter.toDay,
    categories: filter.categories,
    generatedAt: now,
    totals,
  };
  const bytes =
    report.format === "pdf" ? await reportPdf(await deps.fonts(), head, chunks(), onRows) : await reportXlsx(head, chunks(), onRows);
  const fileKey = `reports/${report.accountNo}/${report.id}.${report.format}`;
  const expiresAt = new Date(now.getTime() + REPORT_TTL_MS);
  await deps.files.put(fileKey, bytes, {
    httpMetadata: { contentType: contentType[report.format], contentDisposition: contentDisposition(report) },
    customMetadata: { reportId: report.id, expiresAt: expiresAt.toISOString() },
  });
  const done = await q.finishReport(db, report.id, {
    rowCount: all.records,
    totalCostKop: all.costKop,
    sizeBytes: bytes.byteLength,
    fileKey,
    readyAt: now,
    expiresAt,
  });
  if (!done) return "skipped";
  const params = { reportId: report.id, format: report.format.toUpperCase(), from: filter.fromDay, to: filter.toDay, rows: all.records };
  const site = siteUrlFrom(deps.siteTemplate, region);
  if (report.delivery === "email" && report.email) {
    const link = `${site}${await signedLink(deps.linkSecret, report, expiresAt)}`;
    const ru = report.lang === "ru";
    // Days as words in the reader's language; the last day of the link is the region's calendar day.
    const [from, to, until] = [filter.fromDay, filter.toDay, localDay(tz, expiresAt)].map((d) => dayText(d, report.lang));
    await deps.notify({
      channel: "email",
      to: report.email,
      subject: ru ? `Детализация по счёту ${report.accountNo}` : `Usage detail for account ${report.accountNo}`,
      text: ru
        ? `Детализация по счёту ${report.accountNo} за период с ${from} по ${to} (${params.format}, записей: ${all.records}) готова.\n\nСкачать до ${until}: ${link}\n\nЕсли вы не заказывали детализацию, не открывайте ссылку и сообщите в поддержку.`
        : `Usage detail for account ${report.accountNo} from ${from} to ${to} (${params.format}, ${all.records} records) is ready.\n\nDownload by ${until}: ${link}\n\nIf you did not order it, do not open the link and tell support.`,
      dedupeKey: `report:${report.id}:email`,
      subscriberId: report.subscriberId,
    });
  }
  await deps.notify({
    channel: "event",
    eventId: `report:${report.id}`,
    kind: "report_ready",
    subscriberId: report.subscriberId,
    accountNo: report.accountNo,
    params,
    // Sent to the address asked for already: no second email of the same report.
    ...(report.delivery === "email" ? { skipChannels: ["email" as const] } : {}),
  });
  return "ready";
}

/** The `reports` queue: one report per message, acked when made or already made, retried with backoff, failed after the last attempt. */
export async function consumeReports(batch: MessageBatch<unknown>, deps: ReportDeps): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ReportMessage.safeParse(message.body);
    if (!parsed.success) {
      log("warn", "reports.malformed", { messageId: message.id });
      message.ack();
      continue;
    }
    const m = parsed.data;
    const started = Date.now();
    try {
      const outcome = await makeReport(deps, m);
      log("info", "reports.done", { reportId: m.reportId, outcome, ms: Date.now() - started });
      message.ack();
    } catch (err) {
      const last = message.attempts >= MAX_REPORT_ATTEMPTS;
      log(last ? "error" : "warn", "reports.error", { reportId: m.reportId, attempts: message.attempts, error: errorText(err) });
      const held = last ? await reportShard(deps, m).catch(() => null) : null;
      if (held) {
        await q.failReport(held.db, m.reportId, errorText(err));
        message.ack();
      } else message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
