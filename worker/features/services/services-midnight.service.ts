import type { DataAccess } from "../../platform/db";
import { localDay, regionsAtHour } from "../../platform/region";
import type { Notify } from "./applications.service";
import { applyBlocks } from "./blocks.service";
import { applyTariffChanges } from "./tariff-change.service";

/** Cron, at each region's local midnight (before the day is charged): tariff changes due, blocks that start or end. */
export async function servicesAtMidnight(data: DataAccess, notify: Notify, at: Date) {
  const out = { tariffChanges: 0, blocksStarted: 0, blocksEnded: 0 };
  for (const r of regionsAtHour(at, 0)) {
    const day = localDay(r.tz, at);
    out.tariffChanges += await applyTariffChanges(data.shardForRegion(r.code), r.code, day, at);
    const b = await applyBlocks(data, notify, r.code, day, at);
    out.blocksStarted += b.started;
    out.blocksEnded += b.ended;
  }
  return out;
}
