import type { z } from "zod";
import type {
  AuditItem,
  Employee,
  Invite,
  myOrganisationsRoute,
  OrgAccount,
  Organisation,
} from "../../../../worker/features/business/business.routes";
import { apiRequest as request, apiSend as send } from "../../lib/api";
import type { AuditFilter } from "./auditFilter";

/** The business cabinet's client: types from the Worker's route contracts. */
export type OrganisationDto = z.infer<typeof Organisation>;
export type OrgAccountDto = z.infer<typeof OrgAccount>;
export type EmployeeDto = z.infer<typeof Employee>;
export type InviteDto = z.infer<typeof Invite>;
export type AuditItemDto = z.infer<typeof AuditItem>;
export type OrgRole = EmployeeDto["role"];
export type MyOrganisationDto = z.infer<
  (typeof myOrganisationsRoute)["responses"][200]["content"]["application/json"]["schema"]
>["items"][number];
export const ORG_ROLES: readonly OrgRole[] = ["administrator", "accountant", "manager", "viewer"];

const base = (orgId: string) => `/api/v1/business/organisations/${encodeURIComponent(orgId)}`;
/** The audit log's filter (screen state): the query's kind, actor, from and to, each only when chosen. */
const filterQuery = (f: AuditFilter) =>
  Object.entries(f)
    .filter(([, v]) => v)
    .map(([k, v]) => `&${k}=${encodeURIComponent(v as string)}`)
    .join("");
const page = (cursor: string | null | undefined, limit: number) =>
  `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;

export const businessApi = {
  mine: () => request<{ items: MyOrganisationDto[] }>("/api/v1/business/organisations").then((r) => r.items),
  organisation: (orgId: string) => request<OrganisationDto>(base(orgId)),
  accounts: (orgId: string, cursor?: string | null, limit = 50) =>
    request<{ items: OrgAccountDto[]; total: number; nextCursor: string | null }>(`${base(orgId)}/accounts${page(cursor, limit)}`),
  employees: (orgId: string) => request<{ members: EmployeeDto[]; invites: InviteDto[] }>(`${base(orgId)}/employees`),
  invite: (orgId: string, body: { contact: string; role: OrgRole; accountNos?: string[] | null; siteIds?: string[] | null }) =>
    send<{ id: string; expiresAt: string }>("POST", `${base(orgId)}/invites`, body),
  changeEmployee: (orgId: string, subscriberId: string, body: { role: OrgRole; accountNos?: string[] | null; siteIds?: string[] | null }) =>
    send<void>("PUT", `${base(orgId)}/employees/${encodeURIComponent(subscriberId)}`, body),
  removeEmployee: (orgId: string, subscriberId: string) =>
    send<void>("DELETE", `${base(orgId)}/employees/${encodeURIComponent(subscriberId)}`),
  audit: (orgId: string, cursor?: string | null, limit = 30, filter: AuditFilter = {}) =>
    request<{ items: AuditItemDto[]; nextCursor: string | null }>(`${base(orgId)}/audit${page(cursor, limit)}${filterQuery(filter)}`),
  /** The link that downloads the log found by `filter` (a plain GET: the session cookie goes with it). */
  auditExportUrl: (orgId: string, format: "xlsx" | "csv", filter: AuditFilter = {}) =>
    `${base(orgId)}/audit/export?format=${format}${filterQuery(filter)}`,
  acceptInvite: (code: string) => send<{ orgId: string }>("POST", "/api/v1/business/invites/accept", { code }),
  joinStart: (inn: string) => send<{ expiresAt: string }>("POST", "/api/v1/business/join/start", { inn, channel: "sms" }),
  joinConfirm: (inn: string, code: string) => send<{ orgId: string }>("POST", "/api/v1/business/join/confirm", { inn, code }),
};

/** The organisation last chosen on this device (the context switch: an organisation or the private cabinet). */
const CHOSEN = "kabinet.business.org";
export function rememberOrganisation(orgId: string | null) {
  try {
    if (orgId) localStorage.setItem(CHOSEN, orgId);
    else localStorage.removeItem(CHOSEN);
  } catch {
    // Storage refused (private mode): the choice is not remembered.
  }
}
export function chosenOrganisation(): string | null {
  try {
    return localStorage.getItem(CHOSEN);
  } catch {
    return null;
  }
}
