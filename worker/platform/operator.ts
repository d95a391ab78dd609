import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { sha256Hex, timingSafeEqual } from "./crypto";
import { AppError } from "./errors";
import { log } from "./log";

/** Operators' API: `Authorization: Bearer <OPERATOR_TOKEN>`, compared in constant time (of the hashes). */
export const operatorAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  const ok = given.length > 0 && c.env.OPERATOR_TOKEN && timingSafeEqual(await sha256Hex(given), await sha256Hex(c.env.OPERATOR_TOKEN));
  if (!ok) {
    log("warn", "operator.unauthorized", { requestId: c.get("requestId") });
    throw new AppError(401, "unauthorized");
  }
  await next();
};
