import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { DEMO_BUSINESS_PEOPLE, DEMO_ORGANISATIONS } from "../../data/business.data";
import { DEMO_ORG_MANAGERS } from "../../data/business-support.data";
import { type HomeShardBinding, REGIONS } from "../../data/regions.data";
import { TARIFF_TEMPLATES } from "../../data/tariffs.data";
import type { RawStatement } from "../../features/billing/ledger.service";
import { type AuditEntry, insertAudit } from "../../features/business/audit.writer";
import { buildOrgReceipt, lineKey } from "../../features/business/org-payment.rules";
import { METHOD_TEXT } from "../../features/payments/receipts.service";
import { formatAccountNoPlain } from "../../platform/format";
import { makeAccountNo, newId } from "../../platform/ids";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays } from "../../platform/region";
import * as globalSchema from "../schema/global";

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
 * The demo organisations: people, organisations, memberships, and their accounts in the shards with daily charges
 * from the first day of the month before `historyTo`'s up to it: what was charged before the last week is paid by a
 * transfer on that first day, the last week by one payment before it (none for every seventh account, so some are
 * below zero). Charges carry the cron's idempotency keys, so the cron goes on from there; the seed closes the
 * month before as the period close does (seed.ts).
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
    /** A built statement as the seed's plain SQL. */
    inline: (statement: RawStatement) => string;
  },
) {
  const global: string[] = [];
  const shards = new Map<HomeShardBinding, string[]>();
  // The contacts on the accounts' contracts, for the identity stores' index (platform/contract-contacts.ts).
  const contracts: { accountNo: string; region: string; shard: string; phone: string | null; email: string | null }[] = [];
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
  // The history goes back to the first day of the month before, so that month has its charges (and closing documents).
  const [hy, hm] = opts.historyTo.split("-").map(Number) as [number, number];
  const historyFrom = new Date(Date.UTC(hy, hm - 2, 1)).toISOString().slice(0, 10);
  for (const o of DEMO_ORGANISATIONS) {
    const accounts = demoOrgAccounts(o.id);
    // Its documents' and audit's shard: its account with the lowest number's (features/business/org-home.ts).
    const lowest = [...accounts].sort((a, b) => (a.accountNo < b.accountNo ? -1 : 1))[0];
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
        home_shard: lowest ? opts.shardOf(lowest.region) : null,
      }),
    );
    for (const site of demoOrgSites(o.id))
      global.push(insert("org_sites", { id: site.id, org_id: o.id, name: site.name, address: site.address, created_at: opts.seededAt }));
    for (const [n, a] of accounts.entries()) {
      const shard = opts.shardOf(a.region);
      global.push(insert("account_directory", { account_no: a.accountNo, region: a.region, shard, created_at: opts.seededAt }));
      contracts.push({ accountNo: a.accountNo, region: a.region, shard, phone: o.contactPhone, email: o.contactEmail });
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
          contact_phone: o.contactPhone,
          contact_email: o.contactEmail,
        }),
      );
      const pct = opts.pricePercent(a.region, REGIONS.find((r) => r.code === a.region)?.branch ?? "moscow");
      let weekKop = 0;
      let earlierKop = 0;
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
        for (let day = historyFrom; day <= opts.historyTo; day = addDays(day, 1)) {
          const kop = dailyChargeKop(priceKop, Number(day.slice(8, 10)), daysInMonth(day));
          if (kop === 0) continue;
          if (day < firstDay) earlierKop += kop;
          else weekKop += kop;
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
      if (earlierKop > 0) {
        // What was charged before the last week, paid by a bank transfer at the start (the week's balance is as it was).
        const at = Date.parse(`${historyFrom}T06:00:00Z`);
        push(
          shard,
          insert("ledger_entries", {
            id: `pay-${a.accountNo}-${historyFrom}`,
            account_no: a.accountNo,
            kind: "payment",
            amount_kop: earlierKop,
            occurred_at: at,
            local_day: historyFrom,
            service_id: null,
            description_ru: "Оплата по счёту (платёжное поручение)",
            description_en: "Bank transfer",
            idempotency_key: `seed:pay:${a.accountNo}:${historyFrom}`,
            created_at: at,
          }),
        );
      }
      if (o.id === ACTIVITY_ORG && n === 0) {
        // This account's last payment is the accountant's top-up through the cabinet (СБП), with its audit entries.
        const at = Date.parse(`${firstDay}T06:00:00Z`);
        const amountKop = Math.ceil((weekKop * 5) / 100) * 100;
        const activity = orgActivity(o, a.accountNo, amountKop, at, opts.historyTo, opts.inline);
        global.push(...activity.global);
        push(shard, insert("ledger_entries", activity.ledger));
      } else if (n % 7 !== 3) {
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
  return { global, shards, contracts };
}

/** The demo organisation whose people have a history of actions (its audit log). */
const ACTIVITY_ORG = "org-demo-veter";

/** A time-ordered id like `newId`'s, but the same every time the seed is built (its tail names the row). */
function seedId(ms: number, tag: number): string {
  return `${newId(ms).slice(0, 9)}${String(tag).padStart(17, "0")}`;
}

/**
 * What the demo organisation's people did before the seeding, written as the features write it: the
 * administrator invited the accountant, who accepted; renamed the head office's site; the accountant topped up an
 * account by СБП (the payment, its line, its receipt and the ledger credit, keyed as the credit is). Each audit
 * entry is `insertAudit`'s statement, guarded by its id, so seeding again adds nothing.
 */
function orgActivity(
  org: (typeof DEMO_ORGANISATIONS)[number],
  accountNo: string,
  amountKop: number,
  paidAtMs: number,
  historyTo: string,
  inline: (statement: RawStatement) => string,
) {
  const db = drizzle({} as D1Database, { schema: globalSchema });
  const memberOf = (role: string) => org.members.find((m) => m.role === role)?.subscriber ?? "";
  const admin = memberOf("administrator");
  const accountant = memberOf("accountant");
  const person = DEMO_BUSINESS_PEOPLE.find((p) => p.id === accountant);
  const site = demoOrgSites(org.id)[0];
  const at = (daysBefore: number, moscowTime: string) => new Date(Date.parse(`${addDays(historyTo, -daysBefore)}T${moscowTime}:00+03:00`));
  const office = "203.0.113.24";
  const invitedAt = at(20, "10:05");
  const paidAt = new Date(paidAtMs);
  const paymentId = seedId(paidAtMs - 60_000, 1);
  const lines = [{ accountNo, amountKop }];
  const payment = { paymentId, amountKop, method: "sbp", split: lines };
  const entries: AuditEntry[] = [
    {
      orgId: org.id,
      actorId: admin,
      action: "invite.created",
      target: person?.phone ?? null,
      details: { role: "accountant", accounts: null, sites: null },
      address: office,
      at: invitedAt,
    },
    {
      orgId: org.id,
      actorId: accountant,
      action: "invite.accepted",
      details: { role: "accountant" },
      address: "198.51.100.7",
      at: at(20, "11:32"),
    },
    ...(site && site.name !== site.address
      ? [
          {
            orgId: org.id,
            actorId: admin,
            action: "site.renamed" as const,
            target: site.address,
            details: { site: site.id, oldName: site.address, newName: site.name },
            address: office,
            at: at(15, "16:48"),
          },
        ]
      : []),
    {
      orgId: org.id,
      actorId: accountant,
      action: "payment.started",
      target: formatAccountNoPlain(accountNo),
      details: payment,
      address: office,
      at: new Date(paidAtMs - 60_000),
    },
    {
      orgId: org.id,
      actorId: accountant,
      action: "payment.succeeded",
      target: formatAccountNoPlain(accountNo),
      details: payment,
      address: office,
      at: paidAt,
    },
  ];
  const global = entries.map((e, i) => {
    const id = seedId(e.at.getTime(), 100 + i);
    const q = insertAudit(db, e, id, sql`NOT EXISTS (SELECT 1 FROM org_audit WHERE id = ${id})`).toSQL();
    return inline([q.sql, ...q.params]);
  });
  const receipt = buildOrgReceipt(
    { id: paymentId, amountKop, method: "sbp", cardLast4: null, cardBrand: null },
    lines,
    { name: org.name, inn: org.inn },
    paidAt,
    false,
  );
  const row = (table: string, values: Record<string, string | number | null>) => {
    const cols = Object.keys(values);
    return inline([
      `INSERT OR IGNORE INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
      ...Object.values(values),
    ]);
  };
  global.unshift(
    row("org_payments", {
      id: paymentId,
      org_id: org.id,
      payer_id: accountant,
      idempotency_key: `seed-${paymentId}`,
      request_hash: `seed-${paymentId}`,
      amount_kop: amountKop,
      method: "sbp",
      status: "succeeded",
      acquirer_payment_id: null,
      card_last4: null,
      card_brand: null,
      failure_code: null,
      address: office,
      receipt: JSON.stringify(receipt),
      created_at: paidAtMs - 60_000,
      updated_at: paidAtMs,
      credited_at: paidAtMs,
    }),
    row("org_payment_lines", { payment_id: paymentId, account_no: accountNo, amount_kop: amountKop, credited_at: paidAtMs }),
  );
  const [ru, en] = METHOD_TEXT.sbp.paid;
  const ledger = {
    id: `orgpay-${paymentId}-${accountNo}`,
    account_no: accountNo,
    kind: "payment",
    amount_kop: amountKop,
    occurred_at: paidAtMs,
    local_day: addDays(historyTo, -6),
    service_id: null,
    description_ru: `${ru} (платёж организации)`,
    description_en: `${en} (organisation's payment)`,
    idempotency_key: lineKey(paymentId, accountNo),
    created_at: paidAtMs,
  };
  return { global, ledger };
}
