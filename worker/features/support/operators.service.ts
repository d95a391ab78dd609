import type { SupportQueue } from "../../db/schema/region";
import { randomToken } from "../../platform/crypto";
import type { DataAccess } from "../../platform/db";
import { type ShardBinding, shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { type OperatorInfo, openOperatorSession } from "../../platform/operator";
import { hashPassword, needsRehash, verifyPassword } from "../../platform/password";
import { regionByCode } from "../../platform/region";
import { takeAttempt, throttleKey } from "../../platform/throttle";
import { operatorChatDto } from "./chat.service";
import * as q from "./support.queries";
import { OPEN_TICKET_STATUSES } from "./tickets.machine";
import { ticketDto } from "./tickets.service";

/** A hash of a random secret, verified against when a login is unknown, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
};

/** Checks an operator's login and password (throttled like subscribers' logins) and opens a console session. */
export async function operatorLogin(data: DataAccess, login: string, password: string, address: string) {
  const attempt = await takeAttempt([
    { scope: "identifier", key: await throttleKey("identifier", `operator:${login.trim().toLowerCase()}`) },
    { scope: "address", key: await throttleKey("address", address) },
  ]);
  const row = await q.selectOperatorByLogin(data.global, login.trim().toLowerCase());
  // A missing operator costs the same time as a wrong password.
  const ok = await verifyPassword(password, row?.passwordHash ?? (await getDummyHash()));
  if (!row || !ok) throw new AppError(401, "invalid_credentials");
  await attempt.succeeded();
  if (needsRehash(row.passwordHash)) {
    await q.updateOperatorPasswordHash(data.global, row.id, row.passwordHash, await hashPassword(password));
  }
  return { token: await openOperatorSession(data.global, row.id), operator: profile(row) };
}

export function profile(row: Pick<q.OperatorRow, "id" | "login" | "displayName" | "regions">) {
  return { id: row.id, login: row.login, name: row.displayName, regions: row.regions.split(",").filter(Boolean) };
}

/** The shards holding an operator's regions, each with the regions it holds. */
function shardsOf(regions: string[]) {
  const by = new Map<ShardBinding, string[]>();
  for (const r of regions) {
    const s = shardOfRegion(r);
    if (s) by.set(s, [...(by.get(s) ?? []), r]);
  }
  return [...by.entries()];
}

/**
 * The operator's queue: waiting and active chats (waiting first, oldest
 * first) and open requests of the regions they serve, optionally one region.
 */
export async function operatorQueue(
  data: DataAccess,
  operator: OperatorInfo,
  lang: Lang,
  onlyRegion?: string,
  queue: SupportQueue = "private",
  now = new Date(),
) {
  const regions = onlyRegion ? operator.regions.filter((r) => r === onlyRegion) : operator.regions;
  const parts = await Promise.all(
    shardsOf(regions).map(async ([shard, rs]) => {
      const db = data.shard(shard);
      const [chats, tickets] = await Promise.all([
        q.selectQueueChats(db, rs, queue),
        q.selectQueueTickets(db, rs, OPEN_TICKET_STATUSES, queue),
      ]);
      return { chats, tickets };
    }),
  );
  const chats = parts
    .flatMap((p) => p.chats)
    .sort((a, b) => (a.status === b.status ? a.createdAt.getTime() - b.createdAt.getTime() : a.status === "waiting" ? -1 : 1))
    .map((c) => operatorChatDto(c, c.visitorName ?? ""));
  const party = { side: "operator" as const, operator };
  // Overdue requests first, then those due soonest (business), then the longest untouched.
  const tickets = parts
    .flatMap((p) => p.tickets)
    .map((t) => ticketDto(t, party, lang, null, now))
    .sort(
      (a, b) =>
        Number(b.overdue) - Number(a.overdue) || (a.dueAt ?? "~").localeCompare(b.dueAt ?? "~") || a.updatedAt.localeCompare(b.updatedAt),
    );
  return {
    regions: regions.map((code) => ({ code, name: (lang === "en" ? regionByCode(code)?.nameEn : regionByCode(code)?.nameRu) ?? code })),
    chats,
    tickets,
  };
}

/** Colleagues a chat or request of these regions may be passed to. */
export async function colleagues(data: DataAccess, operator: OperatorInfo) {
  return (await q.selectOperators(data.global))
    .map(profile)
    .filter((o) => o.id !== operator.id && o.regions.some((r) => operator.regions.includes(r)));
}

export async function operatorById(data: DataAccess, id: string) {
  const row = await q.selectOperator(data.global, id);
  return row ? profile(row) : null;
}

/** Latest feedback of the operator's regions and the average rating. */
export async function regionFeedback(data: DataAccess, operator: OperatorInfo) {
  const rows = (await Promise.all(shardsOf(operator.regions).map(([shard, rs]) => q.selectFeedback(data.shard(shard), rs))))
    .flat()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const average = rows.length ? Math.round((rows.reduce((s, r) => s + r.rating, 0) / rows.length) * 10) / 10 : null;
  return {
    average,
    items: rows.map((r) => ({
      id: r.id,
      region: r.region,
      rating: r.rating,
      text: r.text,
      chatId: r.chatId,
      ticketId: r.ticketId,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}
