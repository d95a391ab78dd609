import { createRoute, z } from "@hono/zod-openapi";
import { REWARD_KINDS } from "../../data/bonus.data";
import { BONUS_KINDS } from "../../db/schema/region";
import { jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const AccountParam = z.object({ accountNo: z.string().max(40).openapi({ example: "201000000012" }) });
const notFound = problem("No such account among yours");
const unauthorized = problem("Not logged in");
const Localized = z.object({ ru: z.string(), en: z.string() });

const Overview = z
  .object({
    accountNo: z.string(),
    status: z.enum(["active", "left", "none"]),
    balance: z.number().int(),
    expiringSoon: z.number().int().openapi({ description: "Points that expire within a month" }),
    history: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(BONUS_KINDS),
        points: z.number().int(),
        description: Localized,
        createdAt: z.string(),
        expiresAt: z.string().nullable(),
      }),
    ),
    rules: z.object({
      version: z.string(),
      ratePct: z.record(z.string(), z.number()),
      autopayMonthly: z.number().int(),
      tenureYearly: z.number().int(),
      expiryMonths: z.number().int(),
    }),
  })
  .openapi("BonusOverview");

const Redemption = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    points: z.number().int(),
    code: z.string().nullable(),
    creditedKop: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("BonusRedemption");

export const overviewRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/bonus",
  tags: ["Bonus"],
  summary: "«Бонус» for an account: membership, points, expiring points, history, the region's earning rules",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Overview", Overview), 401: unauthorized, 404: notFound },
});

export const rewardsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/bonus/rewards",
  tags: ["Bonus"],
  summary: "The rewards catalogue of the account's region, without those that need a service the account does not have",
  request: { params: AccountParam },
  responses: {
    200: jsonResponse(
      "Rewards",
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            kind: z.enum(REWARD_KINDS),
            cost: z.number().int(),
            title: z.string(),
            partner: z.string().nullable(),
            valueKop: z.number().int().nullable(),
          }),
        ),
      }),
    ),
    401: unauthorized,
    404: notFound,
  },
});

export const joinRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/bonus/join",
  tags: ["Bonus"],
  summary: "Joins the programme (the account holder's consent to its rules)",
  request: { params: AccountParam, body: jsonBody(z.object({ consent: z.literal(true) })) },
  responses: { 204: { description: "Joined" }, 401: unauthorized, 403: problem("Only the holder"), 404: notFound },
});

export const leaveRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/bonus/leave",
  tags: ["Bonus"],
  summary: "Leaves the programme; the points are forfeited, as the rules say",
  request: { params: AccountParam, body: jsonBody(z.object({ confirm: z.literal(true) })) },
  responses: { 204: { description: "Left" }, 401: unauthorized, 403: problem("Only the holder"), 404: notFound },
});

export const redeemRoute = createRoute({
  method: "post",
  path: "/accounts/{accountNo}/bonus/redemptions",
  tags: ["Bonus"],
  summary: "Exchanges points for a reward, exactly once per Idempotency-Key",
  request: {
    params: AccountParam,
    headers: z.object({ "idempotency-key": z.string().min(8).max(100) }),
    body: jsonBody(z.object({ rewardId: z.string().max(64) })),
  },
  responses: {
    201: jsonResponse("Redeemed", Redemption),
    200: jsonResponse("The same request again: the first result", Redemption),
    401: unauthorized,
    403: problem("Only the holder"),
    404: problem("No such account or reward"),
    409: problem("Not a member, not enough points, or the reward needs a service the account does not have"),
  },
});

export const redemptionsRoute = createRoute({
  method: "get",
  path: "/accounts/{accountNo}/bonus/redemptions",
  tags: ["Bonus"],
  summary: "Rewards taken, newest first",
  request: { params: AccountParam },
  responses: { 200: jsonResponse("Redemptions", z.object({ items: z.array(Redemption) })), 401: unauthorized, 404: notFound },
});

export type BonusDto = z.infer<typeof Overview>;
export type RewardDto = ResponseOf<typeof rewardsRoute>["items"][number];
export type RedemptionDto = z.infer<typeof Redemption>;
