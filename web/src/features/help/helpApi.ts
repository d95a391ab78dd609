import type { HelpArticleDto, HelpArticlesDto } from "../../../../worker/features/help/help.routes";
import { apiRequest } from "../../lib/api";

export type { HelpArticleDto };
export type HelpScreen = HelpArticleDto["screens"][number];

export const helpApi = {
  articles: (params: { topic?: string; screen?: HelpScreen } = {}) =>
    apiRequest<HelpArticlesDto>(
      `/api/v1/help/articles?${new URLSearchParams(Object.entries(params).filter(([, v]) => v) as [string, string][])}`,
    ),
  article: (id: string) => apiRequest<HelpArticleDto>(`/api/v1/help/articles/${encodeURIComponent(id)}`),
  search: (q: string) => apiRequest<{ items: HelpArticleDto[] }>(`/api/v1/help/search?q=${encodeURIComponent(q)}`),
};
