import type { Context } from "hono";
import { BUSINESS_CATEGORIES, BUSINESS_TARIFFS, type BusinessTicketCategory } from "../../data/business-support.data";
import { FEDERAL_CONTACTS } from "../../data/regions.data";
import { BRANCH_PRICE_PERCENT } from "../../data/tariffs.data";
import type { AppEnv } from "../../env";
import { type DataAccess, type GlobalDb, type RegionDb, type ShardBinding, shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { normalizeEmail, normalizePhone } from "../../platform/identifiers";
import { newId, parseAccountNo } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { type Region, regionTz } from "../../platform/region";
import { preread, readWithSession } from "../../platform/session";
import { guardCount } from "../../platform/throttle";
import { type ChatDeps, startChat } from "../support/chat.service";
import {
  businessTicket,
  businessTickets,
  createBusinessTicket,
  newRequestId,
  requestWritten,
  type TicketDto,
  ticketDto,
} from "../support/tickets.service";
import * as bq from "./business.queries";
import { authorize, type Member } from "./business.service";
import * as q from "./business-support.queries";
import { docHome, legacyOf, listHome } from "./org-home";
import { responseDue } from "./response-target";

/** The business lines (8 800 200-16-61; SME 8 800 302-87-10; large business 8 800 200-67-86): who answers without a manager. */
export const BUSINESS_LINES = FEDERAL_CONTACTS.flatMap((c) =>
  c.kind === "b2b_hotline" || c.kind === "b2b_smb" || c.kind === "b2b_enterprise" ? [{ kind: c.kind, phone: c.phone }] : [],
);

const validOrgId = (id: string) => /^[a-z0-9-]{1,40}$/.test(id);
function guardId(id: string) {
  if (!validOrgId(id)) throw new AppError(404, "not_found");
}

// The GET routes' reads go into the session's batch (one global round trip a request, issue 21).
const ORG_PATH = /^\/api\/v1\/business\/organisations\/([^/]+)/;
function orgIdOf(c?: Context<AppEnv>): string {
  try {
    return decodeURIComponent(ORG_PATH.exec(c?.req.path ?? "")?.[1] ?? "");
  } catch {
    return "";
  }
}
const ORG = "GET /api/v1/business/organisations/:orgId";
const MEMBER_READ = readWithSession([`${ORG}/manager`, `${ORG}/support/requests`, `${ORG}/support/requests/:ticketId`], (db, who, c) =>
  bq.selectMember(db, orgIdOf(c), who),
);
const MANAGER_READ = readWithSession([`${ORG}/manager`], (db, _who, c) => q.selectManager(db, orgIdOf(c)));
const ENTRIES_READ = readWithSession([`${ORG}/support/requests`], (db, _who, c) =>
  q.selectOrgTicketEntries(db as unknown as RegionDb, orgIdOf(c)),
);
const ORG_READ = readWithSession([`${ORG}/support/requests`], (db, _who, c) => bq.selectOrganisation(db, orgIdOf(c)));

/** What a member limited to some accounts sees of the organisation's requests: their own, and those about their accounts. */
function visibleTo(me: Member, subscriberId: string) {
  return (e: { subscriberId: string; accountNo: string | null }) =>
    me.accountScope === null || e.subscriberId === subscriberId || (e.accountNo !== null && me.accountScope.includes(e.accountNo));
}

/**
 * The caller's right to the organisation's support, checked before the request's body is read: a stranger gets the
 * 404 and a member without the right the 403, whatever they sent (a wrong body must not tell them the route exists).
 */
export async function requireSupportMember(db: GlobalDb, subscriberId: string, orgId: string) {
  guardId(orgId);
  authorize(await bq.selectMember(db, orgId, subscriberId), "support");
}

export interface ManagerDto {
  name: string;
  phone: string;
  email: string;
}

/** The organisation's personal manager, or null: then the business lines answer (any member sees it). */
export async function managerOf(db: GlobalDb, subscriberId: string, orgId: string) {
  guardId(orgId);
  const pre = preread(db, subscriberId, MEMBER_READ);
  const preManager = preread(db, subscriberId, MANAGER_READ);
  const [member, managers] =
    pre && preManager ? [pre, preManager] : await db.batch([bq.selectMember(db, orgId, subscriberId), q.selectManager(db, orgId)]);
  authorize(member, "view");
  return { manager: (managers[0] as ManagerDto | undefined) ?? null, lines: BUSINESS_LINES.map((l) => ({ ...l })) };
}

/** The request categories with their targets, in the caller's language (the form's choices). */
export function categories(lang: Lang) {
  return (Object.keys(BUSINESS_CATEGORIES) as BusinessTicketCategory[]).map((id) => ({
    id,
    name: BUSINESS_CATEGORIES[id].name[lang],
    target: BUSINESS_CATEGORIES[id].targetText[lang],
  }));
}

/**
 * The organisation's latest requests the member may see (support right), newest first: their entries on its home shard
 * and those an older deployment kept in the global table (read with the session), then one read a shard.
 */
export async function orgRequests(data: DataAccess, subscriberId: string, orgId: string, lang: Lang) {
  guardId(orgId);
  const db = data.global;
  const pre = preread(db, subscriberId, MEMBER_READ);
  const preEntries = preread(db, subscriberId, ENTRIES_READ);
  const preOrg = preread(db, subscriberId, ORG_READ);
  const [member, legacy, [org]] =
    pre && preEntries && preOrg
      ? [pre, preEntries, preOrg]
      : await db.batch([
          bq.selectMember(db, orgId, subscriberId),
          q.selectOrgTicketEntries(legacyOf(data), orgId),
          bq.selectOrganisation(db, orgId),
        ]);
  const me = authorize(member, "support");
  const home = listHome(data, { id: orgId, homeShard: org?.homeShard ?? null });
  // Each entry once (a later drain of the global entries home would copy one before it deletes it).
  const entries = [...new Map([...legacy, ...(home ? await q.selectOrgTicketEntries(home, orgId) : [])].map((e) => [e.id, e])).values()]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, q.ORG_TICKETS_LISTED + q.ORG_TICKETS_SLACK);
  // Entries read past the list's length: one whose request was never written (a run that died between) is left out.
  const rows = (await businessTickets(data, orgId, entries.filter(visibleTo(me, subscriberId)))).slice(0, q.ORG_TICKETS_LISTED);
  const party = { side: "subscriber" as const, subscriberId };
  return { items: rows.map((t) => ticketDto(t, party, lang, null)), categories: categories(lang) };
}

/** One of the organisation's requests with its history; another organisation's, or one out of the member's scope, is a 404. */
export async function orgRequest(data: DataAccess, subscriberId: string, orgId: string, ticketId: string, lang: Lang) {
  guardId(orgId);
  const db = data.global;
  const member = preread(db, subscriberId, MEMBER_READ) ?? (await bq.selectMember(db, orgId, subscriberId));
  const me = authorize(member, "support");
  const { ticket, events } = await businessTicket(data, orgId, ticketId);
  if (!visibleTo(me, subscriberId)(ticket)) throw new AppError(404, "not_found");
  return ticketDto(ticket, { side: "subscriber", subscriberId }, lang, events);
}

export interface NewOrgRequest {
  category: BusinessTicketCategory;
  accountNo?: string | null | undefined;
  subject: string;
  text: string;
}

/**
 * Files a business request for the organisation (support right). About an account, it must be the organisation's
 * and in the member's scope (else the same 404 as a missing one) and goes to the account's region; otherwise to the
 * site's. Its response-time target is fixed now from the category, in the region's time zone. Audited.
 */
export async function fileOrgRequest(
  data: DataAccess,
  actor: { subscriberId: string; address: string },
  orgId: string,
  siteRegion: Region | null,
  input: NewOrgRequest,
  lang: Lang,
  now = new Date(),
): Promise<TicketDto> {
  guardId(orgId);
  const db = data.global;
  const accountNo = input.accountNo ? parseAccountNo(input.accountNo) : null;
  if (input.accountNo && !accountNo) throw new AppError(400, "validation", {}, [{ field: "accountNo", message: "field.accountNo" }]);
  const [member, account, [org]] = await db.batch([
    bq.selectMember(db, orgId, actor.subscriberId),
    q.selectOrgAccount(db, orgId, accountNo ?? ""),
    bq.selectOrganisation(db, orgId),
  ]);
  const me = authorize(member, "support");
  let region = siteRegion?.code ?? null;
  if (accountNo) {
    const found = account[0];
    if (!found || (me.accountScope !== null && !me.accountScope.includes(accountNo))) throw new AppError(404, "not_found");
    region = found.region;
  }
  if (!region) throw new AppError(400, "region_required");
  const dueAt = responseDue(input.category, regionTz(region), now);
  const shard = shardOfRegion(region);
  if (!shard || !data.hasShard(shard)) throw new AppError(404, "region_not_found", { code: region });
  // The day's limit before anything is written (a refused request leaves nothing to take back).
  await guardCount("tickets", actor.subscriberId, now.getTime());
  // The organisation's entry first: a run that dies after the request is written leaves it in the organisation's
  // list (an entry whose request was never written is left out of it, and taken back when the write surely failed).
  const id = newRequestId(region, now);
  // On the organisation's home shard, or in the global table while the deployment keeps the entries there.
  const entries = data.orgTicketsStore === "global" ? legacyOf(data) : docHome(data, { id: orgId, homeShard: org?.homeShard ?? null });
  await q.insertOrgTicket(entries, { id, orgId, subscriberId: actor.subscriberId, accountNo, region, shard, createdAt: now });
  try {
    await createBusinessTicket(
      data,
      actor.subscriberId,
      { orgId, region, category: input.category, accountNo, subject: input.subject, text: input.text, dueAt },
      id,
      now,
    );
  } catch (e) {
    // A failure of unknown outcome (the connection lost after the write) keeps the entry; a take-back that fails
    // leaves one the list skips, and the request's own error is what is answered.
    if ((await requestWritten(data, id)) === false)
      await q
        .deleteOrgTicket(entries, orgId, id)
        .catch((err: unknown) => log("error", "business.request_entry_left", { error: errorText(err) }));
    throw e;
  }
  const { ticket, events } = await businessTicket(data, orgId, id);
  await db.batch([
    bq.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "support.request",
        target: ticket.number,
        details: { category: input.category, accountNo, dueAt: dueAt.toISOString() },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
    ),
  ]);
  return ticketDto(ticket, { side: "subscriber", subscriberId: actor.subscriberId }, lang, events, now);
}

/** Starts (or returns the open) business chat of the member for the organisation (support right), in the business queue. */
export async function startOrgChat(
  deps: ChatDeps,
  actor: { subscriberId: string; homeShard: ShardBinding; address: string },
  orgId: string,
  siteRegion: Region | null,
  input: { text?: string | undefined; clientId?: string | undefined },
  now = new Date(),
) {
  guardId(orgId);
  const db = deps.data.global;
  const [member, orgs, names] = await db.batch([
    bq.selectMember(db, orgId, actor.subscriberId),
    bq.selectOrganisation(db, orgId),
    q.selectPersonName(db, actor.subscriberId),
  ]);
  authorize(member, "support");
  const org = orgs[0];
  if (!org) throw new AppError(404, "not_found");
  if (!siteRegion) throw new AppError(400, "region_required");
  const name = names[0]?.name ?? "";
  const started = await startChat(
    deps,
    { subscriberId: actor.subscriberId, homeShard: actor.homeShard, name },
    {
      region: siteRegion.code,
      topic: "other",
      text: input.text,
      clientId: input.clientId,
      business: { orgId, company: `${org.name}, ИНН ${org.inn}` },
    },
    now,
  );
  if (started.created)
    await bq
      .insertAudit(
        db,
        { orgId, actorId: actor.subscriberId, action: "support.chat", target: started.chat.id, address: actor.address, at: now },
        newId(now.getTime()),
      )
      .run();
  return started;
}

/** An operator sets (or replaces) the organisation's personal manager. Audited. */
export async function setManager(
  db: GlobalDb,
  operator: string,
  orgId: string,
  input: { name: string; phone: string; email: string },
  address: string,
  now = new Date(),
) {
  guardId(orgId);
  const phone = normalizePhone(input.phone);
  const email = normalizeEmail(input.email);
  const errors = [
    ...(phone ? [] : [{ field: "phone", message: "field.phone" }]),
    ...(email ? [] : [{ field: "email", message: "field.email" }]),
  ];
  if (errors.length) throw new AppError(400, "validation", {}, errors);
  const [org] = await bq.selectOrganisation(db, orgId);
  if (!org) throw new AppError(404, "not_found");
  const manager = { name: input.name.trim(), phone: phone as string, email: email as string };
  await db.batch([
    q.upsertManager(db, { orgId, ...manager, updatedAt: now }),
    bq.insertAudit(
      db,
      { orgId, actorId: null, operatorName: operator, action: "manager.set", target: manager.name, address, at: now },
      newId(now.getTime()),
    ),
  ]);
  return { manager };
}

/** An operator removes the organisation's personal manager (the business lines answer again). Audited. */
export async function removeManager(db: GlobalDb, operator: string, orgId: string, address: string, now = new Date()) {
  guardId(orgId);
  const [[org], removed] = await db.batch([bq.selectOrganisation(db, orgId), q.deleteManager(db, orgId)]);
  if (!org || removed.length === 0) throw new AppError(404, "not_found");
  await bq
    .insertAudit(db, { orgId, actorId: null, operatorName: operator, action: "manager.removed", address, at: now }, newId(now.getTime()))
    .run();
}

/** The business tariffs of a region: each price is the base times the region's branch price level, to ten roubles. */
export function businessTariffs(region: Region, lang: Lang) {
  const percent = BRANCH_PRICE_PERCENT[region.branch] ?? 100;
  return BUSINESS_TARIFFS.map((t) => ({
    id: `${region.code}-${t.code}`,
    kind: t.kind,
    name: t.name[lang],
    description: t.description[lang],
    priceKop: Math.round((t.baseRub * percent) / 100 / 10) * 10 * 100,
    per: t.per,
  }));
}
