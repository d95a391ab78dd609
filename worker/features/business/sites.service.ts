import { and, eq, type SQL, sql } from "drizzle-orm";
import { REGIONS } from "../../data/regions.data";
import { orgAccounts, orgSites } from "../../db/schema/global";
import { type DataAccess, type GlobalDb, isShardBinding, type ShardBinding } from "../../platform/db";
import { xlsxWriter } from "../../platform/document-libs";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { newId, parseAccountNo } from "../../platform/ids";
import { readWithSession } from "../../platform/session";
import * as q from "./business.queries";
import { authorize, guardId, orgIdOf, prereads } from "./business.service";
import { type AccountFigures, LIST_SHARDS, shardFigures, snapshotFigures, unknownShards } from "./figures.service";
import * as sq from "./sites.queries";
import { csvField, csvFile } from "./spreadsheet";

export type AccountStatus = "active" | "blocked" | "closed";
/** By site (then number), or within each site by number, balance or monthly charge. */
export type ListSort = "site" | "accountNo" | "balance" | "monthly";

/** What the accounts list (and its export) is narrowed and ordered by. */
export interface ListFilter {
  /** Part of an account number, an address or a site's name or address. */
  q?: string;
  region?: string;
  status?: AccountStatus;
  /** Only accounts below zero. */
  negative?: boolean;
  /** Within each site (the list is grouped by site): by number, balance or monthly charge. */
  sort?: ListSort;
  order?: "asc" | "desc";
}

export interface ListedAccount {
  accountNo: string;
  region: string;
  address: string;
  status: AccountStatus;
  balanceKop: number;
  monthlyKop: number;
  siteId: string | null;
  siteName: string | null;
}

export interface Figures {
  count: number;
  balanceKop: number;
  monthlyKop: number;
  /** Accounts below zero. */
  negative: number;
}

const ORG = "GET /api/v1/business/organisations/:orgId";
const LIST_ROUTES = [`${ORG}/account-list`, `${ORG}/account-list/export`];
// The list's global reads go into the session's batch: one global round trip a request (issue 21).
const MEMBER_READ = readWithSession([...LIST_ROUTES, `${ORG}/sites`], (db, who, c) => q.selectMember(db, orgIdOf(c), who));
const ROWS_READ = readWithSession(LIST_ROUTES, (db, who, c) => sq.selectScopedAccountRows(db, orgIdOf(c), who));
const SITES_READ = readWithSession([`${ORG}/sites`], (db, who, c) => sq.selectScopedSites(db, orgIdOf(c), who));

/** Lower case, `ё` as `е`, spaces squeezed: how a search and what it is matched against are compared. */
const folded = (s: string) => s.toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim();

function matches(a: ListedAccount & { siteAddress: string | null }, query: string): boolean {
  const text = folded(query);
  if (!text) return true;
  const digits = query.replace(/[\s-]/g, "");
  if (/^\d+$/.test(digits) && a.accountNo.includes(digits)) return true;
  return [a.address, a.siteName ?? "", a.siteAddress ?? ""].some((s) => folded(s).includes(text));
}

const byName = new Intl.Collator("ru");

/** Site by name (accounts without a site last), then the chosen figure, then the number. */
function ordered(list: ListedAccount[], sort: ListSort, order: "asc" | "desc"): ListedAccount[] {
  const dir = order === "desc" ? -1 : 1;
  const key = (a: ListedAccount) => (sort === "balance" ? a.balanceKop : sort === "monthly" ? a.monthlyKop : 0);
  return [...list].sort((x, y) => {
    if (x.siteName !== y.siteName) {
      if (x.siteName === null) return 1;
      if (y.siteName === null) return -1;
      const bySite = byName.compare(x.siteName, y.siteName);
      if (bySite !== 0) return bySite;
    }
    if (x.siteId !== y.siteId) return (x.siteId ?? "").localeCompare(y.siteId ?? "");
    const k = key(x) - key(y);
    if (k !== 0) return k * dir;
    return x.accountNo.localeCompare(y.accountNo) * (sort === "accountNo" || sort === "site" ? dir : 1);
  });
}

function figures(list: readonly ListedAccount[]): Figures {
  return {
    count: list.length,
    balanceKop: list.reduce((s, a) => s + a.balanceKop, 0),
    monthlyKop: list.reduce((s, a) => s + a.monthlyKop, 0),
    negative: list.filter((a) => a.balanceKop < 0).length,
  };
}

/** Where the list's figures come from when the organisation's accounts are on many shards (figures.service.ts). */
export interface ListSources {
  files: R2Bucket;
  queue: Queue;
  now?: Date;
  /** Shards read at once at most (tests set fewer). */
  maxShards?: number;
}

/**
 * The member's accounts narrowed by `f`, ordered, with balances and monthly fees: one global round trip (with the
 * session, when the route's reads went into its batch), then one per shard that has any of them, all shards at once;
 * past {@link LIST_SHARDS} shards, from the organisation's snapshot (`figuresAt`: its time).
 */
async function listed(data: DataAccess, subscriberId: string, orgId: string, f: ListFilter, sources?: ListSources) {
  guardId(orgId);
  const db = data.global;
  const [member, rows] =
    prereads(db, subscriberId, [MEMBER_READ, ROWS_READ]) ??
    (await db.batch([q.selectMember(db, orgId, subscriberId), sq.selectScopedAccountRows(db, orgId, subscriberId)]));
  authorize(member, "view");
  const inRegion = f.region ? rows.filter((r) => r.region === f.region) : rows;
  const byShard = new Map<ShardBinding, string[]>();
  for (const r of inRegion) if (isShardBinding(r.shard)) byShard.set(r.shard, [...(byShard.get(r.shard) ?? []), r.accountNo]);
  let figures: AccountFigures[];
  let figuresAt: string | null = null;
  const maxShards = sources?.maxShards ?? LIST_SHARDS;
  if (sources && byShard.size > maxShards) {
    const snapshot = await snapshotFigures(data, sources.files, sources.queue, orgId, sources.now ?? new Date());
    figures = snapshot.figures;
    figuresAt = new Date(snapshot.at).toISOString();
    // Accounts the organisation gained since (or the snapshot missed): read now, a few shards at most.
    const missing = unknownShards(new Set(figures.map((a) => a.accountNo)), byShard).slice(0, LIST_SHARDS);
    figures = [...figures, ...(await Promise.all(missing.map(([shard, nos]) => shardFigures(data.shard(shard), nos)))).flat()];
  } else figures = (await Promise.all([...byShard].map(([shard, nos]) => shardFigures(data.shard(shard), nos)))).flat();
  const info = new Map<string, { address: string; status: AccountStatus; balanceKop: number }>();
  const monthly = new Map<string, number>();
  for (const a of figures) {
    info.set(a.accountNo, { address: a.address, status: a.status, balanceKop: a.balanceKop });
    monthly.set(a.accountNo, a.monthlyKop);
  }
  const all = inRegion.map((r) => ({
    accountNo: r.accountNo,
    region: r.region,
    address: info.get(r.accountNo)?.address ?? "",
    status: info.get(r.accountNo)?.status ?? ("active" as const),
    balanceKop: info.get(r.accountNo)?.balanceKop ?? 0,
    monthlyKop: monthly.get(r.accountNo) ?? 0,
    siteId: r.siteId,
    siteName: r.siteName,
    siteAddress: r.siteAddress,
  }));
  const kept = all.filter((a) => (!f.q || matches(a, f.q)) && (!f.status || a.status === f.status) && (!f.negative || a.balanceKop < 0));
  const items = ordered(
    kept.map(({ siteAddress: _, ...a }) => a),
    f.sort ?? "site",
    f.order ?? "asc",
  );
  return { items, regions: [...new Set(rows.map((r) => r.region))].sort(), figuresAt };
}

/**
 * A page of the accounts list: the member's accounts found by `f`, grouped by site, with the totals of all of them
 * (not only the page) and of each site, and the regions the member's accounts are in (for the filter).
 */
export async function accountList(
  data: DataAccess,
  subscriberId: string,
  orgId: string,
  f: ListFilter,
  offset: number,
  limit: number,
  sources?: ListSources,
) {
  const { items, regions, figuresAt } = await listed(data, subscriberId, orgId, f, sources);
  const sites = new Map<string, { id: string | null; name: string | null; list: ListedAccount[] }>();
  for (const a of items) {
    const key = a.siteId ?? "";
    const site = sites.get(key) ?? { id: a.siteId, name: a.siteName, list: [] };
    site.list.push(a);
    sites.set(key, site);
  }
  const page = items.slice(offset, offset + limit);
  return {
    items: page,
    totals: figures(items),
    sites: [...sites.values()].map((s) => ({ id: s.id, name: s.name, ...figures(s.list) })),
    regions,
    figuresAt,
    offset,
    nextOffset: offset + limit < items.length ? offset + limit : null,
  };
}

const STATUS: Record<AccountStatus, Record<Lang, string>> = {
  active: { ru: "Активен", en: "Active" },
  blocked: { ru: "Заблокирован", en: "Blocked" },
  closed: { ru: "Закрыт", en: "Closed" },
};
const HEADERS: Record<Lang, string[]> = {
  ru: ["Площадка", "Лицевой счёт", "Регион", "Адрес", "Состояние", "Баланс, ₽", "В месяц, ₽"],
  en: ["Site", "Account", "Region", "Address", "Status", "Balance, ₽", "Monthly, ₽"],
};
const TOTAL: Record<Lang, string> = { ru: "Итого", en: "Total" };
const NO_SITE: Record<Lang, string> = { ru: "Без площадки", en: "No site" };

function regionName(code: string, lang: Lang) {
  const r = REGIONS.find((x) => x.code === code);
  return r ? (lang === "ru" ? r.nameRu : r.nameEn) : code;
}

/** Kopecks as roubles with a decimal comma (Russian Excel's number format in a CSV). */
const rubles = (kop: number) => `${kop < 0 ? "-" : ""}${Math.floor(Math.abs(kop) / 100)},${String(Math.abs(kop) % 100).padStart(2, "0")}`;

/** The list as CSV for Russian Excel: UTF-8 with a BOM, `;` between fields, CRLF, a totals row last. */
export function accountsCsv(items: readonly ListedAccount[], lang: Lang): Uint8Array {
  const t = figures(items);
  const lines = [
    HEADERS[lang].map(csvField).join(";"),
    ...items.map((a) =>
      [
        csvField(a.siteName ?? NO_SITE[lang]),
        csvField(a.accountNo),
        csvField(regionName(a.region, lang)),
        csvField(a.address),
        csvField(STATUS[a.status][lang]),
        rubles(a.balanceKop),
        rubles(a.monthlyKop),
      ].join(";"),
    ),
    [csvField(TOTAL[lang]), csvField(String(t.count)), "", "", "", rubles(t.balanceKop), rubles(t.monthlyKop)].join(";"),
  ];
  return csvFile(lines);
}

/** The list as an XLSX sheet: typed cells (numbers in roubles with a money format), a frozen header, a totals row. */
export async function accountsXlsx(items: readonly ListedAccount[], lang: Lang): Promise<Uint8Array> {
  const bold = { fontWeight: "bold" as const };
  const money = "#,##0.00";
  const t = figures(items);
  const data = [
    HEADERS[lang].map((value) => ({ value, ...bold })),
    ...items.map((a) => [
      { value: a.siteName ?? NO_SITE[lang], type: String },
      { value: a.accountNo, type: String },
      { value: regionName(a.region, lang), type: String },
      { value: a.address, type: String },
      { value: STATUS[a.status][lang], type: String },
      { value: a.balanceKop / 100, type: Number, format: money },
      { value: a.monthlyKop / 100, type: Number, format: money },
    ]),
    [
      { value: TOTAL[lang], ...bold },
      { value: t.count, type: Number, ...bold },
      { value: null },
      { value: null },
      { value: null },
      { value: t.balanceKop / 100, type: Number, format: money, ...bold },
      { value: t.monthlyKop / 100, type: Number, format: money, ...bold },
    ],
  ];
  const writeXlsxFile = await xlsxWriter();
  const buffer = await writeXlsxFile([
    {
      data: data as never,
      sheet: lang === "ru" ? "Лицевые счета" : "Accounts",
      stickyRowsCount: 1,
      columns: [{ width: 28 }, { width: 16 }, { width: 24 }, { width: 44 }, { width: 14 }, { width: 14 }, { width: 14 }],
    },
  ]).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The member's accounts found by `f` as a file (all of them, not a page), and an audit entry saying who exported
 * what, from where.
 */
export async function exportAccounts(
  data: DataAccess,
  actor: { subscriberId: string; address: string },
  orgId: string,
  f: ListFilter,
  format: "xlsx" | "csv",
  lang: Lang,
  now = new Date(),
  sources?: ListSources,
) {
  const { items, figuresAt } = await listed(data, actor.subscriberId, orgId, f, sources);
  const body = format === "csv" ? accountsCsv(items, lang) : await accountsXlsx(items, lang);
  const filters = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== "" && v !== false));
  await q.insertAudit(
    data.global,
    {
      orgId,
      actorId: actor.subscriberId,
      action: "accounts.exported",
      target: format.toUpperCase(),
      // The balances' time when they came from the organisation's snapshot (figures.service.ts).
      details: { format, accounts: items.length, filters, ...(figuresAt ? { figuresAt } : {}) },
      address: actor.address,
      at: now,
    },
    newId(now.getTime()),
  );
  const day = now.toISOString().slice(0, 10);
  return { body, filename: `accounts-${orgId}-${day}.${format}` };
}

/** The organisation's sites the member sees (all of them for a member who sees every account), with their accounts. */
export async function sites(db: GlobalDb, subscriberId: string, orgId: string) {
  guardId(orgId);
  const [member, rows] =
    prereads(db, subscriberId, [MEMBER_READ, SITES_READ]) ??
    (await db.batch([q.selectMember(db, orgId, subscriberId), sq.selectScopedSites(db, orgId, subscriberId)]));
  const me = authorize(member, "view");
  return { items: rows.filter((s) => me.accountScope === null || s.accounts > 0) };
}

const siteNameInvalid = () => new AppError(400, "validation", {}, [{ field: "name", message: "field.siteName" }]);

/** Renames a site (administrators), in one batch with its audit entry. */
export async function renameSite(
  db: GlobalDb,
  actor: { subscriberId: string; address: string },
  orgId: string,
  siteId: string,
  name: string | undefined,
  now = new Date(),
) {
  guardId(orgId);
  const clean = (name ?? "").replace(/\s+/g, " ").trim();
  const [member, [site]] = await db.batch([q.selectMember(db, orgId, actor.subscriberId), sq.selectSite(db, orgId, siteId)]);
  authorize(member, "people");
  if (!site) throw new AppError(404, "not_found");
  if (clean.length < 2 || clean.length > 100) throw siteNameInvalid();
  const isSite = and(eq(orgSites.orgId, orgId), eq(orgSites.id, siteId)) as SQL;
  await db.batch([
    q.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "site.renamed",
        target: site.address,
        // Not `from`/`to`: the audit screen reads those as roles.
        details: { site: siteId, oldName: site.name, newName: clean },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
    ),
    db.update(orgSites).set({ name: clean }).where(isSite),
  ]);
  return { id: site.id, name: clean, address: site.address };
}

/** Moves one of the organisation's accounts to another of its sites (administrators), with its audit entry. */
export async function moveAccount(
  db: GlobalDb,
  actor: { subscriberId: string; address: string },
  orgId: string,
  accountNoInput: string,
  siteId: string | undefined,
  now = new Date(),
) {
  guardId(orgId);
  const accountNo = parseAccountNo(accountNoInput);
  const [member, [account], [site]] = await db.batch([
    q.selectMember(db, orgId, actor.subscriberId),
    sq.selectOrgAccount(db, orgId, accountNo ?? ""),
    sq.selectSite(db, orgId, siteId ?? ""),
  ]);
  authorize(member, "people");
  if (!accountNo || !account) throw new AppError(404, "not_found");
  if (!site) throw new AppError(400, "validation", {}, [{ field: "siteId", message: "field.orgSites" }]);
  if (account.siteId === site.id) return { accountNo, siteId: site.id };
  const isAccount = and(eq(orgAccounts.orgId, orgId), eq(orgAccounts.accountNo, accountNo)) as SQL;
  await db.batch([
    q.insertAudit(
      db,
      {
        orgId,
        actorId: actor.subscriberId,
        action: "account.site_changed",
        target: accountNo,
        details: { fromSite: account.siteId, toSite: site.id, toSiteName: site.name },
        address: actor.address,
        at: now,
      },
      newId(now.getTime()),
    ),
    db.update(orgAccounts).set({ siteId: site.id }).where(sql`${isAccount}`),
  ]);
  return { accountNo, siteId: site.id };
}
