import type { z } from "zod";
import type { ClosingDocument } from "../../../../worker/features/business/closing.routes";
import { apiRequest as request } from "../../lib/api";

/** The closing documents' client (issue 24): types from the Worker's route contract. */
export type ClosingDocumentDto = z.infer<typeof ClosingDocument>;

export const closingApi = {
  list: (orgId: string) =>
    request<{ items: ClosingDocumentDto[] }>(`/api/v1/business/organisations/${encodeURIComponent(orgId)}/documents/closing`).then(
      (r) => r.items,
    ),
};
