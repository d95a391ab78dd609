import { desc } from "drizzle-orm";
import { outbox } from "../../db/schema/global";
import type { GlobalDb } from "../../platform/db";

/** The dev outbox's latest messages, newest first. */
export const selectRecentOutbox = (db: GlobalDb, limit = 200) =>
  db.select().from(outbox).orderBy(desc(outbox.createdAt)).limit(limit).all();
