import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";
import { Outage } from "./notifications.routes";

const security = [{ operatorToken: [] }];
const unauthorized = problem("No or a wrong operator token");
const invalid = problem("Invalid input, with the fields at fault");

/**
 * An operator's idempotency key (outages and announcements): 1–100 characters, none of them control or format
 * characters. The same key is the same outage or announcement.
 */
const OperatorKey = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\p{C}]+$/u)
  .openapi({
    description: "Makes a repeated request a no-op: the same key is the same outage or announcement",
    example: "kzn-2026-12-03-pushkina",
  });

export const declareOutageRoute = createRoute({
  method: "post",
  path: "/outages",
  tags: ["Operator"],
  security,
  summary: "Declares an outage for an area; subscribers with accounts there get a push and a banner",
  description:
    "Idempotent by `key` (required): the same key with the same body answers the outage it declared (200) and tells nobody twice; the same key with another body is a 409.",
  request: {
    body: jsonBody(
      z.object({
        region: z.string().max(8),
        street: z.string().min(2).max(200).nullable().default(null).openapi({ example: "ул. Профсоюзная" }),
        houses: z
          .array(z.string().min(1).max(20))
          .min(1)
          .max(500)
          .nullable()
          .default(null)
          .openapi({ example: ["12", "14"] }),
        title: z.string().min(3).max(120),
        expectedEnd: z.string().datetime(),
        key: OperatorKey,
      }),
    ),
  },
  responses: {
    201: jsonResponse("Declared", Outage),
    200: jsonResponse("Declared before with this key and this body: the same outage, nobody is told twice", Outage),
    400: invalid,
    401: unauthorized,
    409: problem("The key was used for an outage with another body"),
  },
});

export const resolveOutageRoute = createRoute({
  method: "post",
  path: "/outages/{id}/resolve",
  tags: ["Operator"],
  security,
  summary: "Marks an outage resolved; the same subscribers get the follow-up",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse("Resolved", Outage), 401: unauthorized, 404: problem("No such outage"), 409: problem("Already resolved") },
});

export const announceRoute = createRoute({
  method: "post",
  path: "/announcements",
  tags: ["Operator"],
  security,
  summary: "Announces a tariff change or a promotion to a region's subscribers (promotions only to those who consented)",
  request: {
    body: jsonBody(
      z.object({
        region: z.string().max(8),
        kind: z.enum(["tariff_change", "promo"]),
        title: z.string().min(3).max(120),
        body: z.string().min(3).max(1000),
        url: z
          .string()
          .regex(/^\/[^\s]*$/)
          .max(200)
          .optional(),
        key: OperatorKey,
      }),
    ),
  },
  responses: { 202: jsonResponse("Queued", z.object({ eventId: z.string() })), 400: invalid, 401: unauthorized },
});

export const replayDeadLetterRoute = createRoute({
  method: "post",
  path: "/dead-letters/{id}/replay",
  tags: ["Operator"],
  security,
  summary: "Puts a dead-lettered notification back on its queue and removes it from the dead letters",
  description:
    "Deliveries are idempotent by their dedupe keys, and an SMS or email by its provider record, kept 30 days: a dead letter is kept 21 days (then deleted by housekeeping), and one that failed longer ago is refused (409), since replaying it could send its texts a second time.",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    202: jsonResponse("Queued again", z.object({ id: z.string(), channel: z.string(), eventId: z.string().nullable() })),
    401: unauthorized,
    404: problem("No such dead letter"),
    409: problem(
      "Failed more than 21 days ago (dead-letter-expired: past the window in which a replay cannot send anything twice), or not a notification (dead-letter-not-notification: replay it through the Queues API, docs/operations.md)",
    ),
  },
});
