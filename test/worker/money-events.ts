import type { LedgerKind } from "../../worker/db/schema/region";
import { appendEntry, type NewEntry } from "../../worker/features/billing/ledger.service";
import type { RegionDb } from "../../worker/platform/db";

/** One generated money event of an account: a day, a kind and an amount (kopecks, positive). */
export interface MoneyEvent {
  month: string;
  day: number;
  kind: "daily" | "fee" | "payment" | "refund" | "promised_payment" | "bonus" | "adjustment";
  kop: number;
}

/**
 * Writes the events on an account as the features do: a daily charge keyed `charge:<service>:<day>` (one a day: a
 * repeat is skipped), a fee as another charge of the service, the rest under `<tag>:<kind>:<account>:<i>`; an
 * adjustment of an odd amount is a debit. Each at the hour `hourOf(i)` of its day in Moscow.
 */
export async function writeMoneyEvents(
  db: RegionDb,
  accountNo: string,
  serviceId: string,
  events: MoneyEvent[],
  tag: string,
  hourOf: (i: number) => number = (i) => i % 24,
) {
  const seen = new Set<string>();
  for (const [i, e] of events.entries()) {
    const localDay = `${e.month}-${String(e.day).padStart(2, "0")}`;
    const kind: LedgerKind = e.kind === "daily" || e.kind === "fee" ? "charge" : e.kind;
    const signed = kind === "charge" ? -e.kop : e.kind === "adjustment" && e.kop % 2 ? -e.kop : e.kop;
    const key = e.kind === "daily" ? `charge:${serviceId}:${localDay}` : `${tag}:${e.kind}:${accountNo}:${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry: NewEntry = {
      accountNo,
      kind,
      amountKop: signed,
      occurredAt: new Date(`${localDay}T${String(hourOf(i)).padStart(2, "0")}:00:00+03:00`),
      localDay,
      serviceId: kind === "charge" ? serviceId : null,
      descriptionRu: e.kind === "daily" ? "Абонентская плата: Тест" : `Тест ${e.kind}`,
      descriptionEn: e.kind === "daily" ? "Subscription fee: Test" : `Test ${e.kind}`,
      idempotencyKey: key,
    };
    await appendEntry(db, entry);
  }
}
