import { and, eq, gt, isNull, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { accountDirectory, type OrgRole, orgAccounts, type orgAudit, organisations, orgInvites, orgMembers } from "../../db/schema/global";
import type { AppEnv } from "../../env";
import { sha256Hex } from "../../platform/crypto";
import { isCalendarDay } from "../../platform/dates";
import { type DataAccess, type GlobalDb, isShardBinding, type ShardBinding } from "../../platform/db";
import { AppError, uniqueViolation } from "../../platform/errors";
import { normalizeEmail, normalizePhone } from "../../platform/identifiers";
import { isId, newId, parseAccountNo } from "../../platform/ids";
import { type Place, placesOf } from "../../platform/places";
import { preread, readWithSession, type SessionRead } from "../../platform/session";
import { placeAccount } from "../../platform/shard-map";
import { confirmGuards, takeAttempt } from "../../platform/throttle";
import { consumeCode, issueCode, type Notify, spendCode, unspendCode } from "../auth/codes.service";
import { identifierHolder } from "../auth/sign-ins.service";
import * as q from "./business.queries";
import { auditHome } from "./org-home";
import { checkRequisites, type OrgKind, parseInn } from "./requisites";

/** The seller's region (its head office): where an organisation registered with no account yet keeps its documents. */
const SELLER_REGION = "msk";

/** The ИНН check (10 or 12 digits, the ФНС check digits) for other features: the business chat of visitors. */
export { parseInn } from "./requisites";

/** What each role may do in the cabinet of its organisation. */
export type Permission = "view" | "people" | "audit" | "pay" | "documents" | "services" | "numbers" | "support";
const ALLOWED: Record<Permission, readonly OrgRole[]> = {
  /** See the organisation, its accounts, sites, numbers and balances. */
  view: ["administrator", "accountant", "manager", "viewer"],
  /** Invite, change and remove employees. */
  people: ["administrator"],
  /** Read and export the audit log. */
  audit: ["administrator"],
  /** Top up accounts (one or many), issue invoices for payment. */
  pay: ["administrator", "accountant"],
  /** Closing documents, invoices, акт сверки. */
  documents: ["administrator", "accountant"],
  /** Services, tariffs, applications, blocks of the organisation's accounts. */
  services: ["administrator", "manager"],
  /** Corporate numbers: assignment, spend limits, blocking a lost SIM. */
  numbers: ["administrator", "manager"],
  /** The business chat and requests. */
  support: ["administrator", "accountant", "manager"],
};

const ROLE_NAMES: Record<OrgRole, { ru: string; en: string }> = {
  administrator: { ru: "администратор", en: "administrator" },
  accountant: { ru: "бухгалтер", en: "accountant" },
  manager: { ru: "менеджер", en: "manager" },
  viewer: { ru: "наблюдатель", en: "viewer" },
};

export interface Member {
  role: OrgRole;
  accountScope: string[] | null;
}

/**
 * The caller's membership, or a 404 identical to a missing organisation (a stranger learns nothing, whatever the
 * id); a member whose role lacks the permission gets a 403 that names their role.
 */
export function authorize(rows: { role: OrgRole; accountScope: string | null }[], need: Permission): Member {
  const row = rows[0];
  if (!row) throw new AppError(404, "not_found");
  if (!ALLOWED[need].includes(row.role))
    throw new AppError(403, "org_forbidden", { roleRu: ROLE_NAMES[row.role].ru, roleEn: ROLE_NAMES[row.role].en });
  return { role: row.role, accountScope: row.accountScope ? (JSON.parse(row.accountScope) as string[]) : null };
}

/** Organisation ids are ours (letters, digits, dashes); anything else is simply not found. */
const validOrgId = (id: string) => /^[a-z0-9-]{1,40}$/.test(id);
export const guardId = (id: string) => {
  if (!validOrgId(id)) throw new AppError(404, "not_found");
};

// The GET routes' reads go into the session's batch (one global round trip a request, issue 21): the organisation
// id and the page come from the request itself.
const ORG_PATH = /^\/api\/v1\/business\/organisations\/([^/]+)/;
export function orgIdOf(c?: Context<AppEnv>): string {
  const raw = ORG_PATH.exec(c?.req.path ?? "")?.[1] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return "";
  }
}
const ORG = "GET /api/v1/business/organisations/:orgId";
const MY_ORGS_READ = readWithSession(["GET /api/v1/business/organisations"], (db, who) => q.selectMyOrganisations(db, who));
const MEMBER_READ = readWithSession([ORG, `${ORG}/accounts`, `${ORG}/employees`, `${ORG}/audit`], (db, who, c) =>
  q.selectMember(db, orgIdOf(c), who),
);
const ORG_READ = readWithSession([ORG, `${ORG}/audit`], (db, _who, c) => q.selectOrganisation(db, orgIdOf(c)));
const COUNT_READ = readWithSession([ORG, `${ORG}/accounts`], (db, who, c) => q.countScopedAccounts(db, orgIdOf(c), who));

/** `limit` and `cursor` as the route's contract reads them (the session's batch runs before validation). */
function pageOf(c: Context<AppEnv> | undefined, fallbackLimit: number) {
  const n = Number(c?.req.query("limit") ?? fallbackLimit);
  return { cursor: c?.req.query("cursor"), limit: Number.isInteger(n) && n >= 1 && n <= 100 ? n : fallbackLimit };
}
const ACCOUNTS_READ = readWithSession([`${ORG}/accounts`], (db, who, c) => {
  const { cursor, limit } = pageOf(c, 50);
  return q.selectScopedAccounts(db, orgIdOf(c), who, cursor ? parseAccountNo(cursor) : null, limit);
});
const MEMBERS_READ = readWithSession([`${ORG}/employees`], (db, _who, c) => q.selectMembers(db, orgIdOf(c)));
const INVITES_READ = readWithSession([`${ORG}/employees`], (db, _who, c) => q.selectPendingInvites(db, orgIdOf(c), new Date()));
/** The log's filter as the route's contract reads it (`auditQuery` in business.routes.ts has the same rules). */
export function auditFilterOf(query: (name: string) => string | undefined): q.AuditFilter {
  const kind = query("kind");
  const actor = query("actor");
  const day = (v: string | undefined) => (v && isCalendarDay(v) ? v : undefined);
  return {
    kind: kind && kind in q.AUDIT_KINDS ? (kind as q.AuditKind) : undefined,
    actor: actor && actor.length <= 60 ? actor : undefined,
    from: day(query("from")),
    to: day(query("to")),
  };
}
const AUDIT_READ = readWithSession([`${ORG}/audit`], (db, _who, c) => {
  const { cursor, limit } = pageOf(c, 30);
  return q.selectAudit(
    db,
    orgIdOf(c),
    cursor ?? null,
    limit,
    auditFilterOf((n) => c?.req.query(n)),
  );
});

/** What was read with the session, if all of it was (this route, this person, nothing written since). */
export function prereads<T extends unknown[]>(
  db: GlobalDb,
  subscriberId: string,
  reads: { [K in keyof T]: SessionRead<T[K]> },
): T | undefined {
  const got = reads.map((r) => preread(db, subscriberId, r as SessionRead<unknown>));
  return got.every((g) => g !== undefined) ? (got as T) : undefined;
}

export async function myOrganisations(db: GlobalDb, subscriberId: string) {
  return { items: preread(db, subscriberId, MY_ORGS_READ) ?? (await q.selectMyOrganisations(db, subscriberId).all()) };
}

/** The organisation's card (requisites, addresses, bank), the caller's role and how many accounts they see. */
export async function organisationCard(db: GlobalDb, subscriberId: string, orgId: string) {
  guardId(orgId);
  const [member, [org], [counted]] =
    prereads(db, subscriberId, [MEMBER_READ, ORG_READ, COUNT_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      q.selectOrganisation(db, orgId),
      q.countScopedAccounts(db, orgId, subscriberId),
    ]));
  const me = authorize(member, "view");
  if (!org) throw new AppError(404, "not_found");
  return {
    id: org.id,
    kind: org.kind,
    name: org.name,
    inn: org.inn,
    kpp: org.kpp,
    ogrn: org.ogrn,
    legalAddress: org.legalAddress,
    postalAddress: org.postalAddress,
    bank: { bik: org.bik, name: org.bankName, settlementAccount: org.settlementAccount },
    role: me.role,
    limited: me.accountScope !== null,
    accountCount: counted?.n ?? 0,
  };
}

/**
 * A page of the organisation's accounts the caller may see, across regions, with balances and monthly fees: one
 * global round trip (membership, count and page, with the session), then one batch per shard the page touches, in
 * parallel.
 */
export async function organisationAccounts(
  data: DataAccess,
  subscriberId: string,
  orgId: string,
  cursor: string | undefined,
  limit: number,
) {
  guardId(orgId);
  const after = cursor ? parseAccountNo(cursor) : null;
  if (cursor && !after) throw new AppError(400, "validation", {}, [{ field: "cursor", message: "problem.validation" }]);
  const db = data.global;
  const [member, [counted], rows] =
    prereads(db, subscriberId, [MEMBER_READ, COUNT_READ, ACCOUNTS_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      q.countScopedAccounts(db, orgId, subscriberId),
      q.selectScopedAccounts(db, orgId, subscriberId, after, limit),
    ]));
  authorize(member, "view");
  const page = rows.slice(0, limit);
  const byShard = new Map<ShardBinding, string[]>();
  for (const r of page) if (isShardBinding(r.shard)) byShard.set(r.shard, [...(byShard.get(r.shard) ?? []), r.accountNo]);
  const perShard = await Promise.all([...byShard].map(([shard, nos]) => q.selectShardBalances(data.shard(shard), nos)));
  const info = new Map<string, { address: string; status: "active" | "blocked" | "closed" }>();
  const balances = new Map<string, number>();
  const monthly = new Map<string, number>();
  for (const { accounts: accs, balances: sums, fees } of perShard) {
    for (const a of accs) info.set(a.accountNo, a);
    for (const b of sums) balances.set(b.accountNo, b.balanceKop ?? 0);
    for (const f of fees) monthly.set(f.accountNo, f.monthlyKop ?? 0);
  }
  const items = page.map((r) => ({
    accountNo: r.accountNo,
    region: r.region,
    address: info.get(r.accountNo)?.address ?? "",
    status: info.get(r.accountNo)?.status ?? "active",
    balanceKop: balances.get(r.accountNo) ?? 0,
    monthlyKop: monthly.get(r.accountNo) ?? 0,
  }));
  const last = page[page.length - 1];
  return { items, total: counted?.n ?? 0, nextCursor: rows.length > limit && last ? last.accountNo : null };
}

const scopeOf = (json: string | null) => (json ? (JSON.parse(json) as string[]) : null);

/** The employees with their roles and scopes, and the invitations not yet accepted (administrators only). */
export async function employees(db: GlobalDb, subscriberId: string, orgId: string, now = new Date()) {
  guardId(orgId);
  const [member, members, invites] =
    prereads(db, subscriberId, [MEMBER_READ, MEMBERS_READ, INVITES_READ]) ??
    (await db.batch([q.selectMember(db, orgId, subscriberId), q.selectMembers(db, orgId), q.selectPendingInvites(db, orgId, now)]));
  authorize(member, "people");
  return {
    members: members.map((m) => ({
      ...m,
      accountNos: scopeOf(m.accountScope),
      accountScope: undefined,
      siteIds: scopeOf(m.siteScope),
      siteScope: undefined,
      since: m.since.toISOString(),
    })),
    invites: invites.map((i) => ({
      ...i,
      accountNos: scopeOf(i.accountScope),
      accountScope: undefined,
      siteIds: scopeOf(i.siteScope),
      siteScope: undefined,
      expiresAt: i.expiresAt.toISOString(),
    })),
  };
}

/** The account numbers of a scope, each checked to be the organisation's (a 400 naming the field otherwise). */
async function checkScope(db: GlobalDb, orgId: string, accountNos: string[] | null | undefined): Promise<string[] | null> {
  if (!accountNos) return null;
  const parsed = accountNos.map((n) => parseAccountNo(n));
  const wrong = () => new AppError(400, "validation", {}, [{ field: "accountNos", message: "field.orgAccounts" }]);
  if (parsed.length === 0 || parsed.some((n) => !n)) throw wrong();
  const unique = [...new Set(parsed as string[])];
  const { ofOrg } = await q.selectAccountFacts(db, orgId, unique);
  if (ofOrg.length !== unique.length) throw wrong();
  return unique.sort();
}

/** The site ids of a scope, each checked to be the organisation's (a 400 naming the field otherwise). */
async function checkSiteScope(db: GlobalDb, orgId: string, siteIds: string[] | null | undefined): Promise<string[] | null> {
  if (!siteIds) return null;
  const unique = [...new Set(siteIds)].sort();
  const known = unique.length === 0 ? [] : await q.selectSitesOf(db, orgId, unique);
  if (unique.length === 0 || known.length !== unique.length)
    throw new AppError(400, "validation", {}, [{ field: "siteIds", message: "field.orgSites" }]);
  return unique;
}

export const INVITE_TTL_MS = 72 * 60 * 60 * 1000;
const INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** An invitation code: 10 characters of an alphabet without look-alikes (50 bits), easy to type from an SMS. */
function inviteCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return [...bytes].map((b) => INVITE_ALPHABET[b % 32]).join("");
}
const normalizeInviteCode = (code: string) => code.replace(/[\s-]/g, "").toUpperCase();
const inviteHash = (code: string) => sha256Hex(`org-invite:${normalizeInviteCode(code)}`);

/**
 * Invites a person by phone or email to the organisation with a role (and optionally only some accounts): a code
 * valid 72 hours, single use, sent to the contact with a link to the page that accepts it.
 */
export async function invite(
  data: DataAccess,
  notify: Notify,
  actor: { subscriberId: string; address: string },
  orgId: string,
  input: { contact: string; role: OrgRole; accountNos?: string[] | null; siteIds?: string[] | null },
  siteOrigin: string,
  now = new Date(),
) {
  guardId(orgId);
  const db = data.global;
  const [member, [org]] = await db.batch([q.selectMember(db, orgId, actor.subscriberId), q.selectOrganisation(db, orgId)]);
  authorize(member, "people");
  if (!org) throw new AppError(404, "not_found");
  const phone = normalizePhone(input.contact);
  const email = phone ? null : normalizeEmail(input.contact);
  if (!phone && !email) throw new AppError(400, "validation", {}, [{ field: "contact", message: "field.inviteContact" }]);
  // An administrator sees every account: no site scope (as `changeEmployee` makes it).
  const [scope, sites] = await Promise.all([
    checkScope(db, orgId, input.accountNos),
    input.role === "administrator" ? null : checkSiteScope(db, orgId, input.siteIds),
  ]);
  const code = inviteCode();
  const id = newId(now.getTime());
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  const contact = (phone ?? email) as string;
  await db.batch([
    db.insert(orgInvites).values({
      id,
      orgId,
      codeHash: await inviteHash(code),
      channel: phone ? "sms" : "email",
      contact,
      role: input.role,
      accountScope: scope ? JSON.stringify(scope) : null,
      siteScope: sites ? JSON.stringify(sites) : null,
      createdBy: actor.subscriberId,
      createdAt: now,
      expiresAt,
    }),
    q.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "invite.created",
        target: contact,
        details: { role: input.role, accounts: scope?.length ?? null, sites: sites ?? null },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
    ),
  ]);
  const link = `${siteOrigin}/business/join?invite=${code}`;
  const text = `${org.name} приглашает вас в корпоративный кабинет. Код приглашения: ${code}, действует 72 часа. Принять: ${link}`;
  await notify(
    phone
      ? { channel: "sms", to: phone, text, dedupeKey: `org-invite:${id}` }
      : { channel: "email", to: contact, subject: `Приглашение в корпоративный кабинет: ${org.name}`, text, dedupeKey: `org-invite:${id}` },
  );
  return { id, expiresAt: expiresAt.toISOString() };
}

/**
 * Accepts an invitation with its code: one D1 batch (a transaction) writes the audit entry, the membership and
 * spends the invite, each under the same condition (unspent, unexpired), so of parallel acceptances exactly one
 * joins; the others see a spent code. Tries are counted per person and address, as for other codes.
 */
export async function acceptInvite(db: GlobalDb, subscriberId: string, code: string, address: string, now = new Date()) {
  const attempt = await takeAttempt(await confirmGuards(subscriberId, address));
  const hash = await inviteHash(code);
  const live = and(eq(orgInvites.codeHash, hash), isNull(orgInvites.acceptedAt), gt(orgInvites.expiresAt, now)) as SQL;
  const found = await db.select({ orgId: orgInvites.orgId, role: orgInvites.role }).from(orgInvites).where(live).get();
  const invalid = () => new AppError(400, "invalid_invite", {}, [{ field: "code", message: "problem.invalid_invite" }]);
  if (!found) throw invalid();
  const unspent = sql`EXISTS (SELECT 1 FROM ${orgInvites} WHERE ${live})`;
  const [, , spent] = await db.batch([
    q.insertAudit(
      db,
      { orgId: found.orgId, actorId: subscriberId, action: "invite.accepted", details: { role: found.role }, address, at: now },
      newId(now.getTime()),
      unspent,
    ),
    // Columns in the table's order: org_id, subscriber_id, role, account_scope, created_at, site_scope.
    db
      .insert(orgMembers)
      .select(sql`SELECT org_id, ${subscriberId}, role, account_scope, ${now.getTime()}, site_scope FROM ${orgInvites} WHERE ${live}`)
      .onConflictDoNothing(),
    db.update(orgInvites).set({ acceptedAt: now, acceptedBy: subscriberId }).where(live).returning({ id: orgInvites.id }),
  ]);
  if (spent.length === 0) throw invalid();
  await attempt.succeeded();
  return { orgId: found.orgId };
}

/** Administrators left besides the one a change would demote or remove. */
const otherAdmins = (orgId: string, subscriberId: string) =>
  sql`(SELECT count(*) FROM ${orgMembers} WHERE ${orgMembers.orgId} = ${orgId} AND ${orgMembers.role} = 'administrator' AND ${orgMembers.subscriberId} <> ${subscriberId}) > 0`;

/**
 * Changes an employee's role and scope (administrators only). The last administrator cannot be demoted: the
 * condition is part of the update itself, so two administrators demoting each other at once leave one.
 */
export async function changeEmployee(
  db: GlobalDb,
  actor: { subscriberId: string; address: string },
  orgId: string,
  targetId: string,
  input: { role: OrgRole; accountNos?: string[] | null; siteIds?: string[] | null },
  now = new Date(),
) {
  guardId(orgId);
  const [member, target] = await db.batch([q.selectMember(db, orgId, actor.subscriberId), q.selectMember(db, orgId, targetId)]);
  authorize(member, "people");
  const before = target[0];
  if (!before) throw new AppError(404, "not_found");
  const [scope, sites] =
    input.role === "administrator"
      ? [null, null]
      : await Promise.all([checkScope(db, orgId, input.accountNos), checkSiteScope(db, orgId, input.siteIds)]);
  const isTarget = and(eq(orgMembers.orgId, orgId), eq(orgMembers.subscriberId, targetId)) as SQL;
  const allowed = input.role === "administrator" ? sql`1` : sql`(${orgMembers.role} <> 'administrator' OR ${otherAdmins(orgId, targetId)})`;
  const [, changed] = await db.batch([
    q.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "member.changed",
        target: { subscriberId: targetId },
        details: { from: before.role, to: input.role, accounts: scope?.length ?? null, sites: sites ?? null },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
      sql`EXISTS (SELECT 1 FROM ${orgMembers} WHERE ${isTarget} AND ${allowed})`,
    ),
    db
      .update(orgMembers)
      .set({ role: input.role, accountScope: scope ? JSON.stringify(scope) : null, siteScope: sites ? JSON.stringify(sites) : null })
      .where(and(isTarget, allowed))
      .returning({ role: orgMembers.role }),
  ]);
  if (changed.length === 0) throw new AppError(409, "last_admin");
}

/** Removes an employee (administrators only; the last administrator stays). Their next request is refused. */
export async function removeEmployee(
  db: GlobalDb,
  actor: { subscriberId: string; address: string },
  orgId: string,
  targetId: string,
  now = new Date(),
) {
  guardId(orgId);
  const [member, target] = await db.batch([q.selectMember(db, orgId, actor.subscriberId), q.selectMember(db, orgId, targetId)]);
  authorize(member, "people");
  const before = target[0];
  if (!before) throw new AppError(404, "not_found");
  const isTarget = and(eq(orgMembers.orgId, orgId), eq(orgMembers.subscriberId, targetId)) as SQL;
  const allowed = sql`(${orgMembers.role} <> 'administrator' OR ${otherAdmins(orgId, targetId)})`;
  const [, removed] = await db.batch([
    q.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "member.removed",
        target: { subscriberId: targetId },
        details: { role: before.role },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
      sql`EXISTS (SELECT 1 FROM ${orgMembers} WHERE ${isTarget} AND ${allowed})`,
    ),
    db.delete(orgMembers).where(and(isTarget, allowed)).returning({ role: orgMembers.role }),
  ]);
  if (removed.length === 0) throw new AppError(409, "last_admin");
}

/** A page of the audit log, newest first (administrators only), from the home shard and the global table merged. */
export async function auditLog(
  data: DataAccess,
  subscriberId: string,
  orgId: string,
  cursor: string | undefined,
  limit: number,
  filter: q.AuditFilter = {},
) {
  guardId(orgId);
  if (cursor && !isId(cursor)) throw new AppError(400, "validation", {}, [{ field: "cursor", message: "problem.validation" }]);
  const db = data.global;
  const [member, [org], staged] =
    prereads(db, subscriberId, [MEMBER_READ, ORG_READ, AUDIT_READ]) ??
    (await db.batch([
      q.selectMember(db, orgId, subscriberId),
      q.selectOrganisation(db, orgId),
      q.selectAudit(db, orgId, cursor ?? null, limit, filter),
    ]));
  authorize(member, "audit");
  const rows = await withHomeAudit(data, org, staged, cursor ?? null, limit, filter);
  const page = rows.slice(0, limit);
  return {
    items: page.map(auditItem),
    nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/**
 * The audit's next `limit + 1` entries before a cursor: the global table's (`staged`: entries not moved yet) merged
 * with the home shard's by id, newest first, each once (an entry being moved is in both for a moment). Each place's
 * first `limit + 1` are enough: the merged page's are among them.
 */
export async function withHomeAudit(
  data: DataAccess,
  org: { id: string; homeShard: string | null } | undefined,
  staged: readonly AuditRow[],
  before: string | null,
  limit: number,
  filter: q.AuditFilter,
): Promise<AuditRow[]> {
  const home = org ? auditHome(data, org) : null;
  const moved = home && org ? await q.selectAudit(home, org.id, before, limit, filter) : [];
  const byId = new Map<string, AuditRow>();
  for (const r of [...moved, ...staged]) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, limit + 1);
}

type AuditRow = typeof orgAudit.$inferSelect;
const auditItem = (r: AuditRow) => ({
  id: r.id,
  at: r.createdAt.toISOString(),
  actor: { id: r.actorId, name: r.actorName, operator: r.actorId === null },
  action: r.action,
  target: r.target,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  address: r.address,
});

// ── Joining as the first administrator (by the contract's contact), and the operators' way ─────────────

const joinTarget = (subscriberId: string, inn: string) => `org:${subscriberId}:${inn}`;

function innOrThrow(input: string): string {
  const inn = parseInn(input);
  if (!inn) throw new AppError(400, "validation", {}, [{ field: "inn", message: "field.inn" }]);
  return inn;
}

/**
 * Sends a code to the contact on the organisation's contract (as for relatives' accounts). The answer is the same
 * whether an organisation has this ИНН or not.
 */
export async function startJoin(
  data: DataAccess,
  notify: Notify,
  subscriberId: string,
  innInput: string,
  channel: "sms" | "email",
  address: string,
) {
  const inn = innOrThrow(innInput);
  const org = await data.global.select().from(organisations).where(eq(organisations.inn, inn)).get();
  const to = channel === "email" ? org?.contactEmail : org?.contactPhone;
  return issueCode(data, notify, {
    purpose: "join_org",
    target: joinTarget(subscriberId, inn),
    deliver: to ? { channel, to } : null,
    subscriberId,
    address,
  });
}

/**
 * With the code from the contract's contact, the person becomes the organisation's administrator, if it has none
 * yet (else they ask an administrator for an invitation: 409).
 */
export async function confirmJoin(
  data: DataAccess,
  subscriberId: string,
  innInput: string,
  code: string,
  address: string,
  now = new Date(),
) {
  const db = data.global;
  const inn = innOrThrow(innInput);
  const attempt = await takeAttempt(await confirmGuards(subscriberId, address));
  const checked = await consumeCode(data, { purpose: "join_org", target: joinTarget(subscriberId, inn), code }, now, { spend: false });
  const org = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.inn, inn)).get();
  if (!org) throw new AppError(400, "invalid_code", {}, [{ field: "code", message: "problem.invalid_code" }]);
  await attempt.succeeded();
  // Spent before the join is written, so that two requests with the code cannot both join; given back when the join
  // is refused (the organisation has an administrator) or fails, for another try with it.
  await spendCode(checked, now);
  const noAdmin = sql`NOT EXISTS (SELECT 1 FROM ${orgMembers} WHERE ${orgMembers.orgId} = ${org.id} AND ${orgMembers.role} = 'administrator')`;
  const [, , joined] = await db
    .batch([
      q.insertAudit(
        db,
        {
          orgId: org.id,
          actorId: subscriberId,
          action: "member.joined",
          details: { role: "administrator", by: "contract_code" },
          address,
          at: now,
        },
        newId(now.getTime()),
        noAdmin,
      ),
      db
        .insert(orgMembers)
        .select(sql`SELECT ${org.id}, ${subscriberId}, 'administrator', NULL, ${now.getTime()}, NULL WHERE ${noAdmin}`)
        .onConflictDoUpdate({
          target: [orgMembers.orgId, orgMembers.subscriberId],
          set: { role: "administrator", accountScope: null, siteScope: null },
        }),
      db
        .select({ role: orgMembers.role })
        .from(orgMembers)
        .where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.subscriberId, subscriberId))),
    ])
    .catch(async (e: unknown) => {
      await unspendCode(checked, now);
      throw e;
    });
  if (joined[0]?.role !== "administrator") {
    await unspendCode(checked, now);
    throw new AppError(409, "org_has_admin");
  }
  return { orgId: org.id };
}

export interface NewOrganisation {
  kind: OrgKind;
  name: string;
  inn: string;
  kpp?: string | null;
  ogrn: string;
  legalAddress: string;
  postalAddress: string;
  bik: string;
  bankName: string;
  settlementAccount: string;
  contactPhone?: string | null;
  contactEmail?: string | null;
  accountNos: string[];
}

/**
 * An operator registers an organisation from its contract: requisites checked, its accounts (already in the
 * directory, in any region, and no other organisation's) linked.
 */
export async function createOrganisation(data: DataAccess, operator: string, input: NewOrganisation, address: string, now = new Date()) {
  const db = data.global;
  const checked = checkRequisites(input);
  const errors = checked.ok ? [] : [...checked.errors];
  const phone = input.contactPhone ? normalizePhone(input.contactPhone) : null;
  const email = input.contactEmail ? normalizeEmail(input.contactEmail) : null;
  if (input.contactPhone && !phone) errors.push({ field: "contactPhone", message: "field.phone" });
  if (input.contactEmail && !email) errors.push({ field: "contactEmail", message: "field.email" });
  if (!input.contactPhone && !input.contactEmail) errors.push({ field: "contactPhone", message: "field.phone" });
  const nos = input.accountNos.map((n) => parseAccountNo(n));
  if (nos.some((n) => !n)) errors.push({ field: "accountNos", message: "field.accountNo" });
  if (!checked.ok || errors.length > 0) throw new AppError(400, "validation", {}, errors);
  const unique = [...new Set(nos as string[])];
  const [{ taken }, places, same] = await Promise.all([
    q.selectAccountFacts(db, "", unique),
    placesOf(data, unique),
    db.select({ id: organisations.id }).from(organisations).where(eq(organisations.inn, checked.value.inn)).all(),
  ]);
  if (places.size !== unique.length || taken.length > 0)
    throw new AppError(400, "validation", {}, [{ field: "accountNos", message: "field.orgAccountsFree" }]);
  if (same.length > 0) throw new AppError(409, "org_exists");
  const id = `org-${newId(now.getTime())}`;
  // Its documents' and audit's shard (org-home.ts): its account with the lowest number's; with no account yet, the
  // shard a new account of the seller's region (Moscow) would get.
  const lowest = [...unique].sort()[0];
  const homeShard = lowest ? (places.get(lowest) as Place).shard : await placeAccount(data, SELLER_REGION);
  await db
    .batch([
      db.insert(organisations).values({
        id,
        kind: input.kind,
        name: input.name,
        ...checked.value,
        legalAddress: input.legalAddress,
        postalAddress: input.postalAddress,
        bankName: input.bankName,
        contactPhone: phone,
        contactEmail: email,
        createdAt: now,
        homeShard,
      }),
      // Its accounts' directory rows, which `org_accounts` names (a foreign key): made again from their places where the
      // directory no longer keeps them (housekeeping deletes those no foreign key names), in the same write; a row there
      // is kept as it is. Four values a row: 20 rows a statement.
      ...q.chunks(unique, 20).map((nos) =>
        db
          .insert(accountDirectory)
          .values(
            nos.map((accountNo) => {
              const p = places.get(accountNo) as Place;
              return { accountNo, region: p.region, shard: p.shard, createdAt: now };
            }),
          )
          .onConflictDoNothing(),
      ),
      // Three values a row: 30 rows a statement stay within D1's 100 bound values.
      ...q
        .chunks(unique, 30)
        .map((nos) => db.insert(orgAccounts).values(nos.map((accountNo) => ({ orgId: id, accountNo, createdAt: now })))),
      q.insertAudit(
        db,
        { orgId: id, actorId: null, operatorName: operator, action: "org.created", details: { accounts: unique.length }, address, at: now },
        newId(now.getTime()),
      ),
    ])
    .catch((e: unknown) => {
      // A registration at the same moment took an account or the requisites first (their unique indexes refused this
      // one): the same answers the checks above give, never a 500.
      const column = uniqueViolation(e);
      if (column === "org_accounts.account_no")
        throw new AppError(400, "validation", {}, [{ field: "accountNos", message: "field.orgAccountsFree" }]);
      if (column === "organisations.inn") throw new AppError(409, "org_exists");
      throw e;
    });
  return { id };
}

/** An operator makes a subscriber (by phone or email) an administrator of the organisation. */
export async function addAdministrator(
  data: DataAccess,
  operator: string,
  orgId: string,
  contact: string,
  address: string,
  now = new Date(),
) {
  guardId(orgId);
  const db = data.global;
  const phone = normalizePhone(contact);
  const email = phone ? null : normalizeEmail(contact);
  if (!phone && !email) throw new AppError(400, "validation", {}, [{ field: "contact", message: "field.inviteContact" }]);
  // The subscriber the phone or e-mail names: its key decides (features/auth/sign-ins.service.ts identifierHolder).
  const [[org], holder] = await Promise.all([
    q.selectOrganisation(db, orgId),
    // Settled: a claim under way (a registration, a change) is no one to give rights to.
    identifierHolder(data, phone ? "phone" : "email", (phone ?? email) as string, { settled: true }),
  ]);
  const person = holder ? { id: holder } : undefined;
  if (!org) throw new AppError(404, "not_found");
  if (!person) throw new AppError(400, "validation", {}, [{ field: "contact", message: "field.noSuchSubscriber" }]);
  await db.batch([
    db
      .insert(orgMembers)
      .values({ orgId, subscriberId: person.id, role: "administrator", accountScope: null, createdAt: now })
      .onConflictDoUpdate({
        target: [orgMembers.orgId, orgMembers.subscriberId],
        set: { role: "administrator", accountScope: null, siteScope: null },
      }),
    q.insertAudit(
      db,
      {
        orgId,
        actorId: null,
        operatorName: operator,
        action: "member.added",
        target: { subscriberId: person.id },
        details: { role: "administrator" },
        address,
        at: now,
      },
      newId(now.getTime()),
    ),
  ]);
  return { subscriberId: person.id };
}
