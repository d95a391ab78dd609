import { BUSINESS_CATEGORIES, type BusinessTicketCategory } from "../../data/business-support.data";
import type { AnyTicketCategory, SupportQueue, TicketCategory, TicketStatus } from "../../db/schema/region";
import { randomDigits } from "../../platform/crypto";
import { type DataAccess, type RegionDb, shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import type { Lang } from "../../platform/i18n";
import { newId } from "../../platform/ids";
import type { OperatorInfo } from "../../platform/operator";
import { guardCount } from "../../platform/throttle";
import { regionOfId } from "./chat.service";
import * as q from "./support.queries";
import { AUTO_CLOSE_MS, canMoveTicket, nextTicketStatuses, TICKET_STATUS_LABELS, type TicketActor } from "./tickets.machine";

type Notify = (message: unknown) => Promise<void>;

export type TicketParty = { side: "subscriber"; subscriberId: string } | { side: "operator"; operator: OperatorInfo };

export interface TicketEventDto {
  id: string;
  from: TicketStatus | null;
  to: TicketStatus | null;
  toLabel: string | null;
  actor: TicketActor;
  actorName: string | null;
  comment: string | null;
  at: string;
}

export interface TicketDto {
  id: string;
  number: string;
  region: string;
  accountNo: string | null;
  category: AnyTicketCategory;
  subject: string;
  text: string;
  status: TicketStatus;
  statusLabel: string;
  operatorName: string | null;
  next: TicketStatus[];
  createdAt: string;
  updatedAt: string;
  history: TicketEventDto[] | null;
  queue: SupportQueue;
  orgId: string | null;
  /** A business request's category name and response-time target («Ответим до 14:30»), null for a private one. */
  categoryLabel: string | null;
  dueAt: string | null;
  /** Past its target and still not taken into work. */
  overdue: boolean;
  /** With the history: the subscriber's rating of the request (1–5), null until given. */
  rating?: number | null;
  /** To operators only: who has it (their console's «Ответственный» shows them), null in the queue. */
  operatorId?: string | null;
}

/** A request is overdue when its target has passed and nobody has taken it into work yet. */
export function isOverdue(t: Pick<q.TicketRow, "dueAt" | "status">, now: Date): boolean {
  return t.dueAt !== null && t.status === "new" && now.getTime() > t.dueAt.getTime();
}

const businessLabel = (category: AnyTicketCategory, lang: Lang) =>
  category in BUSINESS_CATEGORIES ? BUSINESS_CATEGORIES[category as BusinessTicketCategory].name[lang] : null;

/** "T2612-483920": year and month, then six random digits; unique by an index (a clash is retried). */
function ticketNumber(now: Date) {
  return `T${String(now.getUTCFullYear()).slice(2)}${String(now.getUTCMonth() + 1).padStart(2, "0")}-${randomDigits(6)}`;
}

const actorOf = (party: TicketParty): TicketActor => (party.side === "operator" ? "operator" : "subscriber");

export function ticketDto(t: q.TicketRow, party: TicketParty, lang: Lang, events: q.TicketEventRow[] | null, now = new Date()): TicketDto {
  return {
    id: t.id,
    number: t.number,
    region: t.region,
    accountNo: t.accountNo,
    category: t.category,
    subject: t.subject,
    text: t.text,
    status: t.status,
    statusLabel: TICKET_STATUS_LABELS[t.status][lang],
    operatorName: t.operatorName,
    next: nextTicketStatuses(t.status, actorOf(party)),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    history: events
      ? events.map((e) => ({
          id: e.id,
          from: e.fromStatus as TicketStatus | null,
          to: e.toStatus as TicketStatus | null,
          toLabel: e.toStatus ? TICKET_STATUS_LABELS[e.toStatus as TicketStatus][lang] : null,
          actor: e.actor,
          actorName: e.actorName,
          comment: e.comment,
          at: e.at.toISOString(),
        }))
      : null,
    queue: t.queue,
    orgId: t.orgId,
    categoryLabel: t.queue === "business" ? businessLabel(t.category, lang) : null,
    dueAt: t.dueAt ? t.dueAt.toISOString() : null,
    overdue: isOverdue(t, now),
    ...(party.side === "operator" ? { operatorId: t.operatorId } : {}),
  };
}

/** The ticket if the party may see it (its subscriber; operators of its region), else the same 404 as a missing one. */
export async function openTicket(data: DataAccess, party: TicketParty, id: string): Promise<{ db: RegionDb; ticket: q.TicketRow }> {
  const db = data.shardForRegion(regionOfId(id));
  const ticket = await q.selectTicket(db, id);
  const ok =
    ticket && (party.side === "operator" ? party.operator.regions.includes(ticket.region) : ticket.subscriberId === party.subscriberId);
  if (!ticket || !ok) throw new AppError(404, "not_found");
  return { db, ticket };
}

export interface NewTicketInput {
  siteRegion: string;
  category: TicketCategory;
  accountNo?: string | null | undefined;
  subject: string;
  text: string;
}

/**
 * Files a request (обращение). About an account, it goes to the account's
 * region (its operators handle it), else to the site's; a stranger's account
 * is the same 404 as a missing one. At most 10 a day per subscriber.
 */
export async function createTicket(
  data: DataAccess,
  { subscriberId, homeShard }: q.DirectoryOwner,
  input: NewTicketInput,
  lang: Lang,
  now = new Date(),
) {
  let region = input.siteRegion;
  if (input.accountNo) {
    const link = await q.selectAccountLink(data, { id: subscriberId, homeShard }, input.accountNo);
    if (!link) throw new AppError(404, "not_found");
    region = link.region;
  }
  await guardCount("tickets", subscriberId, now.getTime());
  // Its directory entry first: a run that dies after the request is written leaves it in the subscriber's list (an
  // entry whose request was never written is left out of the list, and taken back when the write fails).
  const home = shardOfRegion(region);
  if (!home) throw new AppError(404, "not_found");
  const id = newRequestId(region, now);
  await q.insertDirectory(data, homeShard, { id, kind: "ticket", subscriberId, region, shard: home, createdAt: now });
  let db: RegionDb;
  try {
    ({ db } = await insertNewTicket(data, subscriberId, region, input, {}, now, id));
  } catch (e) {
    // Taken back only when the request is surely not written: a failure of unknown outcome (a lost connection after
    // the write) keeps it, and the list leaves it out if the request is not there.
    if ((await requestWritten(data, id)) === false) await q.deleteDirectory(data, homeShard, id);
    throw e;
  }
  const ticket = await q.selectTicket(db, id);
  if (!ticket) throw new Error("ticket vanished");
  return ticketDto(ticket, { side: "subscriber", subscriberId }, lang, await q.selectTicketEvents(db, id));
}

/** Writes a new request into its region's shard under a fresh number (a clash of numbers is retried). */
async function insertNewTicket(
  data: DataAccess,
  subscriberId: string,
  region: string,
  input: Pick<NewTicketInput, "accountNo" | "subject" | "text"> & { category: AnyTicketCategory },
  business: { orgId?: string; dueAt?: Date },
  now: Date,
  id = newRequestId(region, now),
) {
  const shard = shardOfRegion(region);
  if (!shard) throw new AppError(404, "not_found");
  const db = data.shard(shard);
  for (let attempt = 0; ; attempt++) {
    try {
      await q.insertTicket(
        db,
        {
          id,
          number: ticketNumber(now),
          region,
          subscriberId,
          accountNo: input.accountNo ?? null,
          category: input.category,
          subject: input.subject.trim(),
          text: input.text.trim(),
          status: "new",
          createdAt: now,
          updatedAt: now,
          ...(business.orgId ? { queue: "business" as const, orgId: business.orgId, dueAt: business.dueAt ?? null } : {}),
        },
        newId(now.getTime()),
      );
      return { id, shard, db };
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !/UNIQUE/i.test(`${err.message} ${String(err.cause ?? "")}`)) throw err;
    }
  }
}

export interface NewBusinessTicket {
  orgId: string;
  region: string;
  category: BusinessTicketCategory;
  accountNo: string | null;
  subject: string;
  text: string;
  dueAt: Date;
}

/**
 * Files a business request under `id` (its region's prefix: `newRequestId`) into the business queue of its
 * region's shard. The caller has checked the person's right, the account's organisation and the person's 10 requests
 * a day (`guardCount`), and lists it for the organisation.
 */
export async function createBusinessTicket(data: DataAccess, subscriberId: string, input: NewBusinessTicket, id: string, now = new Date()) {
  const { shard, db } = await insertNewTicket(data, subscriberId, input.region, input, { orgId: input.orgId, dueAt: input.dueAt }, now, id);
  return { id, shard, db };
}

/**
 * Whether a request is written, for a caller that took back what it wrote before it (an entry of a list) only when
 * it surely is not: "unknown" when its shard could not be asked.
 */
export async function requestWritten(data: DataAccess, id: string): Promise<boolean | "unknown"> {
  try {
    return (await q.selectTicket(data.shardForRegion(regionOfId(id)), id)) !== undefined;
  } catch {
    return "unknown";
  }
}

/** A new request's id in a region (the region names its shard: `regionOfId`). */
export const newRequestId = (region: string, now: Date) => `${region}_${newId(now.getTime())}`;

/** An organisation's requests by id (from its own directory), each of that organisation. */
export async function businessTickets(data: DataAccess, orgId: string, entries: { id: string; region: string }[]) {
  return q.selectListed(entries, (region, ids) => q.selectOrgTickets(data.shardForRegion(region), orgId, ids));
}

/** One request of the organisation with its history, or the same 404 as a missing one. */
export async function businessTicket(data: DataAccess, orgId: string, id: string) {
  const db = data.shardForRegion(regionOfId(id));
  const ticket = await q.selectTicket(db, id);
  if (!ticket || ticket.orgId !== orgId) throw new AppError(404, "not_found");
  return { ticket, events: await q.selectTicketEvents(db, id) };
}

export async function myTickets(data: DataAccess, owner: q.DirectoryOwner, lang: Lang) {
  const { subscriberId } = owner;
  const entries = await q.selectDirectory(data, owner, "ticket");
  const rows = await q.selectListed(
    entries,
    (region, ids) => q.selectTicketsOf(data.shardForRegion(region), subscriberId, ids),
    q.LISTED.ticket,
  );
  const party: TicketParty = { side: "subscriber", subscriberId };
  return rows.map((t) => ticketDto(t, party, lang, null));
}

export async function ticketWithHistory(data: DataAccess, party: TicketParty, id: string, lang: Lang) {
  const { db, ticket } = await openTicket(data, party, id);
  const [events, rating] = await Promise.all([q.selectTicketEvents(db, id), q.selectTicketRating(db, id)]);
  // The rating is asked once (the page offers the form only while there is none), so a reload does not offer it again.
  return { ...ticketDto(ticket, party, lang, events), rating };
}

async function notifySubscriber(notify: Notify, ticket: q.TicketRow, eventId: string, status: TicketStatus | null) {
  await notify({
    channel: "event",
    eventId,
    kind: "support_reply",
    subscriberId: ticket.subscriberId,
    accountNo: ticket.accountNo,
    params: {
      ticket: ticket.number,
      url: `/support/tickets/${ticket.id}`,
      ...(status ? { status_ru: TICKET_STATUS_LABELS[status].ru, status_en: TICKET_STATUS_LABELS[status].en } : {}),
    },
  });
}

/**
 * Moves a request through the state machine. A move the actor may not make
 * is a 409 naming both statuses; a concurrent move wins and this one is
 * refused the same way. Taking a request into work assigns it to the
 * operator. Every operator move is notified to the subscriber.
 */
export async function moveTicket(
  data: DataAccess,
  notify: Notify,
  party: TicketParty,
  id: string,
  to: TicketStatus,
  comment: string | null,
  lang: Lang,
  now = new Date(),
) {
  const { db, ticket } = await openTicket(data, party, id);
  const actor = actorOf(party);
  const refuse = () =>
    new AppError(409, "ticket_transition", { from: TICKET_STATUS_LABELS[ticket.status][lang], to: TICKET_STATUS_LABELS[to][lang] });
  if (!canMoveTicket(ticket.status, to, actor)) throw refuse();
  const eventId = newId(now.getTime());
  const assignee = party.side === "operator" && to === "in_work" ? { id: party.operator.id, name: party.operator.name } : undefined;
  const moved = await q.moveTicket(
    db,
    ticket,
    to,
    { id: eventId, actor, actorName: party.side === "operator" ? party.operator.name : null, comment: comment?.trim() || null, at: now },
    assignee,
  );
  if (!moved) throw refuse();
  if (actor === "operator") await notifySubscriber(notify, ticket, `ticket:${eventId}`, to);
  return ticketWithHistory(data, party, id, lang);
}

/**
 * A comment on an open request. The subscriber's answer to a request waiting
 * for it brings the request back into work; an operator's is notified.
 */
export async function commentTicket(
  data: DataAccess,
  notify: Notify,
  party: TicketParty,
  id: string,
  text: string,
  lang: Lang,
  now = new Date(),
) {
  const { db, ticket } = await openTicket(data, party, id);
  const over = (status: TicketStatus) =>
    new AppError(409, "ticket_transition", { from: TICKET_STATUS_LABELS[status][lang], to: TICKET_STATUS_LABELS[status][lang] });
  if (ticket.status === "closed" || ticket.status === "cancelled") throw over(ticket.status);
  const event = {
    id: newId(now.getTime()),
    actorName: party.side === "operator" ? party.operator.name : null,
    comment: text.trim(),
    at: now,
  };
  // A subscriber's answer to a request waiting for them brings it back into work; if it moved meanwhile (an operator
  // resolved it), the answer is still kept, as a comment. One on a request closed meanwhile is refused, never lost.
  const moved =
    party.side === "subscriber" &&
    ticket.status === "waiting" &&
    (await q.moveTicket(db, ticket, "in_work", { ...event, actor: "subscriber" }));
  if (!moved && !(await q.addTicketComment(db, ticket.id, { ...event, actor: party.side === "operator" ? "operator" : "subscriber" })))
    throw over((await q.selectTicket(db, ticket.id))?.status ?? "closed");
  if (party.side === "operator") await notifySubscriber(notify, ticket, `ticket:${event.id}`, null);
  return ticketWithHistory(data, party, id, lang);
}

/** Passes an open request to a colleague of its region (or back to the queue). */
export async function assignTicketTo(
  data: DataAccess,
  operator: OperatorInfo,
  id: string,
  to: { id: string; name: string; regions: string[] } | null,
  lang: Lang,
  now = new Date(),
) {
  const party: TicketParty = { side: "operator", operator };
  const { db, ticket } = await openTicket(data, party, id);
  if (to && !to.regions.includes(ticket.region)) throw new AppError(400, "operator_region");
  await q.assignTicket(db, ticket.id, to ? { id: to.id, name: to.name } : null, now);
  return ticketWithHistory(data, party, id, lang);
}

/** Closes resolved requests nobody answered for a week (cron); each close is one conditional move. */
export async function autoCloseTickets(data: DataAccess, shards: readonly Parameters<DataAccess["shard"]>[0][], now = new Date()) {
  let closed = 0;
  for (const binding of shards) {
    const db = data.shard(binding);
    for (const t of await q.selectResolvedBefore(db, new Date(now.getTime() - AUTO_CLOSE_MS))) {
      if (await q.moveTicket(db, t, "closed", { id: newId(now.getTime()), actor: "system", actorName: null, comment: null, at: now }))
        closed++;
    }
  }
  return closed;
}

/**
 * Feedback (отзыв): a rating 1–5 and an optional text, about a closed chat, a
 * finished request or the service in general. Once per chat or request.
 */
export async function leaveFeedback(
  data: DataAccess,
  who: { subscriberId: string | null; region: string },
  input: { rating: number; text?: string | undefined; chatId?: string | undefined; ticketId?: string | undefined },
  canSeeChat: (chatId: string) => Promise<unknown>,
  now = new Date(),
) {
  let region = who.region;
  if (input.chatId) {
    await canSeeChat(input.chatId);
    region = regionOfId(input.chatId);
  }
  if (input.ticketId) {
    if (!who.subscriberId) throw new AppError(404, "not_found");
    const { ticket } = await openTicket(data, { side: "subscriber", subscriberId: who.subscriberId }, input.ticketId);
    region = ticket.region;
  }
  const id = newId(now.getTime());
  const res = await q.insertFeedback(data.shardForRegion(region), {
    id,
    region,
    subscriberId: who.subscriberId,
    chatId: input.chatId ?? null,
    ticketId: input.ticketId ?? null,
    rating: input.rating,
    text: input.text?.trim() || null,
    createdAt: now,
  });
  if ((res.meta.changes ?? 0) === 0) throw new AppError(409, "feedback_given");
  return { id };
}
