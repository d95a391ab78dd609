/**
 * Contracts only the browser tests have: global-setup adds them to the e2e databases (never to the demo seed that
 * `npm start` shows), and a test registers its own subscriber on one of them through the real registration flow
 * (`ownSubscriber` in subscribers.ts). Each is used by one test alone, so what that test changes (a password, a
 * phone, a passkey, a linked identity, the history) is nobody else's, and the files run in any order.
 */
import { REGIONS, SHARD_MAP } from "../../worker/data/regions.data";
import { makeAccountNo } from "../../worker/platform/ids";

export interface OwnContract {
  /** The account number without its check digit. */
  body11: string;
  region: string;
  holderName: string;
  address: string;
  tariffs: readonly string[];
  phone: string;
  email: string;
  /** Where the registration code goes: the subscriber gets this contact (the phone, or the email). */
  channel: "sms" | "email";
}

const msk = (n: number, holderName: string, channel: "sms" | "email" = "sms"): OwnContract => ({
  body11: `2098000000${n}`,
  region: "msk",
  holderName,
  address: `Москва, ул. Тестовая, д. 54, кв. ${n}`,
  tariffs: ["inet-300"],
  phone: `+7900540000${n}`,
  email: `own.contract.${n}@example.com`,
  channel,
});

export const OWN_CONTRACTS = {
  "identity-code": msk(1, "Вера Кодова"),
  "identity-recovery": msk(2, "Нина Почтова", "email"),
  "identity-phone": msk(3, "Олег Номеров"),
  "identity-gosuslugi": msk(4, "Алла Связева"),
  "identity-passkey": msk(5, "Ольга Ключева"),
  "identity-password": msk(6, "Павел Паролев"),
  "bank-import": msk(7, "Борис Банков"),
} as const satisfies Record<string, OwnContract>;

export type OwnContractKey = keyof typeof OWN_CONTRACTS;

function lit(v: string | number): string {
  return typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;
}

function insert(table: string, row: Record<string, string | number>): string {
  const cols = Object.keys(row);
  return `INSERT OR IGNORE INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => lit(row[c] as string | number)).join(", ")});`;
}

/** The contracts as SQL: the directory row in the global database, the account and its services in its shard. */
export function ownContractsSql(createdAt = Date.now()): { global: string[]; shards: Record<string, string[]> } {
  const global: string[] = [];
  const shards: Record<string, string[]> = {};
  for (const c of Object.values(OWN_CONTRACTS) as OwnContract[]) {
    const accountNo = makeAccountNo(c.body11);
    const branch = REGIONS.find((r) => r.code === c.region)?.branch;
    if (!branch) throw new Error(`unknown region ${c.region}`);
    const shard = SHARD_MAP[branch];
    global.push(
      insert("account_directory", {
        account_no: accountNo,
        region: c.region,
        shard,
        contact_phone: c.phone,
        contact_email: c.email,
        created_at: createdAt,
      }),
    );
    const rows = shards[shard] ?? [];
    shards[shard] = rows;
    rows.push(
      insert("accounts", {
        account_no: accountNo,
        region: c.region,
        holder_name: c.holderName,
        address: c.address,
        status: "active",
        created_at: createdAt,
      }),
    );
    c.tariffs.forEach((code, i) => {
      rows.push(
        insert("account_services", {
          id: `${accountNo}-${i + 1}`,
          account_no: accountNo,
          tariff_id: `${c.region}-${code}`,
          status: "active",
          started_at: createdAt,
        }),
      );
    });
  }
  return { global, shards };
}
