import { createRoute, z } from "@hono/zod-openapi";
import { VISIT_WINDOWS } from "../../data/visits.data";
import { APPLICATION_KINDS, APPLICATION_STATUSES, TARIFF_KINDS } from "../../db/schema/region";
import { type BodyOf, CalendarDay, jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";
import { Tariff } from "../regions/regions.routes";

const Localized = z.object({ ru: z.string(), en: z.string() });
const AccountParam = z.object({ accountNo: z.string().max(40).openapi({ example: "201000000012" }) });
const ServiceParam = AccountParam.extend({ serviceId: z.string().max(100) });
const Day = CalendarDay;
const notFound = problem("No such account or service among yours (a stranger's answers the same)");
const unauthorized = problem("Not logged in");
const holderOnly = problem("Only the contract holder changes services");

export const tariffOfferRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/services/{serviceId}/tariffs",
  tags: ["Services"],
  summary:
    "The current tariff and the region's alternatives: price, speed, channels, minutes, when a change takes effect and what it costs",
  request: { params: ServiceParam },
  responses: {
    200: jsonResponse(
      "Offer",
      z.object({
        accountNo: z.string(),
        serviceId: z.string(),
        current: Tariff,
        effectiveDay: z.string(),
        pending: z.object({ toTariffId: z.string(), effectiveDay: z.string(), status: z.string() }).nullable(),
        alternatives: z.array(
          Tariff.extend({ monthlyDiffKop: z.number().int(), restOfMonthDiffKop: z.number().int(), needsTechnician: z.boolean() }),
        ),
      }),
    ),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
  },
});

export const changeTariffRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/services/{serviceId}/tariff",
  tags: ["Services"],
  summary:
    "Changes the tariff from the next region-local day (needs a fresh SMS code); a change that needs a technician becomes an application",
  request: { params: ServiceParam, body: jsonBody(z.object({ tariffId: z.string().max(100) })) },
  responses: {
    202: jsonResponse(
      "Scheduled, or an application made",
      z.object({
        toTariffId: z.string(),
        effectiveDay: z.string().nullable(),
        applicationId: z.string().nullable(),
        status: z.enum(["scheduled", "waiting"]),
      }),
    ),
    400: problem("Not a tariff this service can have"),
    401: unauthorized,
    403: problem("Only the holder, with a fresh SMS code (step_up_required)"),
    404: notFound,
  },
});

export const cancelTariffChangeRoute = createRoute({
  method: "delete",
  path: "/accounts/{accountNo}/services/{serviceId}/tariff-change",
  tags: ["Services"],
  summary: "Cancels a scheduled tariff change",
  request: { params: ServiceParam },
  responses: { 204: { description: "Cancelled" }, 401: unauthorized, 403: holderOnly, 404: notFound },
});

const Cost = z.object({ month: z.string(), feeKop: z.number().int(), extraKop: z.number().int(), totalKop: z.number().int() });
export const advisorRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/services/{serviceId}/advisor",
  tags: ["Services"],
  summary: "Tariff advisor: the last three months of usage replayed on every tariff of the region, with what each would have cost",
  request: { params: ServiceParam },
  responses: {
    200: jsonResponse(
      "Advice",
      z.object({
        accountNo: z.string(),
        serviceId: z.string(),
        months: z.array(
          z
            .object({ month: z.string(), minutes: z.number(), dataKb: z.number(), paidSms: z.number(), international: z.number() })
            .passthrough(),
        ),
        options: z.array(
          z.object({
            tariff: Tariff,
            current: z.boolean(),
            slower: z.boolean().openapi({ description: "Slower than the current tariff (flat internet)" }),
            months: z.array(Cost),
            totalKop: z.number().int(),
            savingKop: z.number().int(),
          }),
        ),
        best: z.string().nullable(),
      }),
    ),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
  },
});

export const optionsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/options",
  tags: ["Services"],
  summary: "Options each service of the account can have, which are on, and their price",
  request: { params: AccountParam },
  responses: {
    200: jsonResponse(
      "Options",
      z.object({
        accountNo: z.string(),
        canChange: z.boolean(),
        services: z.array(
          z.object({
            serviceId: z.string(),
            kind: z.enum(TARIFF_KINDS),
            name: Localized,
            status: z.string(),
            options: z.array(
              z.object({
                id: z.string(),
                name: Localized,
                priceKop: z.number().int(),
                dailyKop: z.number().int(),
                restOfMonthKop: z.number().int(),
                on: z.boolean(),
              }),
            ),
          }),
        ),
      }),
    ),
    401: unauthorized,
    404: notFound,
  },
});

export const setOptionRoute = createRoute({
  method: "put",
  path: "/accounts/{accountNo}/services/{serviceId}/options/{optionId}",
  tags: ["Services"],
  summary: "Switches an option on (charged from the next local day) or off",
  request: { params: ServiceParam.extend({ optionId: z.string().max(100) }), body: jsonBody(z.object({ on: z.boolean() })) },
  responses: {
    200: jsonResponse("Now", z.object({ optionId: z.string(), on: z.boolean() })),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
  },
});

const Allowance = z.object({ total: z.number().int(), used: z.number().int(), left: z.number().int() });
export const packagesRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/packages",
  tags: ["Services"],
  summary: "What is left of each mobile number's monthly package this month (region calendar): minutes, SMS, data",
  request: { params: AccountParam },
  responses: {
    200: jsonResponse(
      "Packages",
      z
        .object({
          accountNo: z.string(),
          month: z.string().openapi({ description: "YYYY-MM, the region's month" }),
          asOf: Day,
          items: z.array(
            z.object({
              serviceId: z.string(),
              name: Localized,
              status: z.string(),
              minutes: Allowance,
              sms: Allowance,
              dataMb: Allowance,
            }),
          ),
        })
        .openapi("Packages"),
    ),
    401: unauthorized,
    404: notFound,
  },
});

export const LINE_STEPS = ["restart_router", "check_cable", "callout", "pay", "end_block"] as const;
export const LineCheckDto = z
  .object({
    serviceId: z.string(),
    verdict: z.enum(["ok", "port_down", "no_session", "blocked", "suspended"]),
    port: z.enum(["up", "down"]),
    session: z.enum(["up", "down"]),
    speedMbps: z.number().int().nullable(),
    checkedAt: z.string(),
    nextSteps: z.array(z.enum(LINE_STEPS)),
  })
  .openapi("LineCheck");
export const lineCheckRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/services/{serviceId}/line-check",
  tags: ["Services"],
  summary: "Checks a home internet line on the operator's side (port, session, speed) and says what to do next",
  request: { params: ServiceParam },
  responses: {
    200: jsonResponse("The line's state", LineCheckDto),
    400: problem("Not a home internet service"),
    401: unauthorized,
    404: notFound,
    429: problem("Too many checks this hour"),
  },
});

const Quote = z.object({
  serviceId: z.string(),
  from: z.string(),
  to: z.string(),
  days: z.number().int(),
  savedKop: z.number().int(),
  feeKop: z.number().int(),
  savingKop: z.number().int(),
  usedThisYear: z.number().int(),
  earliest: z.string(),
  rules: z.object({
    minDays: z.number(),
    maxDays: z.number(),
    maxDaysPerYear: z.number(),
    freeDaysPerYear: z.number(),
    feePerDayKop: z.number(),
  }),
  errors: z.array(z.string()),
});
export const blockQuoteRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/services/{serviceId}/block-quote",
  tags: ["Services"],
  summary: "Voluntary block for chosen dates: its rules, the exact saving and fee, and what is wrong with the dates",
  request: { params: ServiceParam, query: z.object({ from: Day, to: Day }) },
  responses: { 200: jsonResponse("Quote", Quote), 401: unauthorized, 403: holderOnly, 404: notFound },
});

const Block = z.object({
  id: z.string(),
  serviceId: z.string(),
  fromDay: z.string(),
  toDay: z.string(),
  status: z.string(),
  feeKop: z.number().int(),
  applicationId: z.string(),
  createdAt: z.string(),
});
export const createBlockRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/services/{serviceId}/blocks",
  tags: ["Services"],
  summary: "Orders a voluntary block: the service is suspended from the first day and resumed after the last, at the region's midnight",
  request: { params: ServiceParam, body: jsonBody(z.object({ from: Day, to: Day })) },
  responses: {
    201: jsonResponse("Scheduled", Block.extend({ number: z.string(), savingKop: z.number().int() })),
    400: problem("Dates outside the rules"),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
    409: problem("Another block of this service was being ordered at the same moment (try again), or the service has an open application"),
  },
});

export const blocksRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/blocks",
  tags: ["Services"],
  summary: "Scheduled and current voluntary blocks of the account",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Blocks", z.object({ items: z.array(Block) })), 401: unauthorized, 404: notFound },
});

export const endBlockRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/blocks/{blockId}/end",
  tags: ["Services"],
  summary: "Cancels a block before it starts, or ends it early",
  request: { params: AccountParam.extend({ blockId: z.string().max(64) }) },
  responses: {
    200: jsonResponse("Done", z.object({ status: z.enum(["cancelled", "ended"]) })),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
    409: problem("The block is already cancelled or over, or started while it was being cancelled"),
  },
});

export const coverageRoute = createRoute({
  method: "get",
  path: "/region/coverage",
  tags: ["Services"],
  summary: "Address availability check: which technologies reach a street and house of this region, how fast, and the tariffs that fit",
  request: { query: z.object({ street: z.string().min(1).max(120), house: z.string().min(1).max(20) }) },
  responses: {
    200: jsonResponse(
      "Coverage",
      z.object({
        region: z.string(),
        street: z.string(),
        house: z.string(),
        available: z.boolean(),
        maxMbps: z.number().int(),
        technologies: z.array(z.object({ technology: z.enum(["gpon", "fttb", "adsl"]), maxMbps: z.number().int(), tv: z.boolean() })),
        tariffs: z.array(Tariff),
      }),
    ),
    400: problem("No street or house"),
  },
});

export const streetsRoute = createRoute({
  method: "get",
  path: "/region/coverage/streets",
  tags: ["Services"],
  summary: "Streets of this region's network matching what was typed",
  request: { query: z.object({ q: z.string().max(120) }) },
  responses: { 200: jsonResponse("Streets", z.object({ items: z.array(z.string()) })) },
});

const HistoryItem = z.object({
  from: z.string().nullable(),
  to: z.string(),
  label: Localized,
  actor: z.string(),
  comment: z.string().nullable(),
  at: z.string(),
});
export const ApplicationDto = z
  .object({
    id: z.string(),
    number: z.string(),
    region: z.string(),
    kind: z.enum(APPLICATION_KINDS),
    kindLabel: Localized,
    service: Localized.nullable().openapi({ description: "The service or tariff the application is about" }),
    status: z.enum(APPLICATION_STATUSES),
    statusLabel: Localized,
    accountNo: z.string().nullable(),
    serviceId: z.string().nullable(),
    address: z.string().nullable(),
    contactPhone: z.string().nullable(),
    preferredDay: z.string().nullable(),
    preferredSlot: z.string().nullable(),
    technician: z.string().nullable(),
    visit: z
      .object({
        day: z.string(),
        slot: z.string(),
        cutoffAt: z.string().openapi({ description: "Until then the visit can be moved or cancelled (18:00 local the day before)" }),
        cutoffHour: z.number().int().openapi({ description: "The cutoff's local hour on the day before the visit" }),
        changeable: z.boolean(),
      })
      .nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    next: z.array(z.enum(APPLICATION_STATUSES)),
    history: z.array(HistoryItem).nullable(),
  })
  .openapi("Application");

const SLOTS = VISIT_WINDOWS;
export const createApplicationRoute = createRoute({
  method: "post",
  path: "/applications",
  tags: ["Applications"],
  summary:
    "Makes an application: connection at an address (to an account of yours or a new one), disconnection, contract termination, a technician call-out",
  request: {
    body: jsonBody(
      z.discriminatedUnion("kind", [
        z.object({
          kind: z.literal("connection"),
          street: z.string().min(1).max(120),
          house: z.string().min(1).max(20),
          flat: z.string().max(10).optional(),
          tariffId: z.string().max(100),
          accountNo: z
            .string()
            .max(40)
            .optional()
            .openapi({ description: "An account of yours in this region; none: a new account at the address" }),
          preferredDay: Day,
          preferredSlot: z.enum(SLOTS),
          contactPhone: z.string().max(20),
          comment: z.string().max(500).optional(),
        }),
        z.object({
          kind: z.literal("disconnection"),
          accountNo: z.string().max(40),
          serviceId: z.string().max(100),
          reason: z.string().max(500).optional(),
        }),
        z.object({
          kind: z.literal("termination"),
          accountNo: z.string().max(40),
          refund: z.enum(["card", "bank", "none"]),
          bankDetails: z.string().max(300).optional(),
          reason: z.string().max(500).optional(),
        }),
        z.object({
          kind: z.literal("callout"),
          accountNo: z.string().max(40),
          serviceId: z
            .string()
            .max(100)
            .optional()
            .openapi({ description: "A home internet service: a line check is made and attached to the application" }),
          problem: z.string().min(3).max(1000),
          preferredDay: Day,
          preferredSlot: z.enum(SLOTS),
          contactPhone: z.string().max(20),
        }),
      ]),
    ),
  },
  responses: {
    201: jsonResponse("Received", ApplicationDto),
    400: problem("Check the fields"),
    401: unauthorized,
    403: problem("Only the contract holder; a termination also needs a fresh SMS code (step_up_required)"),
    404: notFound,
    409: problem("The service already has an open application of this kind"),
  },
});

export const terminationQuoteRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/termination",
  tags: ["Applications"],
  summary: "Before a termination: the balance left and the card of the last payment, where a refund goes",
  request: { params: AccountParam },
  responses: {
    200: jsonResponse(
      "What a termination refunds and where",
      z
        .object({
          accountNo: z.string(),
          balanceKop: z.number().int(),
          refundCard: z.object({ last4: z.string(), brand: z.string().nullable() }).nullable(),
        })
        .openapi("TerminationQuote"),
    ),
    401: unauthorized,
    403: holderOnly,
    404: notFound,
  },
});

export const myApplicationsRoute = createRoute({
  method: "get",
  path: "/applications",
  tags: ["Applications"],
  summary: "Your applications, newest first",
  responses: { 200: jsonResponse("Applications", z.object({ items: z.array(ApplicationDto) })), 401: unauthorized },
});

export const myApplicationRoute = createRoute({
  method: "get",
  path: "/applications/{id}",
  tags: ["Applications"],
  summary: "One of your applications with its status history",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse("Application", ApplicationDto), 401: unauthorized, 404: problem("Not yours or none") },
});

export const cancelApplicationRoute = createRoute({
  method: "post",
  path: "/applications/{id}/cancel",
  tags: ["Applications"],
  summary: "Withdraws an application nobody has started on; withdrawing it again answers the same",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    200: jsonResponse("Cancelled", ApplicationDto),
    401: unauthorized,
    404: problem("Not yours or none"),
    409: problem("Already in work"),
  },
});

export const visitSlotsRoute = createRoute({
  method: "get",
  path: "/applications/{id}/visit/slots",
  tags: ["Applications"],
  summary: "Free windows to move a technician visit to, from the first day whose cutoff has not passed",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    200: jsonResponse(
      "Days and windows with free places",
      z
        .object({
          visit: ApplicationDto.shape.visit.unwrap(),
          cutoffHour: z.number().int(),
          days: z.array(
            z.object({
              day: z.string(),
              slots: z.array(z.object({ slot: z.string(), free: z.number().int(), current: z.boolean() })),
            }),
          ),
        })
        .openapi("VisitSlots"),
    ),
    401: unauthorized,
    404: problem("Not yours or none"),
    409: problem("The application has no visit"),
  },
});

export const moveVisitRoute = createRoute({
  method: "put",
  path: "/applications/{id}/visit",
  tags: ["Applications"],
  summary: "Moves a technician visit to a free window until 18:00 local the day before; the same move again answers the same",
  request: {
    params: z.object({ id: z.string().max(64) }),
    body: jsonBody(z.object({ day: Day, slot: z.enum(VISIT_WINDOWS) })),
  },
  responses: {
    200: jsonResponse("Moved", ApplicationDto),
    400: problem("Check the fields"),
    401: unauthorized,
    404: problem("Not yours or none"),
    409: problem("The window is full, the cutoff has passed, or there is no visit"),
  },
});

/** The operators' routes take `Authorization: Bearer <OPERATOR_TOKEN>`, like the rest of /ops/v1 outside the console. */
const operatorToken = [{ operatorToken: [] }];

export const opsApplicationsRoute = createRoute({
  method: "get",
  path: "/applications",
  tags: ["Operators"],
  security: operatorToken,
  summary: "A region's applications for operators, oldest first (Bearer OPERATOR_TOKEN)",
  request: { query: z.object({ region: z.string().max(20), status: z.string().max(200).optional() }) },
  responses: { 200: jsonResponse("Queue", z.object({ items: z.array(ApplicationDto) })), 401: unauthorized },
});

export const opsApplicationRoute = createRoute({
  method: "get",
  path: "/applications/{id}",
  tags: ["Operators"],
  security: operatorToken,
  summary: "One application with its history, for operators",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse("Application", ApplicationDto), 401: unauthorized, 404: problem("None") },
});

export const opsTransitionRoute = createRoute({
  method: "post",
  path: "/applications/{id}/transition",
  tags: ["Operators"],
  security: operatorToken,
  summary: "Moves an application to its next status (the state machine refuses the rest with 409); the subscriber is notified",
  request: {
    params: z.object({ id: z.string().max(64) }),
    body: jsonBody(
      z.object({ to: z.enum(APPLICATION_STATUSES), comment: z.string().max(500).optional(), technician: z.string().max(100).optional() }),
    ),
  },
  responses: {
    200: jsonResponse("Moved", ApplicationDto),
    400: problem("A technician is needed"),
    401: unauthorized,
    404: problem("None"),
    409: problem("Not allowed from here"),
  },
});

export type TariffOfferDto = ResponseOf<typeof tariffOfferRoute>;
export type TariffChangeDto = ResponseOf<typeof changeTariffRoute, 202>;
export type AdvisorDto = ResponseOf<typeof advisorRoute>;
export type OptionsDto = ResponseOf<typeof optionsRoute>;
export type OptionSetDto = ResponseOf<typeof setOptionRoute>;
export type AllowanceDto = z.infer<typeof Allowance>;
/** What is left of each mobile number's package this month. */
export type PackagesDto = ResponseOf<typeof packagesRoute>;
/** The operator's side of a home line (проверка линии) and what to do next. */
export type LineCheckDto = z.infer<typeof LineCheckDto>;
export type LineVerdict = LineCheckDto["verdict"];
export type LineStep = (typeof LINE_STEPS)[number];
export type BlockQuoteDto = z.infer<typeof Quote>;
export type BlockDto = z.infer<typeof Block>;
export type BlockCreatedDto = ResponseOf<typeof createBlockRoute, 201>;
export type BlockEndedDto = ResponseOf<typeof endBlockRoute>;
export type CoverageDto = ResponseOf<typeof coverageRoute>;
export type ApplicationDto = z.infer<typeof ApplicationDto>;
export type ApplicationBody = BodyOf<typeof createApplicationRoute>;
/** A technician's visit window (окно визита), e.g. "09-13". */
export type VisitWindow = (typeof VISIT_WINDOWS)[number];
export type VisitSlotsDto = ResponseOf<typeof visitSlotsRoute>;
export type TerminationQuoteDto = ResponseOf<typeof terminationQuoteRoute>;
export type OpsTransitionBody = BodyOf<typeof opsTransitionRoute>;
