import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { oneTimeCodeColumns } from "./global";

/**
 * What a login names, found without knowing whose it is (issue 20): a key → the subscriber and their home shard, in the
 * identity store the key hashes to (`IDENTITY_<n>`, platform/identity-stores.ts). A key is an account at an identity
 * provider (`idp:<provider>:<subject>`, features/auth/identities.service.ts), or a phone, e-mail or login
 * (`phone:+79…`, `email:…`, `login:…`, features/auth/sign-ins.service.ts); account numbers stay global links. A key is
 * an index, not the truth: the row it points to in the subscriber's home shard must say the same, or the key is stale
 * (a change that stopped half-way) and is not trusted.
 */
export const loginKeys = sqliteTable("login_keys", {
  key: text("key").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  /** The subscriber's home shard (a D1 binding of the shard map), where the row the key stands for is. */
  homeShard: text("home_shard").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * One-time codes (only a hash of each is stored), in the identity store their target's hash picks
 * (features/auth/codes.service.ts): a code for a login, a registration, a recovery, a step-up or a change is written
 * and checked there, not in the global database (a storm of logins by SMS code wrote it three times a login). Kept
 * until they expire (5 minutes), then deleted by housekeeping.
 */
export const storeCodes = sqliteTable("one_time_codes", oneTimeCodeColumns(), (t) => [
  index("otc_target_idx").on(t.targetHash, t.purpose),
  index("otc_expires_idx").on(t.expiresAt),
]);

/**
 * The contracts a phone or e-mail is the contact of (platform/contract-contacts.ts): `phone:+79…` or
 * `email:…` → an account number, in the store the contact's key hashes to; a registration by phone or e-mail finds its
 * contracts here instead of by the global directory's indexes (issue 20). An index, not the truth: the account's row
 * in its shard (`accounts.contact_phone`, `contact_email`) must name the same contact. Contacts on a contract are
 * written once, when the account is made.
 */
export const contractContacts = sqliteTable(
  "contract_contacts",
  {
    contact: text("contact").notNull(),
    accountNo: text("account_no").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.contact, t.accountNo] })],
);

/**
 * Where an account is (issue 20): its number → its region and the shard that holds it, in the store its key
 * (`account:<number>`) hashes to, so that a request finds its accounts' shards without the global directory
 * (platform/places.ts). A copy of the global `account_directory`, which stays the truth of a shard move: while a move
 * may switch the account (`moving`, its id, from just before the switch until the copy names the new shard), readers
 * ask the directory instead. Written when the account is made and by its moves; an older release's accounts are
 * copied by a backfill (features/accounts/places.backfill.ts), which replaces only a copy older than its read. One row
 * an account: bounded by accounts.
 */
export const accountPlaces = sqliteTable("account_places", {
  accountNo: text("account_no").primaryKey(),
  region: text("region").notNull(),
  shard: text("shard").notNull(),
  /** The move (its id) that may be switching the account now: the directory is read instead while it is set. */
  moving: text("moving"),
  /** The time of the directory's state it copies: the read it was copied from, or the move's mark or settle. */
  asOf: integer("as_of", { mode: "timestamp_ms" }).notNull(),
});
