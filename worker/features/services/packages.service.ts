import { TARIFF_TEMPLATES } from "../../data/tariffs.data";
import type { DataAccess } from "../../platform/db";
import { localDay, regionTz } from "../../platform/region";
import { requireAccount } from "../accounts/accounts.service";
import * as q from "./services.queries";

const KB_PER_MB = 1024;

/** A package allowance this month: what it holds, what was used, what is left (never below zero). */
function allowance(total: number, used: number) {
  return { total, used, left: Math.max(0, total - used) };
}

/**
 * The monthly packages of an account's mobile numbers (остатки пакета): minutes,
 * SMS and data left this month by the region's calendar. The usage is summed
 * in SQL, one aggregate for the whole account; the package sizes are the
 * tariff's (SMS from the tariff template, by the tariff's code).
 */
export async function accountPackages(data: DataAccess, subscriberId: string, accountNo: string, now = new Date()) {
  const link = await requireAccount(data, subscriberId, accountNo);
  const db = data.shard(link.shard);
  const today = localDay(regionTz(link.region), now);
  const month = today.slice(0, 7);
  const services = (await q.selectServices(db, link.accountNo)).filter((s) => s.tariff.kind === "mobile");
  const used = services.length ? await q.selectPackageUsage(db, link.accountNo, `${month}-01`, today) : [];
  const byService = new Map(used.map((u) => [u.serviceId, u]));
  return {
    accountNo: link.accountNo,
    month,
    asOf: today,
    items: services.map(({ service, tariff }) => {
      const u = byService.get(service.id);
      const template = TARIFF_TEMPLATES.find((t) => `${link.region}-${t.code}` === tariff.id);
      return {
        serviceId: service.id,
        name: { ru: tariff.nameRu, en: tariff.nameEn },
        status: service.status,
        minutes: allowance(tariff.minutes ?? 0, Number(u?.minutes ?? 0)),
        sms: allowance(template?.sms ?? 0, Number(u?.sms ?? 0)),
        dataMb: allowance((tariff.dataGb ?? 0) * 1024, Math.ceil(Number(u?.dataKb ?? 0) / KB_PER_MB)),
      };
    }),
  };
}
