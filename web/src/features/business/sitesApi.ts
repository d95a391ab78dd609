import type { accountListRoute, sitesRoute } from "../../../../worker/features/business/sites.routes";
import type { ResponseOf } from "../../../../worker/platform/openapi";
import { apiRequest as request, apiSend as send } from "../../lib/api";
import { type AccountFilter, filterQuery } from "./accountFilter";

/** The accounts list and the sites: types from the Worker's route contracts. */
export type AccountListDto = ResponseOf<typeof accountListRoute>;
export type ListedAccountDto = AccountListDto["items"][number];
export type SiteDto = ResponseOf<typeof sitesRoute>["items"][number];

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}`;

export const sitesApi = {
  list: (orgId: string, f: AccountFilter, offset = 0, limit = 50) => {
    const p = filterQuery(f);
    p.set("offset", String(offset));
    p.set("limit", String(limit));
    return request<AccountListDto>(`${base(orgId)}/account-list?${p}`);
  },
  /** The export's address: a plain link (the browser downloads it with the session's cookie). */
  exportUrl: (orgId: string, f: AccountFilter, format: "xlsx" | "csv", lang: "ru" | "en") => {
    const p = filterQuery(f);
    p.set("format", format);
    p.set("lang", lang);
    return `${base(orgId)}/account-list/export?${p}`;
  },
  sites: (orgId: string) => request<{ items: SiteDto[] }>(`${base(orgId)}/sites`).then((r) => r.items),
  rename: (orgId: string, siteId: string, name: string) =>
    request<{ id: string; name: string; address: string }>(`${base(orgId)}/sites/${encodeURIComponent(siteId)}`, {
      method: "PATCH",
      body: JSON.stringify({ name }),
      headers: { "content-type": "application/json" },
    }),
  move: (orgId: string, accountNo: string, siteId: string) =>
    send<{ accountNo: string; siteId: string }>("PUT", `${base(orgId)}/accounts/${encodeURIComponent(accountNo)}/site`, { siteId }),
};
