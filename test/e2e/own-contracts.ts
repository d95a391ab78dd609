/**
 * Contracts only the browser tests have: global-setup adds them to the e2e databases (never to the demo seed that
 * `npm start` shows), and a test registers its own subscriber on one of them through the real registration flow
 * (`ownSubscriber` in subscribers.ts). Each is used by one test (or one file's tests, in turn) alone, so what it
 * changes (a password, a phone, a passkey, a linked identity, the history, a balance, an inbox) is nobody else's,
 * and the files run in any order and two at a time.
 */
import { REGIONS, SHARD_MAP } from "../../worker/data/regions.data";
import { signInKey } from "../../worker/platform/identity-stores";
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

/** Holder `n` (1–99) of a Moscow contract on ул. Тестовая: `house` 54 unless a test needs a house of its own. */
const msk = (n: number, holderName: string, channel: "sms" | "email" = "sms", house = 54): OwnContract => {
  const nn = String(n).padStart(2, "0");
  return {
    body11: `209800000${nn}`,
    region: "msk",
    holderName,
    address: `Москва, ул. Тестовая, д. ${house}, кв. ${n}`,
    tariffs: ["inet-300"],
    phone: `+790054000${nn}`,
    email: `own.contract.${n}@example.com`,
    channel,
  };
};

export const OWN_CONTRACTS = {
  "identity-code": msk(1, "Вера Кодова"),
  "identity-recovery": msk(2, "Нина Почтова", "email"),
  "identity-phone": msk(3, "Олег Номеров"),
  "identity-gosuslugi": msk(4, "Алла Связева"),
  "identity-passkey": msk(5, "Ольга Ключева"),
  "identity-password": msk(6, "Павел Паролев"),
  "bank-import": msk(7, "Борис Банков"),
  // Files that run at the same time as others must not share a balance, an inbox or a push subscription:
  // the SBP top-ups' balance (bonus.test.ts changes petr's Kazan one), the bell's unread count (offline.test.ts
  // reads Anna's inbox), the pushes and the outage (the only holder in house 55, so nobody else's home shows it).
  "payment-methods": msk(8, "Семён Быстров"),
  "narrow-header": msk(9, "Ирина Узкова"),
  push: msk(10, "Пётр Пушкин", "sms", 55),
} as const satisfies Record<string, OwnContract>;

export type OwnContractKey = keyof typeof OWN_CONTRACTS;

function lit(v: string | number): string {
  return typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;
}

function insert(table: string, row: Record<string, string | number>): string {
  const cols = Object.keys(row);
  return `INSERT OR IGNORE INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => lit(row[c] as string | number)).join(", ")});`;
}

/**
 * The contracts as SQL: the directory row in the global database, the account (with the contract's contacts) and its
 * services in its shard, and the contacts' index in the identity stores (worker/platform/contract-contacts.ts).
 */
export function ownContractsSql(createdAt = Date.now()): {
  global: string[];
  shards: Record<string, string[]>;
  identities: { key: string; statement: string }[];
} {
  const global: string[] = [];
  const shards: Record<string, string[]> = {};
  const identities: { key: string; statement: string }[] = [];
  for (const c of Object.values(OWN_CONTRACTS) as OwnContract[]) {
    const accountNo = makeAccountNo(c.body11);
    const branch = REGIONS.find((r) => r.code === c.region)?.branch;
    if (!branch) throw new Error(`unknown region ${c.region}`);
    const shard = SHARD_MAP[branch];
    global.push(insert("account_directory", { account_no: accountNo, region: c.region, shard, created_at: createdAt }));
    for (const key of [signInKey("phone", c.phone), signInKey("email", c.email)])
      identities.push({ key, statement: insert("contract_contacts", { contact: key, account_no: accountNo, created_at: createdAt }) });
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
        contact_phone: c.phone,
        contact_email: c.email,
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
  return { global, shards, identities };
}
