import type { z } from "zod";
import type { CorporateNumber, changeNumberRoute, numbersRoute } from "../../../../worker/features/business/numbers.routes";
import type { BodyOf } from "../../../../worker/platform/openapi";
import { apiRequest as request, apiSend as send } from "../../lib/api";
import type { NumberFilter } from "./numberFilter";

/** The corporate numbers' client: types from the Worker's route contracts. */
export type NumberDto = z.infer<typeof CorporateNumber>;
export type NumberListDto = z.infer<(typeof numbersRoute)["responses"][200]["content"]["application/json"]["schema"]>;
export type NumberChange = BodyOf<typeof changeNumberRoute>;

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}/numbers`;

export const numbersApi = {
  list: (orgId: string, f: NumberFilter) => {
    const query = [f.esia ? "esia=unconfirmed" : "", f.over80 ? "over=80" : ""].filter(Boolean).join("&");
    return request<NumberListDto>(`${base(orgId)}${query ? `?${query}` : ""}`);
  },
  change: (orgId: string, msisdn: string, body: NumberChange) =>
    send<NumberDto>("PUT", `${base(orgId)}/${encodeURIComponent(msisdn)}`, body),
  block: (orgId: string, msisdn: string) => send<NumberDto>("POST", `${base(orgId)}/${encodeURIComponent(msisdn)}/block`, {}),
  unblock: (orgId: string, msisdn: string) => send<NumberDto>("POST", `${base(orgId)}/${encodeURIComponent(msisdn)}/unblock`, {}),
};
