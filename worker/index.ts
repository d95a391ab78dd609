import { deliverSandboxWebhooks, sandboxPages } from "./adapters/payments/sandbox";
import { acquirerFor } from "./adapters/payments/select";
import { createApp } from "./app";
import { accountsRouter } from "./features/accounts/accounts.index";
import {
  backfillContractContacts,
  isContractContactsBackfillMessage,
  startContractContactsBackfill,
} from "./features/accounts/contract-contacts.backfill";
import { backfillHolders, isHoldersBackfillMessage, startHoldersBackfill } from "./features/accounts/holders.backfill";
import { backfillLinks, isLinksBackfillMessage, startLinksBackfill } from "./features/accounts/links.backfill";
import { backfillPlaces, isPlacesBackfillMessage, startPlacesBackfill } from "./features/accounts/places.backfill";
import { authRouter } from "./features/auth/auth.index";
import { backfillSignIns, isSignInBackfillMessage, startSignInBackfill } from "./features/auth/sign-ins.backfill";
import { opsBankRouter } from "./features/bank/bank.index";
import { type BankLinesMessage, isBankLinesMessage, processPendingLines, startPendingLines } from "./features/bank/bank.service";
import { bonusRouter } from "./features/bonus/bonus.index";
import { businessRouter, opsBusinessRouter } from "./features/business/business.index";
import { isClosingMessage } from "./features/business/closing.messages";
import { type ClosingDeps, consumeClosing, queueClosingMonth } from "./features/business/closing.service";
import { consumeFigures, isOrgFiguresMessage } from "./features/business/figures.service";
import { consumeReconciliations, isReconciliationMessage } from "./features/business/reconciliation.service";
import { isOrgSweepMessage, type OrgSweepMessage, startOrgSweep, sweepOrgPayments } from "./features/business/topup.service";
import { consumeRegionDay, consumeStepShard, isRegionDayMessage, isStepShardMessage } from "./features/cron/daily.service";
import { consumeShardTick, isShardTickMessage, queueShardTicks } from "./features/cron/shard-tick.service";
import { healthRouter } from "./features/health/health.index";
import { helpRouter } from "./features/help/help.index";
import { cleanExpired } from "./features/housekeeping/housekeeping.service";
import { consumeDeadLetters, consumeNotifications } from "./features/notifications/notifications.consumer";
import { notificationsRouter, operatorRouter } from "./features/notifications/notifications.index";
import { DEAD_LETTER_QUEUE, NOTIFICATIONS_QUEUE } from "./features/notifications/notifications.messages";
import { providersRouter } from "./features/notifications/providers.index";
import { isPageNavigation, withBootData } from "./features/pages/pages.boot";
import { pagesRouter } from "./features/pages/pages.index";
import { paymentsRouter, webhookRouter } from "./features/payments/payments.index";
import { regionsRouter } from "./features/regions/regions.index";
import { opsApplicationsRouter, servicesRouter } from "./features/services/services.index";
import { opsShardsRouter } from "./features/shards/shards.index";
import { devDropHandler } from "./features/support/support.handlers";
import { opsSupportRouter, supportRouter } from "./features/support/support.index";
import { assetFonts, consumeReports, type ReportDeps } from "./features/usage/usage.consumer";
import { usageFilesRouter, usageRouter } from "./features/usage/usage.index";
import { consumeUsage, USAGE_QUEUE } from "./features/usage/usage.ingest";
import { REPORTS_QUEUE } from "./features/usage/usage.messages";
import { createDataAccess, type DataAccess } from "./platform/db";
import { AppError } from "./platform/errors";
import { sweepGatherRuns } from "./platform/gather";
import { apexOrigin } from "./platform/host";
import { errorText, type LogFields, log } from "./platform/log";
import { measuredCron, measuredQueue } from "./platform/metrics";
import { notifier } from "./platform/notify";
import { devOnly, requireSecrets, sandboxWebhookDevOnly, unusableConfig } from "./platform/production";
import { BILLING_QUEUE, failedFirst, handOn, retryDelaySeconds } from "./platform/queue";
import { sessionMiddleware } from "./platform/session";

const app = createApp();
// Production mode (DEV_MODE off): no development helper exists, and a missing or development secret closes
// the money and identity routes (platform/production.ts, platform/secrets.ts).
app.use("/dev/*", devOnly);
app.use("/sandbox/*", devOnly);
app.use("/webhooks/acquirer", sandboxWebhookDevOnly);
app.use("*", requireSecrets);
app.use("/api/*", sessionMiddleware);
app.route("/api/v1", regionsRouter);
app.route("/api/v1", authRouter);
app.route("/api/v1", accountsRouter);
app.route("/api/v1", paymentsRouter);
app.route("/api/v1", notificationsRouter);
app.route("/api/v1", bonusRouter);
app.route("/api/v1", usageRouter);
app.route("/api/v1", servicesRouter);
app.route("/api/v1", helpRouter);
app.route("/api/v1", supportRouter);
app.route("/api/v1", businessRouter);
app.route("/ops/v1", operatorRouter);
app.route("/ops/v1", opsApplicationsRouter);
app.route("/ops/v1", opsShardsRouter);
app.route("/ops/v1", opsSupportRouter);
app.route("/ops/v1", opsBusinessRouter);
app.route("/ops/v1", opsBankRouter);
app.post("/dev/support/chats/:chatId/drop", devDropHandler);
app.route("/", healthRouter);
app.route("/", webhookRouter);
app.route("/", providersRouter);
app.route("/", usageFilesRouter);
app.route("/", sandboxPages);
app.route("/", pagesRouter);

app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", {
  type: "http",
  scheme: "bearer",
  description: "OPERATOR_TOKEN: the operators' API (outages, announcements, applications); not the support console, which signs in",
});
app.doc31("/api/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "Kabinet API",
    version: "1.0.0",
    description:
      "Self-service cabinet of a regional telecom provider. Errors are application/problem+json (RFC 9457) in the request's language (Accept-Language or ?lang=ru|en).",
  },
  // The configured base domain, never the Host the document was asked on.
  servers: [{ url: apexOrigin(new URL(c.req.url), c.env.BASE_DOMAIN) }],
}));

// Anything else under the Worker's own prefixes (the API, the operators' API, the
// sandbox acquirer, dev tools, webhooks, report files) is a problem+json 404, never the SPA.
for (const prefix of ["/api/*", "/ops/v1/*", "/sandbox/*", "/dev/*", "/webhooks/*", "/files/*"]) app.all(prefix, (c) => c.notFound());

// Everything else is the PWA (Workers Static Assets, SPA fallback to index.html): read-only.
app.all("*", async (c) => {
  if (c.req.method !== "GET" && c.req.method !== "HEAD") throw new AppError(405, "method_not_allowed", {}, [], { allow: "GET, HEAD" });
  const res = await c.env.ASSETS.fetch(c.req.raw);
  // Static Assets answers its own errors with an empty body: ours are problems.
  if (res.status >= 400) {
    await res.body?.cancel();
    throw new AppError(res.status === 405 ? 405 : 404, res.status === 405 ? "method_not_allowed" : "not_found");
  }
  if ((res.headers.get("content-type") ?? "").startsWith("text/html") && c.req.method === "GET" && isPageNavigation(c.req.raw))
    return withBootData(c, res);
  // Copy so that middleware can add headers (fetched responses are immutable).
  const out = new Response(res.body, res);
  // Built files carry a content hash in their name: they never change.
  if (res.ok && new URL(c.req.url).pathname.startsWith("/assets/")) out.headers.set("cache-control", "public, max-age=31536000, immutable");
  return out;
});

/** The rest of a large bank statement's lines (bank.service.ts); retried with backoff on its own. */
async function consumeBankLines(message: Message<unknown>, data: ReturnType<typeof createDataAccess>, env: Env) {
  try {
    const body = message.body as BankLinesMessage;
    await processPendingLines(data, env.BILLING, env.NOTIFICATIONS, new Date(), { after: body.after, run: body.run });
    message.ack();
  } catch (err) {
    log("error", "bank.lines_failed", { error: errorText(err) });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/** A message of the organisations' payments sweep (topup.service.ts); retried with backoff on its own. */
async function consumeOrgSweep(message: Message<unknown>, body: OrgSweepMessage, data: ReturnType<typeof createDataAccess>, env: Env) {
  try {
    const acquirer = acquirerFor(env, `https://${env.BASE_DOMAIN}`);
    const done = await sweepOrgPayments(data, acquirer, notifier(env), new Date(), body, env.BILLING);
    log("info", "org_payment.swept", done);
    message.ack();
  } catch (err) {
    log("error", "org_payment.sweep_error", { error: errorText(err) });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/**
 * A message of a backfill's pass (platform/passes.ts: the sign-in rows', features/auth/sign-ins.backfill.ts; the
 * contracts' contacts', features/accounts/contract-contacts.backfill.ts; the holder rows', features/accounts/holders.backfill.ts): its page, logged as `<event>ed`, or retried
 * with backoff on its own, logged as `<event>_error`.
 */
async function consumePassPage(message: Message<unknown>, event: string, page: () => Promise<LogFields>) {
  try {
    log("info", `${event}ed`, await page());
    message.ack();
  } catch (err) {
    log("error", `${event}_error`, { error: errorText(err) });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/**
 * The backfills' passes on the billing queue (platform/passes.ts), each a heavy message of its own invocation: one list,
 * which both picks the heavy message of a batch and works it, so that a pass cannot be left out of one of the two (a
 * message no handler takes falls to the sandbox's webhooks, which ack it).
 */
const PASS_PAGES: readonly {
  is: (body: unknown) => boolean;
  event: string;
  page: (data: DataAccess, now: Date, m: { run?: string }, queue: Queue<unknown>) => Promise<LogFields>;
}[] = [
  { is: isSignInBackfillMessage, event: "sign_in.backfill", page: backfillSignIns },
  { is: isHoldersBackfillMessage, event: "account_holders.backfill", page: backfillHolders },
  { is: isLinksBackfillMessage, event: "subscriber_links.backfill", page: backfillLinks },
  { is: isContractContactsBackfillMessage, event: "contract_contacts.backfill", page: backfillContractContacts },
  { is: isPlacesBackfillMessage, event: "account_places.backfill", page: backfillPlaces },
];

/** A queue's role whatever its environment: `kabinet-staging-billing` → `billing`. */
const queueRole = (name: string) => name.slice(name.lastIndexOf("-") + 1);

/** The Durable Object class of the support chats' live rooms (binding CHAT_ROOMS). */
export { ChatRoom } from "./features/support/chat.room";
/** The Durable Object class of the abuse limits, one object per throttle key (binding THROTTLES). */
export { Throttle } from "./platform/throttle.do";
export { app };

/** What the reports consumer needs from the environment. */
export function reportDeps(env: Env): ReportDeps {
  return {
    data: createDataAccess(env),
    files: env.FILES,
    fonts: assetFonts(env.ASSETS),
    notify: notifier(env),
    siteTemplate: env.SITE_URL,
    linkSecret: env.REPORT_LINK_SECRET,
  };
}

/** What the closing documents' consumer needs (issue 24): the reports' files, fonts and notices. */
export function closingDeps(env: Env): ClosingDeps {
  const r = reportDeps(env);
  return { data: r.data, queue: env.REPORTS, files: r.files, fonts: r.fonts, notify: r.notify, siteTemplate: r.siteTemplate };
}

const handlers = {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    // Each environment has its own queues (kabinet-notifications locally, kabinet-production-notifications, …): the role is the last part.
    const role = queueRole(batch.queue);
    // A broken production configuration (platform/production.ts) holds the work back, never runs it on defaults:
    // the messages wait and retry; dead letters are still kept.
    if (role !== queueRole(DEAD_LETTER_QUEUE) && unusableConfig(env).length > 0) {
      log("error", "queue.held", { queue: batch.queue, messages: batch.messages.length });
      batch.retryAll({ delaySeconds: 300 });
      return;
    }
    if (role === queueRole(NOTIFICATIONS_QUEUE)) return consumeNotifications(batch, env);
    if (role === queueRole(DEAD_LETTER_QUEUE)) return consumeDeadLetters(batch, env);
    if (role === queueRole(REPORTS_QUEUE)) {
      // The reports queue carries usage reports, the monthly closing documents and the акты сверки; each kind
      // goes to its own consumer.
      const closing = batch.messages.filter((m) => isClosingMessage(m.body));
      const acts = batch.messages.filter((m) => isReconciliationMessage(m.body));
      const figures = batch.messages.filter((m) => isOrgFiguresMessage(m.body));
      if (closing.length > 0) await consumeClosing(closing, closingDeps(env));
      if (acts.length > 0) await consumeReconciliations(acts, { ...reportDeps(env), queue: env.REPORTS });
      if (figures.length > 0) await consumeFigures(figures, { data: createDataAccess(env), files: env.FILES, queue: env.REPORTS });
      const reports = batch.messages.filter((m) => !closing.includes(m) && !acts.includes(m) && !figures.includes(m));
      if (reports.length === 0) return;
      return consumeReports({ ...batch, queue: batch.queue, messages: reports }, reportDeps(env));
    }
    if (role === queueRole(USAGE_QUEUE)) return consumeUsage(batch, { data: createDataAccess(env), files: env.FILES, queue: env.USAGE });
    if (role === queueRole(BILLING_QUEUE)) {
      const data = createDataAccess(env);
      // A region's day and the rest of a bank statement each spend up to a whole invocation's 1,000 D1 queries (their
      // own budgets): one of them is worked here, alone, and everything else in the batch is sent again for another
      // invocation (a batch of ten regions' midnights would otherwise make ten times the limit and fail them all).
      // One that failed before goes first (platform/queue.ts failedFirst): its failures count towards the dead letters.
      const heavy = failedFirst(batch.messages).find(
        (m) =>
          isRegionDayMessage(m.body) ||
          isStepShardMessage(m.body) ||
          isBankLinesMessage(m.body) ||
          isShardTickMessage(m.body) ||
          isOrgSweepMessage(m.body) ||
          PASS_PAGES.some((p) => p.is(m.body)),
      );
      if (heavy) {
        await handOn(
          env.BILLING,
          batch.messages.filter((m) => m !== heavy),
        );
        if (isRegionDayMessage(heavy.body))
          await consumeRegionDay(heavy, data, notifier(env), env.BILLING, retryDelaySeconds(heavy.attempts));
        else if (isStepShardMessage(heavy.body))
          await consumeStepShard(heavy, data, notifier(env), env.BILLING, retryDelaySeconds(heavy.attempts));
        else if (isShardTickMessage(heavy.body)) {
          const acquirer = acquirerFor(env, `https://${env.BASE_DOMAIN}`);
          await consumeShardTick(
            heavy,
            { data, queue: env.BILLING, files: env.FILES, acquirer, notify: notifier(env) },
            retryDelaySeconds(heavy.attempts),
          );
        } else if (isOrgSweepMessage(heavy.body)) await consumeOrgSweep(heavy, heavy.body, data, env);
        else {
          const pass = PASS_PAGES.find((p) => p.is(heavy.body));
          const run = (heavy.body as { run?: string }).run;
          if (pass) await consumePassPage(heavy, pass.event, () => pass.page(data, new Date(), { run }, env.BILLING));
          else await consumeBankLines(heavy, data, env);
        }
        return;
      }
      const webhooks = batch.messages;
      return deliverSandboxWebhooks({ ...batch, queue: batch.queue, messages: webhooks }, env, (req) =>
        Promise.resolve(app.fetch(req, env, _ctx)),
      );
    }
    // A queue without a consumer here is a configuration error: retry, then dead-letter.
    log("error", "queue.unknown", { queue: batch.queue });
    batch.retryAll({ delaySeconds: 60 });
  },

  async scheduled(controller, env, _ctx) {
    // Missed ticks are caught up (cron_progress), so a tick with a broken production configuration is skipped.
    if (unusableConfig(env).length > 0) {
      log("error", "cron.held", { cron: controller.cron });
      return;
    }
    if (controller.cron === "*/15 * * * *") {
      const at = new Date(controller.scheduledTime);
      const data = createDataAccess(env);
      // Each shard's share (reports, usage months, requests) in a message of its own, sent first: the global database's
      // expired rows, cleaned here, failing (D1 busy, a bad row) must not hold back every shard's housekeeping.
      const shardsQueued = await queueShardTicks(data, env.BILLING, "quarter", at);
      const removed = await cleanExpired(data, at).catch((e: unknown) => {
        log("error", "cron.clean_failed", { error: errorText(e) });
        return {};
      });
      // What dead chains of reads over many shards left in R2 (platform/gather.ts), a day on.
      const gatherObjects = await sweepGatherRuns(env.FILES, at).catch((e: unknown) => {
        log("error", "cron.gather_sweep_failed", { error: errorText(e) });
        return 0;
      });
      log("info", "cron.housekeeping", { ...removed, shardsQueued, gatherObjects });
      return;
    }
    if (controller.cron === "0 * * * *") {
      const at = new Date(controller.scheduledTime);
      const data = createDataAccess(env);
      // Each shard's share goes to the billing queue, a message per shard: the regions behind with their daily work
      // (the new day's tariff changes and blocks, then its charge; bonus points; balance alerts), applications'
      // effects, promised payments, payments to reconcile, autopay (features/cron/shard-tick.service.ts).
      const shardsQueued = await queueShardTicks(data, env.BILLING, "hourly", at);
      // Organisations' payments to reconcile: a chain of messages on the billing queue (one at a time).
      const orgSweepStarted = await startOrgSweep(data, env.BILLING, at);
      // Days 1–5 of a month: each organisation's closing documents for the month before, through the reports queue.
      const closingQueued = await queueClosingMonth(data, env.REPORTS, at);
      // Statement lines an upload left unfinished (a crash midway): matched and credited, exactly once, by a chain
      // of messages on the billing queue (one at a time).
      const bankLinesStarted = await startPendingLines(data, env.BILLING, at);
      // Sign-in rows and keys for subscribers an older deployment registered: a chain on the billing queue, while any
      // are left (features/auth/sign-ins.backfill.ts).
      const signInBackfillStarted = await startSignInBackfill(data, env.BILLING, at).catch((e: unknown) => {
        log("error", "cron.sign_in_backfill_failed", { error: errorText(e) });
        return false;
      });
      // The contracts' contacts of accounts an older deployment made: into the accounts' rows and the identity stores'
      // index, then out of the directory (features/accounts/contract-contacts.backfill.ts).
      const contactsBackfillStarted = await startContractContactsBackfill(data, env.BILLING, at).catch((e: unknown) => {
        log("error", "cron.contract_contacts_backfill_failed", { error: errorText(e) });
        return false;
      });
      // The places of accounts an older deployment made, copied into the identity stores (features/accounts/places.backfill.ts).
      const placesBackfillStarted = await startPlacesBackfill(data, env.BILLING, at).catch((e: unknown) => {
        log("error", "cron.places_backfill_failed", { error: errorText(e) });
        return false;
      });
      // The accounts' holder rows of links an older deployment made, in the accounts' shards
      // (features/accounts/holders.backfill.ts).
      const holdersBackfillStarted = await startHoldersBackfill(data, env.BILLING, at).catch((e: unknown) => {
        log("error", "cron.holders_backfill_failed", { error: errorText(e) });
        return false;
      });
      // The subscribers' links of an older deployment, in their home shards (features/accounts/links.backfill.ts).
      const linksBackfillStarted = await startLinksBackfill(data, env.BILLING, at).catch((e: unknown) => {
        log("error", "cron.links_backfill_failed", { error: errorText(e) });
        return false;
      });
      log("info", "cron.billing", {
        holdersBackfillStarted,
        linksBackfillStarted,
        shardsQueued,
        closingQueued,
        orgSweepStarted,
        bankLinesStarted,
        signInBackfillStarted,
        contactsBackfillStarted,
        placesBackfillStarted,
      });
      return;
    }
    log("warn", "cron.unknown", { cron: controller.cron });
  },
} satisfies ExportedHandler<Env, unknown>;

// Each queue batch and cron tick writes its metrics when it ends (requests do, in createApp's middleware).
export default {
  fetch: handlers.fetch,
  queue: measuredQueue(handlers.queue),
  scheduled: measuredCron(handlers.scheduled),
} satisfies ExportedHandler<Env, unknown>;
