import type { ReconciliationDto } from "../../../../worker/features/business/reconciliation.routes";
import { apiRequest as request, apiSend as send } from "../../lib/api";

/** The акт сверки's client: types from the Worker's route contract. */
export type { ReconciliationDto };

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}/reconciliations`;

export const reconciliationApi = {
  request: (orgId: string, body: { from: string; to: string; accounts?: string[] }) =>
    send<{ id: string; status: "queued"; accounts: number }>("POST", base(orgId), body),
  get: (orgId: string, id: string) => request<ReconciliationDto>(`${base(orgId)}/${encodeURIComponent(id)}`),
};

const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** The presets of the period picker, by the reader's calendar: last month, last quarter, last year (whole ones). */
export function presetPeriod(preset: "month" | "quarter" | "year", today = new Date()): { from: string; to: string } {
  const y = today.getFullYear();
  const m = today.getMonth();
  if (preset === "month") return { from: iso(new Date(y, m - 1, 1)), to: iso(new Date(y, m, 0)) };
  if (preset === "quarter") {
    const q = Math.floor(m / 3);
    return { from: iso(new Date(y, (q - 1) * 3, 1)), to: iso(new Date(y, q * 3, 0)) };
  }
  return { from: iso(new Date(y - 1, 0, 1)), to: iso(new Date(y - 1, 11, 31)) };
}
