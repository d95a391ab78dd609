import { getTableName } from "drizzle-orm";
import { BONUS_RULES, pointsForCharges } from "../../data/bonus.data";
import { DEMO_ORGANISATIONS } from "../../data/business.data";
import { DEMO_IDP_PEOPLE, DEMO_IDP_PROVIDERS, DEMO_OPERATORS, DEMO_SUBSCRIBERS, DEMO_UNREGISTERED } from "../../data/demo.data";
import { OFFICES } from "../../data/offices.data";
import { BRANCHES, FEDERAL_CONTACTS, type HomeShardBinding, REGIONAL_HOTLINES, REGIONS, SHARD_MAP } from "../../data/regions.data";
import { COVERAGE, DEFAULT_COVERAGE, TECH_MAX_MBPS } from "../../data/services.data";
import { BRANCH_PRICE_PERCENT, GIGABIT_REGIONS, SERVICE_TEMPLATES, TARIFF_TEMPLATES } from "../../data/tariffs.data";
import { closeMonthStatements, monthDays, type RawStatement, seedRow } from "../../features/billing/ledger.service";
import { nextMonth } from "../../features/billing/period-close.service";
import { normalizeStreet } from "../../platform/address";
import { accountKey, identityKey, signInKey } from "../../platform/identity-stores";
import { makeAccountNo } from "../../platform/ids";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays, localDay, monthStart } from "../../platform/region";
import { ledgerEntries, type TariffKind } from "../schema/region";
import { businessSeed } from "./business.seed";
import { numbersSeed } from "./business-numbers.seed";
import { compactInserts } from "./compact";
import { DEMO_OPERATOR_PASSWORD_HASH, DEMO_PASSWORD_HASH } from "./demo-passwords";
import { type SeedUsageMonth, seedUsageMonths, usageFor } from "./usage.seed";

/** SQL literal for a seed value (the seed builds plain SQL so any runner can apply it). */
function lit(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  return `'${v.replace(/'/g, "''")}'`;
}

const LEDGER_TABLE = getTableName(ledgerEntries);

/** A statement with its `?` parameters written in as literals (outside quoted strings), for the seed's plain SQL. */
export function inlineStatement([query, ...params]: RawStatement): string {
  let out = "";
  let quoted = false;
  let next = 0;
  for (const ch of query) {
    if (ch === "'") quoted = !quoted;
    if (ch === "?" && !quoted) {
      if (next >= params.length) throw new Error("inlineStatement: more placeholders than parameters");
      out += lit(params[next++] as string | number | null);
    } else out += ch;
  }
  if (next !== params.length) throw new Error("inlineStatement: more parameters than placeholders");
  return `${out};`;
}

function insert(table: string, row: Record<string, string | number | boolean | null | undefined>): string {
  const cols = Object.keys(row);
  return `INSERT OR IGNORE INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => lit(row[c])).join(", ")});`;
}

/** A region's price level: its branch's, nudged per region so neighbours differ. */
export function pricePercent(regionCode: string, branch: string): number {
  let h = 0;
  for (const ch of regionCode) h = (h * 31 + ch.charCodeAt(0)) % 997;
  return (BRANCH_PRICE_PERCENT[branch] ?? 100) + (h % 7) - 3;
}

/** Monthly price in kopecks, rounded to whole roubles. */
export function regionalPriceKop(baseRub: number, percent: number): number {
  return Math.round((baseRub * percent) / 100) * 100;
}

/**
 * The demo's region-local days, relative to the day it is seeded (Moscow's
 * calendar): the history (charges daily, a payment on the 5th of each month)
 * runs from the first of the month five months back to yesterday, usage
 * records (calls, SMS, internet, film rentals) over the last two months and
 * this one, up to yesterday. From today on the cron charges, as in production.
 */
export function demoPeriods(now = new Date()) {
  const historyTo = addDays(localDay("Europe/Moscow", now), -1);
  const historyFrom = monthStart(historyTo, -5);
  // The months of the history before the current one, as the period close would have closed them by now.
  const closedMonths: string[] = [];
  for (let m = historyFrom.slice(0, 7); monthDays(m).last <= historyTo; m = nextMonth(m)) closedMonths.push(m);
  return { historyFrom, historyTo, usageFrom: monthStart(historyTo, -2), usageTo: historyTo, closedMonths };
}

function* daysBetween(from: string, to: string) {
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    yield new Date(t).toISOString().slice(0, 10);
}

/** Ledger rows for one demo account: daily charges of its services and monthly payments that cover them. */
function demoLedger(
  accountNo: string,
  services: { id: string; tariff: { nameRu: string; nameEn: string; priceKop: number } }[],
  pay: number,
  { historyFrom, historyTo }: DemoPeriods,
) {
  const rows: string[] = [];
  const monthly = services.reduce((t, s) => t + s.tariff.priceKop, 0);
  for (const day of daysBetween(historyFrom, historyTo)) {
    // Midday UTC keeps each entry inside its local day in every Russian time zone.
    const at = Date.parse(`${day}T09:00:00Z`);
    if (day.endsWith("-05") || day === historyFrom) {
      // Payments of a whole number of roubles, a little more than the month's fees (× pay: some accounts run low).
      const amount = Math.ceil((monthly * pay) / 10000) * 100;
      rows.push(
        insert(
          LEDGER_TABLE,
          seedRow({
            id: `pay-${accountNo}-${day}`,
            accountNo,
            kind: "payment",
            amountKop: amount,
            occurredAt: new Date(at - 3_600_000),
            localDay: day,
            descriptionRu: "Оплата банковской картой",
            descriptionEn: "Card payment",
            idempotencyKey: `seed:pay:${accountNo}:${day}`,
            createdAt: new Date(at),
          }),
        ),
      );
    }
    const d = Number(day.slice(8, 10));
    for (const s of services) {
      const kop = dailyChargeKop(s.tariff.priceKop, d, daysInMonth(day));
      if (kop === 0) continue;
      rows.push(
        insert(
          LEDGER_TABLE,
          seedRow({
            id: `chg-${s.id}-${day}`,
            accountNo,
            kind: "charge",
            amountKop: -kop,
            occurredAt: new Date(at),
            localDay: day,
            serviceId: s.id,
            descriptionRu: `Абонентская плата: ${s.tariff.nameRu}`,
            descriptionEn: `Subscription fee: ${s.tariff.nameEn}`,
            idempotencyKey: `charge:${s.id}:${day}`,
          }),
        ),
      );
    }
  }
  return rows;
}

/** «Бонус» for a demo account: a member since the history starts, points for each month's charges by the rules. */
function demoBonus(
  accountNo: string,
  region: string,
  services: { code: string; tariff: { priceKop: number } }[],
  { historyFrom, historyTo }: DemoPeriods,
) {
  const rows = [
    insert("bonus_members", {
      account_no: accountNo,
      status: "active",
      joined_at: Date.parse(`${historyFrom}T09:00:00Z`),
      left_at: null,
      joined_by: "seed",
      rules_version: BONUS_RULES.version,
    }),
  ];
  const byMonth = new Map<string, Partial<Record<TariffKind, number>>>();
  const lastDay = new Map<string, string>();
  for (const day of daysBetween(historyFrom, historyTo)) {
    const month = day.slice(0, 7);
    lastDay.set(month, day);
    const kinds = byMonth.get(month) ?? {};
    for (const s of services) {
      const kind = TARIFF_TEMPLATES.find((t) => t.code === s.code)?.kind ?? "internet";
      kinds[kind] = (kinds[kind] ?? 0) + dailyChargeKop(s.tariff.priceKop, Number(day.slice(8, 10)), daysInMonth(day));
    }
    byMonth.set(month, kinds);
  }
  for (const [month, kinds] of byMonth) {
    // Earned the night after the month's last charged day of the history (never in the future).
    const at = Date.parse(`${lastDay.get(month)}T20:00:00Z`);
    rows.push(
      insert("bonus_ledger", {
        id: `bonus-${accountNo}-${month}`,
        account_no: accountNo,
        kind: "earn",
        points: pointsForCharges(region, kinds),
        source_key: `earn:seed:${accountNo}:${month}`,
        expires_at: at + BONUS_RULES.expiryMonths * 30.44 * 24 * 3600_000,
        description_ru: `За оплату услуг, ${month}`,
        description_en: `For services paid, ${month}`,
        created_at: at,
      }),
    );
  }
  return rows;
}

// Demo data is fixed: created "on" this instant, passwords hashed once (demo-passwords.ts).
const SEEDED_AT = Date.UTC(2026, 0, 15, 9, 0, 0);

type DemoPeriods = ReturnType<typeof demoPeriods>;

export interface SeedSql {
  global: string[];
  shards: Record<HomeShardBinding, string[]>;
  /** Demo usage per account-month and shard: written to R2 and its totals to the shard by `seedUsageMonth` (after `shards`). */
  usage: (SeedUsageMonth & { shard: HomeShardBinding })[];
  /** The identity stores' rows, each with the key that chooses its store (platform/identity-stores.ts `identityStoreIndex`). */
  identities: { key: string; statement: string }[];
}

/**
 * The whole demo data set, as SQL per database, deterministic for the day it
 * is seeded (`now`). Applying it twice changes nothing; applied again on a
 * later day it adds the days in between, with the same keys the cron charges by.
 * Its one-row INSERTs come joined into multi-row ones unless `compact` is false.
 */
export async function buildSeed(now = new Date(), { compact = true } = {}): Promise<SeedSql> {
  const periods = demoPeriods(now);
  const global: string[] = [];
  const shards = Object.fromEntries(Object.values(SHARD_MAP).map((b) => [b, [] as string[]])) as Record<HomeShardBinding, string[]>;
  const identities: SeedSql["identities"] = [];
  // The contacts on the contracts: in the accounts' rows, and indexed by contact in the identity stores (below).
  const contracts: { accountNo: string; region: string; shard: string; phone: string | null; email: string | null }[] = [];
  const usage: SeedSql["usage"] = [];
  const regionBranch = new Map(REGIONS.map((r) => [r.code, r.branch]));
  const shardOf = (region: string) => SHARD_MAP[regionBranch.get(region) ?? "moscow"];
  // A demo subscriber's home shard as the UPDATE at the end gives it: their first linked account's (all linked at once:
  // the lowest number). The identity providers' people all have accounts.
  const homeShardOf = (subscriber: string) => {
    const linked = DEMO_SUBSCRIBERS.flatMap((s) =>
      s.accounts
        .filter((a) => s.id === subscriber || a.sharedWith?.some((x) => x.subscriber === subscriber))
        .map((a) => ({ accountNo: makeAccountNo(a.body11), region: a.region })),
    ).sort((a, b) => (a.accountNo < b.accountNo ? -1 : 1))[0];
    if (!linked) throw new Error(`demo subscriber ${subscriber} has no account`);
    return shardOf(linked.region);
  };

  for (const b of BRANCHES)
    global.push(insert("branches", { code: b.code, name_ru: b.nameRu, name_en: b.nameEn, shard: SHARD_MAP[b.code] }));
  // The shard map starts with each branch's home shard, open for new accounts.
  for (const b of BRANCHES) global.push(insert("shards", { binding: SHARD_MAP[b.code], branch: b.code, open: 1, created_at: SEEDED_AT }));
  for (const r of REGIONS) {
    global.push(
      insert("regions", {
        code: r.code,
        iso: r.iso,
        name_ru: r.nameRu,
        name_en: r.nameEn,
        branch: r.branch,
        tz: r.tz,
        lat: r.lat,
        lon: r.lon,
      }),
    );
    for (const c of FEDERAL_CONTACTS) global.push(insert("region_contacts", { region: r.code, kind: c.kind, phone: c.phone }));
    const hotline = REGIONAL_HOTLINES[r.code];
    if (hotline) global.push(insert("region_contacts", { region: r.code, kind: "regional", phone: hotline }));

    const pct = pricePercent(r.code, r.branch);
    const shard = shards[shardOf(r.code)];
    TARIFF_TEMPLATES.forEach((t, i) => {
      if (t.gigabitOnly && !GIGABIT_REGIONS.has(r.code)) return;
      shard.push(
        insert("tariffs", {
          id: `${r.code}-${t.code}`,
          region: r.code,
          kind: t.kind,
          name_ru: t.nameRu,
          name_en: t.nameEn,
          description_ru: t.descriptionRu,
          description_en: t.descriptionEn,
          price_kop: regionalPriceKop(t.baseRub, pct),
          speed_mbps: t.speedMbps,
          tv_channels: t.tvChannels,
          minutes: t.minutes,
          data_gb: t.dataGb,
          sort: i,
          active: true,
        }),
      );
    });
    (COVERAGE[r.code] ?? DEFAULT_COVERAGE).forEach((c, i) => {
      shard.push(
        insert("coverage", {
          id: `${r.code}-cov-${i}`,
          region: r.code,
          street_key: normalizeStreet(c.street),
          street: c.street,
          house_from: c.from,
          house_to: c.to,
          technology: c.technology,
          max_mbps: TECH_MAX_MBPS[c.technology],
          tv: c.tv,
        }),
      );
    });
    SERVICE_TEMPLATES.forEach((s, i) => {
      shard.push(
        insert("service_options", {
          id: `${r.code}-${s.code}`,
          region: r.code,
          applies_to: s.appliesTo,
          name_ru: s.nameRu,
          name_en: s.nameEn,
          price_kop: regionalPriceKop(s.baseRub, pct),
          sort: i,
        }),
      );
    });
  }

  // The history is charged up to its last day and its points earned (the night after it): the cron goes on from there.
  for (const r of REGIONS) {
    const shard = shards[shardOf(r.code)];
    shard.push(insert("cron_progress", { job: "midnight", region: r.code, done_day: periods.historyTo, updated_at: SEEDED_AT }));
    shard.push(insert("cron_progress", { job: "bonus", region: r.code, done_day: addDays(periods.historyTo, 1), updated_at: SEEDED_AT }));
  }

  for (const o of OFFICES) {
    global.push(
      insert("offices", {
        id: o.id,
        region: o.region,
        kind: o.kind,
        city_ru: o.cityRu,
        city_en: o.cityEn,
        address_ru: o.addressRu,
        address_en: o.addressEn,
        hours: JSON.stringify(o.hours),
        lat: o.lat,
        lon: o.lon,
      }),
    );
  }

  for (const s of DEMO_SUBSCRIBERS) {
    global.push(
      insert("subscribers", {
        id: s.id,
        display_name: s.displayName,
        phone: s.phone,
        email: s.email,
        login: s.login,
        password_hash: DEMO_PASSWORD_HASH,
        locale: "ru",
        created_at: SEEDED_AT,
      }),
    );
  }
  for (const o of DEMO_OPERATORS) {
    global.push(
      insert("operators", {
        id: o.id,
        login: o.login,
        display_name: o.displayName,
        regions: o.regions.join(","),
        password_hash: DEMO_OPERATOR_PASSWORD_HASH,
        created_at: SEEDED_AT,
      }),
    );
  }
  // The demo subscribers' sign-in rows in their home shards, with the keys of their phones, e-mails and logins: their
  // password logins read nothing global (features/auth/sign-ins.service.ts). The business cabinet's people have none:
  // their first login reads their global row and writes them, as every subscriber's does after the upgrade.
  for (const s of DEMO_SUBSCRIBERS) {
    const home = homeShardOf(s.id);
    shards[home].push(
      insert("sign_ins", {
        subscriber_id: s.id,
        display_name: s.displayName,
        phone: s.phone,
        email: s.email,
        login: s.login,
        password_hash: DEMO_PASSWORD_HASH,
        password_at: SEEDED_AT,
        updated_at: SEEDED_AT,
      }),
    );
    for (const kind of ["phone", "email", "login"] as const) {
      const value = s[kind];
      if (!value) continue;
      const key = signInKey(kind, value);
      identities.push({ key, statement: insert("login_keys", { key, subscriber_id: s.id, home_shard: home, created_at: SEEDED_AT }) });
    }
  }
  // The demo identity provider's people who are subscribers: their Госуслуги, T-ID and VK ID are linked, in their home
  // shard, each with its key in an identity store (features/auth/identities.service.ts).
  for (const p of DEMO_IDP_PEOPLE) {
    if (!p.subscriber) continue;
    const home = homeShardOf(p.subscriber);
    for (const provider of DEMO_IDP_PROVIDERS) {
      const subject = p.subjects[provider];
      shards[home].push(
        insert("identities", { provider, subject, subscriber_id: p.subscriber, display_name: p.name, created_at: SEEDED_AT }),
      );
      const key = identityKey(provider, subject);
      identities.push({
        key,
        statement: insert("login_keys", { key, subscriber_id: p.subscriber, home_shard: home, created_at: SEEDED_AT }),
      });
    }
  }
  // Links after every subscriber exists (foreign keys).
  for (const s of DEMO_SUBSCRIBERS) {
    for (const a of s.accounts) {
      const accountNo = makeAccountNo(a.body11);
      const shard = shardOf(a.region);
      global.push(insert("account_directory", { account_no: accountNo, region: a.region, shard, created_at: SEEDED_AT }));
      contracts.push({ accountNo, region: a.region, shard, phone: s.phone, email: s.email });
      // Each link globally, as the account's holder in its shard (platform/holders.ts) and in the subscriber's home shard
      // (platform/links.ts: their pages read it there).
      for (const l of [{ subscriber: s.id, role: "owner" }, ...(a.sharedWith ?? [])]) {
        global.push(insert("account_links", { subscriber_id: l.subscriber, account_no: accountNo, role: l.role, created_at: SEEDED_AT }));
        shards[homeShardOf(l.subscriber)].push(
          insert("subscriber_links", { subscriber_id: l.subscriber, account_no: accountNo, role: l.role, created_at: SEEDED_AT }),
        );
        shards[shard].push(
          insert("account_holders", {
            account_no: accountNo,
            subscriber_id: l.subscriber,
            role: l.role,
            home_shard: homeShardOf(l.subscriber),
            created_at: SEEDED_AT,
          }),
        );
      }
      shards[shard].push(
        insert("accounts", {
          account_no: accountNo,
          region: a.region,
          holder_name: s.displayName,
          address: a.address,
          status: "active",
          created_at: SEEDED_AT,
          contact_phone: s.phone,
          contact_email: s.email,
        }),
      );
      const pct = pricePercent(a.region, REGIONS.find((r) => r.code === a.region)?.branch ?? "moscow");
      const services = a.tariffs.map((code, i) => {
        const t = TARIFF_TEMPLATES.find((x) => x.code === code);
        if (!t) throw new Error(`unknown tariff ${code}`);
        return {
          id: `${accountNo}-${i + 1}`,
          code,
          tariff: { nameRu: t.nameRu, nameEn: t.nameEn, priceKop: regionalPriceKop(t.baseRub, pct) },
        };
      });
      for (const sv of services) {
        shards[shard].push(
          insert("account_services", {
            id: sv.id,
            account_no: accountNo,
            tariff_id: `${a.region}-${sv.code}`,
            status: "active",
            started_at: SEEDED_AT,
          }),
        );
      }
      shards[shard].push(...demoLedger(accountNo, services, a.payPercent ?? 110, periods));
      for (const sv of services) {
        const kind = TARIFF_TEMPLATES.find((x) => x.code === sv.code)?.kind ?? "internet";
        const rows = usageFor(accountNo, a.region, { id: sv.id, kind, code: sv.code }, periods.usageFrom, periods.usageTo);
        usage.push(...seedUsageMonths(accountNo, rows, `${sv.id}:${periods.usageTo}`).map((m) => ({ ...m, shard })));
      }
      if (a.bonus) shards[shard].push(...demoBonus(accountNo, a.region, services, periods));
    }
  }
  // The business cabinet's demo organisations, their people and accounts (after the subscribers: foreign keys).
  {
    const biz = businessSeed(insert, {
      seededAt: SEEDED_AT,
      passwordHash: DEMO_PASSWORD_HASH,
      historyTo: periods.historyTo,
      shardOf,
      pricePercent,
      priceKop: regionalPriceKop,
      inline: inlineStatement,
    });
    global.push(...biz.global);
    for (const [shard, rows] of biz.shards) shards[shard].push(...rows);
    contracts.push(...biz.contracts);
  }
  // Its corporate mobile numbers (after the accounts they belong to).
  for (const [shard, rows] of numbersSeed(insert, { seededAt: SEEDED_AT, historyTo: periods.historyTo, shardOf }).shards)
    shards[shard].push(...rows);
  {
    const u = DEMO_UNREGISTERED;
    const accountNo = makeAccountNo(u.body11);
    const shard = shardOf(u.region);
    global.push(insert("account_directory", { account_no: accountNo, region: u.region, shard, created_at: SEEDED_AT }));
    contracts.push({ accountNo, region: u.region, shard, phone: u.phone, email: u.email });
    shards[shard].push(
      insert("accounts", {
        account_no: accountNo,
        region: u.region,
        holder_name: u.holderName,
        address: u.address,
        status: "active",
        created_at: SEEDED_AT,
        contact_phone: u.phone,
        contact_email: u.email,
      }),
    );
    u.tariffs.forEach((code, i) => {
      shards[shard].push(
        insert("account_services", {
          id: `${accountNo}-${i + 1}`,
          account_no: accountNo,
          tariff_id: `${u.region}-${code}`,
          status: "active",
          started_at: SEEDED_AT,
        }),
      );
    });
  }
  // The months before the current one closed as the region's daily work closes them (billing/period-close): a
  // `ledger_periods` row per account and month, the daily charges rolled up into one entry per service; and the
  // regions' close progress, so the cron goes on from the month after.
  const demoRegions = new Set([
    ...DEMO_SUBSCRIBERS.flatMap((s) => s.accounts.map((a) => a.region)),
    ...DEMO_ORGANISATIONS.flatMap((o) => o.accounts.map((a) => a.region)),
    DEMO_UNREGISTERED.region,
  ]);
  for (const month of periods.closedMonths) {
    // The close runs in the first night of the month after (never later than the seeding itself).
    const closedAt = new Date(Math.min(Date.parse(`${monthDays(month).last}T21:30:00Z`), now.getTime()));
    for (const region of demoRegions)
      shards[shardOf(region)].push(...closeMonthStatements(region, month, "", "~", closedAt).map(inlineStatement));
  }
  const lastClosed = periods.closedMonths.at(-1);
  if (lastClosed)
    for (const r of REGIONS)
      shards[shardOf(r.code)].push(
        insert("cron_progress", { job: "close", region: r.code, done_day: monthDays(lastClosed).last, updated_at: SEEDED_AT }),
      );
  // Each shard's account count: what placement weighs (demo-sized, so counted once here).
  global.push("UPDATE shards SET accounts = (SELECT count(*) FROM account_directory d WHERE d.shard = shards.binding);");
  // Each subscriber's home shard (their inbox and delivery records): their first linked account's, as registration
  // chooses it; an employee without one of their own takes their organisation's first (migration 0028 for old rows).
  global.push(
    "UPDATE subscribers SET home_shard = (SELECT d.shard FROM account_links l JOIN account_directory d ON d.account_no = l.account_no WHERE l.subscriber_id = subscribers.id ORDER BY l.created_at, l.account_no LIMIT 1) WHERE EXISTS (SELECT 1 FROM account_links l WHERE l.subscriber_id = subscribers.id);",
    "UPDATE subscribers SET home_shard = (SELECT d.shard FROM org_members m JOIN org_accounts a ON a.org_id = m.org_id JOIN account_directory d ON d.account_no = a.account_no WHERE m.subscriber_id = subscribers.id ORDER BY m.created_at, a.created_at, a.account_no LIMIT 1) WHERE NOT EXISTS (SELECT 1 FROM account_links l WHERE l.subscriber_id = subscribers.id) AND EXISTS (SELECT 1 FROM org_members m JOIN org_accounts a ON a.org_id = m.org_id WHERE m.subscriber_id = subscribers.id);",
  );
  // Every account's place, copied in the store its number's key hashes to (platform/places.ts).
  for (const c of contracts)
    identities.push({
      key: accountKey(c.accountNo),
      statement: insert("account_places", { account_no: c.accountNo, region: c.region, shard: c.shard, as_of: SEEDED_AT }),
    });
  for (const c of contracts)
    for (const [kind, value] of [
      ["phone", c.phone],
      ["email", c.email],
    ] as const) {
      if (!value) continue;
      const key = signInKey(kind, value);
      identities.push({
        key,
        statement: insert("contract_contacts", { contact: key, account_no: c.accountNo, created_at: SEEDED_AT }),
      });
    }
  if (!compact) return { global, shards, usage, identities };
  // One statement per run of rows into a table instead of one per row: the same rows, a tenth of the statements (compact.ts).
  const compacted = Object.fromEntries(Object.entries(shards).map(([b, statements]) => [b, compactInserts(statements)]));
  return { global: compactInserts(global), shards: compacted as SeedSql["shards"], usage, identities };
}
