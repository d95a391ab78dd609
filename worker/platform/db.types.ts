import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as globalSchema from "../db/schema/global";
import type * as identitySchema from "../db/schema/identity";
import type * as messagesSchema from "../db/schema/messages";
import type * as regionSchema from "../db/schema/region";

/**
 * The kinds of database a request reaches, as types only: code that also
 * runs under Node (the demo seed, through the ledger's row builder) can name
 * them without the Workers runtime's globals that `db.ts` uses.
 */
export type GlobalDb = WithoutRelational<DrizzleD1Database<typeof globalSchema>>;
export type RegionDb = WithoutRelational<DrizzleD1Database<typeof regionSchema>>;
/** A message store (`MESSAGES_<n>`): the SMS and emails handed to providers (platform/message-stores.ts). */
export type MessagesDb = WithoutRelational<DrizzleD1Database<typeof messagesSchema>>;
/** An identity store (`IDENTITY_<n>`): what a login names, by key (platform/identity-stores.ts). */
export type IdentityDb = WithoutRelational<DrizzleD1Database<typeof identitySchema>>;

/** A handle has no relational queries (`db.query.*`): platform/db.ts makes it without them, for their CPU. */
type WithoutRelational<D> = Omit<D, "query">;
