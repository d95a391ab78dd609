import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as globalSchema from "../db/schema/global";
import type * as regionSchema from "../db/schema/region";

/**
 * The two kinds of database a request reaches, as types only: code that also
 * runs under Node (the demo seed, through the ledger's row builder) can name
 * them without the Workers runtime's globals that `db.ts` uses.
 */
export type GlobalDb = DrizzleD1Database<typeof globalSchema>;
export type RegionDb = DrizzleD1Database<typeof regionSchema>;
