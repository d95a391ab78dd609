import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What a login names, found without knowing whose it is (issue 20): a key → the subscriber and their home shard, in the
 * identity store the key hashes to (`IDENTITY_<n>`, platform/identity-stores.ts). A key is an account at an identity
 * provider today (`idp:<provider>:<subject>`, features/auth/identities.service.ts); the design puts phones, e-mails, logins and
 * account numbers here too (docs/capacity.md). A key is an index, not the truth: the row it points to in the
 * subscriber's home shard must say the same, or the key is stale (a link or an unlink that stopped half-way) and
 * logs nobody in.
 */
export const loginKeys = sqliteTable("login_keys", {
  key: text("key").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  /** The subscriber's home shard (a D1 binding of the shard map), where the row the key stands for is. */
  homeShard: text("home_shard").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});
