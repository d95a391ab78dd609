import { and, desc, eq } from "drizzle-orm";
import { accountLinks, globalSessions, subscribers } from "../../db/schema/global";
import { sessions } from "../../db/schema/region";
import type { GlobalDb, RegionDb } from "../../platform/db";
import type { Identifier } from "../../platform/identifiers";
import { type SessionSubscriber, subscriberIs } from "../../platform/session";

export type SubscriberRow = typeof subscribers.$inferSelect;

/** The subscriber an identifier names; an account number names its owner. */
export async function selectSubscriberByIdentifier(db: GlobalDb, id: Identifier): Promise<SubscriberRow | undefined> {
  switch (id.kind) {
    case "phone":
      return db.select().from(subscribers).where(eq(subscribers.phone, id.value)).get();
    case "email":
      return db.select().from(subscribers).where(eq(subscribers.email, id.value)).get();
    case "login":
      return db.select().from(subscribers).where(eq(subscribers.login, id.value)).get();
    case "account": {
      const row = await db
        .select({ s: subscribers })
        .from(accountLinks)
        .innerJoin(subscribers, eq(subscribers.id, accountLinks.subscriberId))
        .where(and(eq(accountLinks.accountNo, id.value), eq(accountLinks.role, "owner")))
        .get();
      return row?.s;
    }
  }
}

export function selectSubscriberById(db: GlobalDb, id: string) {
  return db.select().from(subscribers).where(eq(subscribers.id, id)).get();
}

/** The subscriber's row, for the profile. */
export function selectProfileRow(db: GlobalDb, id: string) {
  return db.select().from(subscribers).where(eq(subscribers.id, id)).get();
}

/** The subscriber's sessions in their home shard, most recently used first. */
export function selectSessions(db: RegionDb, subscriberId: string) {
  return db.select().from(sessions).where(eq(sessions.subscriberId, subscriberId)).orderBy(desc(sessions.lastSeenAt));
}

/** The subscriber's sessions an older deployment opened in the global table (read with the session). */
export function selectLegacySessions(db: GlobalDb, who: string | SessionSubscriber) {
  return db.select().from(globalSessions).where(subscriberIs(globalSessions.subscriberId, who)).orderBy(desc(globalSessions.lastSeenAt));
}
