import { inArray, lt } from "drizzle-orm";
import { PROVIDER_MESSAGE_RETENTION_MS } from "../../adapters/provider-messages";
import { authChallenges, oneTimeCodes, operatorSessions, outbox, providerMessages, sessions } from "../../db/schema/global";
import type { DataAccess } from "../../platform/db";
import { drainLegacyNotifications, expireNotifications } from "../notifications/notifications.service";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows of each global table one 15-minute tick deletes at most (960,000 a day). */
export const EXPIRE_PAGE = 10_000;

/** How long the dev outbox keeps messages. */
export const OUTBOX_RETENTION_MS = 7 * DAY_MS;
/** How long a message handed to an SMS or email provider keeps its row (its dedupe claim and delivery status). */
export { PROVIDER_MESSAGE_RETENTION_MS };

/**
 * Deletes what has expired: sessions (subscribers' and operators') past their absolute expiry, flow challenges, one-time
 * codes a day after expiry (kept briefly for abuse accounting), old dev
 * outbox messages and provider messages a month after their last report; then, in bounded pages, dead letters past
 * 21 days, inbox messages past 12 months and delivery rows past 90 days in the subscribers' home shards
 * (features/notifications/notifications.retention.ts), and a share of the inbox and delivery rows an older deployment
 * kept in the global database moved to those shards (notifications.drain.ts). Safe to run any number of times. (Abuse counts expire in their own objects: platform/throttle.do.ts.)
 */
export async function cleanExpired(data: DataAccess, now = new Date(), pageSize = EXPIRE_PAGE) {
  const db = data.global;
  // Each table at most `pageSize` rows a tick, oldest first along its date index: a backlog (ticks missed for a
  // day at the operator's size) is worked off over the next ticks instead of one statement past D1's 30 s that
  // would fail on every tick and never catch up.
  const [s, c, o, a, ops, pm] = await db.batch([
    db
      .delete(sessions)
      .where(
        inArray(
          sessions.idHash,
          db.select({ id: sessions.idHash }).from(sessions).where(lt(sessions.expiresAt, now)).orderBy(sessions.expiresAt).limit(pageSize),
        ),
      )
      .returning({ id: sessions.idHash }),
    db
      .delete(oneTimeCodes)
      .where(
        inArray(
          oneTimeCodes.id,
          db
            .select({ id: oneTimeCodes.id })
            .from(oneTimeCodes)
            .where(lt(oneTimeCodes.expiresAt, new Date(now.getTime() - DAY_MS)))
            .orderBy(oneTimeCodes.expiresAt)
            .limit(pageSize),
        ),
      )
      .returning({ id: oneTimeCodes.id }),
    db
      .delete(outbox)
      .where(
        inArray(
          outbox.id,
          db
            .select({ id: outbox.id })
            .from(outbox)
            .where(lt(outbox.createdAt, new Date(now.getTime() - OUTBOX_RETENTION_MS)))
            .orderBy(outbox.createdAt)
            .limit(pageSize),
        ),
      )
      .returning({ id: outbox.id }),
    db
      .delete(authChallenges)
      .where(
        inArray(
          authChallenges.id,
          db
            .select({ id: authChallenges.id })
            .from(authChallenges)
            .where(lt(authChallenges.expiresAt, now))
            .orderBy(authChallenges.expiresAt)
            .limit(pageSize),
        ),
      )
      .returning({ id: authChallenges.id }),
    db
      .delete(operatorSessions)
      .where(
        inArray(
          operatorSessions.idHash,
          db
            .select({ id: operatorSessions.idHash })
            .from(operatorSessions)
            .where(lt(operatorSessions.expiresAt, now))
            .orderBy(operatorSessions.expiresAt)
            .limit(pageSize),
        ),
      )
      .returning({ id: operatorSessions.idHash }),
    db
      .delete(providerMessages)
      .where(
        inArray(
          providerMessages.id,
          db
            .select({ id: providerMessages.id })
            .from(providerMessages)
            .where(lt(providerMessages.updatedAt, new Date(now.getTime() - PROVIDER_MESSAGE_RETENTION_MS)))
            .orderBy(providerMessages.updatedAt)
            .limit(pageSize),
        ),
      )
      .returning({ id: providerMessages.id }),
  ]);
  const notifications = await expireNotifications(data, now);
  const drained = await drainLegacyNotifications(data, now);
  return {
    sessions: s.length,
    codes: c.length,
    outbox: o.length,
    challenges: a.length,
    operatorSessions: ops.length,
    providerMessages: pm.length,
    deadLetters: notifications.deadLetters,
    inbox: notifications.inbox,
    deliveries: notifications.deliveries,
    inboxMoved: drained.inbox,
    deliveriesMoved: drained.deliveries,
    legacyDrained: drained.drained,
  };
}
