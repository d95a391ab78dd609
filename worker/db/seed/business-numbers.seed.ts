import { DEMO_NUMBERS, DEMO_NUMBERS_ORG } from "../../data/business-numbers.data";
import type { HomeShardBinding } from "../../data/regions.data";
import { demoOrgAccounts } from "./business.seed";

type Insert = (table: string, row: Record<string, string | number | boolean | null | undefined>) => string;

/**
 * The demo organisation's corporate numbers, each on its region's first account of the organisation, with this
 * month's spend charged to the account under the key a charge of the number carries, and one payment per
 * account of the same sum (the accounts' balances are what they were without the numbers).
 */
export function numbersSeed(insert: Insert, opts: { seededAt: number; historyTo: string; shardOf: (region: string) => HomeShardBinding }) {
  const shards = new Map<HomeShardBinding, string[]>();
  const push = (shard: HomeShardBinding, row: string) => shards.set(shard, [...(shards.get(shard) ?? []), row]);
  const accounts = demoOrgAccounts(DEMO_NUMBERS_ORG);
  const day = opts.historyTo;
  const month = day.slice(0, 7);
  const at = Date.parse(`${day}T12:00:00Z`);
  const paid = new Map<string, number>();
  for (const n of DEMO_NUMBERS) {
    const account = accounts.find((a) => a.region === n.region);
    if (!account) throw new Error(`no ${n.region} account of ${DEMO_NUMBERS_ORG}`);
    const shard = opts.shardOf(n.region);
    const spendKop = n.spendRub * 100;
    const limitKop = n.limitRub === null ? null : n.limitRub * 100;
    push(
      shard,
      insert("corporate_numbers", {
        msisdn: n.msisdn,
        account_no: account.accountNo,
        assignee_kind: n.device ? "device" : "employee",
        assignee_name: n.name,
        assignee_subscriber_id: n.subscriberId ?? null,
        esia_confirmed: n.esia ? 1 : 0,
        limit_kop: limitKop,
        block_at_limit: n.blockAtLimit ? 1 : 0,
        status: n.lost ? "blocked" : "active",
        limit_blocked_month: null,
        spend_month: month,
        spend_kop: spendKop,
        alert80_month: limitKop && spendKop * 100 >= limitKop * 80 ? month : null,
        alert100_month: null,
        updated_at: opts.seededAt,
      }),
    );
    push(
      shard,
      insert("ledger_entries", {
        id: `num-${n.msisdn.slice(1)}-${month}`,
        account_no: account.accountNo,
        kind: "charge",
        amount_kop: -spendKop,
        occurred_at: at,
        local_day: day,
        service_id: null,
        description_ru: `Мобильная связь, номер ${n.msisdn}`,
        description_en: `Mobile, number ${n.msisdn}`,
        idempotency_key: `number:${n.msisdn}:seed-${month}`,
        created_at: at,
      }),
    );
    paid.set(account.accountNo, (paid.get(account.accountNo) ?? 0) + spendKop);
  }
  for (const [accountNo, kop] of paid) {
    const account = accounts.find((a) => a.accountNo === accountNo);
    if (!account) continue;
    push(
      opts.shardOf(account.region),
      insert("ledger_entries", {
        id: `pay-num-${accountNo}-${month}`,
        account_no: accountNo,
        kind: "payment",
        amount_kop: kop,
        occurred_at: at - 3_600_000,
        local_day: day,
        service_id: null,
        description_ru: "Оплата мобильной связи (платёжное поручение)",
        description_en: "Bank transfer for mobile",
        idempotency_key: `seed:pay:numbers:${accountNo}:${month}`,
        created_at: at - 3_600_000,
      }),
    );
  }
  return { shards };
}
