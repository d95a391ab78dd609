import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";
import { Outage } from "./notifications.routes";

const security = [{ operatorToken: [] }];
const unauthorized = problem("No or a wrong operator token");
const invalid = problem("Invalid input, with the fields at fault");

export const declareOutageRoute = createRoute({
  method: "post",
  path: "/outages",
  tags: ["Operator"],
  security,
  summary: "Declares an outage for an area; subscribers with accounts there get a push and a banner",
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
      }),
    ),
  },
  responses: { 201: jsonResponse("Declared", Outage), 400: invalid, 401: unauthorized },
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
        /** Makes a repeated request a no-op: the same key is the same announcement. */
        key: z.string().min(1).max(100),
      }),
    ),
  },
  responses: { 202: jsonResponse("Queued", z.object({ eventId: z.string() })), 400: invalid, 401: unauthorized },
});
