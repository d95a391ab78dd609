import { eq, sql } from "drizzle-orm";
import { accountDirectory } from "../db/schema/global";
import { contractContacts } from "../db/schema/identity";
import { accounts } from "../db/schema/region";
import { type DataAccess, inList, isShardBinding } from "./db";
import { signInKey } from "./identity-stores";
import { log } from "./log";
import { type Place, placeOf, placesOf } from "./places";

/**
 * The contacts on a contract (the phone and e-mail where registration's and relative-linking's codes go), off the
 * global database (issue 20: the directory's two columns and their two indexes, 27 bytes of its fixed part an account
 * while the indexes stay, more once a later release drops them).
 *
 * - **The truth is the account's row in its shard** (`accounts.contact_phone`, `contact_email`), moved with it by a
 *   shard move. Contacts on a contract are written once, when the account is made (an application's new connection,
 *   the seed); nothing changes them.
 * - **By contact**, the identity stores index them (`contract_contacts`: `phone:+79…` or `email:…` → an account number,
 *   in the store the key hashes to). An index row is written before the account's row, and trusted only when that row
 *   (or, for an older release's account not yet backfilled, the directory row) names the same contact.
 * - **Rollout** (`CONTRACT_CONTACTS`): under "global" the directory keeps them as before and a lookup by contact reads
 *   its indexes too, so a rollback finds every contract; under "home" (the default) new accounts' contacts are not
 *   written there, and the backfill (contract-contacts.backfill.ts) empties an older release's once the account's row
 *   holds them.
 */

export interface ContractContacts {
  phone: string | null;
  email: string | null;
}

/**
 * A contract as a registration or a link reads it: the account's place (platform/places.ts), with the contacts its
 * directory row keeps — an older release's, before the contacts' backfill reached it, or any under "global"; none when
 * read from the place alone.
 */
export type ContractRow = Place & { contactPhone: string | null; contactEmail: string | null };

/** What a new account's directory row keeps of its contacts: them under "global", else nothing. */
export function directoryContacts(data: DataAccess, c: ContractContacts) {
  return data.contractContacts === "global" ? { contactPhone: c.phone, contactEmail: c.email } : { contactPhone: null, contactEmail: null };
}

/** The index keys of a contract's contacts. */
const keysOf = (c: ContractContacts) => [
  ...(c.phone ? [signInKey("phone", c.phone)] : []),
  ...(c.email ? [signInKey("email", c.email)] : []),
];

/**
 * Indexes an account's contacts by contact, each key in its store (a row there already is kept): before the account's
 * row names them, so that a contract is never without its index. Nothing when no store is bound.
 */
export async function indexContacts(data: DataAccess, accountNo: string, c: ContractContacts, at: Date) {
  if (data.identities.all.length === 0) return;
  await Promise.all(
    keysOf(c).map((contact) =>
      data.identities.forKey(contact).insert(contractContacts).values({ contact, accountNo, createdAt: at }).onConflictDoNothing(),
    ),
  );
}

/**
 * The account rows of these numbers in one shard, with their contacts, and whether each has an owner there (its holder
 * row, platform/holders.ts: a registration under way counts), which a registration reads in the same query.
 */
function accountRows(data: DataAccess, shard: string, accountNos: readonly string[]) {
  if (!isShardBinding(shard) || !data.hasShard(shard)) {
    log("error", "contract_contacts.shard_unbound", { shard });
    return Promise.resolve([]);
  }
  return data
    .shard(shard)
    .select({
      accountNo: accounts.accountNo,
      phone: accounts.contactPhone,
      email: accounts.contactEmail,
      // Written out with the table's name: drizzle leaves a column of a one-table select unqualified, which the subquery
      // would read as its own.
      owned: sql<number>`EXISTS (SELECT 1 FROM account_holders h WHERE h.account_no = accounts.account_no AND h.role = 'owner')`,
    })
    .from(accounts)
    .where(inList(accounts.accountNo, accountNos))
    .all();
}

/**
 * The contacts on a contract, from its directory row and its account's row: the account row's when it has any (the
 * truth, whatever the directory still says), else the directory's (an older release's account the backfill has not
 * reached). Whole, never a field from each: a contact corrected in the account's row is not brought back by the
 * directory's older one.
 */
function contactsFrom(dir: ContractRow, row: { phone: string | null; email: string | null } | undefined): ContractContacts {
  if (row && (row.phone !== null || row.email !== null)) return { phone: row.phone, email: row.email };
  return { phone: dir.contactPhone, email: dir.contactEmail };
}

/**
 * The contacts on an account's contract (`contactsFrom`; null contacts for no such account): its place, then its
 * account's row; the directory row is read only when that row has no contact (an older release's account the
 * contacts' backfill has not reached).
 */
export async function contractContactsOf(data: DataAccess, accountNo: string): Promise<ContractContacts> {
  const place = await placeOf(data, accountNo);
  if (!place) return { phone: null, email: null };
  const [row] = await accountRows(data, place.shard, [accountNo]);
  if (row && (row.phone !== null || row.email !== null)) return { phone: row.phone, email: row.email };
  const dir = await data.global
    .select({ contactPhone: accountDirectory.contactPhone, contactEmail: accountDirectory.contactEmail })
    .from(accountDirectory)
    .where(eq(accountDirectory.accountNo, accountNo))
    .get();
  return contactsFrom({ ...place, contactPhone: dir?.contactPhone ?? null, contactEmail: dir?.contactEmail ?? null }, row);
}

/**
 * The contracts whose contact is this phone or e-mail: those the identity stores' index names (their places), and,
 * under "global", the directory rows its own index finds, each confirmed by its contacts as `contactsFrom` reads them
 * (the account's row first: an index row is written from it), with whether it has an owner in its shard (`owned`). A
 * stale or foreign index row, or a directory contact the account's row has since replaced, names no contract. A read a
 * shard of them.
 */
export async function contractsByContact(
  data: DataAccess,
  kind: "phone" | "email",
  value: string,
): Promise<(ContractRow & { owned: boolean })[]> {
  const key = signInKey(kind, value);
  const column = kind === "phone" ? accountDirectory.contactPhone : accountDirectory.contactEmail;
  const [indexed, direct] = await Promise.all([
    data.identities.all.length === 0
      ? []
      : data.identities
          .forKey(key)
          .select({ accountNo: contractContacts.accountNo })
          .from(contractContacts)
          .where(eq(contractContacts.contact, key))
          .all(),
    data.contractContacts === "global" ? data.global.select().from(accountDirectory).where(eq(column, value)).all() : [],
  ]);
  const known = new Set(direct.map((d) => d.accountNo));
  const candidates = indexed.map((r) => r.accountNo).filter((n) => !known.has(n));
  const dirs: ContractRow[] = [
    ...direct.map((d) => ({
      accountNo: d.accountNo,
      region: d.region,
      shard: d.shard,
      contactPhone: d.contactPhone,
      contactEmail: d.contactEmail,
    })),
    ...[...(await placesOf(data, candidates)).values()].map((p) => ({ ...p, contactPhone: null, contactEmail: null })),
  ];
  const byShard = new Map<string, ContractRow[]>();
  for (const d of dirs) byShard.set(d.shard, [...(byShard.get(d.shard) ?? []), d]);
  const confirmed = await Promise.all(
    [...byShard].map(async ([shard, list]) => {
      const rows = new Map(
        (
          await accountRows(
            data,
            shard,
            list.map((d) => d.accountNo),
          )
        ).map((r) => [r.accountNo, r]),
      );
      return list
        .filter((d) => contactsFrom(d, rows.get(d.accountNo))[kind] === value)
        .map((d) => ({ ...d, owned: Boolean(rows.get(d.accountNo)?.owned) }));
    }),
  );
  return confirmed.flat().sort((a, b) => (a.accountNo < b.accountNo ? -1 : a.accountNo > b.accountNo ? 1 : 0));
}
