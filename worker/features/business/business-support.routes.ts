import { createRoute, z } from "@hono/zod-openapi";
import { BUSINESS_TICKET_CATEGORIES } from "../../data/business-support.data";
import { MESSAGE_MAX_CHARS } from "../../data/support.data";
import { jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";
import { Chat, Ticket } from "../support/support.routes";

const tags = ["Business"];
const OrgParam = z.object({ orgId: z.string().max(60).openapi({ example: "org-demo-veter", description: "Organisation id" }) });
const TicketParam = OrgParam.extend({ ticketId: z.string().max(60).openapi({ description: "The request's id" }) });

const unauthorized = problem("Not logged in");
const notFound = problem("No such organisation among yours (another organisation's id answers the same)");
const forbidden = problem("A member whose role does not allow this (the problem names the role)");

const Manager = z
  .object({ name: z.string(), phone: z.string().openapi({ description: "E.164" }), email: z.string() })
  .openapi("OrgManager");
const Line = z.object({
  kind: z.enum(["b2b_hotline", "b2b_smb", "b2b_enterprise"]).openapi({ description: "The hotline, SME, large business" }),
  phone: z.string().openapi({ example: "+78002001661" }),
});
const Category = z
  .object({
    id: z.enum(BUSINESS_TICKET_CATEGORIES),
    name: z.string(),
    target: z.string().openapi({ example: "в течение 1 часа, круглосуточно", description: "The response-time target, in words" }),
  })
  .openapi("BusinessRequestCategory");

export const orgManagerRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/manager",
  tags,
  summary: "The organisation's personal manager (null: none assigned) and the business lines (any member)",
  request: { params: OrgParam },
  responses: {
    200: jsonResponse("Manager", z.object({ manager: Manager.nullable(), lines: z.array(Line) })),
    401: unauthorized,
    404: notFound,
  },
});

export const orgRequestsRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/support/requests",
  tags,
  summary:
    "The organisation's business requests, newest first (support right: administrator, accountant, manager; a member limited to some accounts sees their own and those about their accounts), with the categories and their response-time targets",
  request: { params: OrgParam },
  responses: {
    200: jsonResponse("Requests", z.object({ items: z.array(Ticket), categories: z.array(Category) })),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const orgRequestRoute = createRoute({
  method: "get",
  path: "/business/organisations/{orgId}/support/requests/{ticketId}",
  tags,
  summary: "One of the organisation's requests with its history and response-time target",
  request: { params: TicketParam },
  responses: { 200: jsonResponse("Request", Ticket), 401: unauthorized, 403: forbidden, 404: notFound },
});

export const fileOrgRequestRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/support/requests",
  tags,
  summary:
    "Files a business request into the business operators' queue; its response-time target (`dueAt`) follows from the category (audited)",
  request: {
    params: OrgParam,
    body: jsonBody(
      z.object({
        category: z.enum(BUSINESS_TICKET_CATEGORIES),
        accountNo: z
          .string()
          .max(40)
          .nullable()
          .optional()
          .openapi({ description: "One of the organisation's accounts in the caller's scope" }),
        subject: z.string().trim().min(3).max(120),
        text: z.string().trim().min(10).max(MESSAGE_MAX_CHARS),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Filed", Ticket),
    400: problem("Invalid"),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    429: problem("Ten requests a day"),
  },
});

export const startOrgChatRoute = createRoute({
  method: "post",
  path: "/business/organisations/{orgId}/support/chats",
  tags,
  summary: "Starts the member's business chat for the organisation in the business operators' queue, or returns the open one (audited)",
  request: {
    params: OrgParam,
    body: jsonBody(
      z.object({
        text: z.string().trim().max(MESSAGE_MAX_CHARS).optional(),
        clientId: z
          .string()
          .regex(/^[\w-]{8,64}$/)
          .optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse("Started", z.object({ chat: Chat })),
    200: jsonResponse("The open chat", z.object({ chat: Chat })),
    400: problem("Invalid"),
    401: unauthorized,
    403: forbidden,
    404: notFound,
  },
});

export const BusinessTariff = z
  .object({
    id: z.string(),
    kind: z.enum(["internet", "office", "mobile"]),
    name: z.string(),
    description: z.string(),
    priceKop: z.number().int().openapi({ description: "Price in kopecks, VAT included" }),
    per: z.enum(["month", "sim"]).openapi({ description: "month: a month of the connection; sim: one SIM card a month" }),
  })
  .openapi("BusinessTariff");

export const businessTariffsRoute = createRoute({
  method: "get",
  path: "/region/business-tariffs",
  tags: ["Regions"],
  summary: "Tariffs for business of this region (public)",
  responses: {
    200: jsonResponse("Business tariffs", z.object({ items: z.array(BusinessTariff) })),
    404: problem("This is the apex or an unknown region: no regional data here"),
  },
});

const operatorToken = [{ operatorToken: [] }];

export const opsSetManagerRoute = createRoute({
  method: "put",
  path: "/business/organisations/{orgId}/manager",
  tags: ["Operators"],
  summary: "Assign (or replace) the organisation's personal manager (audited)",
  security: operatorToken,
  request: {
    params: OrgParam,
    body: jsonBody(z.object({ name: z.string().trim().min(2).max(80), phone: z.string().max(30), email: z.string().max(254) })),
  },
  responses: {
    200: jsonResponse("Assigned", z.object({ manager: Manager })),
    400: problem("Invalid"),
    401: problem("No or wrong operator token"),
    404: problem("No such organisation"),
  },
});

export const opsRemoveManagerRoute = createRoute({
  method: "delete",
  path: "/business/organisations/{orgId}/manager",
  tags: ["Operators"],
  summary: "Remove the organisation's personal manager: the business lines answer again (audited)",
  security: operatorToken,
  request: { params: OrgParam },
  responses: {
    204: { description: "Removed" },
    401: problem("No or wrong operator token"),
    404: problem("No such organisation, or no manager assigned"),
  },
});

export type OrgManagerDto = ResponseOf<typeof orgManagerRoute>;
export type OrgRequestsDto = ResponseOf<typeof orgRequestsRoute>;
export type BusinessTariffDto = z.infer<typeof BusinessTariff>;
