import { REGIONS } from "../../data/regions.data";
import { TECHNICIAN_ABOVE_MBPS } from "../../data/services.data";
import type { TariffKind } from "../../db/schema/region";
import type { AccountScope } from "../../platform/arriving";
import { type DataAccess, type RegionDb, rawBatch, type ShardBinding, shardOfRegion } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { errorText, log } from "../../platform/log";
import { addDays, localDay } from "../../platform/region";
import { tariffView } from "../regions/regions.service";
import { type Applicant, createApplication, type Notify, transition } from "./applications.service";
import * as q from "./services.queries";
import { chargesFrom, holderService } from "./services.service";

/** A tariff change (смена тарифа): instant from the next local day, or an application when a technician must come. */

const needsTechnician = (from: { speedMbps: number | null }, to: { speedMbps: number | null; kind: TariffKind }) =>
  (to.kind === "internet" || to.kind === "bundle") &&
  (to.speedMbps ?? 0) > TECHNICIAN_ABOVE_MBPS &&
  (from.speedMbps ?? 0) <= TECHNICIAN_ABOVE_MBPS;

/**
 * The tariff change screen: the current tariff and the region's others of the
 * same kind, each with its monthly difference, what the rest of this month
 * costs on it from the change day (tomorrow, region time), and whether a
 * technician must come (then it is an application, not an instant change).
 */
export async function tariffOffer(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string, now = new Date()) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  const effectiveDay = addDays(localDay(tz, now), 1);
  const [others, pending] = await Promise.all([
    q.selectRegionTariffs(db, link.region, row.tariff.kind),
    q.selectPendingChange(db, serviceId),
  ]);
  const restNow = chargesFrom(row.tariff.priceKop, effectiveDay);
  return {
    accountNo: link.accountNo,
    serviceId,
    current: tariffView(row.tariff),
    effectiveDay,
    pending: pending ? { toTariffId: pending.toTariffId, effectiveDay: pending.effectiveDay, status: pending.status } : null,
    alternatives: others
      .filter((t) => t.id !== row.tariff.id)
      .map((t) => ({
        ...tariffView(t),
        monthlyDiffKop: t.priceKop - row.tariff.priceKop,
        restOfMonthDiffKop: chargesFrom(t.priceKop, effectiveDay) - restNow,
        needsTechnician: needsTechnician(row.tariff, t),
      })),
  };
}

/**
 * Changes the tariff (the session confirmed an SMS code): from the next
 * region-local day, or, when a technician must come, as an application that
 * schedules the change when it is done. A second choice replaces the first.
 */
export async function changeTariff(
  data: DataAccess,
  notify: Notify,
  { subscriberId, homeShard }: Applicant,
  accountNo: string,
  serviceId: string,
  tariffId: string,
  /** Checks the fresh SMS code: after the holder check, so a stranger learns nothing from a 403 "code needed". */
  confirmed: () => void,
  now = new Date(),
) {
  const { link, db, row, tz } = await holderService(data, subscriberId, accountNo, serviceId);
  confirmed();
  const to = await q.selectTariff(db, tariffId);
  if (!to || to.region !== link.region || to.kind !== row.tariff.kind || !to.active || to.id === row.tariff.id)
    throw new AppError(400, "validation", {}, [{ field: "tariffId", message: "field.tariff.unavailable" }]);
  const effectiveDay = addDays(localDay(tz, now), 1);
  const technician = needsTechnician(row.tariff, to);
  // The new choice replaces a change still waiting for a technician: its application is withdrawn with it
  // (one open request per service and kind). One the technician already has stays, and the new one is refused.
  const withdraw = (applicationId: string) =>
    transition(data, notify, applicationId, "cancelled", "system", { db: data.shardForRegion(link.region) }, now).catch((e: unknown) => {
      if (!(e instanceof AppError && e.status === 409)) throw e;
    });
  const replaced = await q.selectPendingChange(db, serviceId);
  if (replaced?.applicationId) await withdraw(replaced.applicationId);
  let applicationId: string | null = null;
  if (technician) {
    const app = await createApplication(
      data,
      notify,
      {
        region: link.region,
        subscriberId,
        homeShard,
        kind: "tariff_change",
        accountNo: link.accountNo,
        serviceId,
        address: row.account.address,
        details: { fromTariffId: row.tariff.id, toTariffId: to.id, toTariffName: to.nameRu },
      },
      now,
    );
    applicationId = app.id;
  }
  const change = {
    id: newId(now.getTime()),
    accountNo: link.accountNo,
    serviceId,
    fromTariffId: row.tariff.id,
    toTariffId: to.id,
    effectiveDay,
    status: technician ? ("waiting" as const) : ("scheduled" as const),
    applicationId,
    newServiceId: `${serviceId.split("~")[0]}~${newId(now.getTime()).slice(-8)}`,
    createdAt: now,
  };
  // A change made at the same moment (read above as none) is replaced too: its application is withdrawn with it, so
  // no technician is sent for a change that will not happen.
  for (const applicationId of await q.replacePendingChange(db, change))
    if (applicationId !== replaced?.applicationId) await withdraw(applicationId);
  return { toTariffId: to.id, effectiveDay: technician ? null : effectiveDay, applicationId, status: change.status };
}

export async function cancelTariffChange(data: DataAccess, subscriberId: string, accountNo: string, serviceId: string) {
  const { db } = await holderService(data, subscriberId, accountNo, serviceId);
  const cancelled = await q.cancelPendingChange(db, serviceId);
  if (cancelled.length === 0) throw new AppError(404, "not_found");
}

/**
 * Cron, at a region's local midnight and before it is charged: scheduled
 * changes due today end the old service and start the new one (its options
 * move with it), each as one transaction that happens once.
 */
export async function applyTariffChanges(db: RegionDb, region: string, day: string, now = new Date()) {
  return (await applyTariffChangesPage(db, region, day, now)).applied;
}

/**
 * A page of a region's scheduled changes due by `day` on a shard: at most `limit` (each a batch of four statements).
 * `full`: the page was full, so more may be due (the caller goes on in a message of its own).
 */
export async function applyTariffChangesPage(db: RegionDb, region: string, day: string, now: Date, limit = -1) {
  let applied = 0;
  const due = await q.selectDueChanges(db, region, day, limit);
  for (const { change } of due) applied += await q.applyScheduledChange(db, change, now);
  return { applied, full: limit > 0 && due.length >= limit };
}

/**
 * One account's scheduled changes due by `day`, as the region's midnight applies them before its charge: for the
 * days a shard move had the account frozen, caught up before each day is charged (shards' move and abandon).
 */
export async function applyAccountTariffChanges(db: RegionDb, accountNo: string, day: string, now: Date, taken?: AccountScope) {
  let applied = 0;
  for (const { change } of await q.selectAccountDueChanges(db, accountNo, day, taken))
    applied += await q.applyScheduledChange(db, change, now);
  return applied;
}

/** How long after its making a technician's tariff-change application is looked at for a change it no longer has. */
export const ORPHAN_CHECK_AFTER_MS = 10 * 60_000;
/** Until when: two quarter ticks look at each application (a repair, not a scan of every open application). */
export const ORPHAN_CHECK_UNTIL_MS = 40 * 60_000;
/** Applications one tick looks at most, a home shard: 2 reads each, a withdrawal some 12 calls more. */
export const ORPHAN_CHECK_PAGE = 20;
/** Why the subscriber's application was withdrawn, in its history. */
const ORPHAN_COMMENT = "Смена тарифа не была оформлена: выберите тариф ещё раз";

/**
 * Withdraws a technician's tariff-change application that has no waiting change behind it: its change was never
 * written (the request died between the application and the change), or was replaced by a change made at the same
 * moment whose run died before withdrawing it (`changeTariff`). Without it the technician would come for a change that
 * will not happen. On a branch's home shard (where applications are made), by the quarter tick, for the applications
 * made between {@link ORPHAN_CHECK_UNTIL_MS} and {@link ORPHAN_CHECK_AFTER_MS} ago and no technician named yet (one a
 * technician already has is the operators' to cancel): a request still at work is left alone, and each application is
 * looked at by two ticks. One both miss (its shards down) stays: the subscriber or an operator withdraws it. Safe to
 * repeat (a withdrawal is a transition from where the application is).
 */
export async function withdrawOrphanedTariffApplications(data: DataAccess, notify: Notify, shard: ShardBinding, now = new Date()) {
  const regions = REGIONS.filter((r) => shardOfRegion(r.code) === shard).map((r) => r.code);
  if (regions.length === 0) return 0;
  const [page] = await rawBatch(data.shard(shard), [
    [
      `SELECT id, account_no FROM applications WHERE region IN (SELECT value FROM json_each(?)) AND status IN ('received', 'in_work')
        AND created_at BETWEEN ? AND ? AND kind = 'tariff_change' AND technician IS NULL ORDER BY created_at, id LIMIT ?`,
      JSON.stringify(regions),
      now.getTime() - ORPHAN_CHECK_UNTIL_MS,
      now.getTime() - ORPHAN_CHECK_AFTER_MS,
      ORPHAN_CHECK_PAGE,
    ],
  ]);
  const open = (page?.results ?? []) as { id: string; account_no: string | null }[];
  let withdrawn = 0;
  for (const app of open) {
    try {
      const account = app.account_no ? await data.shardForAccount(app.account_no) : null;
      if (!account || !app.account_no) continue;
      // Along the account's index (the change is the account's).
      const [found] = await rawBatch(account.db, [
        ["SELECT status FROM tariff_changes WHERE account_no = ? AND application_id = ?", app.account_no, app.id],
      ]);
      if (((found?.results ?? []) as { status: string }[]).some((c) => c.status === "waiting")) continue;
      await transition(data, notify, app.id, "cancelled", "system", { comment: ORPHAN_COMMENT, db: data.shard(shard) }, now);
      log("warn", "tariff.orphan_withdrawn", { applicationId: app.id });
      withdrawn++;
    } catch (e) {
      // Moved meanwhile (the subscriber withdrew it, an operator took it): nothing to do.
      if (e instanceof AppError && (e.status === 409 || e.status === 404)) continue;
      // A shard unreachable: the next tick looks again.
      log("error", "tariff.orphan_check_failed", { applicationId: app.id, error: errorText(e) });
    }
  }
  return withdrawn;
}
