import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { AppError } from "../../platform/errors";
import { requireSession } from "../../platform/session";
import { requireAccount } from "../accounts/accounts.service";
import { KINDS, type Rendered, render } from "./notifications.catalog";
import { INBOX_RETENTION_MONTHS } from "./notifications.retention";
import type * as r from "./notifications.routes";
import * as svc from "./notifications.service";

const pick = ({ title, body, url }: Rendered) => ({ title, body, url });
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The inbox in the language it is read in: each message's text is made again from its event's parameters. */
export const inboxHandler: RouteHandler<typeof r.inboxRoute, AppEnv> = async (c) => {
  const session = requireSession(c);
  const { before } = c.req.valid("query");
  const position = before === undefined ? undefined : svc.decodeInboxCursor(before);
  const { items, next, unread } = await svc.listInbox(c.get("data"), session, svc.INBOX_PAGE, position);
  const lang = c.get("lang");
  noStore(c);
  return c.json(
    {
      items: items.map((i) => ({
        id: i.id,
        kind: i.kind,
        accountNo: i.accountNo,
        ...(i.params ? pick(render(i.kind, lang, i.accountNo, i.params)) : { title: i.title, body: i.body, url: i.url }),
        createdAt: i.createdAt.toISOString(),
        read: i.readAt !== null,
      })),
      nextBefore: next,
      unread,
      keptMonths: INBOX_RETENTION_MONTHS,
    },
    200,
  );
};

export const markReadHandler: RouteHandler<typeof r.markReadRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { marked, unread } = await svc.markRead(c.get("data"), requireSession(c), "all" in body ? "all" : body.ids);
  return c.json({ marked, unread }, 200);
};

export const preferencesHandler: RouteHandler<typeof r.preferencesRoute, AppEnv> = async (c) => {
  const session = requireSession(c);
  const { subscriberId } = session;
  const query = c.req.valid("query").accountNo;
  // One of the subscriber's accounts (a stranger's is a 404, like every account route), or all of them.
  const accountNo = query === svc.ALL_ACCOUNTS ? svc.ALL_ACCOUNTS : (await requireAccount(c.get("data"), subscriberId, query)).accountNo;
  const [kinds, settings, devices] = await Promise.all([
    svc.channelsFor(c.get("data"), session, accountNo === svc.ALL_ACCOUNTS ? null : accountNo),
    svc.getSettings(c.get("data"), session),
    svc.pushDeviceCount(c.get("data"), session),
  ]);
  const lang = c.get("lang");
  noStore(c);
  return c.json(
    {
      accountNo,
      kinds: kinds.map((k) => ({
        ...k,
        label: KINDS[k.kind].label[lang],
        required: KINDS[k.kind].required ?? null,
        marketing: KINDS[k.kind].marketing,
        urgent: KINDS[k.kind].urgent,
      })),
      quiet:
        settings.quietFrom === null || settings.quietTo === null ? null : { from: hhmm(settings.quietFrom), to: hhmm(settings.quietTo) },
      marketing: settings.marketing,
      pushDevices: devices,
    },
    200,
  );
};

export const setPreferencesHandler: RouteHandler<typeof r.setPreferencesRoute, AppEnv> = async (c) => {
  const session = requireSession(c);
  const body = c.req.valid("json");
  const data = c.get("data");
  if (body.reset && body.accountNo !== svc.ALL_ACCOUNTS) await svc.resetChannels(data, session, body.accountNo);
  else await svc.setChannels(data, session, body.accountNo, body.kinds);
  if (body.quiet !== undefined || body.marketing !== undefined) {
    const current = await svc.getSettings(data, session);
    await svc.setSettings(data, session, {
      quietFrom: body.quiet === undefined ? current.quietFrom : body.quiet ? minutes(body.quiet.from) : null,
      quietTo: body.quiet === undefined ? current.quietTo : body.quiet ? minutes(body.quiet.to) : null,
      marketing: body.marketing ?? current.marketing,
    });
  }
  return c.body(null, 204);
};

export const pushKeyHandler: RouteHandler<typeof r.pushKeyRoute, AppEnv> = async (c) => {
  if (!c.env.VAPID_PUBLIC_KEY) throw new AppError(503, "push_unavailable");
  c.header("cache-control", "public, max-age=3600");
  return c.json({ publicKey: c.env.VAPID_PUBLIC_KEY }, 200);
};

export const subscribeHandler: RouteHandler<typeof r.subscribeRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const result = await svc.subscribe(
    c.get("data"),
    requireSession(c),
    new URL(c.req.url).origin,
    { endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth },
    body.lang,
  );
  return c.json(result, 201);
};

export const unsubscribeHandler: RouteHandler<typeof r.unsubscribeRoute, AppEnv> = async (c) => {
  await svc.unsubscribe(c.get("data"), requireSession(c), c.req.valid("json").endpoint);
  return c.body(null, 204);
};

export const myOutagesHandler: RouteHandler<typeof r.myOutagesRoute, AppEnv> = async (c) => {
  const { subscriberId } = requireSession(c);
  noStore(c);
  const query = c.req.valid("query");
  const told = { declared: query.outage, resolved: query["outage-resolved"] };
  return c.json({ items: await svc.myOutages(c.get("data"), subscriberId, told) }, 200);
};
