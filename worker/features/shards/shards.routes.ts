import { createRoute, z } from "@hono/zod-openapi";
import { SHARD_MOVE_STEPS } from "../../db/schema/global";
import { jsonBody, jsonResponse, problem } from "../../platform/openapi";

const operatorToken = [{ operatorToken: [] }];
const unauthorized = problem("No or wrong operator token");
const Binding = z
  .string()
  .regex(/^DB_[A-Z0-9_]{1,40}$/)
  .openapi({ example: "DB_MOSCOW_2" });

const ShardDto = z
  .object({
    binding: z.string(),
    branch: z.string(),
    open: z.boolean(),
    accounts: z.number().int(),
    maxAccounts: z.number().int(),
    catalogue: z.enum(["ready", "copying"]).openapi({
      description: "Whether the branch's catalogue is on the shard; while it is copied (call PUT again) the shard takes no new account",
    }),
  })
  .openapi("Shard");

const MoveDto = z
  .object({
    id: z.string(),
    accountNo: z.string(),
    fromShard: z.string(),
    toShard: z.string(),
    step: z.enum(SHARD_MOVE_STEPS),
    verified: z.record(z.string(), z.number()).nullable(),
    startedAt: z.string(),
    switchedAt: z.string().nullable(),
    progress: z
      .object({ table: z.string().nullable(), rows: z.number().int() })
      .openapi({ description: "Where the step got to: the table it is on and the rows it has copied, counted or deleted" }),
    resumeAt: z
      .string()
      .nullable()
      .openapi({ description: "When to call again to go on: now, or once the source's grace period is over; null when done" }),
  })
  .openapi("ShardMove");

export const shardsRoute = createRoute({
  method: "get",
  path: "/shards",
  tags: ["Operators"],
  security: operatorToken,
  summary: "The shard map: every shard of every branch, open or closed for new accounts, and how many accounts each has",
  responses: { 200: jsonResponse("Shards", z.object({ items: z.array(ShardDto) })), 401: unauthorized },
});

export const putShardRoute = createRoute({
  method: "put",
  path: "/shards/{binding}",
  tags: ["Operators"],
  security: operatorToken,
  summary:
    "Adds a shard to a branch (its D1 binding deployed and migrated; the branch's catalogue is copied to it), or opens/closes it for new accounts",
  request: {
    params: z.object({ binding: Binding }),
    body: jsonBody(
      z.object({
        branch: z.string().min(1).max(20),
        open: z.boolean(),
        maxAccounts: z.number().int().min(1).max(100_000_000).optional(),
      }),
    ),
  },
  responses: {
    200: jsonResponse("The shard, its catalogue there", ShardDto),
    202: jsonResponse("The shard, its catalogue still being copied: call again", ShardDto),
    400: problem("Check the fields"),
    401: unauthorized,
    404: problem("No such D1 binding in this Worker"),
    409: problem("Not migrated, or a shard of another branch"),
  },
});

export const moveAccountRoute = createRoute({
  method: "post",
  path: "/shard-moves",
  tags: ["Operators"],
  security: operatorToken,
  summary:
    "Moves an account to another shard of its branch (freeze, copy, verify, switch, clean up), or resumes its move. A call does a bounded part (D1's queries per invocation): 202 while the move is under way — call again at `resumeAt` (now, or after the source's grace period)",
  request: {
    body: jsonBody(z.object({ accountNo: z.string().regex(/^\d{12}$/), toShard: Binding })),
  },
  responses: {
    200: jsonResponse("Moved", MoveDto),
    202: jsonResponse("Under way (copying, verifying, or switched with the source cleaned up on a later call)", MoveDto),
    400: problem("Check the fields"),
    401: unauthorized,
    404: problem("No such account or shard"),
    409: problem("Another move is under way, the account is there already, the shard is another branch's, or the copy did not match"),
  },
});

export const getMoveRoute = createRoute({
  method: "get",
  path: "/shard-moves/{id}",
  tags: ["Operators"],
  security: operatorToken,
  summary: "A move and the step it got to",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 200: jsonResponse("The move", MoveDto), 401: unauthorized, 404: problem("None") },
});

export const abandonMoveRoute = createRoute({
  method: "post",
  path: "/shard-moves/abandon",
  tags: ["Operators"],
  security: operatorToken,
  summary:
    "Abandons an account's move before the directory switch: deletes what was copied to the target, unfreezes the source (the region's charges and closes it missed while frozen are done there), marks the move abandoned. Idempotent: an abandoned move answers 200 again. After the switch: 409, the move must complete",
  request: {
    body: jsonBody(z.object({ accountNo: z.string().regex(/^\d{12}$/) })),
  },
  responses: {
    200: jsonResponse("Abandoned (now or before)", MoveDto),
    202: jsonResponse("Still being abandoned (a large copy is deleted over several calls): call again", MoveDto),
    400: problem("Check the fields"),
    401: unauthorized,
    404: problem("No such account, or no move of it"),
    409: problem("The directory switched already (the move must complete), or the move completed"),
  },
});

export const rebuildPlacesRoute = createRoute({
  method: "post",
  path: "/shards/{binding}/places-rebuild",
  tags: ["Operators"],
  security: operatorToken,
  summary:
    "Writes the places of a page of the shard's accounts into the identity stores where neither a copy nor the global directory has them (after a store is restored or the stores' count changes: docs/operations.md); call again until done",
  request: {
    params: z.object({ binding: Binding }),
    query: z.object({
      restart: z
        .enum(["true", "false"])
        .optional()
        .openapi({ description: "Start over from the shard's first account (a new rebuild: another restore or change of the count)" }),
    }),
  },
  responses: {
    200: jsonResponse(
      "What the page did",
      z.object({ read: z.number().int(), copied: z.number().int(), done: z.boolean() }).openapi("PlacesRebuild"),
    ),
    400: problem("Check the fields"),
    401: unauthorized,
    404: problem("No such D1 binding in this Worker"),
  },
});
