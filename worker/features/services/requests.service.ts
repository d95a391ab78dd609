import type { z } from "@hono/zod-openapi";
import { type LineCheck, localLineCheck } from "../../adapters/line-check";
import type { DataAccess } from "../../platform/db";
import { AppError, type FieldError } from "../../platform/errors";
import { normalizePhone } from "../../platform/identifiers";
import { addDays, localDay, regionByCode, regionTz } from "../../platform/region";
import { requireAccount } from "../accounts/accounts.service";
import { balanceOf } from "../billing/ledger.service";
import { type Applicant, applicationView, createApplication, type Notify } from "./applications.service";
import { coverageAt } from "./coverage.service";
import { lineOf } from "./line-check.service";
import * as q from "./services.queries";
import type { createApplicationRoute } from "./services.routes";

type Body = z.infer<(typeof createApplicationRoute)["request"]["body"]["content"]["application/json"]["schema"]>;

function checkVisit(region: string, day: string, phone: string, now: Date, errors: FieldError[]) {
  const today = localDay(regionTz(region), now);
  if (day <= today || day > addDays(today, 30)) errors.push({ field: "preferredDay", message: "field.application.day" });
  const contact = normalizePhone(phone);
  if (!contact) errors.push({ field: "contactPhone", message: "field.application.phone" });
  return contact;
}

/** «Расторжение договора» before confirming: what is left on the account and the card a refund goes back to. */
export async function terminationQuote(data: DataAccess, subscriberId: string, accountNo: string) {
  const link = await requireAccount(data, subscriberId, accountNo, "owner");
  const db = data.shard(link.shard);
  const [balanceKop, card] = await Promise.all([balanceOf(db, link.accountNo), q.selectLastPaymentCard(db, link.accountNo)]);
  return {
    accountNo: link.accountNo,
    balanceKop,
    refundCard: card?.last4 ? { last4: card.last4, brand: card.brand ?? null } : null,
  };
}

/**
 * A subscriber's application, checked for its kind: a connection needs an
 * address the network reaches and a tariff that fits it (on this regional
 * site), a visit day within a month; the rest need the holder's account.
 */
export async function applyFor(
  data: DataAccess,
  notify: Notify,
  { subscriberId, homeShard }: Applicant,
  siteRegion: string | null,
  body: Body,
  now = new Date(),
  lines: LineCheck = localLineCheck,
  /** Throws 403 step_up_required unless the session has a fresh SMS code: termination needs one. */
  requireStepUp: () => void = () => {
    throw new AppError(403, "step_up_required");
  },
) {
  const errors: FieldError[] = [];
  if (body.kind === "connection") {
    if (!siteRegion) throw new AppError(400, "region_required");
    const cov = await coverageAt(data, siteRegion, body.street, body.house);
    if (!cov.available) errors.push({ field: "house", message: "field.application.no_coverage" });
    else if (!cov.tariffs.some((t) => t.id === body.tariffId)) errors.push({ field: "tariffId", message: "field.tariff.unavailable" });
    let accountNo: string | null = null;
    if (body.accountNo) {
      const link = await requireAccount(data, subscriberId, body.accountNo, "owner");
      if (link.region !== siteRegion) errors.push({ field: "accountNo", message: "field.application.region" });
      accountNo = link.accountNo;
    }
    const contact = checkVisit(siteRegion, body.preferredDay, body.contactPhone, now, errors);
    if (errors.length) throw new AppError(400, "validation", {}, errors);
    const tariff = cov.tariffs.find((t) => t.id === body.tariffId);
    const address = `${regionByCode(siteRegion)?.nameRu ?? siteRegion}, ${cov.street}, д. ${body.house}${body.flat ? `, кв. ${body.flat}` : ""}`;
    const app = await createApplication(
      data,
      notify,
      {
        region: siteRegion,
        subscriberId,
        homeShard,
        kind: "connection",
        accountNo,
        address,
        contactPhone: contact,
        preferredDay: body.preferredDay,
        preferredSlot: body.preferredSlot,
        details: {
          tariffId: body.tariffId,
          tariffName: tariff?.name.ru,
          technology: cov.technologies[0]?.technology,
          maxMbps: cov.maxMbps,
          comment: body.comment ?? null,
        },
      },
      now,
    );
    return applicationView(app, null, "subscriber");
  }
  const link = await requireAccount(data, subscriberId, body.accountNo, "owner");
  const db = data.shard(link.shard);
  if (body.kind === "disconnection") {
    const svc = await q.selectService(db, link.accountNo, body.serviceId);
    if (!svc || svc.service.status === "ended") throw new AppError(404, "not_found");
    const app = await createApplication(
      data,
      notify,
      {
        region: link.region,
        subscriberId,
        homeShard,
        kind: "disconnection",
        accountNo: link.accountNo,
        serviceId: svc.service.id,
        address: svc.account.address,
        details: { service: svc.tariff.nameRu, reason: body.reason ?? null },
      },
      now,
    );
    return applicationView(app, null, "subscriber");
  }
  if (body.kind === "termination") {
    if (body.refund === "bank" && !body.bankDetails?.trim()) errors.push({ field: "bankDetails", message: "field.application.bank" });
    const quote = await terminationQuote(data, subscriberId, link.accountNo);
    if (body.refund === "card" && quote.balanceKop > 0 && !quote.refundCard)
      errors.push({ field: "refund", message: "field.application.refund_card" });
    if (errors.length) throw new AppError(400, "validation", {}, errors);
    // Closing the contract and sending money out: only with a fresh SMS code.
    requireStepUp();
    const svc = await q.selectServices(db, link.accountNo);
    const app = await createApplication(
      data,
      notify,
      {
        region: link.region,
        subscriberId,
        homeShard,
        kind: "termination",
        accountNo: link.accountNo,
        address: null,
        details: {
          refund: body.refund,
          refundCard:
            body.refund === "card" && quote.refundCard
              ? `${quote.refundCard.brand ? `${quote.refundCard.brand} ` : ""}•••• ${quote.refundCard.last4}`
              : null,
          bankDetails: body.bankDetails ?? null,
          reason: body.reason ?? null,
          services: svc.map((s) => s.tariff.nameRu),
        },
      },
      now,
    );
    return applicationView(app, null, "subscriber");
  }
  const contact = checkVisit(link.region, body.preferredDay, body.contactPhone, now, errors);
  if (errors.length) throw new AppError(400, "validation", {}, errors);
  // A repair request about a home line carries the network's view of it, checked now: the technician starts from it.
  const line = body.serviceId ? await lineOf(data, subscriberId, link.accountNo, body.serviceId) : null;
  const lineCheck = line ? await lines.check(line.line, now) : null;
  const app = await createApplication(
    data,
    notify,
    {
      region: link.region,
      subscriberId,
      homeShard,
      kind: "callout",
      accountNo: link.accountNo,
      serviceId: line?.row.service.id ?? null,
      address: line?.row.account.address ?? null,
      contactPhone: contact,
      preferredDay: body.preferredDay,
      preferredSlot: body.preferredSlot,
      details: line ? { problem: body.problem, service: line.row.tariff.nameRu, lineCheck } : { problem: body.problem },
    },
    now,
  );
  return applicationView(app, null, "subscriber");
}
