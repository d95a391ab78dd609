import type { DataAccess } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { dailyChargeKop, daysInMonth } from "../../platform/money";
import { addDays, localDay, regionTz } from "../../platform/region";
import { requireAccount } from "../accounts/accounts.service";
import * as q from "./services.queries";
import { chargesFrom, holderService } from "./services.service";

/** The options each service of the account can have, which are on, and what they cost (monthly and per day now). */
export async function accountOptions(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const db = data.shard(link.shard);
  const [services, options, active] = await Promise.all([
    q.selectServices(db, link.accountNo),
    q.selectRegionOptions(db, link.region),
    q.selectActiveOptions(db, link.accountNo),
  ]);
  const today = localDay(regionTz(link.region), now);
  return {
    accountNo: link.accountNo,
    canChange: link.role === "owner",
    services: services.map(({ service, tariff }) => ({
      serviceId: service.id,
      kind: tariff.kind,
      name: { ru: tariff.nameRu, en: tariff.nameEn },
      status: service.status,
      options: options
        .filter((o) => o.appliesTo === tariff.kind || (tariff.kind === "bundle" && (o.appliesTo === "internet" || o.appliesTo === "tv")))
        .map((o) => ({
          id: o.id,
          name: { ru: o.nameRu, en: o.nameEn },
          priceKop: o.priceKop,
          dailyKop: dailyChargeKop(o.priceKop, Number(addDays(today, 1).slice(8, 10)), daysInMonth(addDays(today, 1))),
          restOfMonthKop: chargesFrom(o.priceKop, addDays(today, 1)),
          on: active.some((a) => a.serviceId === service.id && a.optionId === o.id),
        })),
    })),
  };
}

/** Switches an option on (charged from the next local day) or off (no more charges); idempotent either way. */
export async function setOption(
  data: DataAccess,
  subscriberId: string,
  accountNo: string,
  serviceId: string,
  optionId: string,
  on: boolean,
  now = new Date(),
) {
  const { link, db, row } = await holderService(data, subscriberId, accountNo, serviceId);
  const options = await q.selectRegionOptions(db, link.region);
  const option = options.find((o) => o.id === optionId);
  const fits =
    option &&
    (option.appliesTo === row.tariff.kind ||
      (row.tariff.kind === "bundle" && (option.appliesTo === "internet" || option.appliesTo === "tv")));
  if (!option || !fits) throw new AppError(404, "not_found");
  if (on)
    await q.insertOption(db, {
      id: newId(now.getTime()),
      accountNo: link.accountNo,
      serviceId,
      optionId,
      status: "active",
      startedAt: now,
      endedAt: null,
    });
  else await q.endOption(db, serviceId, optionId, now);
  return { optionId, on };
}
