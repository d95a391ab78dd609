import type { LineCheck, LineCheckResult } from "../../adapters/line-check";
import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { guardCount } from "../../platform/throttle";
import { requireAccount } from "../accounts/accounts.service";
import * as q from "./services.queries";
import type { LINE_STEPS } from "./services.routes";

type Step = (typeof LINE_STEPS)[number];

/** What the subscriber does next for each outcome, in order (the last is the request for a technician, «Создать заявку»). */
const NEXT_STEPS: Record<LineCheckResult["verdict"], Step[]> = {
  ok: [],
  port_down: ["check_cable", "restart_router", "callout"],
  no_session: ["restart_router", "callout"],
  blocked: ["pay"],
  suspended: ["end_block"],
};

/** The home internet line of a service (internet or a bundle with internet), or a 404 / 400 problem. */
export async function lineOf(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const db = data.shard(link.shard);
  const row = await q.selectService(db, link.accountNo, serviceId);
  if (!row || row.service.status === "ended") throw new AppError(404, "not_found");
  if (!(row.tariff.kind === "internet" || (row.tariff.kind === "bundle" && row.tariff.speedMbps)))
    throw new AppError(400, "validation", {}, [{ field: "serviceId", message: "field.line_check.kind" }]);
  return {
    link,
    db,
    row,
    line: {
      accountNo: link.accountNo,
      serviceId: row.service.id,
      serviceStatus: row.service.status === "suspended" ? ("suspended" as const) : ("active" as const),
      accountStatus: row.account.status,
      speedMbps: row.tariff.speedMbps,
    },
  };
}

/** Runs a line check (проверка линии) and says what to do next; counted per subscriber an hour in the account's shard. */
export async function checkLine(
  data: DataAccess,
  lines: LineCheck,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  now = new Date(),
) {
  const { line } = await lineOf(data, subscriberId, accountNo, serviceId);
  await guardCount("line_checks", subscriberId, now.getTime());
  const result = await lines.check(line, now);
  return { serviceId: line.serviceId, ...result, nextSteps: NEXT_STEPS[result.verdict] };
}
