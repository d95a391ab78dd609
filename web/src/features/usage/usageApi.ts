import type { UsageOrder, UsageReportDto, UsageViewDto } from "../../../../worker/features/usage/usage.routes";
import { accountPath, apiRequest, apiSend, type Items } from "../../lib/api";

export type { UsageOrder, UsageReportDto, UsageViewDto };

/** Usage detail (детализация): the on-screen view, ordered reports and their progress. */
export const usageApi = {
  view: (no: string, params: URLSearchParams) => apiRequest<UsageViewDto>(`${accountPath(no)}/usage?${params}`),
  order: (no: string, body: UsageOrder) => apiSend<UsageReportDto>("POST", `${accountPath(no)}/usage/reports`, body),
  reports: (no: string) => apiRequest<Items<UsageReportDto>>(`${accountPath(no)}/usage/reports`).then((r) => r.items),
};
