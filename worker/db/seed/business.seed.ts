import { DEMO_BUSINESS_PEOPLE, DEMO_ORGANISATIONS } from "../../data/business.data";
import { DEMO_ORG_MANAGERS } from "../../data/business-support.data";
import { type HomeShardBinding, REGIONS } from "../../data/regions.data";
import { TARIFF_TEMPLATES } from "../../data/tariffs.data";
import { makeAccountNo } from "../../platform/ids";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays } from "../../platform/region";

type Insert = (table: string, row: Record<string, string | number | boolean | null | undefined>) => string;

/** A demo site's id: the organisation's id, the region and the site's place in that region's list. */
export const demoSiteId = (orgId: string, region: string, index: number) => `${orgId}-${region}-${index + 1}`;

/** The sites of a demo organisation: id, name and address, region by region. */
export function demoOrgSites(orgId: string) {
  const org = DEMO_ORGANISATIONS.find((o) => o.id === orgId);
  if (!org) return [];
  return Object.entries(org.sites).flatMap(([region, addresses]) =>
    addresses.map((address, i) => ({ id: demoSiteId(org.id, region, i), region, name: org.siteNames?.[region]?.[i] ?? address, address })),
  );
}

/** The account numbers of a demo organisation, each with its region and site (address), in order. */
export function demoOrgAccounts(orgId: string) {
  const org = DEMO_ORGANISATIONS.find((o) => o.id === orgId);
  if (!org) return [];
  return org.accounts.flatMap((a) =>
    Array.from({ length: a.count }, (_, i) => {
      const sites = org.sites[a.region] ?? [];
      return {
        accountNo: makeAccountNo(String(a.firstBody11 + i)),
        region: a.region,
        siteIndex: i % Math.max(1, sites.length),
        site: sites[i % Math.max(1, sites.length)] ?? "",
        siteId: sites.length > 0 ? demoSiteId(org.id, a.region, i % sites.length) : null,
        tariffs: a.tariffs,
      };
    }),
  );
}

/**
 * The demo organisations: people, organisations, memberships, and their accounts in the shards with a week of
 * daily charges before `historyTo` and one payment before it (none for every seventh account, so some are below
 * zero). Charges carry the cron's idempotency keys, so the cron goes on from there.
 */
export function businessSeed(
  insert: Insert,
  opts: {
    seededAt: number;
    passwordHash: string;
    historyTo: string;
    shardOf: (region: string) => HomeShardBinding;
    pricePercent: (region: string, branch: string) => number;
    priceKop: (baseRub: number, pct: number) => number;
  },
) {
  const global: string[] = [];
  const shards = new Map<HomeShardBinding, string[]>();
  const push = (shard: HomeShardBinding, row: string) => shards.set(shard, [...(shards.get(shard) ?? []), row]);
  for (const p of DEMO_BUSINESS_PEOPLE) {
    global.push(
      insert("subscribers", {
        id: p.id,
        display_name: p.displayName,
        phone: p.phone,
        email: p.email,
        login: p.login,
        password_hash: opts.passwordHash,
        locale: "ru",
        created_at: opts.seededAt,
      }),
    );
  }
  const firstDay = addDays(opts.historyTo, -6);
  for (const o of DEMO_ORGANISATIONS) {
    global.push(
      insert("organisations", {
        id: o.id,
        kind: o.kind,
        name: o.name,
        inn: o.inn,
        kpp: o.kpp,
        ogrn: o.ogrn,
        legal_address: o.legalAddress,
        postal_address: o.postalAddress,
        bik: o.bik,
        bank_name: o.bankName,
        settlement_account: o.settlementAccount,
        contact_phone: o.contactPhone,
        contact_email: o.contactEmail,
        created_at: opts.seededAt,
      }),
    );
    for (const site of demoOrgSites(o.id))
      global.push(insert("org_sites", { id: site.id, org_id: o.id, name: site.name, address: site.address, created_at: opts.seededAt }));
    const accounts = demoOrgAccounts(o.id);
    for (const [n, a] of accounts.entries()) {
      const shard = opts.shardOf(a.region);
      global.push(
        insert("account_directory", {
          account_no: a.accountNo,
          region: a.region,
          shard,
          contact_phone: o.contactPhone,
          contact_email: o.contactEmail,
          created_at: opts.seededAt,
        }),
      );
      global.push(insert("org_accounts", { org_id: o.id, account_no: a.accountNo, site_id: a.siteId, created_at: opts.seededAt }));
      push(
        shard,
        insert("accounts", {
          account_no: a.accountNo,
          region: a.region,
          holder_name: o.name,
          address: a.site,
          status: "active",
          created_at: opts.seededAt,
        }),
      );
      const pct = opts.pricePercent(a.region, REGIONS.find((r) => r.code === a.region)?.branch ?? "moscow");
      let weekKop = 0;
      a.tariffs.forEach((code, i) => {
        const t = TARIFF_TEMPLATES.find((x) => x.code === code);
        if (!t) throw new Error(`unknown tariff ${code}`);
        const serviceId = `${a.accountNo}-${i + 1}`;
        const priceKop = opts.priceKop(t.baseRub, pct);
        push(
          shard,
          insert("account_services", {
            id: serviceId,
            account_no: a.accountNo,
            tariff_id: `${a.region}-${code}`,
            status: "active",
            started_at: opts.seededAt,
          }),
        );
        for (let d = 0; d < 7; d++) {
          const day = addDays(firstDay, d);
          const kop = dailyChargeKop(priceKop, Number(day.slice(8, 10)), daysInMonth(day));
          if (kop === 0) continue;
          weekKop += kop;
          const at = Date.parse(`${day}T09:00:00Z`);
          push(
            shard,
            insert("ledger_entries", {
              id: `chg-${serviceId}-${day}`,
              account_no: a.accountNo,
              kind: "charge",
              amount_kop: -kop,
              occurred_at: at,
              local_day: day,
              service_id: serviceId,
              description_ru: `Абонентская плата: ${t.nameRu}`,
              description_en: `Subscription fee: ${t.nameEn}`,
              idempotency_key: `charge:${serviceId}:${day}`,
              created_at: at,
            }),
          );
        }
      });
      if (n % 7 !== 3) {
        const at = Date.parse(`${firstDay}T06:00:00Z`);
        push(
          shard,
          insert("ledger_entries", {
            id: `pay-${a.accountNo}-${firstDay}`,
            account_no: a.accountNo,
            kind: "payment",
            // Whole roubles, a month's worth and a little more.
            amount_kop: Math.ceil((weekKop * 5) / 100) * 100,
            occurred_at: at,
            local_day: firstDay,
            service_id: null,
            description_ru: "Оплата по счёту (платёжное поручение)",
            description_en: "Bank transfer",
            idempotency_key: `seed:pay:${a.accountNo}:${firstDay}`,
            created_at: at,
          }),
        );
      }
    }
    for (const m of o.members) {
      const firstRegion = accounts[0]?.region ?? "";
      const siteScope = m.accountsOfSite === undefined ? null : JSON.stringify([demoSiteId(o.id, firstRegion, m.accountsOfSite)]);
      global.push(
        insert("org_members", {
          org_id: o.id,
          subscriber_id: m.subscriber,
          role: m.role,
          account_scope: null,
          site_scope: siteScope,
          created_at: opts.seededAt,
        }),
      );
    }
    // Business support: the organisation's personal manager, where the demo has one.
    const manager = DEMO_ORG_MANAGERS[o.id];
    if (manager) global.push(insert("org_managers", { org_id: o.id, ...manager, updated_at: opts.seededAt }));
  }
  return { global, shards };
}
