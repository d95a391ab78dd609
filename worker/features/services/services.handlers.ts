import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { lineCheckFor } from "../../adapters/line-check";
import { APPLICATION_STATUSES, type ApplicationStatus } from "../../db/schema/region";
import type { AppEnv } from "../../env";
import { isShardBinding, shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { notifier } from "../../platform/notify";
import { regionByCode } from "../../platform/region";
import { requireSession, requireStepUp } from "../../platform/session";
import { advisor } from "./advisor.service";
import * as q from "./applications.queries";
import * as apps from "./applications.service";
import { blockQuote, createBlock, endBlock, listBlocks } from "./blocks.service";
import { coverageAt, streetSuggestions } from "./coverage.service";
import { checkLine } from "./line-check.service";
import { accountOptions, setOption } from "./options.service";
import { accountPackages } from "./packages.service";
import { applyFor, terminationQuote } from "./requests.service";
import type * as r from "./services.routes";
import { cancelTariffChange, changeTariff, tariffOffer } from "./tariff-change.service";
import { moveVisit, visitSlots } from "./visits.service";

const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");
const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
/** The subscriber and their home shard, where an application they make is entered in their directory. */
const applicant = (c: Context<AppEnv>): apps.Applicant => {
  const { subscriberId, homeShard } = requireSession(c);
  return { subscriberId, homeShard };
};

function siteRegion(c: Context<AppEnv>): string {
  const region = c.get("region");
  if (!region) throw new AppError(400, "region_required");
  return region.code;
}

export const tariffOfferHandler: RouteHandler<typeof r.tariffOfferRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  noStore(c);
  return c.json(await tariffOffer(c.get("data"), who(c), accountNo, serviceId), 200);
};

export const changeTariffHandler: RouteHandler<typeof r.changeTariffRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  const session = requireSession(c);
  const result = await changeTariff(
    c.get("data"),
    notifier(c.env),
    { subscriberId: session.subscriberId, homeShard: session.homeShard },
    accountNo,
    serviceId,
    c.req.valid("json").tariffId,
    () => requireStepUp(c),
  );
  return c.json(result, 202);
};

export const cancelTariffChangeHandler: RouteHandler<typeof r.cancelTariffChangeRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  await cancelTariffChange(c.get("data"), who(c), accountNo, serviceId);
  return c.body(null, 204);
};

export const advisorHandler: RouteHandler<typeof r.advisorRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  noStore(c);
  return c.json(await advisor(c.get("data"), who(c), accountNo, serviceId), 200);
};

export const optionsHandler: RouteHandler<typeof r.optionsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await accountOptions(c.get("data"), who(c), c.req.valid("param").accountNo), 200);
};

export const setOptionHandler: RouteHandler<typeof r.setOptionRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId, optionId } = c.req.valid("param");
  return c.json(await setOption(c.get("data"), who(c), accountNo, serviceId, optionId, c.req.valid("json").on), 200);
};

export const packagesHandler: RouteHandler<typeof r.packagesRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await accountPackages(c.get("data"), who(c), c.req.valid("param").accountNo), 200);
};

export const lineCheckHandler: RouteHandler<typeof r.lineCheckRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  noStore(c);
  return c.json(await checkLine(c.get("data"), lineCheckFor(c.env), who(c), accountNo, serviceId), 200);
};

export const blockQuoteHandler: RouteHandler<typeof r.blockQuoteRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  const { from, to } = c.req.valid("query");
  noStore(c);
  return c.json(await blockQuote(c.get("data"), who(c), accountNo, serviceId, from, to), 200);
};

export const createBlockHandler: RouteHandler<typeof r.createBlockRoute, AppEnv> = async (c) => {
  const { accountNo, serviceId } = c.req.valid("param");
  const { from, to } = c.req.valid("json");
  return c.json(await createBlock(c.get("data"), notifier(c.env), applicant(c), accountNo, serviceId, from, to), 201);
};

export const blocksHandler: RouteHandler<typeof r.blocksRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await listBlocks(c.get("data"), who(c), c.req.valid("param").accountNo) }, 200);
};

export const endBlockHandler: RouteHandler<typeof r.endBlockRoute, AppEnv> = async (c) => {
  const { accountNo, blockId } = c.req.valid("param");
  return c.json(await endBlock(c.get("data"), notifier(c.env), who(c), accountNo, blockId), 200);
};

export const coverageHandler: RouteHandler<typeof r.coverageRoute, AppEnv> = async (c) => {
  const { street, house } = c.req.valid("query");
  c.header("cache-control", "public, max-age=300");
  return c.json(await coverageAt(c.get("data"), siteRegion(c), street, house), 200);
};

export const streetsHandler: RouteHandler<typeof r.streetsRoute, AppEnv> = async (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json({ items: await streetSuggestions(c.get("data"), siteRegion(c), c.req.valid("query").q) }, 200);
};

export const createApplicationHandler: RouteHandler<typeof r.createApplicationRoute, AppEnv> = async (c) => {
  const app = await applyFor(
    c.get("data"),
    notifier(c.env),
    applicant(c),
    c.get("region")?.code ?? null,
    c.req.valid("json"),
    new Date(),
    lineCheckFor(c.env),
    () => requireStepUp(c),
  );
  noStore(c);
  return c.json(app, 201);
};

export const terminationQuoteHandler: RouteHandler<typeof r.terminationQuoteRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await terminationQuote(c.get("data"), who(c), c.req.valid("param").accountNo), 200);
};

export const myApplicationsHandler: RouteHandler<typeof r.myApplicationsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json({ items: await apps.listMyApplications(c.get("data"), applicant(c)) }, 200);
};

export const myApplicationHandler: RouteHandler<typeof r.myApplicationRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await apps.myApplication(c.get("data"), applicant(c), c.req.valid("param").id), 200);
};

export const cancelApplicationHandler: RouteHandler<typeof r.cancelApplicationRoute, AppEnv> = async (c) => {
  return c.json(await apps.withdrawApplication(c.get("data"), notifier(c.env), applicant(c), c.req.valid("param").id), 200);
};

export const visitSlotsHandler: RouteHandler<typeof r.visitSlotsRoute, AppEnv> = async (c) => {
  noStore(c);
  return c.json(await visitSlots(c.get("data"), applicant(c), c.req.valid("param").id), 200);
};

export const moveVisitHandler: RouteHandler<typeof r.moveVisitRoute, AppEnv> = async (c) => {
  return c.json(await moveVisit(c.get("data"), applicant(c), c.req.valid("param").id, c.req.valid("json")), 200);
};

export const opsApplicationsHandler: RouteHandler<typeof r.opsApplicationsRoute, AppEnv> = async (c) => {
  const { region, status } = c.req.valid("query");
  const shard = regionByCode(region) ? shardOfRegion(region) : undefined;
  if (!shard || !isShardBinding(shard)) throw new AppError(404, "region_not_found", { code: region });
  const statuses = (status ?? "").split(",").filter((s): s is ApplicationStatus => (APPLICATION_STATUSES as readonly string[]).includes(s));
  const rows = await q.selectRegionApplications(c.get("data").shard(shard), region, statuses);
  noStore(c);
  return c.json({ items: rows.map((a) => apps.applicationView(a, null, "operator")) }, 200);
};

export const opsApplicationHandler: RouteHandler<typeof r.opsApplicationRoute, AppEnv> = async (c) => {
  const found = await apps.findApplication(c.get("data"), c.req.valid("param").id);
  if (!found) throw new AppError(404, "not_found");
  noStore(c);
  return c.json(apps.applicationView(found.app, await q.selectEvents(found.db, found.app.id), "operator"), 200);
};

export const opsTransitionHandler: RouteHandler<typeof r.opsTransitionRoute, AppEnv> = async (c) => {
  const { to, comment, technician } = c.req.valid("json");
  return c.json(
    await apps.transition(c.get("data"), notifier(c.env), c.req.valid("param").id, to, "operator", { comment, technician }),
    200,
  );
};
